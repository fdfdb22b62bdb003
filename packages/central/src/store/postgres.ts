import { Kysely, PostgresDialect } from 'kysely';
import type { Client } from 'pg';
import type { Database } from './schema.ts';

/** A PostgreSQL database: Kysely over a pool, and connections of their own on demand. */
export interface PostgresDatabase {
  db: Kysely<Database>;
  /**
   * Opens a connection of its own, outside the pool, for a writer that keeps one (the
   * audit log's, which streams rows with COPY). Ended by its holder, or by {@link close}.
   */
  connect(): Promise<Client>;
  /** Ends the pool and every connection {@link connect} opened; later connects fail. */
  close(): Promise<void>;
}

/**
 * Kysely over PostgreSQL (`pg`). Loaded only when `database.driver` is postgres, so a
 * SQLite deployment never loads the driver.
 */
export async function openPostgres(url: string): Promise<PostgresDatabase> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // A client that loses its server must not crash central: pg emits 'error' on the pool for
  // an idle client, and on the client itself while it is checked out between queries (in a
  // transaction); the query that needs it then fails and is handled where it was made.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const own = new Set<Client>();
  let closed = false;
  return {
    db,
    async connect() {
      if (closed) throw new Error('the store is closed');
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      client.on('error', () => {});
      client.once('end', () => own.delete(client));
      own.add(client);
      try {
        await client.connect();
      } catch (error) {
        own.delete(client);
        throw error;
      }
      if (closed) {
        await client.end();
        throw new Error('the store is closed');
      }
      return client;
    },
    async close() {
      closed = true;
      await Promise.all([...own].map((client) => client.end().catch(() => {})));
      await db.destroy();
    },
  };
}
