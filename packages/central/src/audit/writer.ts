/**
 * The audit log's group-commit writer. Entries queue; one flush at a time takes all that
 * are queued and writes them in one transaction, so the cost of a commit (an fsync) is
 * shared by every request that arrived while the previous one ran. A caller's promise
 * settles only when its rows are committed, or their transaction failed.
 */
import { KgateError } from '@kgate/core/errors';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { type AuditRow, chain, type UnchainedRow } from './chain.ts';
import type { AuditStats } from './types.ts';

/**
 * Rows per INSERT statement: 29 parameters each stays under SQLite's 32,766 and
 * PostgreSQL's 65,535 parameters per statement.
 */
const INSERT_CHUNK = 500;

interface Pending {
  rows: UnchainedRow[];
  resolve: (seqs: number[]) => void;
  reject: (error: unknown) => void;
}

export interface AuditWriter {
  /** Resolves with the rows' seqs once they are committed, in one transaction. */
  write(rows: UnchainedRow[]): Promise<number[]>;
  stats(): AuditStats;
  /** Waits for queued rows, then refuses new ones. */
  close(): Promise<void>;
}

function unavailable(message: string, cause?: unknown): KgateError {
  return new KgateError('UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

/**
 * One transaction: lock and read the head, chain and insert the rows, move the head.
 * SQLite takes its write lock at `begin immediate` and PostgreSQL at `for update`, so
 * writers sharing the database (central replicas, a second process) take turns instead
 * of chaining from the same head.
 */
async function writeBatch(db: Kysely<Database>, driver: Store['driver'], rows: UnchainedRow[]) {
  return db.connection().execute(async (connection) => {
    await sql.raw(driver === 'sqlite' ? 'begin immediate' : 'begin').execute(connection);
    try {
      let select = connection.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
      if (driver === 'postgres') select = select.forUpdate();
      const head = await select.executeTakeFirst();
      if (!head) throw new Error('the audit head row is missing: the log was tampered with (run verify)');
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
      // PostgreSQL ends a transaction whose COMMIT failed itself; a second end is harmless.
      await sql
        .raw('rollback')
        .execute(connection)
        .catch(() => {});
      throw error;
    }
  });
}

/** A writer over `store`'s database. Uses the Store's connection(s); does not own them. */
export function createAuditWriter(store: Pick<Store, 'db' | 'driver'>): AuditWriter {
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;
  const stats: AuditStats = { flushes: 0, rows: 0 };

  async function drain(): Promise<void> {
    // Start after the current task, so entries queued in the same tick share the flush.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const rows = batch.flatMap((pending) => pending.rows);
      try {
        const seqs = await writeBatch(store.db, store.driver, rows);
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
    write(rows) {
      if (closed) return Promise.reject(unavailable('the audit log is closed, so the request is refused'));
      const { promise, resolve, reject } = Promise.withResolvers<number[]>();
      queue.push({ rows, resolve, reject });
      flushing ??= drain();
      return promise;
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      await flushing;
    },
  };
}
