import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canListenOn } from '../src/ports.js';
import { POSTGRES_TEST_ROLE, startPostgres, type PostgresCluster } from '../src/postgres.js';

/** Runs one statement through psql over TCP, logging in with the password in `url`; returns its output. */
function psql(cluster: PostgresCluster, url: string, statement: string, password = cluster.password): Promise<string> {
  const { port, pathname, username } = new URL(url);
  const psqlBinary = join(cluster.binDir, 'psql');
  const args = ['-h', '127.0.0.1', '-p', port, '-U', username, '-d', pathname.slice(1), '-X', '-A', '-t'];
  return new Promise((resolve, reject) => {
    execFile(
      psqlBinary,
      [...args, '-v', 'ON_ERROR_STOP=1', '-c', statement],
      { env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' } },
      (error, stdout, stderr) => (error === null ? resolve(stdout.trim()) : reject(new Error(stderr || error.message))),
    );
  });
}

describe('startPostgres', () => {
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await startPostgres();
  });

  after(async () => {
    await cluster?.stop();
  });

  test('logs in over TCP with the password in url', async () => {
    assert.match(cluster.url, /^postgres:\/\/certpilot:[A-Za-z0-9_-]+@127\.0\.0\.1:\d+\/certpilot$/);
    assert.equal(new URL(cluster.url).password, cluster.password);

    const row = await psql(cluster, cluster.url, 'select current_user, current_database()');

    assert.equal(row, 'certpilot|certpilot');
  });

  test('rejects a wrong password', async () => {
    await assert.rejects(psql(cluster, cluster.url, 'select 1', 'wrong-password'), /password authentication failed/);
  });

  test('createDatabase makes an empty database the role owns', async () => {
    const url = await cluster.createDatabase('second_db');

    assert.equal(new URL(url).pathname, '/second_db');
    await psql(cluster, url, 'create table t (id integer primary key)');
    const owner = await psql(
      cluster,
      url,
      "select pg_get_userbyid(datdba) from pg_database where datname = 'second_db'",
    );
    assert.equal(owner, POSTGRES_TEST_ROLE);
    assert.equal(await psql(cluster, url, 'select rolsuper from pg_roles where rolname = current_user'), 'f');
  });

  test('createDatabase rejects an invalid name', async () => {
    await assert.rejects(cluster.createDatabase('Bad-Name; drop'), /Invalid database name "Bad-Name; drop"/);
  });

  test('runs as the postgres user when started by root', async (context) => {
    const owner = (await stat(join(cluster.dir, 'data'))).uid;
    if (process.getuid?.() === 0) assert.notEqual(owner, 0, 'the data directory belongs to root');
    else assert.equal(owner, process.getuid?.());
    context.diagnostic(`data directory owner uid ${owner}`);
  });
});

describe('startPostgres lifecycle', () => {
  test('stop ends the server and removes the temp dir', async () => {
    const cluster = await startPostgres();
    const port = cluster.port;

    await cluster.stop();
    await cluster.stop();

    await assert.rejects(access(cluster.dir), { code: 'ENOENT' });
    assert.ok(await canListenOn(port), `port ${port} is still in use after stop()`);
  });

  test('names the Debian package when PostgreSQL is missing', async () => {
    await assert.rejects(startPostgres({ binDir: '/nonexistent/postgresql/bin' }), {
      message:
        'PostgreSQL binary initdb not found in /nonexistent/postgresql/bin: install the Debian package postgresql (apt-get install postgresql)',
    });
  });
});
