import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Kysely over PostgreSQL (`pg`). Loaded only when `database.driver` is postgres, so a
 * SQLite deployment never loads the driver.
 */
export async function openPostgres(url: string): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash central: pg emits on the pool.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
