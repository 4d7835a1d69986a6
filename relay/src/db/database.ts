/**
 * Opening the relay database from its URL and bringing its schema up to date.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { CertPilotError, type Logger } from '@certpilot/core';
import { migrationProvider } from './migrations.js';
import type { RelayDatabase } from './schema.js';

export type RelayDb = Kysely<RelayDatabase>;

const SQLITE_PREFIX = 'sqlite://';

/**
 * Opens the database named by `url` (`sqlite://<path>`, the path relative to the working
 * directory unless absolute) and applies pending migrations.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a URL of another kind, `FILE_IO_FAILED` when the
 *   file cannot be opened, `INTERNAL` when a migration fails.
 */
export async function openDatabase(url: string, logger: Logger): Promise<RelayDb> {
  const path = sqlitePath(url);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (error) {
    throw new CertPilotError('FILE_IO_FAILED', `Cannot open database ${path}: ${(error as Error).message}`, {
      cause: error,
      params: { path, message: (error as Error).message },
    });
  }
  // Password hashes live here: owner only. SQLite gives the -wal and -shm files the same mode.
  await chmod(path, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<RelayDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, logger);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function migrate(db: RelayDb, logger: Logger): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const result of results) {
    logger.info({ migration: result.migrationName, status: result.status }, 'database migration');
  }
  if (error !== undefined) {
    throw new CertPilotError('INTERNAL', `Database migration failed: ${(error as Error).message}`, { cause: error });
  }
}

function sqlitePath(url: string): string {
  if (!url.startsWith(SQLITE_PREFIX) || url.length === SQLITE_PREFIX.length) {
    // Only the scheme goes into the message: a database URL may carry a password.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
    const message = `database URL scheme ${scheme} is not supported: only sqlite://<path> works so far`;
    throw new CertPilotError('CONFIG_INVALID', message, { params: { message } });
  }
  return resolve(url.slice(SQLITE_PREFIX.length));
}
