/**
 * Tamper evidence of the audit log, on SQLite and PostgreSQL: rows are edited or deleted
 * behind kgate's back with plain SQL, as someone with access to the database could, and
 * verify() must name the seq.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { hashAfter, rowHash, rowTail } from '../src/audit/chain.ts';
import { type AuditLog, type AuditStart, createAuditLog } from '../src/audit/index.ts';
import type { Store } from '../src/store/index.ts';
import { forgeAuditRow } from './helpers/audit-forge.ts';
import { storeTest } from './helpers/databases.ts';

const t0 = new Date('2030-01-01T00:00:00Z');

function start(requestId: string, username: string): AuditStart {
  return {
    requestId,
    time: t0,
    kind: 'proxy',
    username,
    clusterName: 'prod',
    verb: 'get',
    resource: 'pods',
    decision: 'allowed',
  };
}

/** `requests` requests of two rows each: seqs 1 to 2 × requests. */
async function writeRequests(audit: AuditLog, from: number, requests: number): Promise<void> {
  for (let i = from; i < from + requests; i++) {
    await audit.record(start(`r${i}`, `user-${i}`), {
      requestId: `r${i}`,
      time: t0,
      status: 200,
      durationMs: 3,
      bytesIn: 0,
      bytesOut: 120,
    });
  }
}

/** A log of 12 rows, checked clean before the test tampers with it. */
function tamperTest(name: string, fn: (store: Store, audit: AuditLog) => Promise<void>): void {
  storeTest(name, async (store) => {
    const audit = createAuditLog(store);
    try {
      await writeRequests(audit, 0, 6);
      assert.deepEqual(await audit.verify(), { ok: true, rows: 12, head: await audit.head() });
      await fn(store, audit);
    } finally {
      await audit.close();
    }
  });
}

tamperTest('verify reports the seq of a row edited in the database', async (store, audit) => {
  await store.db.updateTable('audit_log').set({ username: 'mallory' }).where('seq', '=', 5).execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 5);
  assert.match(result.problem, /row 5 was edited/);
});

tamperTest('verify reports a row deleted from the middle of the log', async (store, audit) => {
  await store.db.deleteFrom('audit_log').where('seq', '=', 5).execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 5);
  assert.match(result.problem, /row 5 is missing/);
});

tamperTest('verify reports the newest rows deleted', async (store, audit) => {
  await store.db.deleteFrom('audit_log').where('seq', '>', 9).execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 10);
  assert.match(result.problem, /rows 10 to 12 are missing.*newest rows were deleted/);
});

tamperTest('verify reports the oldest rows deleted', async (store, audit) => {
  await store.db.deleteFrom('audit_log').where('seq', '<', 3).execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 1);
  assert.match(result.problem, /rows 1 to 2 are missing/);
});

tamperTest('verify reports an edited head', async (store, audit) => {
  await store.db
    .updateTable('audit_head')
    .set({ hash: 'f'.repeat(64) })
    .execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 12);
  assert.match(result.problem, /head was edited/);
});

tamperTest('verify reports a head moved back to hide the newest rows', async (store, audit) => {
  const row9 = await store.db
    .selectFrom('audit_log')
    .select('hash')
    .where('seq', '=', 9)
    .executeTakeFirstOrThrow();
  await store.db.updateTable('audit_head').set({ seq: 9, hash: row9.hash }).execute();
  const moved = await audit.verify();
  assert.ok(!moved.ok);
  assert.equal(moved.seq, 10);
  assert.match(moved.problem, /past the head/);
});

tamperTest('verify reports a deleted head row, and the log then refuses to write', async (store, audit) => {
  await store.db.deleteFrom('audit_head').execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.match(result.problem, /head row is missing/);
  await assert.rejects(audit.begin(start('later', 'x')), /head row is missing/);
});

