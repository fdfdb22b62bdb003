/**
 * kgate against the real kgate-central (`startCentral`): login, clusters, the credential
 * plugin with refresh and concurrency, real kubectl through the kubeconfig `clusters use`
 * wrote, logout, admin commands.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { decodeJwt } from 'jose';
import { kgateBin, loginAs, runKgate, type Sandbox, sandbox, spawnAsync } from './support/cli.ts';
import { type RealCentral, startRealCentral } from './support/real-central.ts';

let central: RealCentral;
before(async () => {
  central = await startRealCentral();
  const admin = sandbox();
  await loginAs(admin, central, 'admin', central.adminPassword);
  for (const name of ['prod', 'staging']) {
    const added = await runKgate(['admin', 'clusters', 'add', name], { env: admin.env });
    assert.equal(added.code, 0, added.stderr);
  }
  await central.central.store.clusters.recordSeen('prod', {
    at: new Date(),
    kubernetesVersion: 'v1.33.1',
    nodeCount: 3,
  });
  central.connected.add('prod');
  admin.cleanup();
});
after(() => central.stop());

function session(box: Sandbox): { accessToken: string; refreshToken: string } {
  const dir = path.join(box.kgateHome, 'tokens');
  const [file] = readdirSync(dir);
  assert.ok(file, 'a token file exists');
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
}

/** Whether central still accepts `refreshToken` (spends it: use only at the end of a test). */
async function refreshWorks(server: RealCentral, refreshToken: string): Promise<boolean> {
  const response = await fetchCentral(server, '/auth/refresh', { refresh_token: refreshToken });
  return response.status === 200;
}

