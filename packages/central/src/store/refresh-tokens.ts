import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { fromIso, fromIsoOrNull, type RefreshTokenRecord, toIso } from './types.ts';

/** Refresh tokens, stored by hash only. */
export interface RefreshTokenRepository {
  insert(token: RefreshTokenRecord & { tokenHash: string }): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks one token revoked if it is not yet. True only for the caller that revoked it,
   * so two concurrent rotations of the same token cannot both succeed.
   */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Revokes every live token of a family (after reuse of a revoked one). */
  revokeFamily(familyId: string, at: Date): Promise<number>;
  /** Revokes every live token of a user. */
  revokeForUser(userId: string, at: Date): Promise<number>;
  /** Deletes tokens that expired before `before`. */
  deleteExpired(before: Date): Promise<number>;
}

export function refreshTokenRepository(db: Kysely<Database>): RefreshTokenRepository {
  return {
    async insert(token) {
      await db
        .insertInto('refresh_tokens')
        .values({
          id: token.id,
          token_hash: token.tokenHash,
          user_id: token.userId,
          family_id: token.familyId,
          created_at: toIso(token.createdAt),
          expires_at: toIso(token.expiresAt),
          revoked_at: token.revokedAt ? toIso(token.revokedAt) : null,
        })
        .execute();
    },
    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        familyId: row.family_id,
        createdAt: fromIso(row.created_at),
        expiresAt: fromIso(row.expires_at),
        revokedAt: fromIsoOrNull(row.revoked_at),
      };
    },
    async revoke(id, at) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ revoked_at: toIso(at) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeFamily(familyId, at) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ revoked_at: toIso(at) })
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async revokeForUser(userId, at) {
      const result = await db
        .updateTable('refresh_tokens')
        .set({ revoked_at: toIso(at) })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async deleteExpired(before) {
      const result = await db
        .deleteFrom('refresh_tokens')
        .where('expires_at', '<', toIso(before))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
