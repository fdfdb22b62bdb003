/**
 * What central's `/k8s/<cluster>/` proxy refuses, and how: every refusal is a
 * Kubernetes Status that kubectl prints, and a refused request never reaches the
 * cluster.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { type Gateway, startGateway } from '../../agent/test/support/gateway.ts';

let gateway: Gateway;
let token: string;

before(async () => {
  gateway = await startGateway();
  token = await gateway.users.token('alice', ['admin']);
  gateway.clusters.add({ clusterId: 'offline-id', clusterName: 'offline' });
});

after(async () => {
  await gateway.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: {
    kind?: string;
    reason?: string;
    message?: string;
    code?: number;
    details?: Record<string, unknown>;
  };
}

function get(path: string, headers: OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${gateway.centralUrl}${path}`, {
      ca: gateway.centralCaPem,
      headers,
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const cluster = () => `/k8s/${gateway.cluster.clusterName}`;

function assertStatus(answer: Answer, code: number, reason: string): void {
  assert.equal(answer.status, code);
  assert.equal(answer.body.kind, 'Status');
  assert.equal(answer.body.reason, reason);
  assert.equal(answer.body.code, code);
  assert.match(String(answer.headers['content-type']), /application\/json/);
}

describe('the proxy refuses', { timeout: 60_000 }, () => {
  test('a request without a token, with a forged one, or with an expired one: 401 Unauthorized', async () => {
    const before = gateway.apiserver.requests.length;
    assertStatus(await get(`${cluster()}/api/v1/namespaces`), 401, 'Unauthorized');
    assertStatus(
      await get(`${cluster()}/api/v1/namespaces`, { authorization: 'Bearer not-a-jwt' }),
      401,
      'Unauthorized',
    );
    const expired = await gateway.users.token('alice', ['admin'], -60);
    assertStatus(
      await get(`${cluster()}/api/v1/namespaces`, { authorization: `Bearer ${expired}` }),
      401,
      'Unauthorized',
    );
    assert.equal(gateway.apiserver.requests.length, before);
  });

  test('a malformed API path: 400 BadRequest naming the problem', async () => {
    const answer = await get(`${cluster()}/api/v1/namespaces/%zz/pods`, { authorization: `Bearer ${token}` });
    assertStatus(answer, 400, 'BadRequest');
    assert.match(answer.body.message ?? '', /%/);
  });

  const impersonating: [string, OutgoingHttpHeaders][] = [
    ['Impersonate-User', { 'Impersonate-User': 'root' }],
    ['impersonate-group in lower case, repeated', { 'impersonate-group': ['a', 'system:masters'] }],
    ['Impersonate-Extra-*', { 'Impersonate-Extra-Scopes': 'all' }],
    ['an impersonation header named only in Connection', { Connection: 'Impersonate-User' }],
  ];
  for (const [what, headers] of impersonating)
    test(`a client sending ${what}: 403 Forbidden, not silently dropped`, async () => {
      const before = gateway.apiserver.requests.length;
      const answer = await get(`${cluster()}/api/v1/namespaces`, {
        Authorization: `Bearer ${token}`,
        ...headers,
      });
      assertStatus(answer, 403, 'Forbidden');
      assert.match(answer.body.message ?? '', /impersonation headers/);
      assert.equal(gateway.apiserver.requests.length, before);
    });

  test('a cluster central does not know: 404 NotFound like kube’s own', async () => {
    const answer = await get('/k8s/no-such-cluster/api', { authorization: `Bearer ${token}` });
    assertStatus(answer, 404, 'NotFound');
    assert.equal(answer.body.message, 'clusters "no-such-cluster" not found');
    assert.deepEqual(answer.body.details, { name: 'no-such-cluster', kind: 'clusters' });
  });

  test('a known cluster whose agent is not connected: 503 ServiceUnavailable saying so', async () => {
    const answer = await get('/k8s/offline/api', { authorization: `Bearer ${token}` });
    assertStatus(answer, 503, 'ServiceUnavailable');
    assert.match(answer.body.message ?? '', /the agent of cluster "offline" is not connected/);
  });

  test('refused requests are recorded too, with the status the client got', async () => {
    await get('/k8s/no-such-cluster/api/v1/pods', { authorization: `Bearer ${token}` });
    const record = gateway.recorder.records.findLast((r) => r.clusterName === 'no-such-cluster');
    assert.ok(record);
    assert.equal(record.status, 404);
    assert.equal(record.username, 'alice');
    assert.equal(record.resource, 'pods');
    assert.equal(record.clusterId, undefined);
  });
});
