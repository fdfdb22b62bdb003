/**
 * How much slower `kgate token` (cached token, as kubectl runs it through the launcher that
 * `kgate clusters use` writes) starts than `node -e 0`, measured side by side: the two are
 * run alternately N times each, so that load from other processes hits both alike.
 *
 * Usage: node bench/token.ts [N=40]     Target: median ratio ≤ 1.2
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTokenLauncher } from '../packages/cli/src/infrastructure/launcher.ts';
import { fileTokenStore } from '../packages/cli/src/infrastructure/token-store/file.ts';
import { tokenBundlePath } from '../packages/cli/src/install-paths.ts';
import { buildBundles, compareWithNode } from './startup.ts';

const runs = Number(process.argv[2] ?? 40);
buildBundles();
const home = mkdtempSync(path.join(tmpdir(), 'kgate-bench-'));
const server = 'https://central.bench.invalid';
const exp = Math.floor(Date.now() / 1000) + 3600;
const jwt = [{ alg: 'none' }, { sub: '1', exp }, 'sig']
  .map((part) => (typeof part === 'string' ? part : Buffer.from(JSON.stringify(part)).toString('base64url')))
  .join('.');
await fileTokenStore(path.join(home, 'tokens')).save({
  version: 1,
  server,
  user: { id: '1', username: 'bench', roles: [] },
  accessToken: jwt,
  accessTokenExpiresAt: new Date(exp * 1000).toISOString(),
  refreshToken: 'unused',
});
const launcher = writeTokenLauncher({
  binDir: path.join(home, 'bin'),
  kgateHome: home,
  nodePath: process.execPath,
  tokenBundle: tokenBundlePath,
});
const env = {
  ...process.env,
  KGATE_HOME: home,
  KUBERNETES_EXEC_INFO: JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1',
    spec: { interactive: false },
  }),
};

try {
  compareWithNode(
    'kgate token (cached)',
    { command: launcher, args: ['token', '--server', server] },
    env,
    runs,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
