/**
 * What a forger with write access to central's database does to the audit log: edit one
 * row and recompute every hash from it on, and the head, so that the chain alone still
 * verifies (only an anchor kept from before catches it).
 */
import { type Kysely, sql } from 'kysely';
import { rowHash } from '../../src/audit/chain.ts';
import type { Database } from '../../src/store/schema.ts';

/** Sets `username` on row `seq` and re-chains the log from it, in one transaction. */
export function forgeAuditRow(db: Kysely<Database>, seq: number, username: string | null): Promise<void> {
  return db.transaction().execute(async (tx) => {
    // Writing the head first holds off a running central's audit writer until this commits.
    await tx.updateTable('audit_head').set({ seq: sql`seq` }).where('id', '=', 1).execute();
    await tx.updateTable('audit_log').set({ username }).where('seq', '=', seq).execute();
    const before = await tx
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', seq - 1)
      .executeTakeFirstOrThrow();
    const rows = await tx
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', seq)
      .orderBy('seq')
      .execute();
    let previous = before.hash;
    for (const row of rows) {
      const hash = rowHash({ ...row, prev_hash: previous });
      await tx
        .updateTable('audit_log')
        .set({ prev_hash: previous, hash })
        .where('seq', '=', row.seq)
        .execute();
      previous = hash;
    }
    await tx.updateTable('audit_head').set({ hash: previous }).where('id', '=', 1).execute();
  });
}
