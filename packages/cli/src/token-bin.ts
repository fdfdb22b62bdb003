/**
 * Entry of the `dist/kgate-token.cjs` bundle: `kgate token` as its own program, so that
 * kubectl's credential plugin starts nearly as fast as node itself does.
 */
import { writeSync } from 'node:fs';
import { tokenMain } from './commands/token.ts';

/**
 * Writes with `fs.writeSync` instead of `process.stdout`: the plugin prints one small JSON
 * object, and creating the stdout stream (a pipe socket under kubectl) costs start-up time.
 */
function fdWriter(fd: number): { write(chunk: string): void } {
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

// No top-level await: the bundle is CommonJS, which node starts faster than ESM.
void tokenMain(process.argv.slice(2), { stdout: fdWriter(1), stderr: fdWriter(2), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