tamperTest(
  'a rewritten and fully re-chained log passes verify alone, and fails it against an anchor kept from before',
  async (store, audit) => {
    const anchor = await audit.head();
    assert.equal(anchor.seq, 12);
    await writeRequests(audit, 6, 2);
    // The forger edits row 5 and recomputes every hash after it, and the head.
    await forgeAuditRow(store.db, 5, 'mallory');

    assert.deepEqual(await audit.verify(), { ok: true, rows: 16, head: await audit.head() });
    const result = await audit.verify({ anchor });
    assert.ok(!result.ok);
    assert.equal(result.seq, 12);
    assert.match(result.problem, /anchor/);
  },
);

tamperTest('an anchor beyond the head shows that rows and head were cut back', async (store, audit) => {
  const anchor = await audit.head();
  await store.db.deleteFrom('audit_log').where('seq', '>', 10).execute();
  const row10 = await store.db
    .selectFrom('audit_log')
    .select('hash')
    .where('seq', '=', 10)
    .executeTakeFirstOrThrow();
  await store.db.updateTable('audit_head').set({ seq: 10, hash: row10.hash }).execute();
  assert.deepEqual(await audit.verify(), { ok: true, rows: 10, head: await audit.head() });
  const result = await audit.verify({ anchor });
  assert.ok(!result.ok);
  assert.equal(result.seq, 11);
});

storeTest('an empty audit log verifies, and its head is the genesis', async (store) => {
  const audit = createAuditLog(store);
  assert.deepEqual(await audit.verify(), { ok: true, rows: 0, head: await audit.head() });
  assert.deepEqual(await audit.head(), { seq: 0, hash: '0'.repeat(64) });
  await audit.close();
});

tamperTest(
  'verify reports a deleted row whose gap was closed by renumbering the rows after it',
  async (store, audit) => {
    await store.db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    for (let seq = 4; seq <= 12; seq++) {
      await store.db
        .updateTable('audit_log')
        .set({ seq: seq - 1 })
        .where('seq', '=', seq)
        .execute();
    }
    const row11 = await store.db
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', 11)
      .executeTakeFirstOrThrow();
    await sql`update audit_head set seq = 11, hash = ${row11.hash}`.execute(store.db);
    const result = await audit.verify();
    assert.ok(!result.ok);
    assert.equal(result.seq, 3);
    assert.match(result.problem, /row 3 was edited/);
  },
);

storeTest('verify walks a log of many pages and finds an edit deep in it', async (store) => {
  const audit = createAuditLog(store);
  await Promise.all(Array.from({ length: 1300 }, (_, i) => audit.begin(start(`r${i}`, `user-${i}`))));
  assert.deepEqual(await audit.verify(), { ok: true, rows: 1300, head: await audit.head() });
  await store.db.updateTable('audit_log').set({ verb: 'delete' }).where('seq', '=', 1201).execute();
  const result = await audit.verify();
  assert.ok(!result.ok);
  assert.equal(result.seq, 1201);
  await audit.close();
});

test('a row hashes as rows written by earlier versions do, whether hashed whole or from its tail text', () => {
  // Escapes, a line separator, null, 0, and a bigint column as pg returns it (a string).
  const row = {
    prev_hash: 'f'.repeat(64),
    seq: 7,
    phase: 'begin',
    request_id: '0190b3a2-7c1e-7000-8000-000000000001',
    time: '2026-11-24T08:00:00.000Z',
    kind: 'exec',
    user_id: 'u-1',
    username: 'dév "quoted" \\ \u2028',
    source_ip: '::1',
    cluster_id: 'c-1',
    cluster_name: 'dev-1',
    method: 'POST',
    path: '/api/v1/namespaces/default/pods/web/exec',
    verb: 'create',
    api_group: '',
    resource: 'pods',
    subresource: 'exec',
    namespace: 'default',
    name: 'web',
    command: '["sh","-c","echo\\n"]',
    decision: 'allowed',
    decision_rule: 'developer.rules[0]',
    decision_reason: null,
    status: null,
    duration_ms: '12',
    bytes_in: 0,
    bytes_out: null,
    error: null,
  } as const;
  const pinned = '17cb2f3d770cf7df1c462fc0b6d583980e31dd48546a90c600b9c1c8c968977c';
  assert.equal(rowHash(row), pinned);
  assert.equal(hashAfter(row.prev_hash, row.seq, rowTail(row)), pinned);
});
