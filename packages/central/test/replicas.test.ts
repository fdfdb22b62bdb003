/**
 * Two central replicas on one database (a SQLite file, and PostgreSQL): a change of
 * access made on one replica closes, on the other, the open watch it no longer allows,
 * and refuses that replica's next request. The replica holding the watch learns of the
 * change from the database alone (the access version), not from the replica that made it.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { runProcess, startProcess } from '@kgate/testkit/process';
import {
  eventually,
  startOpenCluster,
  startTestAgent,
  type TestAgent,
  tempDir,
  writeKubeconfig,
} from './gateway-support.ts';
import { removeDataDir, startTestCentral, type TestCentral } from './helpers/central.ts';
import { databaseTest, type TestDatabase } from './helpers/databases.ts';

const kubectl = kubectlPath('1.33');
const temp = tempDir();
let apiserver: ApiServer;

before(async () => {
  apiserver = await startOpenCluster();
  apiserver.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: {},
  });
});

after(async () => {
  await apiserver?.close();
  temp.cleanup();
});

/** Central's settings for `database`, as environment variables. */
function databaseEnv(database: TestDatabase): Record<string, string> {
  return database.config.driver === 'sqlite'
    ? { KGATE_DATABASE_DRIVER: 'sqlite', KGATE_DATABASE_PATH: database.config.path }
    : { KGATE_DATABASE_DRIVER: 'postgres', KGATE_DATABASE_URL: database.config.url };
}

databaseTest(
  "taking a user's roles away on one replica closes their watch on the other within seconds",
  async (database) => {
    const env = databaseEnv(database);
    const replicas: TestCentral[] = [];
    let agent: TestAgent | undefined;
    try {
      const a = await startTestCentral({ env });
      replicas.push(a);
      // The second replica finds the admin, the roles and the users in the database.
      const b = await startTestCentral({ env, roles: [] });
      replicas.push(b);
      const admin = (await a.login('admin', a.adminPassword)).access;
      const created = await a.req<{ join_token: string }>('POST', '/clusters', {
        token: admin,
        body: { name: 'dev' },
      });
      assert.equal(created.status, 201, created.text);
      const user = await a.req<{ id: string }>('POST', '/users', {
        token: admin,
        body: { username: 'alice', password: 'alice-password-123', roles: ['dev'] },
      });
      assert.equal(user.status, 201, user.text);
      // The cluster's agent, and alice, are on replica b.
      agent = startTestAgent(b.central, apiserver, 'dev', created.json.join_token);
      const alice = (await b.login('alice', 'alice-password-123')).access;
      const kubeconfig = writeKubeconfig(temp.dir, b.central, 'dev', alice);
      const kubectlEnv = { PATH: process.env.PATH ?? '', HOME: temp.dir, KUBECONFIG: kubeconfig };
      await eventually('configmaps through replica b', async () => {
        const run = await runProcess(kubectl, ['get', 'configmaps', '-o', 'name'], { env: kubectlEnv });
        return run.code === 0 ? run : undefined;
      });

      const watch = startProcess(kubectl, ['get', 'configmaps', '--watch', '-o', 'name'], {
        env: kubectlEnv,
        killAfterMs: 20_000,
      });
      await watch.waitFor('configmap/settings');
      const started = Date.now();
      const demoted = await a.req('PUT', `/users/${user.json.id}/roles`, {
        token: admin,
        body: { roles: [] },
      });
      assert.equal(demoted.status, 200, demoted.text);
      assert.notEqual(await watch.exited, null, 'the watch ended by itself');
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 10_000, `the watch on replica b was closed after ${tookMs} ms`);

      const refused = await runProcess(kubectl, ['get', 'configmaps'], { env: kubectlEnv });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /Forbidden|forbidden/);
    } finally {
      await agent?.stop();
      for (const replica of replicas.reverse()) {
        await replica.stop();
        removeDataDir(replica.dataDir);
      }
    }
  },
);
