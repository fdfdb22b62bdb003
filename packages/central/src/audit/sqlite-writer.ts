/**
 * The audit log's SQLite batch writer, for a database file.
 *
 * A write-ahead row must be on disk before its request goes on, and the disk is the slow
 * part: the transaction itself (read the head, chain and insert the rows, move the head)
 * takes microseconds of CPU, the sync that makes it durable a fraction of a millisecond
 * of waiting, more when the machine is busy. So the two are split. The transaction runs
 * here, synchronously on the caller's thread, with `synchronous = NORMAL`: its WAL frames
 * reach the operating system, not yet the disk. Then this writer syncs the WAL file
 * itself (`fdatasync`, on libuv's thread pool), and a batch's promise resolves only when a
 * sync that began after its commit has finished. The event loop never waits on the disk,
 * and the next batch commits while the previous one is still being synced, so a request
 * waits for one sync, not for the one before it as well.
 *
 * Syncs are coalesced: while one runs, the commits made meanwhile wait for the next,
 * which covers them all (a sync is a disk flush, and on a virtual machine an exit to the
 * host: the costliest part of a batch by far).
 *
 * This is as durable as `synchronous = FULL` (which syncs the WAL at every commit): with
 * NORMAL, SQLite itself still syncs the WAL before a checkpoint, the database after it,
 * and the WAL header when the WAL is reused, and every commit a caller waits for is synced
 * here. Checkpoints, which copy the WAL into the database and sync both, run in a worker
 * thread (sqlite-checkpointer.ts) rather than inside a commit on this thread.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { type AuditRow, chain, HASHED_COLUMNS, type UnchainedRow } from './chain.ts';

/** Writes one batch and resolves with the rows' seqs once they are durable. */
export interface BatchWriter {
  write(rows: UnchainedRow[]): Promise<number[]>;
  /**
   * True when the next batch may be written before this one's promise settles (its order
   * in the chain is fixed when `write` returns).
   */
  readonly pipelined: boolean;
  close(): Promise<void>;
}

/** Every column of an audit row: those the hash covers, and the hash. */
const COLUMNS = [...HASHED_COLUMNS, 'hash'] as const satisfies ReadonlyArray<keyof AuditRow>;

/** How long a batch retries while another connection holds SQLite's write lock. */
const BUSY_GIVE_UP_MS = 5000;
/** How often, at most, the checkpointer is asked to fold the WAL into the database. */
const CHECKPOINT_EVERY_MS = 250;

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: number } | undefined)?.errcode;
  // SQLITE_BUSY and SQLITE_LOCKED, and their extended codes.
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

export function sqliteBatchWriter(path: string): BatchWriter {
  const db = new DatabaseSync(path);
  // No busy wait: this connection runs on the event loop, and the lock holder may be the
  // Store's own connection, which cannot let go while the loop is blocked. A busy batch
  // is retried on a timer instead (see write).
  db.exec('PRAGMA busy_timeout = 0; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  // Commits never checkpoint here (the checkpointer does, off this thread).
  db.exec('PRAGMA wal_autocheckpoint = 0;');
  const readHead = db.prepare('select seq, hash from audit_head where id = 1');
  const moveHead = db.prepare('update audit_head set seq = ?, hash = ? where id = 1');
  const insert: StatementSync = db.prepare(
    `insert into audit_log (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
  );
  // Reading once makes sure the WAL file exists; it lives as long as this connection.
  readHead.get();
  const wal = openSync(`${path}-wal`, 'r+');
  const syncWal = () =>
    new Promise<void>((resolve, reject) => fdatasync(wal, (error) => (error ? reject(error) : resolve())));

  const checkpointer = new Worker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
    workerData: { path },
  });
  checkpointer.unref();
  let checkpointing = false;
  let lastCheckpoint = 0;
  checkpointer.on('message', () => {
    checkpointing = false;
  });
  // A checkpointer that fails leaves the WAL growing, not records unwritten: say so once.
  checkpointer.on('error', (error) => {
    process.emitWarning(`the audit log's checkpoint thread failed: ${error.message}`);
  });
  function maybeCheckpoint(): void {
    const now = Date.now();
    if (checkpointing || now - lastCheckpoint < CHECKPOINT_EVERY_MS) return;
    checkpointing = true;
    lastCheckpoint = now;
    checkpointer.postMessage('checkpoint');
  }

  /** One transaction: head, chain, insert, move the head. Synchronous. */
  function commit(rows: UnchainedRow[]): number[] {
    db.exec('begin immediate');
    try {
      const head = readHead.get() as { seq: number | bigint; hash: string } | undefined;
      if (head === undefined)
        throw new Error('the audit head row is missing: the log was tampered with (run verify)');
      const chained = chain(rows, { seq: Number(head.seq), hash: head.hash });
      for (const row of chained) insert.run(...COLUMNS.map((column) => row[column] as SQLInputValue));
      const last = chained.at(-1);
      if (last !== undefined) moveHead.run(last.seq, last.hash);
      db.exec('commit');
      return chained.map((row) => row.seq);
    } catch (error) {
      if (db.isTransaction) db.exec('rollback');
      throw error;
    }
  }

  /** Commits, retrying on a timer while another connection writes. */
  async function commitWhenFree(rows: UnchainedRow[]): Promise<number[]> {
    const giveUp = Date.now() + BUSY_GIVE_UP_MS;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return commit(rows);
      } catch (error) {
        if (!isBusy(error) || Date.now() > giveUp) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  let closed = false;
  // One fdatasync at a time; commits made while it runs share the next one.
  let syncRunning: Promise<void> | undefined;
  let nextSync: { promise: Promise<void>; resolve(): void; reject(error: unknown): void } | undefined;
  function startSync(): Promise<void> {
    const running = syncWal().finally(() => {
      syncRunning = undefined;
      const waiting = nextSync;
      nextSync = undefined;
      if (waiting !== undefined) startSync().then(waiting.resolve, waiting.reject);
    });
    syncRunning = running;
    return running;
  }
  /** Resolves once everything committed so far is on disk. */
  function synced(): Promise<void> {
    if (syncRunning === undefined) return startSync();
    nextSync ??= Promise.withResolvers<void>();
    return nextSync.promise;
  }
  const pending = new Set<Promise<unknown>>();
  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise);
    return promise.finally(() => pending.delete(promise));
  }
  return {
    pipelined: true,
    write(rows) {
      if (closed) return Promise.reject(new Error('the audit writer is closed'));
      let seqs: number[];
      try {
        seqs = commit(rows);
      } catch (error) {
        if (!isBusy(error)) return Promise.reject(error);
        // Rare (another connection is mid-transaction): wait for it, then sync as below.
        return track(
          commitWhenFree(rows).then(async (committed) => {
            await synced();
            return committed;
          }),
        );
      }
      maybeCheckpoint();
      return track(synced().then(() => seqs));
    },
    async close() {
      closed = true;
      await Promise.allSettled([...pending]);
      closeSync(wal);
      await checkpointer.terminate();
      db.close();
    },
  };
}
