/**
 * Writing the audit log, on SQLite and PostgreSQL: write-ahead (committed before begin()
 * resolves), fail closed, group commit, and one chain from several writers.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isKgateError } from '@kgate/core/errors';
import { sql } from 'kysely';
import { type AuditStart, createAuditLog } from '../src/audit/index.ts';
import type { Store } from '../src/store/index.ts';
import { storeTest } from './helpers/databases.ts';

const t0 = new Date('2030-01-01T00:00:00Z');

function start(requestId: string, overrides: Partial<AuditStart> = {}): AuditStart {
  return {
    requestId,
    time: t0,
    kind: 'proxy',
    userId: 'u-alice',
    username: 'alice',
    sourceIp: '127.0.0.1',
    clusterName: 'prod',
    method: 'GET',
    path: '/api/v1/namespaces/default/pods',
    verb: 'list',
    apiGroup: '',
    resource: 'pods',
    namespace: 'default',
    decision: 'allowed',
    rule: 'developer.rules[0]',
    ...overrides,
  };
}

const unavailable = (error: unknown) => isKgateError(error, 'UNAVAILABLE');

async function rowCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function seqs(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
  return rows.map((row) => Number(row.seq));
}

storeTest(
  'a request is in the audit log, as another connection sees it, as soon as begin() resolves',
  async (store, database) => {
    const audit = createAuditLog(store);
    const other = await database.reopen();
    try {
      const seq = await audit.begin(start('r1'));
      const rows = await other.db.selectFrom('audit_log').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0]?.seq), seq);
      assert.equal(rows[0]?.request_id, 'r1');
      assert.equal(rows[0]?.phase, 'begin');
      const head = await other.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      assert.equal(Number(head.seq), seq);
      assert.equal(head.hash, rows[0]?.hash);
    } finally {
      await audit.close();
      await other.close();
    }
  },
);

storeTest(
  'when the database is gone, begin() rejects with UNAVAILABLE so the caller refuses the request',
  async (store, database) => {
    const audit = createAuditLog(store);
    await store.close();
    await assert.rejects(audit.begin(start('r1')), unavailable);
    const other = await database.reopen();
    try {
      assert.equal(await rowCount(other), 0);
    } finally {
      await other.close();
    }
  },
  // On SQLite the audit log writes through its own connection in a worker thread (a
  // commit's fsync must not stall the event loop), so closing the Store does not cut it
  // off; the trigger test below makes SQLite refuse writes instead.
  { drivers: ['postgres'] },
);

storeTest(
  'when the database refuses a write mid-batch, every request of that batch is refused and none is half-written',
  async (store) => {
    if (store.driver === 'sqlite') {
      await sql`create trigger audit_refuse before insert on audit_log when new.seq = 700
        begin select raise(abort, 'refused by the test'); end`.execute(store.db);
    } else {
      await sql`create function audit_refuse() returns trigger language plpgsql as $$
        begin if new.seq = 700 then raise exception 'refused by the test'; end if; return new; end $$`.execute(
        store.db,
      );
      await sql`create trigger audit_refuse before insert on audit_log
        for each row execute function audit_refuse()`.execute(store.db);
    }
    const audit = createAuditLog(store);
    const ids = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    const outcomes = await Promise.allSettled(ids.map((id) => audit.begin(start(id))));
    const refused = ids.filter((_, i) => outcomes[i]?.status === 'rejected');
    assert.ok(refused.length > 0, 'the write that reached seq 700 must have been refused');
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') assert.ok(unavailable(outcome.reason), String(outcome.reason));
    }
    const stored = await store.db.selectFrom('audit_log').select('request_id').execute();
    const storedIds = new Set(stored.map((row) => row.request_id));
    for (const id of refused) assert.ok(!storedIds.has(id), `refused request ${id} was written`);
    assert.equal(storedIds.size, ids.length - refused.length);

    await sql`drop trigger audit_refuse ${sql.raw(store.driver === 'postgres' ? 'on audit_log' : '')}`.execute(
      store.db,
    );
    await audit.begin(start('after'));
    assert.deepEqual(await audit.verify(), {
      ok: true,
      rows: ids.length - refused.length + 1,
      head: await audit.head(),
    });
    await audit.close();
  },
);

storeTest(
  'when the PostgreSQL database is dropped, begin() rejects with UNAVAILABLE',
  async (store, database) => {
    const audit = createAuditLog(store);
    await audit.begin(start('before'));
    await database.drop();
    await assert.rejects(audit.begin(start('after')), unavailable);
    await audit.close();
  },
  { drivers: ['postgres'] },
);

storeTest('an invalid entry is refused alone; the requests sharing its flush are written', async (store) => {
  const audit = createAuditLog(store);
  const results = await Promise.allSettled([
    audit.begin(start('good-1')),
    audit.end({ requestId: 'good-1', time: t0, status: -1, durationMs: 1 }),
    audit.begin(start('good-2')),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(await rowCount(store), 2);
  await audit.close();
});

storeTest(
  'under load, 500 concurrent requests are all written in far fewer than 500 transactions',
  async (store) => {
    const audit = createAuditLog(store);
    const pending: Promise<number>[] = [];
    // Requests arrive over many turns of the event loop, as from many sockets, so some
    // arrive while a flush is running and must wait for the next one.
    for (let i = 0; i < 500; i++) {
      pending.push(audit.begin(start(`r${i}`, { username: `user-${i % 7}` })));
      if (i % 10 === 9) await nextTurn();
    }
    const written = await Promise.all(pending);
    assert.equal(new Set(written).size, 500);
    assert.equal(await rowCount(store), 500);
    const { flushes, rows } = audit.stats();
    assert.equal(rows, 500);
    assert.ok(flushes < 100, `${flushes} flushes for 500 rows`);
    assert.deepEqual(await audit.verify(), { ok: true, rows: 500, head: await audit.head() });
    await audit.close();
  },
);

storeTest('close() writes what is queued, then refuses new requests', async (store) => {
  const audit = createAuditLog(store);
  const queued = audit.begin(start('queued'));
  await audit.close();
  assert.equal(await queued, 1);
  await assert.rejects(audit.begin(start('late')), unavailable);
  assert.deepEqual(await seqs(store), [1]);
});

storeTest(
  'two central replicas writing at once to one PostgreSQL database keep one unbroken chain',
  async (store, database) => {
    const replica = await database.reopen();
    const first = createAuditLog(store);
    const second = createAuditLog(replica);
    try {
      const pending: Promise<number>[] = [];
      for (let i = 0; i < 300; i++) {
        pending.push(first.begin(start(`a${i}`)), second.begin(start(`b${i}`)));
        if (i % 10 === 9) await nextTurn();
      }
      await Promise.all(pending);
      assert.deepEqual(
        await seqs(store),
        Array.from({ length: 600 }, (_, i) => i + 1),
      );
      assert.deepEqual(await first.verify(), { ok: true, rows: 600, head: await first.head() });
      assert.ok(first.stats().rows === 300 && second.stats().rows === 300);
    } finally {
      await first.close();
      await second.close();
      await replica.close();
    }
  },
  { drivers: ['postgres'] },
);

storeTest(
  'a committed audit batch survives power loss: SQLite runs in WAL mode with synchronous FULL',
  async (store) => {
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    assert.equal(mode.rows[0]?.journal_mode, 'wal');
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
    assert.equal(sync.rows[0]?.synchronous, 2);
  },
  { drivers: ['sqlite'] },
);

storeTest(
  "while the Store's own connection holds SQLite's write lock, an audit write waits for it without failing or blocking the event loop",
  async (store) => {
    const audit = createAuditLog(store);
    let begun: Promise<number> | undefined;
    let ticks = 0;
    await store.db.transaction().execute(async (tx) => {
      const now = t0.toISOString();
      await tx
        .insertInto('roles')
        .values({ name: 'held', definition: '{}', created_at: now, updated_at: now })
        .execute();
      begun = audit.begin(start('r1'));
      // The event loop keeps turning while the audit write waits.
      const timer = setInterval(() => ticks++, 1);
      await new Promise((resolve) => setTimeout(resolve, 60));
      clearInterval(timer);
      const row = await tx
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.n), 0);
    });
    assert.ok(ticks > 5, `the event loop turned ${ticks} times in 60 ms`);
    assert.equal(await begun, 1);
    assert.equal(await rowCount(store), 1);
    await audit.close();
  },
  { drivers: ['sqlite'] },
);

storeTest(
  'values with backslashes, tabs, line breaks and any Unicode are stored as given and verify',
  async (store) => {
    const audit = createAuditLog(store);
    const command = ['sh', '-c', 'printf "a\\tb\\\\n" \t\\N\n\r\\\\ end', 'nul\u0000', 'lone\ud800'];
    await audit.begin(
      start('odd', {
        name: 'naïve-名前-🚀\\N',
        namespace: 'tab\there',
        path: '/api/v1/x\\y',
        command,
        // Neither can be stored as it is (PostgreSQL refuses NUL; a lone surrogate is not
        // UTF-16): each becomes U+FFFD rather than failing the batch or breaking the hash.
        username: 'nul\u0000lone\udc00',
      }),
    );
    const row = await store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('request_id', '=', 'odd')
      .executeTakeFirstOrThrow();
    assert.equal(row.name, 'naïve-名前-🚀\\N');
    assert.equal(row.namespace, 'tab\there');
    assert.equal(row.path, '/api/v1/x\\y');
    assert.deepEqual(JSON.parse(row.command ?? ''), command);
    assert.equal(row.username, 'nul\uFFFDlone\uFFFD');
    assert.equal((await audit.verify()).ok, true);
    await audit.close();
  },
);

storeTest(
  "when PostgreSQL ends the audit writer's connection while it is idle, the next request is written on a new one",
  async (store) => {
    const audit = createAuditLog(store);
    try {
      await audit.begin(start('before'));
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`.execute(store.db);
      // Let the client see its connection close.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await audit.begin(start('after'));
      assert.equal((await audit.verify()).ok, true);
    } finally {
      await audit.close();
    }
  },
  { drivers: ['postgres'] },
);

storeTest(
  'a PostgreSQL batch after this writer’s own is one round trip; after another replica’s, it is chained after that one and the lock is taken first until no other writer comes between',
  async (store, database) => {
    const connect = store.connectPostgres;
    assert.ok(connect);
    let roundTrips = 0;
    const audit = createAuditLog({
      ...store,
      async connectPostgres() {
        const client = await connect();
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
          roundTrips++;
          return query(...args);
        };
        return client;
      },
    });
    const replica = await database.reopen();
    const other = createAuditLog(replica);
    const trips = async (requestId: string) => {
      const before = roundTrips;
      await audit.begin(start(requestId));
      return roundTrips - before;
    };
    try {
      // The first batch reads the head under its lock; the next ones start from their own.
      assert.deepEqual([await trips('r1'), await trips('r2'), await trips('r3')], [2, 1, 1]);
      await other.begin(start('x1'));
      // The head moved: the one-round-trip attempt writes nothing, then the locked path.
      assert.equal(await trips('r4'), 3);
      // Another writer was active: the next batch takes the lock first (no attempt to
      // waste), finds its own head, and the one after is one round trip again.
      assert.deepEqual([await trips('r5'), await trips('r6')], [2, 1]);
      const rows = await store.db
        .selectFrom('audit_log')
        .select(['seq', 'request_id'])
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        rows.map((row) => [Number(row.seq), row.request_id]),
        [
          [1, 'r1'],
          [2, 'r2'],
          [3, 'r3'],
          [4, 'x1'],
          [5, 'r4'],
          [6, 'r5'],
          [7, 'r6'],
        ],
      );
      assert.deepEqual(await audit.verify(), { ok: true, rows: 7, head: await audit.head() });
    } finally {
      await audit.close();
      await other.close();
      await replica.close();
    }
  },
  { drivers: ['postgres'] },
);
