import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { fromIso, fromIsoOrNull, type SigningKeyPurpose, type SigningKeyRecord, toIso } from './types.ts';

/** Token signing keys. Kept in the store so that tokens survive restarts and replicas share keys. */
export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** Keys of a purpose that are not retired, newest first. */
  listActive(purpose: SigningKeyPurpose): Promise<SigningKeyRecord[]>;
  retire(kid: string, at: Date): Promise<void>;
}

export function signingKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    async insert(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          purpose: key.purpose,
          algorithm: key.algorithm,
          private_key_pem: key.privateKeyPem,
          created_at: toIso(key.createdAt),
          retired_at: key.retiredAt ? toIso(key.retiredAt) : null,
        })
        .execute();
    },
    async listActive(purpose) {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('purpose', '=', purpose)
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((row) => ({
        kid: row.kid,
        purpose,
        algorithm: 'RS256' as const,
        privateKeyPem: row.private_key_pem,
        createdAt: fromIso(row.created_at),
        retiredAt: fromIsoOrNull(row.retired_at),
      }));
    },
    async retire(kid, at) {
      await db
        .updateTable('signing_keys')
        .set({ retired_at: toIso(at) })
        .where('kid', '=', kid)
        .execute();
    },
  };
}
