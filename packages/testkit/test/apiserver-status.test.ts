/**
 * The exact Status objects and write semantics of the fixture (404, 405, 409, 410, 415,
 * 422, patches, deletes), checked over raw HTTPS: clients branch on these, so they must
 * be the real server's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer, KubeObject } from '@kgate/testkit/apiserver';
import { pod, raw, startApiTestServer, status } from './apiserver-support.ts';

let server: ApiServer;

before(async () => {
  server = await startApiTestServer();
});

after(async () => {
  await server.close();
});

describe('Status errors', () => {
  test('an unknown path is the real 404 with empty details', async () => {
    for (const path of ['/apis/nope.example.com/v1/things', '/api/v1/namespaces/api/widgets', '/nothing']) {
      const res = await raw(server, { path });
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
    }
  });

  test('a missing object is 404 naming it, with the group for non-core types', async () => {
    const core = await raw(server, { path: '/api/v1/namespaces/api/pods/ghost' });
    assert.equal(core.status, 404);
    assert.deepEqual(status(core.json()).details, { name: 'ghost', kind: 'pods' });
    assert.equal(status(core.json()).message, 'pods "ghost" not found');
    const apps = await raw(server, { path: '/apis/apps/v1/namespaces/api/deployments/ghost' });
    assert.equal(status(apps.json()).message, 'deployments.apps "ghost" not found');
    assert.deepEqual(status(apps.json()).details, { name: 'ghost', group: 'apps', kind: 'deployments' });
  });

  test('creating a name twice is 409 AlreadyExists; in a missing namespace 404', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' } };
    assert.equal(
      (await raw(server, { method: 'POST', path: '/api/v1/namespaces/api/configmaps', body })).status,
      201,
    );
    const again = await raw(server, { method: 'POST', path: '/api/v1/namespaces/api/configmaps', body });
    assert.equal(again.status, 409);
    assert.deepEqual(again.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "twice" already exists',
      reason: 'AlreadyExists',
      details: { name: 'twice', kind: 'configmaps' },
      code: 409,
    });
    const nowhere = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/nowhere/configmaps',
      body,
    });
    assert.equal(nowhere.status, 404);
    assert.equal(status(nowhere.json()).message, 'namespaces "nowhere" not found');
  });

  test('an update with a stale resourceVersion is 409 Conflict with the real message', async () => {
    const created = server.store.create(pod('stale'));
    server.store.modify('pods', 'api', 'stale', (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { changed: 'yes' };
    });
    const res = await raw(server, {
      method: 'PUT',
      path: '/api/v1/namespaces/api/pods/stale',
      body: created,
    });
    assert.equal(res.status, 409);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on pods "stale": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'stale', kind: 'pods' },
      code: 409,
    });
    const fresh = server.store.get('pods', 'api', 'stale');
    const ok = await raw(server, {
      method: 'PUT',
      path: '/api/v1/namespaces/api/pods/stale',
      body: fresh ?? {},
    });
    assert.equal(ok.status, 200);
  });

  test('an invalid name is 422 Invalid with one cause per field error', async () => {
    const res = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/api/pods',
      body: pod('Bad_Name'),
    });
    assert.equal(res.status, 422);
    const detail =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${detail}`,
      reason: 'Invalid',
      details: {
        name: 'Bad_Name',
        kind: 'Pod',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: "Bad_Name": ${detail}`,
            field: 'metadata.name',
          },
        ],
      },
      code: 422,
    });
    const unnamed = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/api/configmaps',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    });
    assert.equal(
      status(unnamed.json()).message,
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    const svc = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/api/services',
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: '1svc' },
        spec: { ports: [{ port: 80 }] },
      },
    });
    assert.match(
      status(svc.json()).message,
      /^Service "1svc" is invalid: metadata.name: Invalid value: "1svc": a DNS-1035 label/,
    );
  });

  test('a custom resource of the wrong kind is 422; a built-in of the wrong apiVersion is 400', async () => {
    const cr = await raw(server, {
      method: 'POST',
      path: '/apis/multicluster.x-k8s.io/v1alpha1/namespaces/api/clusterprofiles',
      body: {
        apiVersion: 'multicluster.x-k8s.io/v1alpha1',
        kind: 'Other',
        metadata: { name: 'x' },
        spec: {},
      },
    });
    assert.equal(cr.status, 422);
    assert.equal(
      status(cr.json()).message,
      'ClusterProfile.multicluster.x-k8s.io "x" is invalid: kind: Invalid value: "Other": must be ClusterProfile',
    );
    const builtin = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/api/configmaps',
      body: { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    assert.equal(builtin.status, 400);
    assert.equal(
      status(builtin.json()).message,
      'the API version in the data (apps/v1) does not match the expected API version (v1)',
    );
  });

  test('a method a resource does not take is 405', async () => {
    const res = await raw(server, { method: 'PUT', path: '/api/v1/namespaces/api/pods', body: {} });
    assert.equal(res.status, 405);
    assert.equal(status(res.json()).reason, 'MethodNotAllowed');
    const nsCollection = await raw(server, { method: 'DELETE', path: '/api/v1/namespaces' });
    assert.equal(nsCollection.status, 405);
  });

  test('exec without an upgrade is a 400 asking for one', async () => {
    server.store.create(pod('shell'));
    const res = await raw(server, {
      method: 'POST',
      path: '/api/v1/namespaces/api/pods/shell/exec?command=ls',
    });
    assert.equal(res.status, 400);
    assert.equal(status(res.json()).message, 'Upgrade request required');
  });

  test('an upgrade with a bad token is answered 401 on the raw socket', async () => {
    const res = await raw(server, {
      path: '/api/v1/namespaces/api/pods/shell/exec?command=ls&stdout=true',
      token: 'nope',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    assert.equal(res.status, 401);
    assert.equal(status(res.json()).reason, 'Unauthorized');
  });
});

describe('writes', () => {
  test('merge, JSON and strategic patches apply; a failing JSON patch test is 422', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'patched', namespace: 'api' },
      data: { a: '1' },
    });
    const path = '/api/v1/namespaces/api/configmaps/patched';
    const merge = await raw(server, {
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: { data: { a: null, b: '2' } },
    });
    assert.deepEqual((merge.json() as { data: unknown }).data, { b: '2' });
    const json = await raw(server, {
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: [{ op: 'add', path: '/data/c', value: '3' }],
    });
    assert.deepEqual((json.json() as { data: unknown }).data, { b: '2', c: '3' });
    const failing = await raw(server, {
      method: 'PATCH',
      path,
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: [{ op: 'test', path: '/data/c', value: 'nope' }],
    });
    assert.equal(failing.status, 422);
    server.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'smp', namespace: 'api' },
      spec: {
        containers: [
          { name: 'a', image: 'x:1' },
          { name: 'b', image: 'y:1' },
        ],
      },
    });
    const smp = await raw(server, {
      method: 'PATCH',
      path: '/api/v1/namespaces/api/pods/smp',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: { spec: { containers: [{ name: 'b', image: 'y:2' }] } },
    });
    const containers = (smp.json() as { spec: { containers: { name: string; image: string }[] } }).spec
      .containers;
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['a', 'x:1'],
        ['b', 'y:2'],
      ],
    );
  });

  test('server-side apply needs a field manager and creates a missing object', async () => {
    const path = '/api/v1/namespaces/api/configmaps/applied';
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n';
    const headers = { 'Content-Type': 'application/apply-patch+yaml' };
    const noManager = await raw(server, { method: 'PATCH', path, headers, body: yaml });
    assert.equal(noManager.status, 422);
    assert.equal(
      status(noManager.json()).message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const created = await raw(server, {
      method: 'PATCH',
      path: `${path}?fieldManager=test`,
      headers,
      body: yaml,
    });
    assert.equal(created.status, 201);
    assert.deepEqual(server.store.get('configmaps', 'api', 'applied')?.data, { k: 'v' });
  });

  test('delete answers the pod itself but a Success Status for a configmap; preconditions are checked', async () => {
    server.store.create(pod('gone'));
    const deleted = await raw(server, {
      method: 'DELETE',
      path: '/api/v1/namespaces/api/pods/gone',
      body: { propagationPolicy: 'Background' },
    });
    assert.equal(deleted.status, 200);
    assert.equal((deleted.json() as KubeObject).kind, 'Pod');
    const cm = server.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gone', namespace: 'api' },
    });
    const uid = (cm.metadata as { uid: string }).uid;
    const wrong = await raw(server, {
      method: 'DELETE',
      path: '/api/v1/namespaces/api/configmaps/gone',
      body: { preconditions: { uid: 'other' } },
    });
    assert.equal(wrong.status, 409);
    assert.equal(
      status(wrong.json()).message,
      `Operation cannot be fulfilled on configmaps "gone": Precondition failed: UID in precondition: other, UID in object meta: ${uid}`,
    );
    const ok = await raw(server, { method: 'DELETE', path: '/api/v1/namespaces/api/configmaps/gone' });
    assert.deepEqual(ok.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', kind: 'configmaps', uid },
    });
  });

  test('deletecollection with a label selector removes only the matching objects', async () => {
    for (const name of ['dc-1', 'dc-2', 'dc-keep'])
      server.store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: 'api', labels: { batch: name === 'dc-keep' ? 'b' : 'a' } },
      });
    const res = await raw(server, {
      method: 'DELETE',
      path: '/api/v1/namespaces/api/secrets?labelSelector=batch%3Da',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      server.store.list('secrets', 'api').map((s) => (s.metadata as { name: string }).name),
      ['dc-keep'],
    );
  });
});
