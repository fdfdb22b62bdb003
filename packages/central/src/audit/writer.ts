/**
 * The audit log's group-commit writer. Entries queue; one flush at a time takes all that
 * are queued and writes them in one transaction, so the cost of a commit (an fsync) is
 * shared by every request that arrived while the previous one ran. A caller's promise
 * settles only when its rows are committed, or their transaction failed.
 */
import { Worker } from 'node:worker_threads';
import { KgateError } from '@kgate/core/errors';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { type AuditRow, chain, HEAD_MISSING, rowTail, type UnchainedRow } from './chain.ts';
import { postgresBatchWriter } from './postgres-writer.ts';
import type { WorkerReply, WorkerRequest } from './sqlite-worker.ts';
import type { AuditStats } from './types.ts';

/** Rows per INSERT statement: 29 parameters each stays under SQLite's 32,766 per statement. */
const INSERT_CHUNK = 500;

/**
 * How long rows nobody waits for (a request's end) may wait for company. They ride along
 * with the next write-ahead flush anyway; under no load they are written after this.
 */
const LINGER_MS = 20;

interface Pending {
  rows: UnchainedRow[];
  /** Someone waits on it before forwarding a request: flush without delay. */
  urgent: boolean;
  resolve: (seqs: number[]) => void;
  reject: (error: unknown) => void;
}

export interface AuditWriter {
  /**
   * Resolves with the rows' seqs once they are committed, in one transaction. `urgent`
   * rows (write-ahead: a request waits) are flushed at once; others may wait up to
   * {@link LINGER_MS} to share a flush.
   */
  write(rows: UnchainedRow[], options?: { urgent?: boolean }): Promise<number[]>;
  stats(): AuditStats;
  /** Waits for queued rows, then refuses new ones. */
  close(): Promise<void>;
}

function unavailable(message: string, cause?: unknown): KgateError {
  return new KgateError('UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

/**
 * One SQLite transaction through the Store's own connection (an in-memory database, which
 * a worker cannot open): take the write lock (`begin immediate`), read the head, chain and
 * insert the rows, move the head.
 */
async function writeBatch(db: Kysely<Database>, rows: UnchainedRow[]) {
  return db.connection().execute(async (connection) => {
    await sql.raw('begin immediate').execute(connection);
    try {
      const head = await connection
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .where('id', '=', 1)
        .executeTakeFirst();
      if (!head) throw new Error(HEAD_MISSING);
      const chained: AuditRow[] = chain(rows, { seq: Number(head.seq), hash: head.hash });
      for (let i = 0; i < chained.length; i += INSERT_CHUNK) {
        await connection
          .insertInto('audit_log')
          .values(chained.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      const last = chained.at(-1);
      if (last) {
        await connection
          .updateTable('audit_head')
          .set({ seq: last.seq, hash: last.hash })
          .where('id', '=', 1)
          .execute();
      }
      await sql.raw('commit').execute(connection);
      return chained.map((row) => row.seq);
    } catch (error) {
      await sql
        .raw('rollback')
        .execute(connection)
        .catch(() => {});
      throw error;
    }
  });
}

/** Writes one batch and resolves with the rows' seqs. */
type BatchWriter = { write(rows: UnchainedRow[]): Promise<number[]>; close(): Promise<void> };

/** Batches through the Store's own connection (SQLite in memory). */
function storeBatchWriter(db: Kysely<Database>): BatchWriter {
  return { write: (rows) => writeBatch(db, rows), close: async () => {} };
}

/** Batches through a worker thread with its own connection (see sqlite-worker.ts). */
function workerBatchWriter(path: string): BatchWriter {
  const worker = new Worker(new URL('./sqlite-worker.ts', import.meta.url), { workerData: { path } });
  const waiting = new Map<number, { resolve(seqs: number[]): void; reject(error: Error): void }>();
  let next = 0;
  // Only a batch in flight keeps the process alive.
  worker.unref();
  worker.on('message', (reply: WorkerReply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if ('error' in reply) pending?.reject(new Error(reply.error));
    else pending?.resolve(reply.seqs);
  });
  const failAll = (error: Error) => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the audit writer thread stopped')));
  return {
    write(rows) {
      const id = next++;
      const { promise, resolve, reject } = Promise.withResolvers<number[]>();
      waiting.set(id, { resolve, reject });
      worker.ref();
      // Strings clone far cheaper than row objects, and the worker hashes them as they are.
      worker.postMessage({ id, rows: rows.map(rowTail) } satisfies WorkerRequest);
      return promise;
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** A writer over `store`'s database. Uses the Store's connection(s); does not own them. */
export function createAuditWriter(
  store: Pick<Store, 'db' | 'driver' | 'sqlitePath' | 'connectPostgres'>,
): AuditWriter {
  const batches =
    store.sqlitePath !== undefined
      ? workerBatchWriter(store.sqlitePath)
      : store.connectPostgres !== undefined
        ? postgresBatchWriter(store.connectPostgres)
        : storeBatchWriter(store.db);
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const stats: AuditStats = { flushes: 0, rows: 0 };

  /** Resolves after `ms`, or as soon as an urgent entry (or close) arrives. */
  function linger(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function drain(): Promise<void> {
    // Start after the I/O callbacks of this turn of the event loop, so that requests
    // arriving together share the flush; those arriving while it runs share the next.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      if (!closed && !queue.some((pending) => pending.urgent)) await linger(LINGER_MS);
      const batch = queue;
      queue = [];
      const rows = batch.flatMap((pending) => pending.rows);
      try {
        const seqs = await batches.write(rows);
        stats.flushes += 1;
        stats.rows += seqs.length;
        let at = 0;
        for (const pending of batch) {
          pending.resolve(seqs.slice(at, at + pending.rows.length));
          at += pending.rows.length;
        }
      } catch (cause) {
        const error = unavailable(
          `the audit log cannot be written (${(cause as Error)?.message ?? String(cause)}), so the request is refused`,
          cause,
        );
        for (const pending of batch) pending.reject(error);
      }
    }
    flushing = undefined;
  }

  return {
    write(rows, options = {}) {
      if (closed) return Promise.reject(unavailable('the audit log is closed, so the request is refused'));
      const { promise, resolve, reject } = Promise.withResolvers<number[]>();
      const urgent = options.urgent ?? true;
      queue.push({ rows, urgent, resolve, reject });
      if (urgent) wake?.();
      flushing ??= drain();
      return promise;
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      wake?.();
      await flushing;
      await batches.close();
    },
  };
}
