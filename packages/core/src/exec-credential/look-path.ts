/**
 * Finds a bare command name on PATH the way Go's `exec.LookPath` does for client-go: in the
 * *client's* PATH (not the one `exec.env` may set for the plugin), skipping empty and
 * relative entries, which Go refuses since 1.19.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file `command` runs: `command` itself when it holds a path separator (or on Windows,
 * where spawn's own search applies), else the first executable `dir/command` on `pathEnv`,
 * else `undefined`.
 *
 * @example
 * ```ts
 * lookPath('kubelogin', process.env.PATH); // '/usr/local/bin/kubelogin'
 * ```
 */
export function lookPath(
  command: string,
  pathEnv: string | undefined,
  isExecutable: (file: string) => boolean = isExecutableFile,
): string | undefined {
  if (command.includes('/') || process.platform === 'win32') return command;
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
