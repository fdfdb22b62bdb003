/**
 * One slow reader never slows anyone else: a watch whose client stops reading fills
 * only its own stream's buffers (each tunnelled request is its own HTTP/2 stream with
 * its own flow-control window), while other requests through the same agent stay fast;
 * and the stalled watch loses nothing when its reader comes back.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { type Gateway, startGateway } from '../../agent/test/support/gateway.ts';

let gateway: Gateway;
let token: string;

before(async () => {
  // Long heartbeats: the test creates megabytes of objects in this same process, and a
  // busy event loop must not pass for a dead agent.
  gateway = await startGateway({ heartbeatIntervalMs: 10_000 });
  token = await gateway.users.token('alice', ['admin']);
});

after(async () => {
  await gateway.close();
});

function timedGet(path: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    https
      .get(`${gateway.centralUrl}/k8s/${gateway.cluster.clusterName}${path}`, {
        ca: gateway.centralCaPem,
        headers: { authorization: `Bearer ${token}` },
      })
      .on('response', (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

test('a watch whose reader stalls does not delay other requests, and delivers every event once read again', {
  timeout: 120_000,
}, async (t) => {
  const count = 400;
  // An object to list first, so the watch answers at once with its ADDED event.
  gateway.apiserver.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'seed', namespace: 'default' },
  });
  const watch = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    https
      .get(
        `${gateway.centralUrl}/k8s/${gateway.cluster.clusterName}/api/v1/namespaces/default/configmaps?watch=1`,
        {
          ca: gateway.centralCaPem,
          headers: { authorization: `Bearer ${token}` },
        },
      )
      .on('response', resolve)
      .on('error', reject);
  });
  t.after(() => watch.destroy());
  assert.equal(watch.statusCode, 200);
  // The reader stalls: nothing is read from here on until resume().
  watch.pause();
  const payload = 'x'.repeat(64 * 1024);
  for (let i = 0; i < count; i++) {
    gateway.apiserver.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `bulk-${i}`, namespace: 'default' },
      data: { payload },
    });
    if (i % 20 === 19) await new Promise((r) => setImmediate(r));
  }
  // ~26 MB of events are now queued behind the stalled reader: more than the kernel's
  // socket buffers hold, so the tunnel stream's own window closes.
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) latencies.push(await timedGet('/api/v1/namespaces/default/configmaps/bulk-1'));
  const slowest = Math.max(...latencies);
  assert.ok(slowest < 3000, `a GET took ${slowest.toFixed(0)} ms while the watch was stalled`);

  const names = new Set<string>();
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${names.size} of ${count} events arrived`)),
      60_000,
    );
    watch.setEncoding('utf8');
    watch.on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
        if (event.type === 'ADDED' && event.object.metadata.name.startsWith('bulk-'))
          names.add(event.object.metadata.name);
      }
      if (names.size === count) {
        clearTimeout(timer);
        resolve();
      }
    });
    watch.resume();
  });
  watch.destroy();
  assert.equal(names.size, count);
});

test('a tunnel stream its reader paused receives nothing more, while other streams of the same agent keep flowing', {
  timeout: 60_000,
}, async (t) => {
  const requestId = 'paused-watch';
  let received = 0;
  let deliveredWhilePaused = 0;
  let paused = false;
  const exchange = await gateway.tunnel().openExchange(gateway.cluster.clusterId, {
    onHead() {},
    onData(data) {
      received += data.length;
      if (paused) deliveredWhilePaused += data.length;
    },
    onEnd() {},
    onError() {},
  });
  t.after(() => exchange.reset('test done'));
  exchange.open(
    {
      requestId,
      method: 'GET',
      path: '/api/v1/namespaces/default/configmaps?watch=1',
      headers: [{ name: 'Accept', value: 'application/json' }],
      assertion: gateway.signer.sign(
        { userId: 'u', username: 'alice', roles: ['admin'] },
        gateway.cluster,
        requestId,
        exchange.assertionKey,
      ),
      upgrade: false,
    },
    { end: true },
  );
  await new Promise((r) => setTimeout(r, 300));
  exchange.pause();
  paused = true;
  const before = received;
  const payload = 'y'.repeat(64 * 1024);
  for (let i = 0; i < 100; i++) {
    gateway.apiserver.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `paused-${i}`, namespace: 'default' },
      data: { payload },
    });
    if (i % 20 === 19) await new Promise((r) => setImmediate(r));
  }
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) latencies.push(await timedGet('/api/v1/namespaces/default/configmaps/seed'));
  assert.ok(Math.max(...latencies) < 3000, `GETs took ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
  assert.equal(deliveredWhilePaused, 0);
  exchange.resume();
  const deadline = Date.now() + 30_000;
  while (received - before < 100 * 64 * 1024 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(received - before >= 100 * 64 * 1024, `only ${received - before} bytes arrived after resuming`);
});