async function fetchCentral(
  server: RealCentral,
  urlPath: string,
  body: unknown,
): Promise<{ status: number }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${urlPath}`, {
      method: 'POST',
      ca: server.caPem,
      headers: { 'content-type': 'application/json' },
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('login to central, list its clusters as JSON, and a wrong password is refused', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central, 'admin', central.adminPassword);
  const list = await runKgate(['clusters', 'list', '-o', 'json'], { env: box.env });
  assert.equal(list.code, 0, list.stderr);
  const items = JSON.parse(list.stdout).items;
  assert.deepEqual(
    items.map(
      (c: { name: string; status: string; kubernetesVersion: string | null; nodeCount: number | null }) => [
        c.name,
        c.status,
        c.kubernetesVersion,
        c.nodeCount,
      ],
    ),
    [
      ['prod', 'connected', 'v1.33.1', 3],
      ['staging', 'disconnected', null, null],
    ],
  );

  const ca = box.file('ca.pem', central.caPem);
  const wrong = await runKgate(
    [
      'login',
      '--server',
      central.url,
      '--username',
      'admin',
      '--password-stdin',
      '--certificate-authority',
      ca,
    ],
    { env: box.env, stdin: 'not-the-password\n' },
  );
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    /^error: central at .* refused the login of "admin": wrong username or password\n/,
  );
});

test('real kubectl 1.33 uses the kubeconfig clusters use wrote: kgate token runs and central sees the bearer', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central, 'admin', central.adminPassword);
  const use = await runKgate(['clusters', 'use', 'prod'], { env: box.env });
  assert.equal(use.code, 0, use.stderr);
  const kubeconfig = readFileSync(path.join(box.home, '.kube', 'config'), 'utf8');
  assert.doesNotMatch(kubeconfig, /kgr_|eyJ/, 'no token in the kubeconfig');

  const seen = central.proxied.length;
  // PATH without the repo's node, and no KGATE_HOME: the launcher pins both.
  const result = await spawnAsync(kubectlPath('1.33'), ['version', '-o', 'json'], {
    HOME: box.home,
    PATH: '/usr/bin:/bin',
    KGATE_KEYRING: 'off',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).serverVersion.gitVersion, 'v1.33.1');
  const request = central.proxied.slice(seen).find((r) => r.path === '/k8s/prod/version');
  assert.ok(request, 'kubectl reached central on the cluster proxy path');
  assert.equal(request.username, 'admin');
  assert.equal(request.authorization, `Bearer ${session(box).accessToken}`);
});

test('kgate token refreshes a token about to expire against central; concurrent runs refresh once', async (t) => {
  // A central whose clock runs 14.5 minutes behind: its 15-minute tokens have ~30 s left.
  const late = await startRealCentral({ clockOffsetMs: -(14 * 60 + 30) * 1000 });
  t.after(() => late.stop());
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, late, 'admin', late.adminPassword);
  const before = session(box);
  const exp = decodeJwt(before.accessToken).exp ?? 0;
  assert.ok(exp * 1000 - Date.now() < 60_000, 'the first token expires within a minute');
  late.advanceClock((14 * 60 + 30) * 1000);

  const runs = await Promise.all(
    Array.from({ length: 5 }, () =>
      spawnAsync(process.execPath, [kgateBin, 'token', '--server', late.url], box.env),
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const tokens = new Set(runs.map((run) => JSON.parse(run.stdout).status.token));
  assert.equal(tokens.size, 1, 'all printed the one refreshed token');
  const after = session(box);
  assert.notEqual(after.accessToken, before.accessToken);
  assert.equal([...tokens][0], after.accessToken);
  assert.equal(late.requests.filter((r) => r.path === '/auth/refresh').length, 1, 'one refresh request');
  const expiry = Date.parse(JSON.parse(runs[0]?.stdout ?? '{}').status.expirationTimestamp);
  assert.ok(expiry <= (decodeJwt(after.accessToken).exp ?? 0) * 1000);
  // Reuse detection would have revoked the family; the stored refresh token still works.
  assert.ok(await refreshWorks(late, after.refreshToken));
});

test('logout revokes the session at central', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central, 'admin', central.adminPassword);
  const { refreshToken } = session(box);
  const result = await runKgate(['logout'], { env: box.env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Revoked the session at /);
  assert.equal(await refreshWorks(central, refreshToken), false);
});

test('admin creates a user whose login then works, and removes a cluster', async (t) => {
  const box = sandbox();
  t.after(box.cleanup);
  await loginAs(box, central, 'admin', central.adminPassword);
  const undefinedRole = await runKgate(
    ['admin', 'users', 'create', 'dana', '--role', 'viewer', '--password-stdin'],
    { env: box.env, stdin: 'dana-password-12345\n' },
  );
  assert.equal(undefinedRole.code, 1);
  assert.match(undefinedRole.stderr, /role "viewer" is not defined/);
  assert.match(undefinedRole.stderr, /hint: kgate admin roles list shows the roles/);
  const roles = box.file(
    'roles.yaml',
    'roles:\n  - name: viewer\n    rules:\n      - clusters: ["*"]\n        resources: ["*"]\n        verbs: [get, list, watch]\n',
  );
  const applied = await runKgate(['admin', 'roles', 'apply', '-f', roles], { env: box.env });
  assert.equal(applied.code, 0, applied.stderr);
  const created = await runKgate(
    ['admin', 'users', 'create', 'dana', '--role', 'viewer', '--password-stdin'],
    {
      env: box.env,
      stdin: 'dana-password-12345\n',
    },
  );
  assert.equal(created.code, 0, created.stderr);
  const dana = sandbox();
  t.after(dana.cleanup);
  await loginAs(dana, central, 'dana', 'dana-password-12345');
  const status = JSON.parse((await runKgate(['status', '-o', 'json'], { env: dana.env })).stdout);
  assert.equal(status.user.username, 'dana');
  assert.deepEqual(status.user.roles, ['viewer']);

  const added = await runKgate(
    ['admin', 'clusters', 'add', 'temp', '-o', 'json', '--agent-url', central.central.agentUrl],
    {
      env: box.env,
    },
  );
  assert.equal(added.code, 0, added.stderr);
  const secret = JSON.parse(added.stdout).items.find((o: { kind: string }) => o.kind === 'Secret');
  assert.equal(secret.stringData.CENTRAL_URL, central.central.agentUrl);
  // The token in the manifest is one central accepts from the agent of that cluster.
  const cluster = await central.central.services.auth.verifyAgentJoinToken(
    secret.stringData.AGENT_TOKEN,
    'temp',
  );
  assert.equal(cluster.name, 'temp');
  const removed = await runKgate(['admin', 'clusters', 'remove', 'temp'], { env: box.env });
  assert.equal(removed.code, 0, removed.stderr);
  const names = JSON.parse(
    (await runKgate(['clusters', 'list', '-o', 'json'], { env: box.env })).stdout,
  ).items.map((c: { name: string }) => c.name);
  assert.ok(!names.includes('temp'));
});
