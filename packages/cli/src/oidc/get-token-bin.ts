/**
 * Entry of the `dist/kgate-oidc-login.cjs` bundle: `kgate oidc-login get-token` as its own
 * program, so that kubectl's credential plugin starts nearly as fast as node itself when the
 * cache holds a token. On a miss it imports the slow path (openid-client, the loopback
 * server) from the installation's sources, which the bundle leaves out.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GetTokenSlowPath } from '../commands/oidc-login/get-token.ts';
import { getTokenMain } from '../commands/oidc-login/get-token.ts';
import { fdWriter } from '../infrastructure/fd-writer.ts';

// The launcher passes the kubeconfig's arguments through: `oidc-login get-token --flags…`.
const argv = process.argv.slice(2);
const args = argv[0] === 'oidc-login' && argv[1] === 'get-token' ? argv.slice(2) : argv;
// dist/ is beside src/ in every installation; a computed specifier keeps esbuild from bundling it.
const slowPath = pathToFileURL(path.join(__dirname, '..', 'src', 'commands', 'oidc-login', 'obtain.ts')).href;

// No top-level await: the bundle is CommonJS, which node starts faster than ESM.
void getTokenMain(
  args,
  {
    stdout: fdWriter(1),
    stderr: fdWriter(2),
    env: process.env,
    // Both on first use only: creating process.stdin (or loading node:tty) costs milliseconds.
    stdin: () => process.stdin,
    stdinIsTerminal: () => process.stdin.isTTY === true,
  },
  { loadSlowPath: () => import(slowPath) as Promise<GetTokenSlowPath> },
).then((code) => {
  process.exitCode = code;
});
