/**
 * The SQLite audit writer's thread. node:sqlite is synchronous: a commit with
 * `synchronous = FULL` waits for the disk (fsync), and on the main thread that wait
 * would stall every request central is serving. Here it stalls only this thread. It has
 * its own connection to the database file and writes one batch per message, chained
 * after the head it reads inside the transaction (as writer.ts does for PostgreSQL).
 * Rows arrive as their `rowTail` text (chain.ts): hashed as they are, parsed only into the
 * values the INSERT binds.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { type AuditRow, HASHED_COLUMNS, HEAD_MISSING, hashAfter } from './chain.ts';

/** A batch to write (each row as chain.ts's `rowTail`), and the answer: the rows' seqs, or why it failed. */
export type WorkerRequest = { id: number; rows: string[] };
export type WorkerReply = { id: number; seqs: number[] } | { id: number; error: string };

const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
const readHead = db.prepare('select seq, hash from audit_head where id = 1');
const moveHead = db.prepare('update audit_head set seq = ?, hash = ? where id = 1');
/** Every column of a row: those the hash covers (prev_hash, seq, then the tail's), and the hash. */
const COLUMNS = [...HASHED_COLUMNS, 'hash'] as const satisfies ReadonlyArray<keyof AuditRow>;
const insert = db.prepare(
  `insert into audit_log (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
);

port.on('message', ({ id, rows }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    db.exec('begin immediate');
    try {
      const head = readHead.get() as { seq: number; hash: string } | undefined;
      if (head === undefined) throw new Error(HEAD_MISSING);
      let seq = Number(head.seq);
      let hash = head.hash;
      const seqs: number[] = [];
      for (const tail of rows) {
        const prev = hash;
        seq += 1;
        hash = hashAfter(prev, seq, tail);
        insert.run(prev, seq, ...(JSON.parse(tail) as SQLInputValue[]), hash);
        seqs.push(seq);
      }
      if (rows.length > 0) moveHead.run(seq, hash);
      db.exec('commit');
      reply = { id, seqs };
    } catch (error) {
      db.exec('rollback');
      throw error;
    }
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
