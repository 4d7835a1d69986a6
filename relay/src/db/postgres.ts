/**
 * The PostgreSQL side of the relay database: a `pg` pool behind Kysely's PostgresDialect, and
 * errors that name the server and database but never the password.
 */
import pg from 'pg';
import { PostgresDialect } from 'kysely';
import { CertPilotError, type Logger } from '@certpilot/core';

/** The server, database and user of a PostgreSQL URL: the parts that messages and logs may show. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

const DEFAULT_PORT = 5432;
const CONNECT_TIMEOUT_MS = 10_000;
const POOL_SIZE = 10;

// SQLSTATE codes (PostgreSQL manual, appendix A) that mean the URL or the grants are wrong.
const INVALID_PASSWORD = '28P01';
const INVALID_AUTHORIZATION = '28000';
const UNKNOWN_DATABASE = '3D000';
const INSUFFICIENT_PRIVILEGE = '42501';
// Raised when the user may not even use schema `public`, so no schema is left to create tables in.
const INVALID_SCHEMA_NAME = '3F000';

/**
 * Opens a pool for `url` (`postgres://` or `postgresql://`, query options such as `sslmode`
 * as `pg` reads them) and checks that one connection works.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a URL without host or database, a rejected login
 *   or a missing database, and `DATABASE_UNREACHABLE` when the server cannot be reached.
 */
export async function openPostgres(
  url: string,
  logger: Logger,
): Promise<{ dialect: PostgresDialect; target: PostgresTarget }> {
  const { target, password } = parsePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'certpilot-relay',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    max: POOL_SIZE,
    types: { getTypeParser },
  });
  // An idle client that loses its connection emits here, and an unhandled event would end the process.
  pool.on('error', (error) => logger.error({ err: error, ...target }, 'database connection lost'));

  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw postgresError(error, target, password);
  }
  logger.info(target, 'database connected');
  return { dialect: new PostgresDialect({ pool }), target };
}

/**
 * Turns a `pg` error into a `CertPilotError` that names `target`. Errors that are neither about
 * the login, the database nor the grants count as the server being unreachable.
 */
export function postgresError(error: unknown, target: PostgresTarget, password = ''): CertPilotError {
  const code = (error as { code?: unknown }).code;
  const variant =
    code === INVALID_PASSWORD || code === INVALID_AUTHORIZATION
      ? 'database-auth'
      : code === UNKNOWN_DATABASE
        ? 'database-missing'
        : code === INSUFFICIENT_PRIVILEGE || code === INVALID_SCHEMA_NAME
          ? 'database-permission'
          : undefined;
  const detail = scrub(error instanceof Error ? error.message : String(error), password);
  const where = `${target.host}:${target.port}/${target.database} as ${target.user}`;
  if (variant !== undefined) {
    return new CertPilotError('CONFIG_INVALID', `PostgreSQL ${where}: ${detail}`, {
      cause: error,
      params: { variant, ...target },
    });
  }
  return new CertPilotError('DATABASE_UNREACHABLE', `Cannot connect to PostgreSQL ${where}: ${detail}`, {
    cause: error,
    params: { ...target, detail },
  });
}

/** Reads host, port, database and user from `url` for messages, and the password apart from them. */
function parsePostgresUrl(url: string): { target: PostgresTarget; password: string } {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // A unix socket directory may be given in the `host` query option instead of the authority.
  const host = decodeURIComponent(parsed?.hostname ?? '') || (parsed?.searchParams.get('host') ?? '');
  const database = decodeURIComponent(parsed?.pathname.slice(1) ?? '');
  if (parsed === undefined || host === '' || database === '' || database.includes('/')) {
    throw new CertPilotError('CONFIG_INVALID', `Invalid database URL ${redact(url)}: it needs a host and a database`, {
      params: { variant: 'database-url', url: redact(url) },
    });
  }
  const target = {
    host,
    port: Number(parsed.port || DEFAULT_PORT),
    database,
    user: decodeURIComponent(parsed.username) || '(default)',
  };
  return { target, password: decodeURIComponent(parsed.password) };
}

/** Returns the URL with its password masked, or only its scheme when it does not parse. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '****';
    return parsed.href;
  } catch {
    return `${/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? ''}//…`;
  }
}

function scrub(text: string, password: string): string {
  return password === '' ? text : text.split(password).join('****');
}

/**
 * `pg` returns `bigint` columns (such as `count(*)`) as strings, because they may exceed 2^53.
 * The relay's counts and ids are far below that, and the code expects numbers as SQLite returns.
 */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === pg.types.builtins.INT8) return Number;
  return pg.types.getTypeParser(oid, format as 'text');
}
