/**
 * The SQLite audit writer's checkpoint thread. A checkpoint copies the WAL's frames into
 * the database file and syncs both, which can take milliseconds of disk; here that wait
 * stalls only this thread, never central's event loop (sqlite-writer.ts turns automatic
 * checkpoints off on its connection). PASSIVE: it never waits for, or blocks, a writer.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (port === null) throw new Error('sqlite-checkpointer.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
// FULL: the checkpoint syncs the WAL before it copies and the database after.
db.exec('PRAGMA busy_timeout = 1000; PRAGMA synchronous = FULL;');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

port.on('message', () => {
  try {
    checkpoint.get();
  } catch {
    // Busy or failing: the WAL keeps its frames and the next request tries again.
  }
  port.postMessage('done');
});
