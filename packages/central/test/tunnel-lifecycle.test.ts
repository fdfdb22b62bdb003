/**
 * The agent's connection over time, as an operator sees it: the cluster shows
 * disconnected within two heartbeats of the agent going away (stopped, killed, or
 * frozen with its connection still open), requests then get a 503 Status that kubectl
 * prints, and agent or central restarts heal by themselves.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../agent/src/log.ts';
import { type Gateway, startGateway } from '../../agent/test/support/gateway.ts';
import { kubectl } from '../../agent/test/support/kubectl.ts';

const heartbeatMs = 400;
let gateway: Gateway;
let kubeconfig: string;

before(async () => {
  gateway = await startGateway({ heartbeatIntervalMs: heartbeatMs, agent: false });
  kubeconfig = await gateway.kubeconfigFor(await gateway.users.token('alice', ['admin']));
});

after(async () => {
  await gateway.close();
});

/**
 * Waits for the cluster's next disconnect and returns why central ended the session.
 * "At once" is proven by the cause (the agent's connection closing) rather than by a
 * stopwatch, which a loaded CI machine makes meaningless; a frozen agent is caught by
 * the heartbeat deadline instead.
 */
async function disconnectedBecause(since: number, timeoutMs = 10_000): Promise<string> {
  const event = await gateway.presence.waitFor(
    (e) => e.kind === 'disconnected' && e.clusterId === gateway.cluster.clusterId,
    timeoutMs,
    since,
  );
  return event.kind === 'disconnected' ? event.reason : '';
}

const closedAtOnce = /^(control stream closed|agent connection closed)$/;
const missedHeartbeats = new RegExp(`^no heartbeat for ${2 * heartbeatMs} ms$`);

function lines(): { out: Writable; records: Record<string, unknown>[]; text: () => string } {
  const records: Record<string, unknown>[] = [];
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      for (const line of chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''))
        records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { out, records, text: () => text };
}

describe('agent presence', { timeout: 120_000 }, () => {
  test('registering reports the cluster connected with its Kubernetes version and node count', async () => {
    const since = gateway.presence.events.length;
    gateway.startAgent();
    const event = await gateway.presence.waitFor((e) => e.kind === 'connected', 10_000, since);
    assert.equal(event.kind, 'connected');
    if (event.kind === 'connected') {
      assert.equal(event.kubernetesVersion, 'v1.33.1');
      // The fixture serves no nodes API: the agent counts a 404 (or 403) as 0 nodes.
      assert.equal(event.nodeCount, 0);
    }
    assert.equal(gateway.presence.status.get(gateway.cluster.clusterId), 'connected');
    await gateway.presence.waitFor((e) => e.kind === 'seen', 3 * heartbeatMs, since);
  });

  test('stopping the agent shows the cluster disconnected at once, and kubectl then prints that the agent is not connected', async () => {
    const warm = await kubectl(kubeconfig, ['get', 'configmaps']);
    assert.equal(warm.code, 0, warm.stderr);
    const since = gateway.presence.events.length;
    const stopping = gateway.agent?.stop();
    const reason = await disconnectedBecause(since);
    await stopping;
    assert.match(reason, closedAtOnce);
    const result = await kubectl(kubeconfig, ['get', 'configmaps']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /ServiceUnavailable.*the agent of cluster "test-cluster" is not connected/);
  });

  test('a frozen agent whose connection stays open is disconnected within two heartbeat intervals, and reconnects when it wakes', async () => {
    const agent = await gateway.spawnAgent();
    await gateway.waitConnected(15_000);
    const since = gateway.presence.events.length;
    agent.child.kill('SIGSTOP');
    try {
      assert.match(await disconnectedBecause(since), missedHeartbeats);
    } finally {
      agent.child.kill('SIGCONT');
    }
    const reconnected = gateway.presence.events.length;
    await gateway.presence.waitFor((e) => e.kind === 'connected', 15_000, reconnected);
    const result = await kubectl(kubeconfig, ['get', 'configmaps']);
    assert.equal(result.code, 0, result.stderr);
    await agent.stop();
    assert.ok(!agent.lines.join('\n').includes(gateway.joinToken), 'the join token appears in the agent log');
  });

  test('a killed agent process is disconnected at once; a new one registers and serves', async () => {
    const first = await gateway.spawnAgent();
    await gateway.waitConnected(15_000);
    const since = gateway.presence.events.length;
    first.child.kill('SIGKILL');
    assert.match(await disconnectedBecause(since), closedAtOnce);
    const second = await gateway.spawnAgent();
    await second.waitForLog(/registered with central/);
    const result = await kubectl(kubeconfig, ['get', 'configmaps']);
    assert.equal(result.code, 0, result.stderr);
    const stopped = gateway.presence.events.length;
    assert.equal(await second.stop(), 0);
    assert.match(await disconnectedBecause(stopped), closedAtOnce);
  });

  test('after central restarts, the agent reconnects by itself, backing off between attempts', async () => {
    const log = lines();
    gateway.startAgent({ logger: createLogger(log.out, 'info'), backoff: { baseMs: 100, capMs: 1000 } });
    await gateway.waitConnected();
    await gateway.restartTunnel(() => new Promise((r) => setTimeout(r, 1500)));
    await gateway.waitConnected(15_000);
    const retries = log.records.filter((r) => r.msg === 'retrying');
    assert.ok(retries.length >= 2, `retried ${retries.length} times`);
    const delays = retries.map((r) => Number(r.delayMs));
    assert.ok(
      delays.every((d) => d >= 0 && d <= 1000),
      `delays ${delays.join(', ')}`,
    );
    assert.ok(log.records.some((r) => r.msg === 'connection to central failed'));
    const result = await kubectl(kubeconfig, ['get', 'configmaps']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!log.text().includes(gateway.joinToken), 'the join token appears in the agent log');
    await gateway.agent?.stop();
  });

  test('a join token central refuses is retried, and the log names the cluster but never the token', async () => {
    const wrong = 'kgate-join-not-a-valid-token-for-this-cluster';
    const agent = await gateway.spawnAgent([], { AGENT_TOKEN: wrong });
    const failure = await agent.waitForLog(/connection to central failed/);
    assert.match(String(failure.error), /join token was refused for cluster "test-cluster"/);
    await agent.waitForLog(/retrying/);
    assert.equal(gateway.presence.status.get(gateway.cluster.clusterId), 'disconnected');
    await agent.stop();
    const all = agent.lines.join('\n');
    assert.ok(!all.includes(wrong) && !all.includes(gateway.joinToken), 'a token appears in the agent log');
  });
});
