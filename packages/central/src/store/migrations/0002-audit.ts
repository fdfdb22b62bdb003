import { type Kysely, sql } from 'kysely';

/**
 * The audit log (see `audit/`): `audit_log`, append-only and hash-chained, and
 * `audit_head`, its one-row head, seeded with seq 0 and the genesis hash. `bigint` for
 * seq and byte counts, because a busy gateway passes 2^31 rows or bytes. Portable DDL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('phase', 'text', (c) => c.notNull().check(sql`phase in ('begin', 'end')`))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('user_id', 'text')
    .addColumn('username', 'text')
    .addColumn('source_ip', 'text')
    .addColumn('cluster_id', 'text')
    .addColumn('cluster_name', 'text')
    .addColumn('method', 'text')
    .addColumn('path', 'text')
    .addColumn('verb', 'text')
    .addColumn('api_group', 'text')
    .addColumn('resource', 'text')
    .addColumn('subresource', 'text')
    .addColumn('namespace', 'text')
    .addColumn('name', 'text')
    .addColumn('command', 'text')
    .addColumn('decision', 'text')
    .addColumn('decision_rule', 'text')
    .addColumn('decision_reason', 'text')
    .addColumn('status', 'integer')
    .addColumn('duration_ms', 'bigint')
    .addColumn('bytes_in', 'bigint')
    .addColumn('bytes_out', 'bigint')
    .addColumn('error', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_request_idx').on('audit_log').column('request_id').execute();
  await db.schema.createIndex('audit_log_time_idx').on('audit_log').column('time').execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ audit_head: { id: number; seq: number; hash: string } }>)
    .insertInto('audit_head')
    .values({ id: 1, seq: 0, hash: '0'.repeat(64) })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_head').execute();
  await db.schema.dropTable('audit_log').execute();
}
