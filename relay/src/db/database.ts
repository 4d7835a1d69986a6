/**
 * Opening the relay database from its URL and bringing its schema up to date.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, type Dialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { CertPilotError, type Logger } from '@certpilot/core';
import { migrationProvider } from './migrations.js';
import { openPostgres, postgresError, type PostgresTarget } from './postgres.js';
import type { RelayDatabase } from './schema.js';
import { openSqlite } from './sqlite.js';

export type RelayDb = Kysely<RelayDatabase>;

const SQLITE_PREFIX = 'sqlite://';
const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'];

/**
 * Opens the database named by `url` and applies pending migrations. `sqlite://<path>` opens a
 * file, the path relative to the working directory unless absolute. `postgres://` and
 * `postgresql://` connect to an existing PostgreSQL database that is empty or already migrated.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a URL of another kind, a rejected PostgreSQL
 *   login, a missing database or missing grants.
 * @throws CertPilotError `DATABASE_UNREACHABLE` when PostgreSQL cannot be reached.
 * @throws CertPilotError `FILE_IO_FAILED` when the SQLite file cannot be opened.
 * @throws CertPilotError `INTERNAL` when a migration fails for another reason.
 */
export async function openDatabase(url: string, logger: Logger): Promise<RelayDb> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  let dialect: Dialect;
  let target: PostgresTarget | undefined;
  if (scheme !== undefined && POSTGRES_SCHEMES.includes(scheme)) {
    ({ dialect, target } = await openPostgres(url, logger));
  } else {
    dialect = await openSqlite(sqlitePath(url, scheme));
  }

  const db = new Kysely<RelayDatabase>({ dialect });
  try {
    await migrate(db, logger, target);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * Checks `url` before anything is created: its scheme, and for SQLite that the file's directory
 * exists, so that a typo in the path reports an error instead of starting on a new, empty
 * database. `createdDirectory`, the data directory the caller creates itself, is exempt.
 *
 * @throws CertPilotError `CONFIG_INVALID` (variant `database-scheme` or `database-directory`).
 */
export function checkDatabaseUrl(url: string, createdDirectory?: string): void {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  if (scheme !== undefined && POSTGRES_SCHEMES.includes(scheme)) return;

  const directory = dirname(sqlitePath(url, scheme));
  if (createdDirectory !== undefined && directory === resolve(createdDirectory)) return;
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new CertPilotError('CONFIG_INVALID', `The SQLite database directory ${directory} does not exist`, {
      params: { variant: 'database-directory', directory },
    });
  }
}

async function migrate(db: RelayDb, logger: Logger, target: PostgresTarget | undefined): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    logger.info({ migration: result.migrationName, status: result.status }, 'database migration');
  }
  if (error === undefined) return;

  if (target !== undefined && (error as { code?: unknown }).code !== undefined) {
    const mapped = postgresError(error, target);
    // Missing grants are the operator's to fix. Other database errors are bugs or outages.
    if (mapped.params.variant === 'database-permission') throw mapped;
  }
  throw new CertPilotError('INTERNAL', `Database migration failed: ${(error as Error).message}`, { cause: error });
}

function sqlitePath(url: string, scheme: string | undefined): string {
  if (scheme === undefined) {
    const message = 'database URL has no scheme: use sqlite://<path> or postgres://user:password@host:port/database';
    throw new CertPilotError('CONFIG_INVALID', message, { params: { variant: 'database-no-scheme', message } });
  }
  if (!url.startsWith(SQLITE_PREFIX) || url.length === SQLITE_PREFIX.length) {
    // Only the scheme goes into the message: a database URL may carry a password.
    const message = `database URL scheme ${scheme} is not supported: use sqlite://<path> or postgres://user:password@host:port/database`;
    throw new CertPilotError('CONFIG_INVALID', message, {
      params: { variant: 'database-scheme', scheme, message },
    });
  }
  return resolve(url.slice(SQLITE_PREFIX.length));
}
