/**
 * Central's audit log over a {@link Store}'s database: write-ahead, group-committed,
 * hash-chained (see writer.ts, chain.ts). Build one per process and share it.
 */
import { KgateError } from '@kgate/core/errors';
import type { Store } from '../store/store.ts';
import { queryAudit } from './query.ts';
import { beginRow, endRow } from './rows.ts';
import type { AuditLog } from './types.ts';
import { readHead, verifyAudit } from './verify.ts';
import { createAuditWriter } from './writer.ts';

/**
 * An audit log over `store`'s database (the audit tables come with the store's
 * migrations). Pass the Store itself, not one inside `transaction`: audit rows commit on
 * their own. Closing the log does not close the Store.
 */
export function createAuditLog(
  store: Pick<Store, 'db' | 'driver' | 'sqlitePath' | 'connectPostgres'>,
): AuditLog {
  const writer = createAuditWriter(store);
  // An invalid entry throws inside these async functions, so it rejects its own promise
  // and never reaches the queue it would share with other requests.
  return {
    async begin(start) {
      const [seq] = await writer.write([beginRow(start)]);
      return seq ?? 0;
    },
    async end(end) {
      // Nobody waits on an end row (the response has gone): it may share a later flush.
      const [seq] = await writer.write([endRow(end)], { urgent: false });
      return seq ?? 0;
    },
    async record(start, end) {
      await writer.write([beginRow(start), endRow(end)]);
    },
    query: (filter) => queryAudit(store.db, filter),
    verify: (options) => verifyAudit(store.db, options?.anchor),
    async head() {
      const head = await readHead(store.db);
      if (!head) throw new KgateError('INTERNAL', 'the audit head row is missing: run verify');
      return head;
    },
    stats: () => writer.stats(),
    close: () => writer.close(),
  };
}
