/**
 * What makes each ID token good for one login: the nonces central hands out (stored by
 * hash, single use, for {@link NONCE_TTL_MS}) and, for device-code logins whose ID token
 * carries no nonce, the hashes of the tokens already exchanged until they expire. In
 * the database, so that every replica refuses a replay another one accepted.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { toIso } from '../../store/types.ts';

/** How long a nonce from `POST /auth/sso/start` may be used: a login at the IdP takes minutes. */
export const NONCE_TTL_MS = 10 * 60_000;

/** Why a nonce was not accepted. */
export type NonceRefusal = 'unknown' | 'used' | 'expired';

export interface SsoReplayGuard {
  /** Remembers a new nonce's hash until `expiresAt`. */
  addNonce(nonceHash: string, now: Date, expiresAt: Date): Promise<void>;
  /** Marks the nonce used; undefined when it was outstanding (the caller may go on). */
  useNonce(nonceHash: string, now: Date): Promise<NonceRefusal | undefined>;
  /** Remembers an ID token's hash until `expiresAt`; false when it was already there (a replay). */
  useToken(tokenHash: string, expiresAt: Date): Promise<boolean>;
  /** Forgets expired nonces and tokens. */
  prune(now: Date): Promise<void>;
}

export function ssoReplayGuard(db: Kysely<Database>): SsoReplayGuard {
  return {
    async addNonce(nonceHash, now, expiresAt) {
      await db
        .insertInto('sso_nonces')
        .values({
          nonce_hash: nonceHash,
          created_at: toIso(now),
          expires_at: toIso(expiresAt),
          used_at: null,
        })
        .execute();
    },
    async useNonce(nonceHash, now) {
      // One conditional update decides: of two concurrent logins with one nonce, one wins.
      const result = await db
        .updateTable('sso_nonces')
        .set({ used_at: toIso(now) })
        .where('nonce_hash', '=', nonceHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', toIso(now))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return undefined;
      const row = await db
        .selectFrom('sso_nonces')
        .select(['used_at', 'expires_at'])
        .where('nonce_hash', '=', nonceHash)
        .executeTakeFirst();
      if (!row) return 'unknown';
      return row.used_at !== null ? 'used' : 'expired';
    },
    async useToken(tokenHash, expiresAt) {
      const result = await db
        .insertInto('sso_used_tokens')
        .values({ token_hash: tokenHash, expires_at: toIso(expiresAt) })
        .onConflict((conflict) => conflict.column('token_hash').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async prune(now) {
      await db.deleteFrom('sso_nonces').where('expires_at', '<', toIso(now)).execute();
      await db.deleteFrom('sso_used_tokens').where('expires_at', '<', toIso(now)).execute();
    },
  };
}
