import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ClusterPresence, JOIN_TOKEN_PREFIX } from '@kgate/central';
import { isKgateError } from '@kgate/core/errors';
import {
  type ClusterJson,
  removeDataDir,
  startTestCentral,
  type TestCentral,
  type UserJson,
} from './helpers/central.ts';

interface CreatedJson {
  cluster: ClusterJson;
  join_token: string;
  join_token_expires_at: string;
}

const connected = new Set<string>();
const disconnected: string[] = [];
const presence: ClusterPresence = {
  isConnected: (name) => connected.has(name),
  disconnect: (name) => {
    disconnected.push(name);
  },
};

let t: TestCentral;
let admin: string;
let dev: string;
before(async () => {
  t = await startTestCentral({ presence });
  admin = (await t.login('admin', t.adminPassword)).access;
  await t.req<UserJson>('POST', '/users', {
    token: admin,
    body: { username: 'dev', password: 'dev-password-123', roles: ['dev'] },
  });
  dev = (await t.login('dev', 'dev-password-123')).access;
});
after(async () => {
  await t.stop();
  removeDataDir(t.dataDir);
});

test('an admin creates a cluster and gets a kga_ join token once; only its hash is stored', async () => {
  const res = await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name: 'prod-eu' } });
  assert.equal(res.status, 201);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.json.join_token, new RegExp(`^${JOIN_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
  assert.equal(res.json.cluster.name, 'prod-eu');
  assert.equal(res.json.cluster.status, 'disconnected');
  const expires = new Date(res.json.join_token_expires_at).getTime() - t.clock().getTime();
  assert.equal(expires, 24 * 3_600_000, 'default lifetime 24h');

  const rows = await t.central.store.db.selectFrom('agent_join_tokens').selectAll().execute();
  const dump = JSON.stringify(rows);
  assert.ok(!dump.includes(res.json.join_token), 'the token itself is not in the database');
  assert.ok(!dump.includes(res.json.join_token.slice(4)), 'not even without its prefix');
  assert.equal(rows.length, 1);
  assert.match(rows[0]?.token_hash ?? '', /^[0-9a-f]{64}$/);

  const listed = await t.req<{ clusters: ClusterJson[] }>('GET', '/clusters', { token: admin });
  assert.ok(!listed.text.includes('kga_'), 'the list never shows a join token');
});

test('the join token verifies for its own cluster only, and the agent is marked as having used it', async () => {
  const a = await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name: 'cluster-a' } });
  await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name: 'cluster-b' } });
  const auth = t.central.services.auth;
  const cluster = await auth.verifyAgentJoinToken(a.json.join_token, 'cluster-a');
  assert.equal(cluster.name, 'cluster-a');
  await assert.rejects(auth.verifyAgentJoinToken(a.json.join_token, 'cluster-b'), (e) =>
    isKgateError(e, 'UNAUTHENTICATED'),
  );
  await assert.rejects(auth.verifyAgentJoinToken(a.json.join_token, 'no-such-cluster'), (e) =>
    isKgateError(e, 'UNAUTHENTICATED'),
  );
  await assert.rejects(auth.verifyAgentJoinToken(`${a.json.join_token}x`, 'cluster-a'), (e) =>
    isKgateError(e, 'UNAUTHENTICATED'),
  );
  const row = await t.central.store.db
    .selectFrom('agent_join_tokens')
    .innerJoin('clusters', 'clusters.id', 'agent_join_tokens.cluster_id')
    .select('used_at')
    .where('clusters.name', '=', 'cluster-a')
    .executeTakeFirstOrThrow();
  assert.ok(row.used_at);
});

test('a join token expires after its ttl, and a new one can be issued for the cluster', async () => {
  const res = await t.req<CreatedJson>('POST', '/clusters', {
    token: admin,
    body: { name: 'short', ttl: '1h' },
  });
  assert.equal(new Date(res.json.join_token_expires_at).getTime() - t.clock().getTime(), 3_600_000);
  t.clock.advance(3_600_000 + 1);
  // The clock moved past the access tokens' lifetime too.
  admin = (await t.login('admin', t.adminPassword)).access;
  dev = (await t.login('dev', 'dev-password-123')).access;
  await assert.rejects(t.central.services.auth.verifyAgentJoinToken(res.json.join_token, 'short'), (e) =>
    isKgateError(e, 'UNAUTHENTICATED'),
  );
  const fresh = await t.req<{ join_token: string }>('POST', '/clusters/short/join-tokens', {
    token: admin,
    body: {},
  });
  assert.equal(fresh.status, 201);
  assert.equal(
    (await t.central.services.auth.verifyAgentJoinToken(fresh.json.join_token, 'short')).name,
    'short',
  );
  const tooLong = await t.req('POST', '/clusters', { token: admin, body: { name: 'long', ttl: '9999h' } });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.json.error.message, /body\.ttl/);
});

test('the cluster list shows connected clusters and what their agent reported when last seen', async () => {
  await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name: 'seen' } });
  const at = new Date('2030-05-01T10:00:00Z');
  assert.ok(
    await t.central.store.clusters.recordSeen('seen', { at, kubernetesVersion: 'v1.33.1', nodeCount: 3 }),
  );
  connected.add('seen');
  const res = await t.req<{ clusters: ClusterJson[] }>('GET', '/clusters', { token: dev });
  assert.equal(res.status, 200, 'any signed-in user can list clusters');
  const seen = res.json.clusters.find((c) => c.name === 'seen');
  assert.deepEqual(
    { ...seen, created_at: undefined },
    {
      name: 'seen',
      status: 'connected',
      last_seen: at.toISOString(),
      kubernetes_version: 'v1.33.1',
      node_count: 3,
      created_at: undefined,
    },
  );
  const other = res.json.clusters.find((c) => c.name === 'prod-eu');
  assert.equal(other?.status, 'disconnected');
  assert.equal(other?.last_seen, null);
});

test('creating a cluster refuses bad names, unknown fields, duplicates and non-admins', async () => {
  const bad = await t.req('POST', '/clusters', { token: admin, body: { name: 'Prod_EU' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'INVALID_ARGUMENT');
  assert.match(bad.json.error.message, /body\.name: expected a DNS-1123 label/);
  const extra = await t.req('POST', '/clusters', { token: admin, body: { name: 'ok', owner: 'me' } });
  assert.equal(extra.status, 400);
  assert.match(extra.json.error.message, /unknown field "owner"/);
  const long = await t.req('POST', '/clusters', { token: admin, body: { name: 'a'.repeat(64) } });
  assert.equal(long.status, 400);
  await t.req('POST', '/clusters', { token: admin, body: { name: 'dup' } });
  const dup = await t.req('POST', '/clusters', { token: admin, body: { name: 'dup' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'ALREADY_EXISTS');
  const notAdmin = await t.req('POST', '/clusters', { token: dev, body: { name: 'mine' } });
  assert.equal(notAdmin.status, 403);
  assert.equal(notAdmin.json.error.code, 'PERMISSION_DENIED');
  const names = (await t.central.store.clusters.list()).map((c) => c.name);
  assert.ok(
    !names.includes('ok') && !names.includes('mine') && !names.includes('Prod_EU'),
    'no row for refused input',
  );
});

test('deleting a cluster removes it and its join tokens and disconnects its agent; admins only', async () => {
  const created = await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name: 'doomed' } });
  assert.equal((await t.req('DELETE', '/clusters/doomed', { token: dev })).status, 403);
  const res = await t.req('DELETE', '/clusters/doomed', { token: admin });
  assert.equal(res.status, 204);
  assert.ok(disconnected.includes('doomed'));
  assert.equal(await t.central.store.clusters.findByName('doomed'), undefined);
  await assert.rejects(t.central.services.auth.verifyAgentJoinToken(created.json.join_token, 'doomed'));
  const again = await t.req('DELETE', '/clusters/doomed', { token: admin });
  assert.equal(again.status, 404);
  assert.equal(again.json.error.code, 'NOT_FOUND');
  // Recreating the name does not revive the old token.
  await t.req('POST', '/clusters', { token: admin, body: { name: 'doomed' } });
  await assert.rejects(t.central.services.auth.verifyAgentJoinToken(created.json.join_token, 'doomed'));
});
