import type { Kysely } from 'kysely';
import { accessVersionRepository } from './access.ts';
import type { Database } from './schema.ts';
import { fromIso, toIso, type User, type UserWithPassword } from './types.ts';

/** Users and their roles. Roles live in their own table; this repository keeps both in step. */
export interface UserRepository {
  /** Inserts a user and its roles. The caller checks the name is free (inside a transaction). */
  create(user: {
    id: string;
    username: string;
    passwordHash: string | null;
    roles: string[];
    createdAt: Date;
  }): Promise<User>;
  findById(id: string): Promise<User | undefined>;
  findByUsername(username: string): Promise<UserWithPassword | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  /**
   * Replaces the user's roles; undefined if there is no such user. A change moves the
   * access version on (see access.ts); call it inside a transaction.
   */
  setRoles(id: string, roles: string[]): Promise<User | undefined>;
  /**
   * Deletes the user with its roles and refresh tokens, moving the access version on;
   * false if there was none.
   */
  delete(id: string): Promise<boolean>;
  /** Ids of the users that have `role`. */
  idsWithRole(role: string): Promise<string[]>;
}

function normalizeRoles(roles: readonly string[]): string[] {
  return [...new Set(roles)].sort();
}

export function userRepository(db: Kysely<Database>): UserRepository {
  const access = accessVersionRepository(db);
  const rolesOf = async (userIds: string[]): Promise<Map<string, string[]>> => {
    const map = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return map;
    const rows = await db
      .selectFrom('user_roles')
      .select(['user_id', 'role'])
      .where('user_id', 'in', userIds)
      .orderBy('role')
      .execute();
    for (const row of rows) map.get(row.user_id)?.push(row.role);
    return map;
  };
  const one = async (row: Pick<Database['users'], 'id' | 'username' | 'created_at'>): Promise<User> => ({
    id: row.id,
    username: row.username,
    roles: (await rolesOf([row.id])).get(row.id) ?? [],
    createdAt: fromIso(row.created_at),
  });

  const repo: UserRepository = {
    async create(user) {
      const roles = normalizeRoles(user.roles);
      await db
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          password_hash: user.passwordHash,
          created_at: toIso(user.createdAt),
        })
        .execute();
      if (roles.length > 0) {
        await db
          .insertInto('user_roles')
          .values(roles.map((role) => ({ user_id: user.id, role })))
          .execute();
      }
      return { id: user.id, username: user.username, roles, createdAt: user.createdAt };
    },
    async findById(id) {
      const row = await db
        .selectFrom('users')
        .select(['id', 'username', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? one(row) : undefined;
    },
    async findByUsername(username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? { ...(await one(row)), passwordHash: row.password_hash } : undefined;
    },
    async list() {
      const rows = await db
        .selectFrom('users')
        .select(['id', 'username', 'created_at'])
        .orderBy('username')
        .execute();
      const roles = await rolesOf(rows.map((r) => r.id));
      return rows.map((row) => ({
        id: row.id,
        username: row.username,
        roles: roles.get(row.id) ?? [],
        createdAt: fromIso(row.created_at),
      }));
    },
    async count() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async setRoles(id, roles) {
      const exists = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) return undefined;
      const normalized = normalizeRoles(roles);
      const before = new Set((await rolesOf([id])).get(id));
      if (before.size === normalized.length && normalized.every((role) => before.has(role))) {
        return repo.findById(id);
      }
      await access.bump();
      await db.deleteFrom('user_roles').where('user_id', '=', id).execute();
      if (normalized.length > 0) {
        await db
          .insertInto('user_roles')
          .values(normalized.map((role) => ({ user_id: id, role })))
          .execute();
      }
      return repo.findById(id);
    },
    async delete(id) {
      // Explicit child deletes: correct even where ON DELETE CASCADE is not enforced.
      await db.deleteFrom('user_roles').where('user_id', '=', id).execute();
      await db.deleteFrom('refresh_tokens').where('user_id', '=', id).execute();
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await access.bump();
      return deleted;
    },
    async idsWithRole(role) {
      const rows = await db.selectFrom('user_roles').select('user_id').where('role', '=', role).execute();
      return rows.map((r) => r.user_id);
    },
  };
  return repo;
}
