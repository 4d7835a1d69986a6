import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
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
  assert.equal(scheme.status, 2);
  assert.match(scheme.stderr, /不支持数据库地址的协议 mysql:/);
  assert.doesNotMatch(scheme.stderr, /hunter2/);
});

test('start listens, creates the key file 0600, and stops on SIGTERM', async () => {
  const tempDir = await mkdtemp(join(tmpdir(), 'certpilot-relay-cli-'));
  // The data directory does not exist yet: start creates it, unlike other database directories.
  const dataDir = join(tempDir, 'data');
  try {
    const child = spawn(process.execPath, [...entry, 'start', '--port', '0'], {
      cwd: root,
      env: { ...baseEnv, CERTPILOT_RELAY_DATA_DIR: dataDir },
    });
    let log = '';
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /^证书领航中继已启动：(http:\/\/127\.0\.0\.1:\d+)（控制台和 API）$/m.exec(output)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', () => reject(new Error(`relay exited early:\n${output}\n${log}`)));
    });
    assert.match(log, /"msg":"relay listening"/, 'JSON logs stay on stderr');
    assert.doesNotMatch(log, /plain HTTP on a non-loopback address/);
    const health = await fetch(`${url}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok', database: 'ok' });
    assert.equal((await stat(join(dataDir, 'sealing.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'relay.db'))).mode & 0o777, 0o600);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(log, /relay stopped/);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
});

/** Runs `start` with `args` in a fresh temp dir whose `data` subdirectory is the data dir. */
function runStart(args: string[], lang: string) {
  const tempDir = mkdtempSync(join(tmpdir(), 'certpilot-relay-cli-'));
  const dataDir = join(tempDir, 'data');
  try {
    const result = run(['start', '--data-dir', dataDir, ...args], { LANG: lang });
    const created = existsSync(dataDir) ? readdirSync(dataDir) : [];
    return { ...result, created, dataDirExists: existsSync(dataDir) };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

async function occupyPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('start reports port in use', async () => {
  const other = await occupyPort();
  const { port } = other.address() as AddressInfo;
  try {
    const en = runStart(['--port', String(port)], 'en_US.UTF-8');
    assert.equal(en.status, 2, en.stderr);
    assert.match(
      en.stderr,
      new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use: stop the other program or choose another --port\\.`),
    );
    assert.doesNotMatch(en.stderr, /Internal error|INTERNAL|EADDRINUSE/);
    assert.equal(en.dataDirExists, false, 'nothing is created');
    assert.equal(en.stdout, '');

    const zh = runStart(['--port', String(port)], 'zh_CN.UTF-8');
    assert.equal(zh.status, 2, zh.stderr);
    assert.match(
      zh.stderr,
      new RegExp(`127\\.0\\.0\\.1 上的端口 ${port} 已被占用：请停止占用它的程序，或换一个 --port。`),
    );

    const http = runStart(
      ['--port', '0', '--tls-name', 'relay.example.com', '--http-port', String(port)],
      'en_US.UTF-8',
    );
    assert.equal(http.status, 2, http.stderr);
    assert.match(
      http.stderr,
      new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use: .* choose another --http-port\\.`),
    );
    assert.equal(http.dataDirExists, false, 'nothing is created for --http-port either');
  } finally {
    other.close();
  }
});

test('start reports host not local', () => {
  const en = runStart(['--port', '0', '--host', '999.1.1.1'], 'en_US.UTF-8');
  assert.equal(en.status, 2, en.stderr);
  assert.match(en.stderr, /--host 999\.1\.1\.1 is not an address of this machine/);
  assert.doesNotMatch(en.stderr, /Internal error|ENOTFOUND/);
  assert.equal(en.dataDirExists, false, 'nothing is created');

  const zh = runStart(['--port', '0', '--host', '999.1.1.1'], 'zh_CN.UTF-8');
  assert.equal(zh.status, 2, zh.stderr);
  assert.match(zh.stderr, /--host 999\.1\.1\.1 不是本机的地址/);
});

test('start rejects unknown --lang', () => {
  const zh = run(['start', '--lang', 'fr'], { LANG: 'zh_CN.UTF-8' });
  assert.equal(zh.status, 2);
  assert.match(zh.stderr, /--lang 的值 "fr" 无效：需要 zh-CN 或 en/);
  const en = run(['start', '--lang=fr'], { LANG: 'en_US.UTF-8' });
  assert.equal(en.status, 2);
  assert.match(en.stderr, /Invalid value "fr" for --lang: expected zh-CN or en/);
});

test('unknown option message is localized', () => {
  const zh = run(['start', '--bogus'], { LANG: 'zh_CN.UTF-8' });
  assert.equal(zh.status, 2);
  assert.equal(zh.stderr, '未知选项 --bogus。运行 certpilot-relay --help 查看所有选项。\n');
  const en = run(['start', '--bogus'], { LANG: 'en_US.UTF-8' });
  assert.equal(en.stderr, 'Unknown option --bogus. Run certpilot-relay --help to see all options.\n');
  const missing = run(['start', '--port'], { LANG: 'en_US.UTF-8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^Option --port needs a value, as in --port <value>\./);
  const flag = run(['--help=yes'], { LANG: 'en_US.UTF-8' });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /^Option --help takes no value\./);
});

test('extra arguments are named, not the command', () => {
  const zh = run(['start', 'extra'], { LANG: 'zh_CN.UTF-8' });
  assert.equal(zh.status, 2);
  assert.match(zh.stderr, /^多余的参数 "extra"：start 不接受参数。/);
  const en = run(['start', 'extra'], { LANG: 'en_US.UTF-8' });
  assert.equal(en.status, 2);
  assert.match(en.stderr, /^Unexpected argument "extra": start takes no arguments\./);
  const command = run(['stop'], { LANG: 'en_US.UTF-8' });
  assert.equal(command.status, 2);
  assert.match(command.stderr, /^Unknown command "stop": the only command is start\./);
});

test('start rejects empty option values', () => {
  const url = runStart(['--database-url', ''], 'en_US.UTF-8');
  assert.equal(url.status, 2, url.stderr);
  assert.match(url.stderr, /--database-url is empty: give it a value, or leave the option out to use the default\./);
  assert.equal(url.dataDirExists, false);
  const port = runStart(['--port='], 'zh_CN.UTF-8');
  assert.equal(port.status, 2, port.stderr);
  assert.match(port.stderr, /--port 的值为空/);
});

test('start checks database URL first', () => {
  const cases = [
    { url: 'nonsense', lang: 'en_US.UTF-8', expected: /The database URL has no scheme: use sqlite:\/\/<path>/ },
    { url: 'nonsense', lang: 'zh_CN.UTF-8', expected: /数据库地址缺少协议/ },
    {
      url: 'sqlite:///nonexistent/dir/relay.db',
      lang: 'en_US.UTF-8',
      expected: /The directory \/nonexistent\/dir of the SQLite database does not exist: create it first/,
    },
    {
      url: 'sqlite:///nonexistent/dir/relay.db',
      lang: 'zh_CN.UTF-8',
      expected: /SQLite 数据库的目录 \/nonexistent\/dir 不存在/,
    },
  ];
  for (const { url, lang, expected } of cases) {
    const result = runStart(['--port', '0', '--database-url', url], lang);
    assert.equal(result.status, 2, `${url} [${lang}]: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.equal(result.dataDirExists, false, `${url} [${lang}] created ${result.created.join(', ')}`);
  }
  assert.equal(existsSync('/nonexistent'), false, 'the missing directory is not created');
});

