import { chmodSync, closeSync, openSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Kysely's SqliteDialect over Node's built-in `node:sqlite`.
 *
 * The dialect expects better-sqlite3's shape; `DatabaseSync` differs in three ways that
 * this adapter bridges: parameters are spread rather than passed as an array,
 * statements have no `reader` flag (a statement that yields columns returns rows —
 * including `INSERT … RETURNING`), and booleans must be bound as integers. Written here
 * rather than taken from a package because it is this small and node:sqlite is built in.
 */
export function nodeSqliteDatabase(db: DatabaseSync): SqliteDatabase {
  const bind = (parameters: ReadonlyArray<unknown>): SQLInputValue[] =>
    parameters.map((p) => (typeof p === 'boolean' ? Number(p) : (p as SQLInputValue)));
  return {
    close: () => db.close(),
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...bind(parameters)),
        run: (parameters) => statement.run(...bind(parameters)),
        iterate: (parameters) => statement.iterate(...bind(parameters)),
      };
    },
  };
}

/**
 * Opens (creating if needed) a SQLite database file readable by its owner only: it
 * holds password hashes and signing keys. SQLite gives its journal the same mode.
 */
export function openSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') {
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new DatabaseSync(path);
  // Cascading deletes (users → roles, tokens) need foreign keys, off by default in SQLite.
  db.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  // WAL lets other connections (another process) read while the audit log writes; FULL makes
  // every commit reach the disk before it returns, which the write-ahead audit log
  // promises (WAL's usual NORMAL can lose the last commits on power loss).
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: nodeSqliteDatabase(db) }) });
}
