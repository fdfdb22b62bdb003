import type { Kysely } from 'kysely';

/**
 * Central RBAC roles (`kgate admin roles apply -f`). A role's rules are kept as the JSON
 * of its validated definition (see `@kgate/core/rbac`): they are read whole, compiled
 * into a policy and never queried by field. The `admin` role is seeded with access to
 * everything, so the bootstrap admin can reach clusters before any roles are applied.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  const admin = {
    name: 'admin',
    description: 'Everything on every cluster, and central administration',
    rules: [{ clusters: ['*'], resources: ['*'], verbs: ['*'] }],
  };
  await (
    db as Kysely<{ roles: { name: string; definition: string; created_at: string; updated_at: string } }>
  )
    .insertInto('roles')
    .values({ name: 'admin', definition: JSON.stringify(admin), created_at: now, updated_at: now })
    .execute();
}
