/**
 * Entry of the `dist/kgate-token.cjs` bundle: `kgate token` as its own program, so that
 * kubectl's credential plugin starts nearly as fast as node itself does.
 */
import { tokenMain } from './commands/token.ts';
import { fdWriter } from './infrastructure/fd-writer.ts';

// No top-level await: the bundle is CommonJS, which node starts faster than ESM.
void tokenMain(process.argv.slice(2), { stdout: fdWriter(1), stderr: fdWriter(2), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
