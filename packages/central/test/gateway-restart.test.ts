/**
 * Restarting kgate-central: users stay logged in (the token issuer does not change
 * with the port) and agents come back by themselves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { kubectl } from '../../agent/test/support/kubectl.ts';
import { eventually, startCluster, startTestAgent, tempDir, writeKubeconfig } from './gateway-support.ts';
import { type ClusterJson, removeDataDir, startTestCentral } from './helpers/central.ts';

test('an access token from before a restart still works after it, though central came back on another port', async (t) => {
  const first = await startTestCentral();
  t.after(() => removeDataDir(first.dataDir));
  const { access } = await first.login('admin', first.adminPassword);
  assert.equal(decodeJwt(access).iss, first.central.url, 'the first start names its own URL');
  assert.equal(readFileSync(path.join(first.dataDir, 'issuer'), 'utf8').trim(), first.central.url);
  await first.stop();

  const second = await startTestCentral({ dataDir: first.dataDir, clock: first.clock });
  t.after(() => second.stop());
  assert.notEqual(second.central.url, first.central.url, 'port 0 gave another port');
  const whoami = await second.req<{ username: string }>('GET', '/auth/whoami', { token: access });
  assert.equal(whoami.status, 200, whoami.text);
  assert.equal(whoami.json.username, 'admin');
  const fresh = await second.login('admin', second.adminPassword || first.adminPassword);
  assert.equal(decodeJwt(fresh.access).iss, first.central.url, 'new tokens keep the issuer too');
});

test('central stopped and started again on its ports: the agent reconnects by itself and kubectl needs no new login', async (t) => {
  const apiserver = await startCluster();
  t.after(() => apiserver.close());
  const temp = tempDir();
  t.after(temp.cleanup);
  const env = { KGATE_SERVER_HEARTBEAT_INTERVAL: '500ms' };
  const first = await startTestCentral({ env });
  t.after(() => removeDataDir(first.dataDir));
  const { access } = await first.login('admin', first.adminPassword);
  const created = await first.req<{ join_token: string }>('POST', '/clusters', {
    token: access,
    body: { name: 'dev' },
  });
  const agent = startTestAgent(first.central, apiserver, 'dev', created.json.join_token);
  t.after(() => agent.stop());
  await eventually('connected', () =>
    first.central.services.presence.isConnected('dev') ? true : undefined,
  );
  const kubeconfig = writeKubeconfig(temp.dir, first.central, 'dev', access);
  const before = await kubectl(kubeconfig, ['create', 'configmap', 'before-restart']);
  assert.equal(before.code, 0, before.stderr);

  const flags = {
    listen: `127.0.0.1:${first.central.port}`,
    agentListen: `127.0.0.1:${first.central.agentPort}`,
  };
  await first.stop();
  await eventually('the agent noticing', () =>
    agent
      .records()
      .find((r) => r.msg === 'disconnected from central' || r.msg === 'connection to central failed'),
  );
  const second = await startTestCentral({ dataDir: first.dataDir, clock: first.clock, env, flags });
  t.after(() => second.stop());
  const dev = await eventually('dev connected again', async () => {
    const res = await second.req<{ clusters: ClusterJson[] }>('GET', '/clusters', { token: access });
    return res.json.clusters.find((c) => c.name === 'dev' && c.status === 'connected');
  });
  assert.equal(dev.kubernetes_version, 'v1.33.1');
  const after = await kubectl(kubeconfig, ['get', 'configmap', 'before-restart', '-o', 'name']);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(after.stdout.trim(), 'configmap/before-restart');
  assert.equal(
    agent.records().filter((r) => r.msg === 'registered with central').length,
    2,
    'registered once per central start',
  );
});
