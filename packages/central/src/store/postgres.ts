import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Kysely over PostgreSQL (`pg`). Loaded only when `database.driver` is postgres, so a
 * SQLite deployment never loads the driver.
 */
export async function openPostgres(url: string): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // A client that loses its server must not crash central: pg emits 'error' on the pool for
  // an idle client, and on the client itself while it is checked out between queries (in a
  // transaction); the query that needs it then fails and is handled where it was made.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
