/**
 * The real kubectl 1.33 (and 1.27 for SPDY) through central's `/k8s/<cluster>/` proxy,
 * the tunnel and the agent, to the API server fixture: what a user runs must work as
 * against the cluster itself, and the cluster must see the user (impersonated by the
 * agent), never the agent or central.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { echoThrough } from '@kgate/testkit/echo';
import { kubectlPath } from '@kgate/testkit/kubectl';
import { startProcess } from '@kgate/testkit/process';
import { agentUser, type Gateway, startGateway } from '../../agent/test/support/gateway.ts';
import { kubectl, spawnKubectl } from '../../agent/test/support/kubectl.ts';

let gateway: Gateway;
let alice: string;

function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [
        { name: 'app', image: 'registry.example/echo:1', stdin: true, ports: [{ containerPort: 8080 }] },
      ],
    },
  };
}

before(async () => {
  gateway = await startGateway();
  const token = await gateway.users.token('alice', ['admin']);
  alice = await gateway.kubeconfigFor(token, 'alice');
  gateway.apiserver.store.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { color: 'blue' },
  });
  gateway.apiserver.store.create(pod('web'));
});

after(async () => {
  await gateway.close();
});

describe('kubectl through central', { timeout: 120_000 }, () => {
  test('get prints the object, and the API server ran it as the user with kgate groups, impersonated by the agent', async () => {
    const before = gateway.apiserver.requests.length;
    const result = await kubectl(alice, ['get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'blue');
    const seen = gateway.apiserver.requests
      .slice(before)
      .find((r) => r.resource === 'configmaps' && r.name === 'settings');
    assert.ok(seen, 'the API server saw the GET');
    assert.equal(seen.user, 'alice');
    assert.equal(seen.impersonatedBy, agentUser);
    assert.deepEqual(
      seen.groups.filter((g) => g.startsWith('kgate:')),
      ['kgate:authenticated', 'kgate:role:admin'],
    );
  });

  test('the proxy records who did what on which cluster, with the status and bytes', async () => {
    await kubectl(alice, ['get', 'configmap', 'settings']);
    const record = gateway.recorder.records.findLast(
      (r) => r.resource === 'configmaps' && r.name === 'settings',
    );
    assert.ok(record);
    assert.equal(record.username, 'alice');
    assert.equal(record.clusterName, gateway.cluster.clusterName);
    assert.equal(record.clusterId, gateway.cluster.clusterId);
    assert.equal(record.verb, 'get');
    assert.equal(record.namespace, 'default');
    assert.equal(record.status, 200);
    assert.ok(record.bytesOut > 0);
    assert.match(record.requestId, /^[0-9a-f-]{36}$/);
  });

  test('a user whose role the cluster does not grant gets the cluster’s own Forbidden', async () => {
    const viewerless = await gateway.kubeconfigFor(await gateway.users.token('bob', []), 'bob');
    const result = await kubectl(viewerless, ['get', 'configmaps']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /User "bob" cannot list resource "configmaps"/);
  });

  test('list with --chunk-size pages through continue tokens', async () => {
    for (let i = 0; i < 5; i++)
      gateway.apiserver.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `page-${i}`, namespace: 'default' },
      });
    const result = await kubectl(alice, ['get', 'configmaps', '--chunk-size=2', '-o', 'name']);
    assert.equal(result.code, 0, result.stderr);
    for (let i = 0; i < 5; i++) assert.match(result.stdout, new RegExp(`configmap/page-${i}`));
  });

  test('get -w prints a change another client makes, while the watch streams through the tunnel', async () => {
    const watch = spawnKubectl(alice, ['get', 'configmaps', '-w', '-o', 'name']);
    try {
      await watch.waitFor('configmap/settings');
      gateway.apiserver.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'appeared-later', namespace: 'default' },
      });
      await watch.waitFor('configmap/appeared-later');
    } finally {
      await watch.stop();
    }
  });

  test('logs -f streams lines as the container writes them', async () => {
    const follow = spawnKubectl(alice, ['logs', '-f', 'web']);
    try {
      await new Promise((r) => setTimeout(r, 300));
      gateway.apiserver.runtime.appendLog('default', 'web', 'app', 'a line written while following');
      await follow.waitFor('a line written while following');
    } finally {
      await follow.stop();
    }
  });

  test('exec runs a command and returns its output and exit code (WebSocket v5)', async () => {
    const echo = await kubectl(alice, ['exec', 'web', '--', 'echo', 'through', 'the', 'tunnel']);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, 'through the tunnel\n');
    const failed = await kubectl(alice, ['exec', 'web', '--', 'sh', '-c', 'exit 7']);
    assert.equal(failed.code, 7);
  });

  test('exec -i copies stdin to the container and back', async () => {
    const cat = await kubectl(alice, ['exec', '-i', 'web', '--', 'cat'], {
      input: 'first line\nsecond line\n',
    });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'first line\nsecond line\n');
  });

  test('exec -it -- sh on a terminal shows the prompt, echoes what is typed and returns the exit code', {
    skip: !existsSync('/usr/bin/script'),
  }, async () => {
    const command = `${kubectlPath('1.33')} --kubeconfig ${alice} exec -it web -- sh`;
    const session = startProcess('script', ['-qec', command, '/dev/null'], { killAfterMs: 30_000 });
    try {
      await session.waitFor('/ # ');
      session.child.stdin?.write('echo typed through central\r');
      await session.waitFor('typed through central\r\n/ # ');
      session.child.stdin?.write('exit 6\r');
      assert.equal(await session.exited, 6);
    } finally {
      await session.stop();
    }
  });

  test('attach -i reaches the container’s main process, which echoes it back', async () => {
    const attach = spawnKubectl(alice, ['attach', '-i', 'web']);
    try {
      await attach.waitFor("If you don't see a command prompt");
      attach.child.stdin?.write('hello through attach\n');
      await attach.waitFor(/hello through attach\n/);
    } finally {
      await attach.stop();
    }
  });

  test('kubectl 1.27 execs over a plain SPDY upgrade', async () => {
    const echo = await kubectl(alice, ['exec', 'web', '--', 'echo', 'old', 'kubectl'], { version: '1.27' });
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout, 'old kubectl\n');
  });

  for (const version of ['1.33', '1.27'] as const)
    test(`port-forward (kubectl ${version}) carries connections both ways, big and small`, async () => {
      const forward = spawnKubectl(alice, ['port-forward', 'pod/web', ':8080'], version);
      try {
        const output = await forward.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
        const port = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(output)?.[1]);
        const big = Buffer.alloc(300_000, 'z');
        const [small, large] = await Promise.all([
          echoThrough(port, Buffer.from('hello through port-forward')),
          echoThrough(port, big),
        ]);
        assert.equal(small.toString(), 'hello through port-forward');
        assert.equal(large.length, big.length);
      } finally {
        await forward.stop();
      }
    });

  test('every upgrade ran as the user too', () => {
    const streams = gateway.apiserver.requests.filter((r) => /pods\/(exec|portforward)/.test(r.resource));
    assert.ok(streams.length >= 4);
    for (const r of streams) {
      assert.equal(r.user, 'alice');
      assert.equal(r.impersonatedBy, agentUser);
    }
  });
});
