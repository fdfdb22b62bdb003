import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { type ClusterJson, removeDataDir, type SessionJson, startTestCentral } from './helpers/central.ts';

const adminUrl = process.env.KGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  const name = `kgate_test_${randomBytes(6).toString('hex')}`;
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

test('central runs on PostgreSQL: bootstrap, login, refresh, users and clusters, kept across a restart', async (t) => {
  const database = await createDatabase();
  if (!database) {
    t.skip(`no PostgreSQL at ${new URL(adminUrl).host}`);
    return;
  }
  // One hook, in order: central must be stopped before its database is dropped (a forced
  // drop kills the connections of a central still writing, e.g. the end of a request).
  let second: Awaited<ReturnType<typeof startTestCentral>> | undefined;
  let dataDir: string | undefined;
  t.after(async () => {
    await second?.stop();
    if (dataDir !== undefined) removeDataDir(dataDir);
    await database.drop();
  });
  const env = { KGATE_DATABASE_DRIVER: 'postgres', KGATE_DATABASE_URL: database.url };
  const fileText = 'server:\n  public_url: https://kgate.pg.test\n';
  const first = await startTestCentral({ env, fileText });
  dataDir = first.dataDir;
  assert.equal(first.central.store.driver, 'postgres');
  const admin = await first.login('admin', first.adminPassword);
  assert.equal(
    (
      await first.req('POST', '/users', {
        token: admin.access,
        body: { username: 'pat', password: 'pat-password-12' },
      })
    ).status,
    201,
  );
  assert.equal(
    (await first.req('POST', '/clusters', { token: admin.access, body: { name: 'pg-one' } })).status,
    201,
  );
  assert.equal(
    (await first.req('POST', '/clusters', { token: admin.access, body: { name: 'pg-one' } })).status,
    409,
  );
  await first.stop();

  second = await startTestCentral({ env, fileText, dataDir: first.dataDir, clock: first.clock });
  assert.doesNotMatch(second.notices(), /password/);
  assert.equal((await second.req('GET', '/auth/whoami', { token: admin.access })).status, 200);
  const refreshed = await second.req<SessionJson>('POST', '/auth/refresh', {
    body: { refresh_token: admin.refresh },
  });
  assert.equal(refreshed.status, 200);
  const clusters = await second.req<{ clusters: ClusterJson[] }>('GET', '/clusters', {
    token: refreshed.json.access_token,
  });
  assert.deepEqual(
    clusters.json.clusters.map((c) => c.name),
    ['pg-one'],
  );
  assert.ok((await second.login('pat', 'pat-password-12')).access);
});
