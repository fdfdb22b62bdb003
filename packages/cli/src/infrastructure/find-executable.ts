/** Whether a program can be found on PATH, as a shell would look for it. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The first executable file `name` in the directories of `pathValue`, or undefined. */
export function findExecutable(name: string, pathValue: string | undefined): string | undefined {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (pathValue ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const candidate of names.map((n) => path.join(dir, n))) {
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // Not here: try the next one.
      }
    }
  }
  return undefined;
}
