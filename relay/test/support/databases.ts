/**
 * The databases relay tests run against. A test file runs on SQLite unless the process chose
 * PostgreSQL first (`usePostgres`, see test/postgres/), and then every data dir gets its own
 * fresh database in one private cluster per test process.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '@certpilot/testkit/postgres';

export type DatabaseKind = 'sqlite' | 'postgres';

/** Every database the relay supports, SQLite first. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

let chosenKind: DatabaseKind = 'sqlite';
let cluster: Promise<PostgresCluster> | undefined;
let databaseCount = 0;
const urlsByDataDir = new Map<string, Promise<string>>();

/** Makes this test process put every relay on PostgreSQL; the cluster stops after the file's tests. */
export function usePostgres(): void {
  chosenKind = 'postgres';
  after(stopPostgres);
}

/** Returns the database kind that relays of this test process use. */
export function databaseKind(): DatabaseKind {
  return chosenKind;
}

/** This process's PostgreSQL cluster, started on first use. */
export function sharedPostgres(): Promise<PostgresCluster> {
  cluster ??= startPostgres();
  return cluster;
}

/** Stops this process's PostgreSQL cluster, if one was started. */
export async function stopPostgres(): Promise<void> {
  const running = cluster;
  cluster = undefined;
  await (await running)?.stop();
}

/** Creates a fresh, empty database of `kind` and returns its URL; a SQLite file goes into `dataDir`. */
export async function freshDatabaseUrl(kind: DatabaseKind, dataDir: string): Promise<string> {
  if (kind === 'sqlite') return `sqlite://${join(dataDir, 'relay.db')}`;
  databaseCount += 1;
  return (await sharedPostgres()).createDatabase(`relay_${databaseCount}`);
}

/**
 * Returns the database URL of the relay over `dataDir`. Every relay started over one dir gets
 * the same URL, so a restart or a second relay reads the first one's data, as with a SQLite file.
 */
export function databaseUrlFor(dataDir: string): Promise<string> {
  let url = urlsByDataDir.get(dataDir);
  if (url === undefined) {
    url = freshDatabaseUrl(chosenKind, dataDir);
    urlsByDataDir.set(dataDir, url);
  }
  return url;
}

/** Runs one SQL statement with `?` placeholders on the database at `url` and returns its rows. */
export async function queryRows<T>(url: string, text: string, ...params: unknown[]): Promise<T[]> {
  if (url.startsWith('sqlite://')) {
    const db = new Database(url.slice('sqlite://'.length));
    try {
      const statement = db.prepare(text);
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    } finally {
      db.close();
    }
  }
  let index = 0;
  // Counts come back as numbers, as the relay's own pool returns them.
  const types = {
    getTypeParser: (oid: number) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid)),
  };
  const client = new pg.Client({ connectionString: url, types });
  await client.connect();
  try {
    const result = await client.query(
      text.replace(/\?/g, () => `$${++index}`),
      params,
    );
    return result.rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Everything the database at `url` stores, as text, to check that a secret is not kept in
 * clear: a SQLite file with its WAL, or every row of every PostgreSQL table as JSON.
 */
export async function storedText(url: string): Promise<string> {
  if (url.startsWith('sqlite://')) {
    const file = url.slice('sqlite://'.length);
    const main = await readFile(file, 'latin1');
    const wal = await readFile(`${file}-wal`, 'latin1').catch(() => '');
    return main + wal;
  }
  const tables = await queryRows<{ tablename: string }>(
    url,
    "select tablename from pg_tables where schemaname = 'public'",
  );
  let text = '';
  for (const { tablename } of tables) {
    const rows = await queryRows<{ row: string }>(url, `select row_to_json(t)::text as row from "${tablename}" t`);
    text += rows.map((row) => row.row).join('\n');
  }
  return text;
}
