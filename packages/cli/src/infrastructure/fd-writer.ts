/**
 * Output for the credential-plugin bundles (`kgate token`, `kgate oidc-login get-token`):
 * they print one small JSON object, and creating `process.stdout` (a pipe socket under
 * kubectl) costs start-up time that `fs.writeSync` does not.
 */
import { writeSync } from 'node:fs';

/** A writer for file descriptor `fd` (1 stdout, 2 stderr) that writes synchronously. */
export function fdWriter(fd: number): { write(chunk: string): void } {
  return {
    write(chunk) {
      let buffer = Buffer.from(chunk);
      while (buffer.length > 0) {
        try {
          buffer = buffer.subarray(writeSync(fd, buffer));
        } catch (error) {
          // A non-blocking pipe that is full: wait for the reader rather than lose output.
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
      }
    },
  };
}
