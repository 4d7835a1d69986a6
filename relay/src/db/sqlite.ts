/**
 * The SQLite side of the relay database: one file, WAL, foreign keys on.
 */
import { chmod } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { CertPilotError } from '@certpilot/core';

/**
 * Opens (creating it if needed) the SQLite file at `path` and returns a Kysely dialect over it.
 * Its directory must exist: a missing one is more often a typo than a wish for a new database.
 *
 * @throws CertPilotError `FILE_IO_FAILED` when the file cannot be opened.
 */
export async function openSqlite(path: string): Promise<SqliteDialect> {
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
  return new SqliteDialect({ database: sqlite });
}
