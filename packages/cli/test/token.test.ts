import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import {
  kgateBin,
  loginAs,
  runKgate,
  type Sandbox,
  sandbox,
  spawnAsync,
  spawnKgateSync,
} from './support/cli.ts';
import { type FakeCentral, startFakeCentral } from './support/fake-central.ts';

let central: FakeCentral;
before(async () => {
  central = await startFakeCentral();
});
after(() => central.close());

function storedSession(box: Sandbox): {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
} {
  const dir = path.join(box.kgateHome, 'tokens');
  const [file] = readdirSync(dir);
  assert.ok(file, 'a token file exists');
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
}

const execInfo = (apiVersion: string) =>
  JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { interactive: false } });

test('kgate token prints only a v1 ExecCredential whose expiry is not after the JWT exp', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 900;
  await loginAs(box, central);
  const env = { ...box.env, KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1') };
  const result = await runKgate(['token', '--server', central.url], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const credential = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(credential), ['kind', 'apiVersion', 'spec', 'status']);
  assert.equal(credential.kind, 'ExecCredential');
  assert.equal(credential.apiVersion, 'client.authentication.k8s.io/v1');
  assert.deepEqual(Object.keys(credential.status).sort(), ['expirationTimestamp', 'token']);
  assert.equal(credential.status.token, storedSession(box).accessToken);
  const exp = decodeJwt(credential.status.token).exp;
  assert.ok(typeof exp === 'number');
  const expiry = Date.parse(credential.status.expirationTimestamp);
  assert.ok(expiry <= exp * 1000, 'expirationTimestamp is not later than the token exp');
  assert.ok(expiry > Date.now() + 800_000, 'and not needlessly early');
  assert.match(credential.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('kgate token answers v1beta1 when KUBERNETES_EXEC_INFO asks for it', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  const env = { ...box.env, KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1beta1') };
  const result = await runKgate(['token', '--server', central.url], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).apiVersion, 'client.authentication.k8s.io/v1beta1');
});

test('kgate token refreshes an access token that expires within a minute and stores the rotated pair', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 30;
  await loginAs(box, central);
  const before = storedSession(box);
  central.accessTtlSeconds = 900;
  const refreshesBefore = central.refreshCount;

  const first = await runKgate(['token', '--server', central.url], { env: box.env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(central.refreshCount, refreshesBefore + 1);
  const after = storedSession(box);
  assert.notEqual(after.accessToken, before.accessToken);
  assert.notEqual(after.refreshToken, before.refreshToken);
  assert.equal(JSON.parse(first.stdout).status.token, after.accessToken);
  assert.ok(!central.isRefreshTokenLive(before.refreshToken), 'the old refresh token was spent');
  assert.ok(central.isRefreshTokenLive(after.refreshToken));

  const second = await runKgate(['token', '--server', central.url], { env: box.env });
  assert.equal(JSON.parse(second.stdout).status.token, after.accessToken, 'a fresh token is reused');
  assert.equal(central.refreshCount, refreshesBefore + 1);
});

test('kgate token through the bin prints the same credential as in-process', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 900;
  await loginAs(box, central);
  const result = await spawnAsync(process.execPath, [kgateBin, 'token', '--server', central.url], box.env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.equal(JSON.parse(result.stdout).status.token, storedSession(box).accessToken);
});

test('concurrent kgate token processes needing a refresh spend the refresh token exactly once', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 30;
  await loginAs(box, central);
  central.accessTtlSeconds = 900;
  const refreshesBefore = central.refreshCount;
  const reusesBefore = central.reuseCount;

  const runs = await Promise.all(
    Array.from({ length: 6 }, () =>
      spawnAsync(process.execPath, [kgateBin, 'token', '--server', central.url], box.env),
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const tokens = new Set(runs.map((run) => JSON.parse(run.stdout).status.token));
  assert.equal(tokens.size, 1, 'every process printed the one refreshed token');
  assert.equal(central.refreshCount, refreshesBefore + 1);
  assert.equal(central.reuseCount, reusesBefore, 'no refresh token was presented twice');
  assert.ok(central.isRefreshTokenLive(storedSession(box).refreshToken));
});

test('kgate token when not logged in exits 1 with one line telling to run kgate login, and prints nothing on stdout', (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = spawnKgateSync(['token', '--server', 'https://central.invalid:8443'], box.env);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    'kgate token: not logged in to https://central.invalid:8443; run `kgate login --server https://central.invalid:8443`\n',
  );
});

test('kgate token whose session central revoked exits 1 and says to log in again', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 30;
  await loginAs(box, central);
  central.accessTtlSeconds = 900;
  central.revokeAllSessions();
  const result = await runKgate(['token', '--server', central.url], { env: box.env });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(
    result.stderr,
    /^kgate token: your session at https:\/\/127\.0\.0\.1:\d+ has ended \(central refused the refresh token: HTTP 401 UNAUTHENTICATED\); run `kgate login --server https:\/\/127\.0\.0\.1:\d+`\n$/,
  );
});

test('kgate token without --server uses the server of the last login', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  central.accessTtlSeconds = 900;
  await loginAs(box, central);
  const result = await runKgate(['token'], { env: box.env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status.token, storedSession(box).accessToken);
});

test('kgate token refuses a KUBERNETES_EXEC_INFO it cannot read, on one line', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const env = { ...box.env, KUBERNETES_EXEC_INFO: execInfo('client.authentication.k8s.io/v1alpha1') };
  const result = await runKgate(['token', '--server', central.url], { env });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.split('\n').length, 2, 'one line');
  assert.match(
    result.stderr,
    /^kgate token: KUBERNETES_EXEC_INFO asks for apiVersion "client\.authentication\.k8s\.io\/v1alpha1"/,
  );
});