/** Starts the relay with `args`, waits for its ready line, stops it, and returns what it wrote. */
async function startAndStop(args: string[]): Promise<{ output: string; log: string; status: number | null }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'certpilot-relay-cli-'));
  try {
    const child = spawn(process.execPath, [...entry, 'start', '--port', '0', '--data-dir', dataDir, ...args], {
      cwd: root,
      env: { ...baseEnv, LANG: 'en_US.UTF-8' },
    });
    let output = '';
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolve();
      });
      void exited.then(() => reject(new Error(`relay exited early:\n${output}\n${log}`)));
    });
    child.kill('SIGTERM');
    return { output, log, status: await exited };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('start warns about plain HTTP', async (t) => {
  // 0.0.0.0 stands for any non-loopback address; the relay listens for a moment and gets nothing.
  const address = '0.0.0.0';
  const warning = /"level":40.*serving plain HTTP on a non-loopback address/;

  await t.test('without --public-url', async () => {
    const plain = await startAndStop(['--host', address]);
    assert.equal(plain.status, 0, plain.log);
    assert.match(
      plain.output,
      new RegExp(`^CertPilot relay started: http://${address.replace(/\./g, '\\.')}:\\d+ \\(console and API\\)$`, 'm'),
    );
    assert.match(plain.log, warning);
  });
  await t.test('with an https public URL', async () => {
    const proxied = await startAndStop(['--host', address, '--public-url', 'https://relay.example.com']);
    assert.equal(proxied.status, 0, proxied.log);
    assert.match(proxied.output, /reached by users at https:\/\/relay\.example\.com$/m);
    assert.doesNotMatch(proxied.log, warning);
  });
});
