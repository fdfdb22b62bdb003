/**
 * Reading the audit log, on SQLite and PostgreSQL: one event per request (begin merged
 * with end), the filters `kgate audit` offers, and following with afterSeq.
 */
import assert from 'node:assert/strict';
import { isKgateError } from '@kgate/core/errors';
import { type AuditEvent, type AuditLog, type AuditStart, createAuditLog } from '../src/audit/index.ts';
import { storeTest } from './helpers/databases.ts';

const t0 = Date.parse('2030-01-01T00:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

function start(requestId: string, minutes: number, overrides: Partial<AuditStart>): AuditStart {
  return {
    requestId,
    time: at(minutes),
    kind: 'proxy',
    decision: 'allowed',
    ...overrides,
  };
}

/**
 * r1 alice prod get (ended), r2 bob dev delete (refused), r3 alice dev exec (no end
 * yet), r4 bob prod get (ended): rows 1 to 7, event seqs 2, 4, 5, 7.
 */
async function fourRequests(audit: AuditLog): Promise<void> {
  await audit.begin(
    start('r1', 0, {
      userId: 'u-alice',
      username: 'alice',
      sourceIp: '10.0.0.7',
      clusterId: 'c-prod',
      clusterName: 'prod',
      method: 'GET',
      path: '/api/v1/namespaces/web/pods/web-0',
      verb: 'get',
      apiGroup: '',
      resource: 'pods',
      namespace: 'web',
      name: 'web-0',
      rule: 'developer.rules[0]',
      reason: 'developer may get pods in web',
    }),
  );
  await audit.end({
    requestId: 'r1',
    time: at(0.01),
    status: 200,
    durationMs: 12.4,
    bytesIn: 0,
    bytesOut: 2048,
  });
  await audit.record(
    start('r2', 1, {
      username: 'bob',
      clusterName: 'dev',
      verb: 'delete',
      resource: 'namespaces',
      name: 'kube-system',
      decision: 'denied',
      reason: 'no rule of role viewer allows delete',
    }),
    { requestId: 'r2', time: at(1), status: 403, durationMs: 0, error: 'forbidden' },
  );
  await audit.begin(
    start('r3', 2, {
      kind: 'exec',
      username: 'alice',
      clusterName: 'dev',
      verb: 'create',
      resource: 'pods',
      subresource: 'exec',
      command: ['sh', '-c', 'echo "a b"'],
    }),
  );
  await audit.begin(start('r4', 3, { username: 'bob', clusterName: 'prod', verb: 'get' }));
  await audit.end({ requestId: 'r4', time: at(3), status: 200, durationMs: 1 });
}

const ids = (events: AuditEvent[]) => events.map((event) => event.request_id);

function queryTest(name: string, fn: (audit: AuditLog) => Promise<void>): void {
  storeTest(name, async (store) => {
    const audit = createAuditLog(store);
    try {
      await fourRequests(audit);
      await fn(audit);
    } finally {
      await audit.close();
    }
  });
}

queryTest(
  'the audit list shows one event per request, its begin and end merged, newest last',
  async (audit) => {
    const events = await audit.query();
    assert.deepEqual(ids(events), ['r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(events[0], {
      time: '2030-01-01T00:00:00.000Z',
      request_id: 'r1',
      kind: 'proxy',
      user: 'alice',
      user_id: 'u-alice',
      source_ip: '10.0.0.7',
      cluster: 'prod',
      method: 'GET',
      path: '/api/v1/namespaces/web/pods/web-0',
      verb: 'get',
      api_group: '',
      resource: 'pods',
      subresource: null,
      namespace: 'web',
      name: 'web-0',
      command: null,
      decision: 'allowed',
      rule: 'developer.rules[0]',
      reason: 'developer may get pods in web',
      status: 200,
      duration_ms: 12,
      bytes_in: 0,
      bytes_out: 2048,
      error: null,
      seq: 2,
    });
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 4, 5, 7],
    );
    const refused = events[1];
    assert.equal(refused?.decision, 'denied');
    assert.equal(refused?.status, 403);
    assert.equal(refused?.error, 'forbidden');
  },
);

queryTest(
  'a request with no end row yet (running, or central was killed) shows as incomplete',
  async (audit) => {
    const exec = (await audit.query()).find((event) => event.request_id === 'r3');
    assert.equal(exec?.kind, 'exec');
    assert.deepEqual(exec?.command, ['sh', '-c', 'echo "a b"']);
    assert.equal(exec?.status, null);
    assert.equal(exec?.duration_ms, null);
    assert.equal(exec?.seq, 5);
  },
);

queryTest('the audit list filters by user, cluster, verb and start time', async (audit) => {
  assert.deepEqual(ids(await audit.query({ username: 'alice' })), ['r1', 'r3']);
  assert.deepEqual(ids(await audit.query({ clusterName: 'dev' })), ['r2', 'r3']);
  assert.deepEqual(ids(await audit.query({ verb: 'delete' })), ['r2']);
  assert.deepEqual(ids(await audit.query({ since: at(2) })), ['r3', 'r4']);
  assert.deepEqual(ids(await audit.query({ username: 'bob', clusterName: 'prod' })), ['r4']);
  assert.deepEqual(ids(await audit.query({ username: 'nobody' })), []);
});

queryTest('a limit keeps the newest events, or with afterSeq the oldest after it', async (audit) => {
  assert.deepEqual(ids(await audit.query({ limit: 2 })), ['r3', 'r4']);
  assert.deepEqual(ids(await audit.query({ afterSeq: 0, limit: 2 })), ['r1', 'r2']);
  assert.deepEqual(ids(await audit.query({ afterSeq: 4, limit: 2 })), ['r3', 'r4']);
});

queryTest('following the log shows new requests, and a running request again once it ends', async (audit) => {
  const seen = await audit.query();
  const cursor = Math.max(...seen.map((event) => event.seq));
  assert.deepEqual(await audit.query({ afterSeq: cursor }), []);

  await audit.end({ requestId: 'r3', time: at(5), status: 0, durationMs: 180_000, bytesOut: 77 });
  await audit.record(start('r5', 6, { username: 'carol' }), {
    requestId: 'r5',
    time: at(6),
    status: 401,
    durationMs: 0,
  });
  const next = await audit.query({ afterSeq: cursor });
  assert.deepEqual(ids(next), ['r3', 'r5']);
  assert.equal(next[0]?.status, 0);
  assert.equal(next[0]?.duration_ms, 180_000);
  assert.equal(next[0]?.time, at(2).toISOString());
  assert.deepEqual(await audit.query({ afterSeq: Math.max(...next.map((event) => event.seq)) }), []);
  assert.deepEqual(ids(await audit.query({ afterSeq: cursor, username: 'carol' })), ['r5']);
});

queryTest('an out-of-range limit is refused with the value named', async (audit) => {
  await assert.rejects(
    audit.query({ limit: 0 }),
    (error) => isKgateError(error, 'INVALID_ARGUMENT') && /limit 0/.test(error.message),
  );
  await assert.rejects(audit.query({ afterSeq: -1 }), (error) => isKgateError(error, 'INVALID_ARGUMENT'));
});
