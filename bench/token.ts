/**
 * How much slower `kgate token` (cached token, as kubectl runs it through the launcher that
 * `kgate clusters use` writes) starts than `node -e 0`, measured side by side: the two are
 * run alternately N times each, so that load from other processes hits both alike.
 *
 * Usage: node bench/token.ts [N=40]     Target: median ratio ≤ 1.2
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTokenLauncher } from '../packages/cli/src/infrastructure/launcher.ts';
import { fileTokenStore } from '../packages/cli/src/infrastructure/token-store/file.ts';
import { tokenBundlePath } from '../packages/cli/src/install-paths.ts';

const runs = Number(process.argv[2] ?? 40);
const root = path.resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [path.join(root, 'packages/cli/scripts/build.mjs')], { stdio: 'inherit' });

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

function time(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return elapsed;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

// One warm-up each, so the page cache holds both.
time(process.execPath, ['-e', '0']);
time(launcher, ['token', '--server', server]);
const node: number[] = [];
const token: number[] = [];
for (let i = 0; i < runs; i++) {
  node.push(time(process.execPath, ['-e', '0']));
  token.push(time(launcher, ['token', '--server', server]));
}
rmSync(home, { recursive: true, force: true });

const ms = (v: number) => `${v.toFixed(1)} ms`;
console.log(`runs: ${runs} each, alternating (${process.version})`);
console.log(`node -e 0            median ${ms(median(node))}  min ${ms(Math.min(...node))}`);
console.log(`kgate token (cached) median ${ms(median(token))}  min ${ms(Math.min(...token))}`);
console.log(
  `ratio kgate token / node -e 0: median ${(median(token) / median(node)).toFixed(2)}, min ${(Math.min(...token) / Math.min(...node)).toFixed(2)} (target ≤ 1.2)`,
);
