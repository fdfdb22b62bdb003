/**
 * A fresh database per test, on SQLite and on PostgreSQL, so that store code is tested
 * alike on both. PostgreSQL is the server this machine runs (KGATE_TEST_POSTGRES_URL
 * overrides where); without one the PostgreSQL variants are skipped, except on CI
 * (`CI` set), where they fail: CI must test both drivers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.ts';

export type Driver = Store['driver'];

/** Connects to the server's `postgres` database, as a superuser that may create databases. */
export const postgresAdminUrl =
  process.env.KGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresError(): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await postgresError();

/** Why PostgreSQL tests cannot run, or undefined when they can. */
export const postgresUnavailable: string | undefined = unreachable
  ? `no PostgreSQL at ${new URL(postgresAdminUrl).host} (${unreachable.message})`
  : undefined;

/** The drivers to test: both, or SQLite alone when PostgreSQL is unreachable outside CI. */
export const drivers: Driver[] =
  postgresUnavailable === undefined || process.env.CI ? ['sqlite', 'postgres'] : ['sqlite'];

/** A database of its own for one test. */
export interface TestDatabase {
  driver: Driver;
  /** Opens (and migrates) a new Store on the database: each call is an independent connection. */
  reopen(): Promise<Store>;
  /** Removes the database; safe to call twice. */
  drop(): Promise<void>;
  /** Central's `database` setting for it. */
  config: { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string };
}

/** Runs `sql` as the PostgreSQL superuser on the server's `postgres` database. */
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (a temp file, or a new PostgreSQL database). */
export async function freshDatabase(driver: Driver): Promise<TestDatabase> {
  if (driver === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'kgate-store-'));
    const file = path.join(dir, 'central.db');
    return {
      driver,
      config: { driver: 'sqlite', path: file },
      reopen: () => openStore({ driver: 'sqlite', path: file }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (postgresUnavailable !== undefined) {
    throw new Error(`${postgresUnavailable}: CI must run the PostgreSQL tests (set KGATE_TEST_POSTGRES_URL)`);
  }
  const name = `kgate_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    driver,
    config: { driver: 'postgres', url: url.href },
    reopen: () => openStore({ driver: 'postgres', url: url.href }),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

/**
 * One test per driver (SQLite, and PostgreSQL where this machine has it) on a fresh,
 * empty database, dropped afterwards. Without PostgreSQL outside CI its variant is skipped.
 */
export function databaseTest(
  name: string,
  fn: (database: TestDatabase) => Promise<void>,
  options: { drivers?: readonly Driver[] } = {},
): void {
  for (const driver of options.drivers ?? (['sqlite', 'postgres'] as const)) {
    if (!drivers.includes(driver)) {
      test(`${name} (${driver})`, { skip: postgresUnavailable }, () => {});
      continue;
    }
    test(`${name} (${driver})`, async () => {
      const database = await freshDatabase(driver);
      try {
        await fn(database);
      } finally {
        await database.drop();
      }
    });
  }
}

/**
 * Declares `name` once per driver (`name (sqlite)`, `name (postgres)`), each run on a
 * fresh, migrated database that is dropped afterwards.
 */
export function storeTest(
  name: string,
  fn: (store: Store, database: TestDatabase) => Promise<void>,
  options: { drivers?: readonly Driver[] } = {},
): void {
  databaseTest(
    name,
    async (database) => {
      const store = await database.reopen();
      try {
        await fn(store, database);
      } finally {
        await store.close();
      }
    },
    options,
  );
}
