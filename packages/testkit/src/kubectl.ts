/**
 * Finds the real kubectl binaries installed on this machine: `kubectl` on PATH and the
 * versioned `kubectl.1.27` … `kubectl.1.33` beside its real file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** kubectl minor versions the tests drive. */
export const kubectlVersions = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const;
export type KubectlVersion = (typeof kubectlVersions)[number];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The absolute path of a kubectl binary: the one on PATH when `version` is omitted,
 * else `kubectl.<version>` beside the real file of the kubectl on PATH.
 * `KGATE_KUBECTL_DIR` overrides the folder. Throws with a clear message when absent.
 */
export function kubectlPath(version?: KubectlVersion): string {
  const dirOverride = process.env.KGATE_KUBECTL_DIR;
  const base = dirOverride ? path.join(dirOverride, 'kubectl') : onPath('kubectl');
  if (base === undefined) throw new Error('kubectl is not on PATH: install kubectl or set KGATE_KUBECTL_DIR');
  if (version === undefined) return base;
  const dir = dirOverride ?? path.dirname(realpathSync(base));
  const file = path.join(dir, `kubectl.${version}`);
  if (!existsSync(file)) throw new Error(`kubectl ${version} not found at ${file}: set KGATE_KUBECTL_DIR`);
  return file;
}

/** The client version kubectl reports, e.g. `v1.33.1`. */
export function kubectlClientVersion(binary: string): string {
  const out = execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const parsed: unknown = JSON.parse(out);
  const gitVersion = (parsed as { clientVersion?: { gitVersion?: unknown } }).clientVersion?.gitVersion;
  return typeof gitVersion === 'string' ? gitVersion : 'unknown';
}
