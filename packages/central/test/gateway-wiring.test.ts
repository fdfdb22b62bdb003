/**
 * kgate-central as it runs by default: the agent tunnel on the agent port and the
 * `/k8s/<cluster>/` proxy on the user port, wired to central's own join tokens, access
 * tokens, store and log. A real agent (in process) dials it; real kubectl 1.33 goes
 * through it to the fixture cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '@kgate/testkit/apiserver';
import { decodeJwt } from 'jose';
import { kubectl, spawnKubectl } from '../../agent/test/support/kubectl.ts';
import {
  eventually,
  startCluster,
  startTestAgent,
  type TestAgent,
  tempDir,
  writeKubeconfig,
} from './gateway-support.ts';
import { type ClusterJson, removeDataDir, startTestCentral, type TestCentral } from './helpers/central.ts';

interface CreatedJson {
  cluster: ClusterJson;
  join_token: string;
}

let apiserver: ApiServer;
let t: TestCentral;
let admin: string;
let devToken: string;
let agent: TestAgent;
const temp = tempDir();

async function clusters(): Promise<ClusterJson[]> {
  const res = await t.req<{ clusters: ClusterJson[] }>('GET', '/clusters', { token: admin });
  assert.equal(res.status, 200, res.text);
  return res.json.clusters;
}

async function cluster(name: string): Promise<ClusterJson | undefined> {
  return (await clusters()).find((c) => c.name === name);
}

function statusOf(name: string, status: 'connected' | 'disconnected') {
  return eventually(`cluster ${name} ${status}`, async () => {
    const found = await cluster(name);
    return found?.status === status ? found : undefined;
  });
}

async function addCluster(name: string): Promise<string> {
  const res = await t.req<CreatedJson>('POST', '/clusters', { token: admin, body: { name } });
  assert.equal(res.status, 201, res.text);
  return res.json.join_token;
}

before(async () => {
  apiserver = await startCluster();
  t = await startTestCentral({ env: { KGATE_SERVER_HEARTBEAT_INTERVAL: '500ms' } });
  admin = (await t.login('admin', t.adminPassword)).access;
  devToken = await addCluster('dev');
  agent = startTestAgent(t.central, apiserver, 'dev', devToken);
  await statusOf('dev', 'connected');
});

after(async () => {
  await agent.stop();
  await t.stop();
  await apiserver.close();
  removeDataDir(t.dataDir);
  temp.cleanup();
});

describe('the built-in gateway', { timeout: 60_000 }, () => {
  test('a cluster whose agent dialled in with its join token shows connected, with what the agent reported', async () => {
    const dev = await statusOf('dev', 'connected');
    assert.equal(dev.kubernetes_version, 'v1.33.1');
    assert.equal(dev.node_count, 0, 'the fixture has no nodes');
    assert.ok(dev.last_seen !== null && Date.now() - Date.parse(dev.last_seen) < 5_000, 'seen just now');
    const registered = agent.records().find((r) => r.msg === 'registered with central');
    assert.equal(registered?.heartbeatIntervalMs, 500, 'server.heartbeat_interval reaches the agent');
    assert.ok(!agent.text().includes(devToken), 'the join token is in no agent log line');
    assert.ok(!t.logs().includes(devToken), 'nor in central’s log');
  });

  test('kubectl through /k8s/dev runs as the logged-in user, impersonated with kgate groups', async () => {
    const kubeconfig = writeKubeconfig(temp.dir, t.central, 'dev', admin);
    const whoami = await kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    const user = JSON.parse(whoami.stdout).status.userInfo;
    assert.equal(user.username, 'admin');
    assert.ok(user.groups.includes('kgate:authenticated'), user.groups);
    assert.ok(user.groups.includes('kgate:role:admin'), user.groups);

    const created = await kubectl(kubeconfig, ['create', 'configmap', 'made-through-kgate']);
    assert.equal(created.code, 0, created.stderr);
    const record = apiserver.requests.find(
      (r) => r.method === 'POST' && r.path === '/api/v1/namespaces/default/configmaps',
    );
    assert.equal(record?.user, 'admin', 'the cluster ran the create as the user');
    assert.equal(record?.impersonatedBy, 'kgate-admin', 'impersonated by the agent’s own credential');
  });

  test('each proxied request is one audit event naming user, cluster, verb, rule and status, without the token', async () => {
    const kubeconfig = writeKubeconfig(temp.dir, t.central, 'dev', admin);
    const got = await kubectl(kubeconfig, ['get', 'configmap', 'made-through-kgate']);
    assert.equal(got.code, 0, got.stderr);
    const events = await t.central.services.audit.query({ clusterName: 'dev', verb: 'get' });
    const event = events.find((e) => e.name === 'made-through-kgate');
    assert.ok(event, 'the request is in the audit log');
    assert.equal(event.user, 'admin');
    assert.equal(event.kind, 'proxy');
    assert.equal(event.resource, 'configmaps');
    assert.equal(event.decision, 'allowed');
    assert.equal(event.rule, 'admin.rules[0]');
    assert.equal(event.source_ip, '127.0.0.1');
    // Written when the response ended, a moment after kubectl saw it.
    const ended = await eventually('the end of the request', async () =>
      (await t.central.services.audit.query({ clusterName: 'dev', verb: 'get' })).find(
        (e) => e.request_id === event.request_id && e.status !== null,
      ),
    );
    assert.equal(ended.status, 200);
    const all = JSON.stringify(await t.central.services.audit.query({ limit: 10_000 }));
    assert.ok(
      !all.includes(admin) && !all.includes(admin.split('.')[2] ?? admin),
      'no access token in the audit log',
    );
    assert.ok(!t.logs().includes(admin), 'no access token in the log');
  });

  test('GET /info needs no token and names where users and agents reach central', async () => {
    const info = await t.req<Record<string, unknown>>('GET', '/info');
    assert.equal(info.status, 200, info.text);
    assert.deepEqual(info.json, {
      server_url: t.central.url,
      agent_url: t.central.agentUrl,
      heartbeat_interval_ms: 500,
    });
  });

  test('the proxy refuses tokens central did not issue with a 401 Status kubectl prints', async () => {
    const [header, payload, signature] = admin.split('.');
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = decodeJwt(admin);
    const forgeries = {
      'alg none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
      'a changed payload': `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`,
      'a refresh token': (await t.login('admin', t.adminPassword)).refresh,
      garbage: 'not-a-jwt',
    };
    for (const [what, token] of Object.entries(forgeries)) {
      const run = await kubectl(writeKubeconfig(temp.dir, t.central, 'dev', token), ['get', 'pods']);
      assert.equal(run.code, 1, what);
      assert.match(run.stderr, /You must be logged in to the server \(Unauthorized\)/, what);
    }
    // Upgrades (exec, port-forward) are refused the same way, before any agent sees them.
    const exec = await kubectl(writeKubeconfig(temp.dir, t.central, 'dev', 'not-a-jwt'), [
      'exec',
      'x',
      '--',
      'true',
    ]);
    assert.equal(exec.code, 1);
    assert.match(exec.stderr, /Unauthorized/);
  });

  test('a cluster central does not know is a 404 NotFound Status naming it', async () => {
    const kubeconfig = writeKubeconfig(temp.dir, t.central, 'nope', admin);
    // Without discovery in the way, kubectl prints the Status central sent.
    const raw = await kubectl(kubeconfig, ['get', '--raw', '/k8s/nope/api/v1/namespaces/default/pods']);
    assert.equal(raw.code, 1);
    assert.match(raw.stderr, /^Error from server \(NotFound\): clusters "nope" not found$/m);
    // kubectl's discovery of an unknown server prints only the reason.
    const get = await kubectl(kubeconfig, ['get', 'pods']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /Error from server \(NotFound\)/);
  });

  test('a join token presented under another cluster name is refused: no cluster row, no session', async () => {
    await addCluster('other');
    const impostors = [
      startTestAgent(t.central, apiserver, 'ghost', devToken),
      startTestAgent(t.central, apiserver, 'other', devToken),
    ];
    try {
      for (const impostor of impostors)
        await eventually('the refusal', () =>
          impostor.records().find((r) => r.msg === 'connection to central failed'),
        );
      assert.match(
        String(impostors[0]?.records().find((r) => r.msg === 'connection to central failed')?.error),
        /join token was refused for cluster "ghost"/,
      );
      assert.equal(await t.central.store.clusters.findByName('ghost'), undefined, 'no row for ghost');
      assert.deepEqual(
        t.central.gateway.tunnel.registry.list().map((s) => s.clusterName),
        ['dev'],
        'the only session is the real agent’s',
      );
      assert.equal((await cluster('other'))?.status, 'disconnected');
      assert.equal((await cluster('other'))?.last_seen, null);
    } finally {
      for (const impostor of impostors) await impostor.stop();
    }
  });

  test('an agent that stops shows disconnected at once, kubectl gets a 503 that says why, and a new agent heals it', async () => {
    const kubeconfig = writeKubeconfig(temp.dir, t.central, 'dev', admin);
    const seen = (await cluster('dev'))?.last_seen;
    await agent.stop();
    const down = await statusOf('dev', 'disconnected');
    assert.ok(down.last_seen !== null && seen !== null && seen !== undefined, 'last_seen is kept');
    const run = await kubectl(kubeconfig, ['get', 'pods']);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /Error from server \(ServiceUnavailable\): the agent of cluster "dev" is not connected to kgate-central/,
    );
    agent = startTestAgent(t.central, apiserver, 'dev', devToken);
    await statusOf('dev', 'connected');
    const again = await kubectl(kubeconfig, ['get', 'configmap', 'made-through-kgate', '-o', 'name']);
    assert.equal(again.stdout.trim(), 'configmap/made-through-kgate', again.stderr);
  });

  test('removing a cluster refuses its next request with 404, ends its open watch and its agent session', async () => {
    const token = await addCluster('doomed');
    const doomed = startTestAgent(t.central, apiserver, 'doomed', token);
    try {
      await statusOf('doomed', 'connected');
      const kubeconfig = writeKubeconfig(temp.dir, t.central, 'doomed', admin);
      const watch = spawnKubectl(kubeconfig, ['get', 'configmap', 'made-through-kgate', '-w']);
      await watch.waitFor('made-through-kgate');

      const removed = await t.req('DELETE', '/clusters/doomed', { token: admin });
      assert.equal(removed.status, 204);
      const run = await kubectl(kubeconfig, ['get', 'pods']);
      // kubectl cached discovery while the cluster existed, so it prints central's Status.
      assert.match(run.stderr, /Error from server \(NotFound\): .*clusters "doomed" not found/);
      assert.ok(
        !t.central.gateway.tunnel.registry.list().some((s) => s.clusterName === 'doomed'),
        'its session is closed',
      );
      await Promise.race([
        watch.exited,
        new Promise((_, reject) => setTimeout(() => reject(new Error('the watch did not end')), 10_000)),
      ]);
      // The agent dials again, and its join token went with the cluster.
      const refused = doomed.records().length;
      await eventually('a refused reconnect', () =>
        doomed
          .records()
          .slice(refused)
          .find((r) => r.msg === 'connection to central failed'),
      );
      assert.ok(!t.central.services.presence.isConnected('doomed'));
    } finally {
      await doomed.stop();
    }
  });

  test('an expired access token is refused by the proxy, and a fresh login works', async () => {
    const { access } = await t.login('admin', t.adminPassword);
    t.clock.advance(16 * 60_000);
    const run = await kubectl(writeKubeconfig(temp.dir, t.central, 'dev', access), ['get', 'pods']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Unauthorized/);
    const fresh = (await t.login('admin', t.adminPassword)).access;
    const ok = await kubectl(writeKubeconfig(temp.dir, t.central, 'dev', fresh), ['get', 'pods']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
