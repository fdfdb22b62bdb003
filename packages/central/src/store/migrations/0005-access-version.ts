import { type Kysely, sql } from 'kysely';

/**
 * `access_version`: one row (id 1) whose version every change of access moves on (a
 * user's roles set, a user removed, a role's rules changed), in the transaction that
 * makes the change. Every central replica watches it, so that a change made on one
 * closes the open watches and exec sessions it no longer allows on all of them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ access_version: { id: number; version: number } }>)
    .insertInto('access_version')
    .values({ id: 1, version: 0 })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_version').execute();
}
