import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { storeTest } from './helpers/databases.ts';

/**
 * The same tests run on SQLite and PostgreSQL (see helpers/databases.ts): the schema and
 * repositories must behave alike on both.
 */

const now = new Date('2030-01-01T00:00:00Z');

storeTest('the schema uses only portable column types (text, integer and bigint)', async (store) => {
  const tables = await store.db.introspection.getTables();
  const ours = tables.filter((table) => !table.name.startsWith('kysely_'));
  assert.deepEqual(ours.map((table) => table.name).sort(), [
    'access_version',
    'agent_join_tokens',
    'audit_head',
    'audit_log',
    'clusters',
    'refresh_tokens',
    'roles',
    'signing_keys',
    'sso_nonces',
    'sso_used_tokens',
    'user_roles',
    'users',
  ]);
  for (const table of ours) {
    for (const column of table.columns) {
      assert.ok(
        ['text', 'integer', 'int4', 'bigint', 'int8'].includes(column.dataType.toLowerCase()),
        `${table.name}.${column.name}: ${column.dataType}`,
      );
    }
  }
});

storeTest(
  'migrations are recorded and reopening the database does not run them again',
  async (store, database) => {
    await store.users.create({
      id: 'u1',
      username: 'kept',
      passwordHash: null,
      roles: ['x'],
      createdAt: now,
    });
    const reopened = await database.reopen();
    try {
      assert.equal((await reopened.users.findByUsername('kept'))?.id, 'u1');
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(reopened.db);
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        ['0001-initial', '0002-audit', '0003-roles', '0004-sso', '0005-access-version'],
      );
    } finally {
      await reopened.close();
    }
  },
);

storeTest('a failure inside a transaction leaves no partial rows', async (store) => {
  await assert.rejects(
    store.transaction(async (tx) => {
      const cluster = await tx.clusters.create({ id: 'c1', name: 'half', createdAt: now });
      await tx.joinTokens.insert({
        id: 't1',
        clusterId: cluster.id,
        tokenHash: 'aa',
        createdAt: now,
        expiresAt: now,
        usedAt: null,
      });
      await tx.users.create({
        id: 'u1',
        username: 'half',
        passwordHash: null,
        roles: ['a'],
        createdAt: now,
      });
      throw new Error('something failed after the writes');
    }),
    /something failed/,
  );
  assert.equal(await store.clusters.findByName('half'), undefined);
  assert.equal(await store.users.count(), 0);
  assert.equal((await store.db.selectFrom('agent_join_tokens').selectAll().execute()).length, 0);
  assert.equal((await store.db.selectFrom('user_roles').selectAll().execute()).length, 0);
});

storeTest(
  'deleting a user removes its roles and refresh tokens; deleting a cluster removes its join tokens',
  async (store) => {
    await store.users.create({ id: 'u1', username: 'a', passwordHash: null, roles: ['r'], createdAt: now });
    await store.refreshTokens.insert({
      id: 'rt',
      tokenHash: 'h',
      userId: 'u1',
      familyId: 'f',
      createdAt: now,
      expiresAt: now,
      revokedAt: null,
    });
    assert.equal(await store.users.delete('u1'), true);
    assert.equal((await store.db.selectFrom('user_roles').selectAll().execute()).length, 0);
    assert.equal((await store.db.selectFrom('refresh_tokens').selectAll().execute()).length, 0);
    assert.equal(await store.users.delete('u1'), false);
    const cluster = await store.clusters.create({ id: 'c1', name: 'c', createdAt: now });
    await store.joinTokens.insert({
      id: 't',
      clusterId: cluster.id,
      tokenHash: 'x',
      createdAt: now,
      expiresAt: now,
      usedAt: null,
    });
    assert.equal(await store.clusters.delete('c'), true);
    assert.equal((await store.db.selectFrom('agent_join_tokens').selectAll().execute()).length, 0);
  },
);

storeTest(
  'the access version moves on with each change of access, in its transaction, and with nothing else',
  async (store) => {
    const version = () => store.accessVersion.current();
    assert.equal(await version(), 0);
    await store.users.create({ id: 'u1', username: 'a', passwordHash: null, roles: ['r'], createdAt: now });
    assert.equal(await version(), 0, 'a new user takes nothing away');
    await store.users.setRoles('u1', ['r']);
    assert.equal(await version(), 0, 'the same roles again are no change');
    await store.users.setRoles('u1', ['x', 'r']);
    assert.equal(await version(), 1);
    assert.equal(await store.roles.upsert('r', { name: 'r', rules: [] }, now), true);
    assert.equal(await store.roles.upsert('r', { name: 'r', rules: [] }, now), false);
    assert.equal(await version(), 2);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.users.setRoles('u1', []);
        throw new Error('failed after the change');
      }),
      /failed after the change/,
    );
    assert.equal(await version(), 2, 'a rolled-back change does not move it');
    assert.equal(await store.users.delete('u1'), true);
    assert.equal(await store.users.delete('u1'), false);
    assert.equal(await version(), 3);
  },
);

storeTest(
  'recordSeen keeps what an agent did not report, and says false for an unknown cluster',
  async (store) => {
    await store.clusters.create({ id: 'c1', name: 'c', createdAt: now });
    await store.clusters.recordSeen('c', { at: now, kubernetesVersion: 'v1.30.0', nodeCount: 2 });
    const later = new Date(now.getTime() + 60_000);
    await store.clusters.recordSeen('c', { at: later });
    const cluster = await store.clusters.findByName('c');
    assert.equal(cluster?.lastSeenAt?.toISOString(), later.toISOString());
    assert.equal(cluster?.kubernetesVersion, 'v1.30.0');
    assert.equal(cluster?.nodeCount, 2);
    assert.equal(await store.clusters.recordSeen('nope', { at: later }), false);
  },
);

storeTest(
  'revoking a refresh token succeeds once, so two concurrent rotations cannot both win',
  async (store) => {
    await store.users.create({ id: 'u1', username: 'a', passwordHash: null, roles: [], createdAt: now });
    await store.refreshTokens.insert({
      id: 'rt',
      tokenHash: 'h',
      userId: 'u1',
      familyId: 'f',
      createdAt: now,
      expiresAt: now,
      revokedAt: null,
    });
    const results = await Promise.all([
      store.refreshTokens.revoke('rt', now),
      store.refreshTokens.revoke('rt', now),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
  },
);
