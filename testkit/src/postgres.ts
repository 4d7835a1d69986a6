/**
 * A private PostgreSQL cluster for tests: Debian's `postgresql` binaries, `initdb` into a fresh
 * temp dir, the server on 127.0.0.1 with a random free port and its unix socket in that dir.
 * Clients log in over TCP with a password as a role that owns its database and nothing else,
 * which is what the relay needs in production too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, readFile, rm, writeFile, access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

/** Directory of Debian's PostgreSQL installs, one `<version>/bin` per major version. */
export const POSTGRES_ROOT = '/usr/lib/postgresql';

/** Role that clients log in as, and the owner of every database that `createDatabase` makes. */
export const POSTGRES_TEST_ROLE = 'certpilot';

const ADMIN_ROLE = 'postgres';
const FIRST_DATABASE = 'certpilot';
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_START_ATTEMPTS = 3;

/** Options of {@link startPostgres}. Every field has a default. */
export interface PostgresOptions {
  /** Directory containing `initdb` and `postgres`. Default the newest `/usr/lib/postgresql/<version>/bin`. */
  binDir?: string;
  /** Time allowed for the server to accept connections, in milliseconds. Default 20000. */
  startTimeoutMs?: number;
}

/** A running private cluster. Call {@link PostgresCluster.stop} when done. */
export interface PostgresCluster {
  /** URL of an empty database, such as `postgres://certpilot:<password>@127.0.0.1:40123/certpilot`. */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The temp dir: data directory, unix socket and server log. */
  dir: string;
  /** Directory of the PostgreSQL binaries in use, such as `/usr/lib/postgresql/15/bin`. */
  binDir: string;
  /** Creates an empty database owned by {@link POSTGRES_TEST_ROLE} and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The server log so far, for a failing test's message. */
  log(): Promise<string>;
  /** Stops the server (fast shutdown), waits for it to exit and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** The account the server runs as: `postgres` when this process is root, which initdb requires. */
interface ServerUser {
  uid?: number;
  gid?: number;
}

/**
 * Starts a private PostgreSQL cluster. Fails (never skips) when PostgreSQL is not installed.
 *
 * @throws Error when the binaries are missing, initdb fails, or the server does not accept
 *   connections within the timeout (the message carries the server log).
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? (await findBinDir());
  await checkInstalled(binDir);
  const user = await serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'certpilot-postgres-'));

  try {
    if (user.uid !== undefined) await chown(dir, user.uid, user.gid ?? user.uid);
    const password = randomBytes(18).toString('base64url');
    await initCluster(binDir, dir, user);
    return await startServer(binDir, dir, user, password, options.startTimeoutMs ?? 20_000);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

const NOT_INSTALLED = 'install the Debian package postgresql (apt-get install postgresql)';

/** Returns the bin dir of the newest PostgreSQL major version installed. */
async function findBinDir(): Promise<string> {
  const versions = await readdir(POSTGRES_ROOT).catch(() => [] as string[]);
  const newest = versions
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .at(0);
  if (newest === undefined) throw new Error(`PostgreSQL not found under ${POSTGRES_ROOT}/*/bin: ${NOT_INSTALLED}`);
  return join(POSTGRES_ROOT, newest, 'bin');
}

async function checkInstalled(binDir: string): Promise<void> {
  for (const name of ['initdb', 'postgres', 'psql']) {
    try {
      await access(join(binDir, name), constants.X_OK);
    } catch {
      throw new Error(`PostgreSQL binary ${name} not found in ${binDir}: ${NOT_INSTALLED}`);
    }
  }
}

/**
 * Returns the account to run initdb and postgres as. Both refuse to run as root, so as root they
 * run as the `postgres` system user.
 */
async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number((await run('id', ['-u', ADMIN_ROLE])).trim());
    const gid = Number((await run('id', ['-g', ADMIN_ROLE])).trim());
    return { uid, gid };
  } catch (error) {
    throw new Error(`The system user ${ADMIN_ROLE} is missing, which the tests run PostgreSQL as: ${NOT_INSTALLED}`, {
      cause: error,
    });
  }
}

/**
 * Runs initdb. The superuser is reached only through the socket (trust), so its password is a
 * random one that is never used. TCP logins need a password, which the test role's URL carries.
 */
async function initCluster(binDir: string, dir: string, user: ServerUser): Promise<void> {
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  if (user.uid !== undefined) await chown(passwordFile, user.uid, user.gid ?? user.uid);

  await run(
    join(binDir, 'initdb'),
    [
      '--pgdata',
      join(dir, 'data'),
      '--username',
      ADMIN_ROLE,
      '--pwfile',
      passwordFile,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      // C.UTF-8 sorts text by code point, like SQLite. ISO 8601 times sort the same under any locale.
      '--locale=C.UTF-8',
      '--no-sync',
    ],
    user,
  );
  await rm(passwordFile);
}

