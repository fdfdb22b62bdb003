import type { Kysely } from 'kysely';

/**
 * Single sign-on replay protection (see auth/sso/). `sso_nonces`: the nonces central
 * handed out for authorization-code logins, by hash, until used or expired.
 * `sso_used_tokens`: hashes of nonce-less (device-code) ID tokens already exchanged,
 * kept until they expire, so that none is exchanged twice. Neither holds a token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sso_nonces')
    .addColumn('nonce_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('sso_nonces_expires_idx').on('sso_nonces').column('expires_at').execute();

  await db.schema
    .createTable('sso_used_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sso_used_tokens_expires_idx')
    .on('sso_used_tokens')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sso_used_tokens').execute();
  await db.schema.dropTable('sso_nonces').execute();
}
