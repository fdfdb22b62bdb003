import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { loginAs, memoryKeyring, runKgate, type Sandbox, sandbox } from './support/cli.ts';
import { type FakeCentral, startFakeCentral } from './support/fake-central.ts';

let central: FakeCentral;
before(async () => {
  central = await startFakeCentral();
  central.accessTtlSeconds = 900;
  central.addCluster({ name: 'prod', status: 'connected', kubernetesVersion: 'v1.33.1', nodeCount: 3 });
});
after(() => central.close());

function refreshTokenOf(box: Sandbox): string {
  const dir = path.join(box.kgateHome, 'tokens');
  const [file] = readdirSync(dir);
  assert.ok(file);
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')).refreshToken;
}

test('logout revokes the refresh token at central and removes the stored tokens', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  const refreshToken = refreshTokenOf(box);
  assert.ok(central.isRefreshTokenLive(refreshToken));

  const result = await runKgate(['logout'], { env: box.env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /Revoked the session at https:\/\/127\.0\.0\.1:\d+\.\nLogged out of /);
  assert.ok(!central.isRefreshTokenLive(refreshToken), 'central no longer accepts the refresh token');
  assert.deepEqual(readdirSync(path.join(box.kgateHome, 'tokens')), []);

  const token = await runKgate(['token'], { env: box.env });
  assert.equal(token.code, 1);
  assert.match(token.stderr, /not logged in/);
});

test('logout removes the keyring entry when the session was kept there', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const keyring = memoryKeyring();
  await loginAs(box, central, 'admin', 'admin-password-123', { keyring: keyring.load });
  assert.equal(keyring.entries.size, 1);
  const result = await runKgate(['logout'], { env: box.env, keyring: keyring.load });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(keyring.entries.size, 0);
});

test('logout while central is unreachable still removes the local tokens, and says the revocation failed', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  const down = await runKgate(['logout'], {
    env: box.env,
    transport: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  });
  assert.equal(down.code, 0);
  assert.match(
    down.stderr,
    /warning: could not revoke the session at .*connect ECONNREFUSED.*removed the local tokens anyway/,
  );
  assert.deepEqual(readdirSync(path.join(box.kgateHome, 'tokens')), []);
});

test('status shows server, user, roles, token expiry and the selected cluster', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central);
  await runKgate(['clusters', 'use', 'prod'], { env: box.env });
  const text = await runKgate(['status'], { env: box.env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^Server: +${central.url.replaceAll('.', '\\.')}\n`));
  assert.match(text.stdout, /\nUser: +admin \(id [0-9a-f-]+\)\nRoles: +admin\n/);
  assert.match(
    text.stdout,
    /\nToken: +expires \d{4}-\d\d-\d\dT[\d:.]+Z \(in 1[45]m; refreshed automatically\), kept in the 0600 token file\n/,
  );
  assert.match(
    text.stdout,
    /\nCluster: +prod \(context kgate-prod\)\n {2}State: +connected\n {2}Version: +v1\.33\.1\n {2}Nodes: +3\n/,
  );

  const json = await runKgate(['status', '-o', 'json'], { env: box.env });
  const status = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(status), [
    'apiVersion',
    'kind',
    'server',
    'user',
    'tokenExpiresAt',
    'tokenStore',
    'cluster',
  ]);
  assert.equal(status.kind, 'SessionStatus');
  assert.deepEqual(status.user.roles, ['admin']);
  assert.equal(status.tokenStore, 'file');
  assert.equal(status.cluster.name, 'prod');
  assert.equal(status.cluster.status, 'connected');
  assert.deepEqual(parse((await runKgate(['status', '-o', 'yaml'], { env: box.env })).stdout), status);
});

test('status when not logged in says so and how to log in', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  const result = await runKgate(['status'], { env: box.env });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'error: no kgate server is selected\nhint: run `kgate login --server URL`\n');
});
