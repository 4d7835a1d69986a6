import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const entry = ['--conditions=source', '--import', 'tsx', join(root, 'relay/src/cli.ts')];
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...entry, ...args], { cwd: root, env: { ...baseEnv, ...env }, encoding: 'utf8' });
}

test('--help follows the locale', () => {
  const zh = run(['--help'], { LANG: 'zh_CN.UTF-8' });
  assert.equal(zh.status, 0);
  assert.match(zh.stdout, /用法：certpilot-relay start/);
  assert.match(zh.stdout, /CERTPILOT_RELAY_PORT/);
  const en = run(['--help'], { LANG: 'en_US.UTF-8' });
  assert.equal(en.status, 0);
  assert.match(en.stdout, /Usage: certpilot-relay start/);
  assert.match(run(['--help', '--lang', 'en'], { LANG: 'zh_CN.UTF-8' }).stdout, /Usage:/);
});

test('bad options exit 2 with a message naming the option', () => {
  const port = run(['start', '--port', 'eighty'], { LANG: 'en_US.UTF-8' });
  assert.equal(port.status, 2);
  assert.match(port.stderr, /Invalid value "eighty" for --port/);
  const envPort = run(['start'], { LANG: 'zh_CN.UTF-8', CERTPILOT_RELAY_PORT: '70000' });
  assert.equal(envPort.status, 2);
  assert.match(envPort.stderr, /--port 的值 "70000" 无效/);
  const unknown = run(['start', '--colour'], { LANG: 'en_US.UTF-8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--colour/);
  const dataDir = mkdtempSync(join(tmpdir(), 'certpilot-relay-cli-'));
  // Port 1 on 127.0.0.1: nothing listens there, so the connection is refused at once.
  const database = run(['start', '--database-url', 'postgres://u:hunter2@127.0.0.1:1/x', '--data-dir', dataDir], {
    LANG: 'en_US.UTF-8',
  });
  const scheme = run(['start', '--database-url', 'mysql://u:hunter2@127.0.0.1/x', '--data-dir', dataDir], {
    LANG: 'zh_CN.UTF-8',
  });
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(database.status, 1);
  assert.match(database.stderr, /Cannot connect to PostgreSQL 127\.0\.0\.1:1 \(database x\): connect ECONNREFUSED/);
  assert.doesNotMatch(database.stderr, /hunter2/);
  assert.equal(scheme.status, 1);
  assert.match(scheme.stderr, /不支持数据库地址的协议 mysql:/);
  assert.doesNotMatch(scheme.stderr, /hunter2/);
});

test('start listens, creates the key file 0600, and stops on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'certpilot-relay-cli-'));
  try {
    const child = spawn(process.execPath, [...entry, 'start', '--port', '0'], {
      cwd: root,
      env: { ...baseEnv, CERTPILOT_RELAY_DATA_DIR: dataDir },
    });
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const found = /"url":"(http:\/\/[^"]+)"/.exec(log)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', () => reject(new Error(`relay exited early:\n${log}`)));
    });
    const health = await fetch(`${url}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok', database: 'ok' });
    assert.equal((await stat(join(dataDir, 'sealing.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'relay.db'))).mode & 0o777, 0o600);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(log, /relay stopped/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
