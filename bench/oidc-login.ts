/**
 * How much slower `kgate oidc-login get-token` with a cached token starts than `node -e 0`,
 * run as kubectl runs it: through the launcher `kgate oidc-login setup` writes into the
 * kubeconfig, with the arguments setup gives it, the default (keyring) storage on a machine
 * whose token is in the 0600 file, and KUBERNETES_EXEC_INFO set.
 *
 * Usage: node bench/oidc-login.ts [N=40]     Target: median ratio ≤ 1.2
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { oidcBundlePath } from '../packages/cli/src/commands/oidc-login/bundle-path.ts';
import { getTokenArgs } from '../packages/cli/src/commands/oidc-login/setup.ts';
import { writeTokenLauncher } from '../packages/cli/src/infrastructure/launcher.ts';
import { oidcCacheKey } from '../packages/cli/src/oidc/cache/key.ts';
import { oidcTokenCache } from '../packages/cli/src/oidc/cache/store.ts';
import { parseOidcLoginArgs } from '../packages/cli/src/oidc/settings.ts';
import { buildBundles, compareWithNode } from './startup.ts';

const runs = Number(process.argv[2] ?? 40);
buildBundles();

const home = mkdtempSync(path.join(tmpdir(), 'kgate-bench-oidc-'));
const env = {
  ...process.env,
  HOME: home,
  KUBERNETES_EXEC_INFO: JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1',
    spec: { interactive: false },
  }),
};
const settings = parseOidcLoginArgs(
  [
    '--issuer-url=https://idp.bench.invalid',
    '--client-id=kubectl',
    '--extra-scope=email',
    '--extra-scope=groups',
  ],
  env,
  'setup',
);
if (settings === 'help') throw new Error('unreachable');
const exp = Math.floor(Date.now() / 1000) + 3600;
const idToken = [{ alg: 'RS256' }, { sub: 'bench', exp }, 'sig']
  .map((part) => (typeof part === 'string' ? part : Buffer.from(JSON.stringify(part)).toString('base64url')))
  .join('.');
await oidcTokenCache({ dir: settings.cacheDir, storage: 'disk', keyring: null }).save({
  version: 1,
  key: oidcCacheKey(settings),
  issuer: settings.issuerUrl,
  clientId: settings.clientId,
  idToken,
  accessToken: 'unused',
  refreshToken: 'unused',
  idTokenExpiresAt: new Date(exp * 1000).toISOString(),
  accessTokenExpiresAt: new Date(exp * 1000).toISOString(),
});
const launcher = writeTokenLauncher({
  binDir: path.join(home, '.kgate', 'bin', 'oidc-login'),
  kgateHome: path.join(home, '.kgate'),
  nodePath: process.execPath,
  tokenBundle: oidcBundlePath,
});
try {
  compareWithNode(
    'oidc-login get-token (cached)',
    { command: launcher, args: getTokenArgs(settings) },
    env,
    runs,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
