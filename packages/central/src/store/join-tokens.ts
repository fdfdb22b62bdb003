import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { fromIso, fromIsoOrNull, type JoinTokenRecord, toIso } from './types.ts';

/** Agent join tokens, stored by hash only. */
export interface JoinTokenRepository {
  insert(token: JoinTokenRecord): Promise<void>;
  /** Tokens of the cluster that have not expired at `now`. */
  listLive(clusterId: string, now: Date): Promise<JoinTokenRecord[]>;
  markUsed(id: string, at: Date): Promise<void>;
  /** Deletes every join token of the cluster (revocation). */
  deleteForCluster(clusterId: string): Promise<number>;
}

export function joinTokenRepository(db: Kysely<Database>): JoinTokenRepository {
  return {
    async insert(token) {
      await db
        .insertInto('agent_join_tokens')
        .values({
          id: token.id,
          cluster_id: token.clusterId,
          token_hash: token.tokenHash,
          created_at: toIso(token.createdAt),
          expires_at: toIso(token.expiresAt),
          used_at: token.usedAt ? toIso(token.usedAt) : null,
        })
        .execute();
    },
    async listLive(clusterId, now) {
      const rows = await db
        .selectFrom('agent_join_tokens')
        .selectAll()
        .where('cluster_id', '=', clusterId)
        .where('expires_at', '>', toIso(now))
        .execute();
      return rows.map((row) => ({
        id: row.id,
        clusterId: row.cluster_id,
        tokenHash: row.token_hash,
        createdAt: fromIso(row.created_at),
        expiresAt: fromIso(row.expires_at),
        usedAt: fromIsoOrNull(row.used_at),
      }));
    },
    async markUsed(id, at) {
      await db
        .updateTable('agent_join_tokens')
        .set({ used_at: toIso(at) })
        .where('id', '=', id)
        .execute();
    },
    async deleteForCluster(clusterId) {
      const result = await db
        .deleteFrom('agent_join_tokens')
        .where('cluster_id', '=', clusterId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