async function startServer(
  binDir: string,
  dir: string,
  user: ServerUser,
  password: string,
  timeoutMs: number,
): Promise<PostgresCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt += 1) {
    const port = await freePort();
    const server = new PostgresServer(binDir, dir, user, port);
    try {
      await server.start(timeoutMs);
    } catch (error) {
      await server.stop();
      lastError = error;
      // Another process took the port between freePort() and the server's bind: try another one.
      if (/could not (bind|create listen socket)/i.test(String(error))) continue;
      throw error;
    }
    return await clusterOf(server, dir, password, binDir);
  }
  throw lastError;
}

async function clusterOf(
  server: PostgresServer,
  dir: string,
  password: string,
  binDir: string,
): Promise<PostgresCluster> {
  const host = '127.0.0.1';
  const urlOf = (database: string) =>
    `postgres://${POSTGRES_TEST_ROLE}:${encodeURIComponent(password)}@${host}:${server.port}/${database}`;
  try {
    await server.psql(`CREATE ROLE ${POSTGRES_TEST_ROLE} LOGIN PASSWORD '${password}'`);
    await server.psql(`CREATE DATABASE ${FIRST_DATABASE} OWNER ${POSTGRES_TEST_ROLE}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: urlOf(FIRST_DATABASE),
    host,
    port: server.port,
    user: POSTGRES_TEST_ROLE,
    password,
    dir,
    binDir,
    async createDatabase(name) {
      if (!DATABASE_NAME.test(name)) {
        throw new Error(`Invalid database name "${name}": use lowercase letters, digits and _ (at most 63).`);
      }
      await server.psql(`CREATE DATABASE ${name} OWNER ${POSTGRES_TEST_ROLE}`);
      return urlOf(name);
    },
    log: () => server.log(),
    stop() {
      stopped ??= server.stop().then(() => rm(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/** One `postgres` process over a data directory, stopped by its PID. */
class PostgresServer {
  private process: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly logFile: string;
  private readonly killOnExit = () => this.process?.kill('SIGQUIT');

  constructor(
    private readonly binDir: string,
    private readonly dir: string,
    private readonly user: ServerUser,
    readonly port: number,
  ) {
    this.logFile = join(dir, `server-${port}.log`);
  }

  async start(timeoutMs: number): Promise<void> {
    const args = [
      ...['-D', join(this.dir, 'data'), '-p', String(this.port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${this.dir}`],
      // Test data need not survive a crash of the machine, so these make each commit much cheaper.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      ...['-c', `logging_collector=off`, '-c', 'log_min_messages=warning'],
    ];
    const logFd = openSync(this.logFile, 'a', 0o644);
    const child = spawn(join(this.binDir, 'postgres'), args, { ...this.user, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // A test process that dies without stop() must not leave a server behind.
    process.once('exit', this.killOnExit);
    await this.waitUntilReady(child, timeoutMs);
  }

  /** Waits for the `ready` status line that the postmaster writes into postmaster.pid. */
  private async waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pidFile = join(this.dir, 'data', 'postmaster.pid');
    for (;;) {
      const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
      if (lines[0] === String(child.pid) && lines[7]?.trim() === 'ready') return;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`PostgreSQL exited during startup (port ${this.port}):\n${await this.log()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL was not ready after ${timeoutMs} ms (port ${this.port}):\n${await this.log()}`);
      }
      await sleep(25);
    }
  }

  /** Runs one SQL statement as the superuser over the unix socket. */
  async psql(statement: string): Promise<void> {
    const args = ['-h', this.dir, '-p', String(this.port), '-U', ADMIN_ROLE, '-d', 'postgres'];
    await run(join(this.binDir, 'psql'), [...args, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
  }

  log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  /** Fast shutdown (SIGINT): open client connections are ended rather than waited for. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined || this.exited === undefined) return;
    process.removeListener('exit', this.killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    // An unref'd timer: a server that exits at once must not keep the test process alive for 10 s.
    const timeout = sleep(10_000, true, { ref: false });
    const timedOut = await Promise.race([this.exited.then(() => false), timeout]);
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Runs a program to completion and returns its standard output. Rejects with its error output. */
function run(file: string, args: string[], user: ServerUser = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...user, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      // The arguments stay out of the message: a psql statement may carry the role's password.
      else reject(new Error(`${file} failed: ${stderr || error.message}`, { cause: error }));
    });
  });
}
