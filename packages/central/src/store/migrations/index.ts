import { KgateError } from '@kgate/core/errors';
import type { Kysely } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-audit.ts';
import * as m0003 from './0003-roles.ts';
import * as m0004 from './0004-sso.ts';
import * as m0005 from './0005-access-version.ts';

/**
 * Every migration, in order. Names are numbered so that Kysely's alphabetical order is
 * the order they were written in; a migration, once released, is never edited.
 */
const MIGRATIONS = {
  '0001-initial': m0001,
  '0002-audit': m0002,
  '0003-roles': m0003,
  '0004-sso': m0004,
  '0005-access-version': m0005,
};

/** Brings the schema up to date. Safe to run on every start, by several replicas at once. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    // No failed migration means the database was not reachable or lockable: pass that on as is.
    if (failed === undefined) throw result.error;
    throw new KgateError('INTERNAL', `database migration ${failed} failed`, { cause: result.error });
  }
  return result;
}
