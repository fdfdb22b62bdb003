import type { Kysely } from 'kysely';
import { accessVersionRepository } from './access.ts';
import type { Database } from './schema.ts';

/** A stored role: its name and the JSON of its validated definition. */
export interface StoredRole {
  name: string;
  /** The role as `@kgate/core/rbac` validated it (name included). */
  definition: unknown;
  createdAt: Date;
  updatedAt: Date;
}

/** Central RBAC roles. */
export interface RoleRepository {
  list(): Promise<StoredRole[]>;
  /**
   * Inserts or replaces a role; true when it was new or its definition changed, which
   * moves the access version on (see access.ts).
   */
  upsert(name: string, definition: unknown, now: Date): Promise<boolean>;
}

export function roleRepository(db: Kysely<Database>): RoleRepository {
  const access = accessVersionRepository(db);
  return {
    async list() {
      const rows = await db.selectFrom('roles').selectAll().orderBy('name').execute();
      return rows.map((row) => ({
        name: row.name,
        definition: JSON.parse(row.definition) as unknown,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
      }));
    },
    async upsert(name, definition, now) {
      const text = JSON.stringify(definition);
      const existing = await db
        .selectFrom('roles')
        .select('definition')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing?.definition === text) return false;
      await access.bump();
      const at = now.toISOString();
      if (existing === undefined)
        await db
          .insertInto('roles')
          .values({ name, definition: text, created_at: at, updated_at: at })
          .execute();
      else
        await db
          .updateTable('roles')
          .set({ definition: text, updated_at: at })
          .where('name', '=', name)
          .execute();
      return true;
    },
  };
}
