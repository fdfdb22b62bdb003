import { KgateError } from '@kgate/core/errors';
import type { Kysely } from 'kysely';
import type { Client as PostgresClient } from 'pg';
import type { CentralConfig } from '../config/index.ts';
import { type AccessVersionRepository, accessVersionRepository } from './access.ts';
import { type ClusterRepository, clusterRepository } from './clusters.ts';
import { type JoinTokenRepository, joinTokenRepository } from './join-tokens.ts';
import { migrateToLatest } from './migrations/index.ts';
import { openPostgres, type PostgresDatabase } from './postgres.ts';
import { type RefreshTokenRepository, refreshTokenRepository } from './refresh-tokens.ts';
import { type RoleRepository, roleRepository } from './roles.ts';
import type { Database } from './schema.ts';
import { type SigningKeyRepository, signingKeyRepository } from './signing-keys.ts';
import { openSqlite } from './sqlite.ts';
import { type UserRepository, userRepository } from './users.ts';

/**
 * Central's state, as repositories. Callers never see SQL or a driver: the same Store
 * runs over SQLite (node:sqlite) or PostgreSQL (pg), both through Kysely.
 */
export interface Store {
  readonly driver: 'sqlite' | 'postgres';
  /** The SQLite database file (absent for PostgreSQL, in-memory databases and transactions). */
  readonly sqlitePath?: string;
  /**
   * PostgreSQL only (absent in transactions): a connection of its own to the database,
   * outside the pool, for a writer that keeps one. The store's close() ends it.
   */
  readonly connectPostgres?: () => Promise<PostgresClient>;
  readonly users: UserRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly clusters: ClusterRepository;
  readonly joinTokens: JoinTokenRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly roles: RoleRepository;
  readonly accessVersion: AccessVersionRepository;
  /**
   * Runs `work` in one transaction: all its writes land, or none (a thrown error rolls
   * back). Inside, use the store passed to `work`. Nested calls join the outer transaction.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** The Kysely instance, for tests and migrations; application code uses the repositories. */
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/** Builds a Store over a Kysely instance (a database or a transaction). */
export function createStore(
  db: Kysely<Database>,
  driver: Store['driver'],
  options: { sqlitePath?: string; postgres?: PostgresDatabase } = {},
): Store {
  const { sqlitePath, postgres } = options;
  const store: Store = {
    driver,
    ...(sqlitePath === undefined || sqlitePath === ':memory:' ? {} : { sqlitePath }),
    ...(postgres === undefined ? {} : { connectPostgres: postgres.connect }),
    db,
    users: userRepository(db),
    refreshTokens: refreshTokenRepository(db),
    clusters: clusterRepository(db),
    joinTokens: joinTokenRepository(db),
    signingKeys: signingKeyRepository(db),
    roles: roleRepository(db),
    accessVersion: accessVersionRepository(db),
    transaction: (work) =>
      db.isTransaction ? work(store) : db.transaction().execute((tx) => work(createStore(tx, driver))),
    close: () => (db.isTransaction ? Promise.resolve() : postgres ? postgres.close() : db.destroy()),
  };
  return store;
}

/** Opens the configured database and migrates it to the latest schema. */
export async function openStore(database: CentralConfig['database']): Promise<Store> {
  let postgres: PostgresDatabase | undefined;
  let db: Kysely<Database>;
  if (database.driver === 'postgres') {
    postgres = await openPostgres(database.url);
    db = postgres.db;
  } else {
    db = openSqlite(database.path);
  }
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
  } catch (error) {
    await (postgres ? postgres.close() : db.destroy());
    if (database.driver === 'postgres' && !(error instanceof KgateError)) {
      // The URL may hold a password: name the driver, not the URL.
      throw new KgateError(
        'UNAVAILABLE',
        `cannot reach the PostgreSQL database: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return createStore(
    db,
    database.driver,
    database.driver === 'sqlite' ? { sqlitePath: database.path } : { postgres },
  );
}
