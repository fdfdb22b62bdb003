import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/**
 * The access version (see migration 0005): moved on by every change of access, in the
 * same transaction, and watched by every replica.
 */
export interface AccessVersionRepository {
  /** The current version. */
  current(): Promise<number>;
  /** Moves the version on; call inside the transaction that changes access. */
  bump(): Promise<void>;
}

export function accessVersionRepository(db: Kysely<Database>): AccessVersionRepository {
  return {
    async current() {
      const row = await db
        .selectFrom('access_version')
        .select('version')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return Number(row.version);
    },
    async bump() {
      await db
        .updateTable('access_version')
        .set({ version: sql<number>`version + 1` })
        .where('id', '=', 1)
        .execute();
    },
  };
}
