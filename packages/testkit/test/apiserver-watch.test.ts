/**
 * Lists, Tables, discovery and watches as clients read them (continue tokens, 410s,
 * bookmarks, selectors), checked over raw HTTPS and with @kubernetes/client-node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer, KubeObject } from '@kgate/testkit/apiserver';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { pod, raw, rvOf, startApiTestServer, status, stream } from './apiserver-support.ts';

let server: ApiServer;

before(async () => {
  server = await startApiTestServer();
});

after(async () => {
  await server.close();
});

describe('lists', () => {
  before(() => {
    for (const name of ['l-a', 'l-b', 'l-c', 'l-d', 'l-e']) server.store.create(pod(name, { list: 'yes' }));
  });

  test('limit and continue page through a list; an unknown field selector is 400', async () => {
    const names: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await raw(server, {
        path: `/api/v1/namespaces/api/pods?labelSelector=list%3Dyes&limit=2${token === '' ? '' : `&continue=${encodeURIComponent(token)}`}`,
      });
      assert.equal(res.status, 200);
      const list = res.json() as { kind: string; metadata: { continue?: string }; items: KubeObject[] };
      assert.equal(list.kind, 'PodList');
      names.push(...list.items.map((i) => (i.metadata as { name: string }).name));
      token = list.metadata.continue ?? '';
      pages++;
    } while (token !== '');
    assert.deepEqual(names, ['l-a', 'l-b', 'l-c', 'l-d', 'l-e']);
    assert.equal(pages, 3);
    const byName = await raw(server, {
      path: '/api/v1/namespaces/api/pods?fieldSelector=metadata.name%3Dl-c',
    });
    assert.deepEqual(
      (byName.json() as { items: KubeObject[] }).items.map((i) => (i.metadata as { name: string }).name),
      ['l-c'],
    );
    const bad = await raw(server, { path: '/api/v1/namespaces/api/pods?fieldSelector=spec.foo%3Dx' });
    assert.equal(bad.status, 400);
    assert.equal(status(bad.json()).message, 'field label not supported: spec.foo');
  });

  test('a continue token that is garbage is 400; one older than the window is 410 with a fresh token', async () => {
    const garbage = await raw(server, { path: '/api/v1/namespaces/api/pods?limit=2&continue=garbage' });
    assert.equal(garbage.status, 400);
    const first = (await raw(server, { path: '/api/v1/namespaces/api/pods?limit=1' })).json() as {
      metadata: { continue: string };
    };
    for (let i = 0; i < 25; i++) server.store.modify('pods', 'api', 'l-a', () => {});
    const expired = await raw(server, {
      path: `/api/v1/namespaces/api/pods?limit=1&continue=${encodeURIComponent(first.metadata.continue)}`,
    });
    assert.equal(expired.status, 410);
    const body = expired.json() as { reason: string; metadata: { continue?: string } };
    assert.equal(body.reason, 'Expired');
    assert.equal(typeof body.metadata.continue, 'string');
  });

  test('Table output carries partial metadata by default and whole objects when asked', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const table = (
      await raw(server, {
        path: '/api/v1/namespaces/api/pods?labelSelector=list%3Dyes',
        headers: { Accept: accept },
      })
    ).json() as {
      kind: string;
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: KubeObject }[];
    };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ],
    );
    assert.deepEqual(table.rows[0]?.cells.slice(0, 4), ['l-a', '1/1', 'Running', '0']);
    assert.equal(table.rows[0]?.object.kind, 'PartialObjectMetadata');
    assert.equal(table.rows[0]?.object.spec, undefined);
    const full = (
      await raw(server, {
        path: '/api/v1/namespaces/api/pods?labelSelector=list%3Dyes&includeObject=Object',
        headers: { Accept: accept },
      })
    ).json() as { rows: { object: KubeObject }[] };
    assert.equal(full.rows[0]?.object.kind, 'Pod');
    assert.notEqual(full.rows[0]?.object.spec, undefined);
  });

  test('discovery lists verbs, short names, categories and subresources like the real server', async () => {
    const core = (await raw(server, { path: '/api/v1' })).json() as { resources: Record<string, unknown>[] };
    const pods = core.resources.find((r) => r.name === 'pods');
    assert.deepEqual(pods?.shortNames, ['po']);
    assert.deepEqual(pods?.categories, ['all']);
    assert.deepEqual(pods?.verbs, [
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    assert.deepEqual(
      core.resources.find((r) => r.name === 'pods/log'),
      {
        name: 'pods/log',
        singularName: '',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get'],
      },
    );
    const apps = (await raw(server, { path: '/apis/apps/v1' })).json() as {
      resources: Record<string, unknown>[];
    };
    assert.deepEqual(
      apps.resources.find((r) => r.name === 'deployments/scale'),
      {
        name: 'deployments/scale',
        singularName: '',
        namespaced: true,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      },
    );
  });
});

describe('watch', () => {
  test('resuming from a resourceVersion replays only later events', async () => {
    server.store.create(pod('w-1'));
    const from = rvOf(server.store.get('pods', 'api', 'w-1'));
    server.store.create(pod('w-2'));
    server.store.delete('pods', 'api', 'w-1');
    const w = await stream(server, {
      path: `/api/v1/namespaces/api/pods?watch=true&resourceVersion=${from}`,
    });
    try {
      assert.equal(w.status, 200);
      await w.reader.waitFor((l) => l.includes('"DELETED"'));
      const events = w.reader.lines.map((l) => JSON.parse(l) as { type: string; object: KubeObject });
      assert.deepEqual(
        events.map((e) => [e.type, (e.object.metadata as { name: string }).name]),
        [
          ['ADDED', 'w-2'],
          ['DELETED', 'w-1'],
        ],
      );
    } finally {
      w.close();
    }
  });

  test('a resourceVersion older than the window gets an ERROR event with a 410 Expired Status', async () => {
    for (let i = 0; i < 25; i++) server.store.modify('pods', 'api', 'w-2', () => {});
    const w = await stream(server, { path: '/api/v1/namespaces/api/pods?watch=true&resourceVersion=1001' });
    assert.equal(w.status, 200);
    const { line } = await w.reader.waitFor(() => true);
    const event = JSON.parse(line) as {
      type: string;
      object: { kind: string; reason: string; code: number; message: string };
    };
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.kind, 'Status');
    assert.equal(event.object.reason, 'Expired');
    assert.equal(event.object.code, 410);
    assert.match(event.object.message, /^too old resource version: 1001 \(\d+\)$/);
    await w.reader.waitFor(() => false, 5000).catch(() => undefined);
    assert.equal(w.reader.ended, true);
  });

  test('bookmarks carry only kind, apiVersion and metadata.resourceVersion', async () => {
    const w = await stream(server, {
      path: '/api/v1/namespaces/api/pods?watch=true&allowWatchBookmarks=true&resourceVersion=',
    });
    try {
      const { line } = await w.reader.waitFor((l) => l.includes('"BOOKMARK"'));
      assert.deepEqual(JSON.parse(line), {
        type: 'BOOKMARK',
        object: {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(server.store.resourceVersion) },
        },
      });
    } finally {
      w.close();
    }
  });

  test('sendInitialEvents ends the initial state with the initial-events-end bookmark', async () => {
    const w = await stream(server, {
      path: '/api/v1/namespaces/api/pods?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&labelSelector=list%3Dyes',
    });
    try {
      const { line, index } = await w.reader.waitFor((l) => l.includes('"BOOKMARK"'));
      assert.equal(index, 5);
      assert.deepEqual((JSON.parse(line) as { object: { metadata: unknown } }).object.metadata, {
        resourceVersion: String(server.store.resourceVersion),
        annotations: { 'k8s.io/initial-events-end': 'true' },
      });
    } finally {
      w.close();
    }
  });

  test('with a label selector, an object that stops matching is sent as DELETED', async () => {
    server.store.create(pod('sel', { watch: 'me' }));
    const w = await stream(server, {
      path: '/api/v1/namespaces/api/pods?watch=true&labelSelector=watch%3Dme',
    });
    try {
      await w.reader.waitFor((l) => l.includes('"ADDED"'));
      server.store.modify('pods', 'api', 'sel', (o) => {
        (o.metadata as { labels: Record<string, string> }).labels = { watch: 'not-me' };
      });
      const { line } = await w.reader.waitFor((l) => l.includes('"DELETED"'));
      assert.equal(
        ((JSON.parse(line) as { object: KubeObject }).object.metadata as { name: string }).name,
        'sel',
      );
    } finally {
      w.close();
    }
  });

  test('the legacy /watch/ path watches one named object', async () => {
    server.store.create(pod('legacy'));
    const w = await stream(server, { path: '/api/v1/watch/namespaces/api/pods/legacy' });
    try {
      await w.reader.waitFor((l) => l.includes('"ADDED"'));
      // Another pod changes first: had it leaked into this watch, its line would come before ours.
      server.store.modify('pods', 'api', 'w-2', () => {});
      server.store.modify('pods', 'api', 'legacy', () => {});
      await w.reader.waitFor((l) => l.includes('"MODIFIED"'));
      const names = w.reader.lines.map(
        (l) => ((JSON.parse(l) as { object: KubeObject }).object.metadata as { name: string }).name,
      );
      assert.deepEqual([...new Set(names)], ['legacy']);
    } finally {
      w.close();
    }
  });

  test('timeoutSeconds ends the stream', async () => {
    const started = Date.now();
    const w = await stream(server, { path: '/api/v1/namespaces/api/configmaps?watch=true&timeoutSeconds=1' });
    await w.reader.waitFor(() => false, 5000).catch(() => undefined);
    assert.equal(w.reader.ended, true);
    assert.ok(Date.now() - started < 4000);
  });

  test('a Table watch (kubectl get -w) sends column definitions only in the first event', async () => {
    const w = await stream(server, {
      path: '/api/v1/namespaces/api/pods?watch=true&labelSelector=list%3Dyes',
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    try {
      await w.reader.waitFor((l) => l.includes('l-e'));
      const events = w.reader.lines.map(
        (l) => JSON.parse(l) as { object: { kind: string; columnDefinitions: unknown[] | null } },
      );
      assert.equal(events[0]?.object.kind, 'Table');
      assert.ok(Array.isArray(events[0]?.object.columnDefinitions));
      assert.equal(events[1]?.object.columnDefinitions, null);
    } finally {
      w.close();
    }
  });
});

describe('@kubernetes/client-node', () => {
  test('reads, lists and gets the Status of a conflict through the typed client', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const api = kc.makeApiClient(CoreV1Api);
    const read = await api.readNamespacedPod({ name: 'l-b', namespace: 'api' });
    assert.equal(read.status?.phase, 'Running');
    assert.equal(read.status?.containerStatuses?.[0]?.ready, true);
    const list = await api.listNamespacedPod({ namespace: 'api', labelSelector: 'list=yes' });
    assert.equal(list.items.length, 5);
    await api.createNamespacedConfigMap({ namespace: 'api', body: { metadata: { name: 'twice' } } });
    await assert.rejects(
      api.createNamespacedConfigMap({ namespace: 'api', body: { metadata: { name: 'twice' } } }),
      (error: unknown) => {
        const e = error as { code?: number; body?: string };
        assert.equal(e.code, 409);
        assert.equal((JSON.parse(e.body ?? '{}') as { reason: string }).reason, 'AlreadyExists');
        return true;
      },
    );
  });

  test('its Watch sees a change made through the store', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const seen: string[] = [];
    let resolveSeen: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveSeen = resolve;
    });
    const controller = await new Watch(kc).watch(
      '/api/v1/namespaces/api/configmaps',
      { resourceVersion: String(server.store.resourceVersion) },
      (type, obj: { metadata?: { name?: string } }) => {
        seen.push(`${type} ${obj.metadata?.name}`);
        resolveSeen();
      },
      () => {},
    );
    try {
      server.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'watched', namespace: 'api' },
      });
      await done;
      assert.deepEqual(seen, ['ADDED watched']);
    } finally {
      controller.abort();
    }
  });
});
