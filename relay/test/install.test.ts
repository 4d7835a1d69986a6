/**
 * Tests the one-command agent install. The relay serves install.sh and the agent bundle, and the
 * script runs for real with bash, curl, the real node and the real nginx binary, under a temp
 * prefix.
 * Missing programs are simulated with a PATH that lacks them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  access,
  appendFile,
  constants,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { request } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '@certpilot/core';
import { DEFAULT_AGENT_BUNDLE_FILE } from '../src/routes/agent-install.js';
import { startRelay, type RunningRelay } from '../src/server.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

const NGINX = '/usr/sbin/nginx';
// Tools the script calls besides node and nginx. systemctl is left out, so the cron path is taken.
const TOOLS = [
  'bash',
  'curl',
  'id',
  'mkdir',
  'mktemp',
  'rm',
  'chmod',
  'mv',
  'cat',
  'dirname',
  'hostname',
  'cksum',
  'cut',
];

let relay: TestRelay;
let userToken: string;
let work: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Creates a directory of links to the tools the script needs, leaving out those in `without`. */
async function toolDir(name: string, without: string[] = []): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const links: Record<string, string> = { node: process.execPath, nginx: NGINX };
  for (const tool of TOOLS) links[tool] = await which(tool);
  for (const [tool, target] of Object.entries(links)) {
    if (!without.includes(tool)) await symlink(target, join(dir, tool));
  }
  return dir;
}

async function which(tool: string): Promise<string> {
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const path = join(dir, tool);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next directory
    }
  }
  throw new Error(`${tool} is not installed; the install test needs it (Debian package coreutils, curl or bash).`);
}

/** Paths of one simulated server under the temp dir, passed to the script as its variables. */
function layout(name: string) {
  const root = join(work, name);
  return {
    root,
    prefix: join(root, 'opt/certpilot'),
    binDir: join(root, 'usr/local/bin'),
    config: join(root, 'etc/certpilot/agent.json'),
    cronDir: join(root, 'etc/cron.d'),
    env: {
      CERTPILOT_PREFIX: join(root, 'opt/certpilot'),
      CERTPILOT_BIN_DIR: join(root, 'usr/local/bin'),
      CERTPILOT_CONFIG: join(root, 'etc/certpilot/agent.json'),
      CERTPILOT_SYSTEMD_DIR: join(root, 'etc/systemd/system'),
      CERTPILOT_CRON_DIR: join(root, 'etc/cron.d'),
      CERTPILOT_LOG_FILE: join(root, 'var/log/certpilot-agent.log'),
    },
  };
}

/** Runs `command` with bash -c under exactly `path` and `env`, like a root shell on the server. */
function runShell(command: string, path: string, env: Record<string, string>, lang = 'en_US.UTF-8'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', command], {
      cwd: work,
      env: { PATH: path, HOME: work, LANG: lang, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function pastedCommand(base: string, token: string, extra = ''): string {
  return `curl -fsSL ${base}/agent/install.sh | bash -s -- --token ${token}${extra}`;
}

async function newEnrollmentToken(): Promise<{ agentId: string; token: string }> {
  const created = await relay.api('POST', '/agents', { token: userToken, body: { name: 'web1' } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  return { agentId: created.json.agentId, token: created.json.enrollmentToken };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

before(async () => {
  if (!(await exists(DEFAULT_AGENT_BUNDLE_FILE))) {
    throw new Error(`${DEFAULT_AGENT_BUNDLE_FILE} is missing: run npm run build before the install tests.`);
  }
  if (!(await exists(NGINX))) throw new Error(`${NGINX} is missing: install the Debian package nginx-light.`);
  work = await mkdtemp(join(tmpdir(), 'certpilot-install-'));
  relay = await startTestRelay();
  userToken = (await newUser(relay, 'install')).token;
});

after(async () => {
  await relay?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('install script enrolls server', async () => {
  const tools = await toolDir('tools');
  const server = layout('server1');
  await mkdir(server.cronDir, { recursive: true });
  const { agentId, token } = await newEnrollmentToken();

  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Done\./);
  assert.doesNotMatch(run.stdout + run.stderr, /cp[ae]_[A-Za-z0-9_-]{43}/, 'the token is never printed');
  assert.doesNotMatch(run.stderr, /Warning/, 'a loopback relay address needs no plain-HTTP warning');

  const config = JSON.parse(await readFile(server.config, 'utf8')) as { relay: Record<string, string> };
  assert.equal(config.relay.url, relay.relay.url);
  assert.equal(config.relay.agentId, agentId);
  assert.match(config.relay.token!, /^cpa_/);
  assert.equal((await stat(server.config)).mode & 0o777, 0o600);

  const agents = await relay.api('GET', '/agents', { token: userToken });
  const agent = (agents.json.agents as Array<{ id: string; status: string; hostname: string }>).find(
    (entry) => entry.id === agentId,
  );
  assert.equal(agent?.status, 'active');
  assert.equal(agent?.hostname, hostname());

  const bundle = await readFile(join(server.prefix, 'certpilot-agent.mjs'));
  assert.equal(sha256(bundle), sha256(await readFile(DEFAULT_AGENT_BUNDLE_FILE)));
  const version = await runShell(`${join(server.binDir, 'certpilot-agent')} --version`, tools, {});
  assert.equal(version.stdout.trim(), 'certpilot-agent 0.1.0');

  const cron = await readFile(join(server.cronDir, 'certpilot-agent'), 'utf8');
  assert.match(
    cron,
    /^\d{1,2} \*\/6 \* \* \* root \S+\/usr\/local\/bin\/certpilot-agent renew --jitter 1800 --config \S+agent\.json >> /m,
  );
  assert.equal(await exists(join(server.env.CERTPILOT_SYSTEMD_DIR, 'certpilot-agent.timer')), false);
});

test('install script re-run keeps enrollment', async () => {
  const tools = join(work, 'tools');
  const server = layout('server1');
  const before = await readFile(server.config, 'utf8');
  const cronBefore = await readFile(join(server.cronDir, 'certpilot-agent'), 'utf8');
  const { token } = await newEnrollmentToken();

  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /already enrolled with .* keeping it\. Add --reenroll/);
  assert.equal(await readFile(server.config, 'utf8'), before);
  assert.equal(await readFile(join(server.cronDir, 'certpilot-agent'), 'utf8'), cronBefore);

  const again = await runShell(pastedCommand(relay.relay.url, token, ' --reenroll'), tools, server.env);
  assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
  const config = JSON.parse(await readFile(server.config, 'utf8')) as { relay: { token: string } };
  assert.notEqual(config.relay.token, (JSON.parse(before) as { relay: { token: string } }).relay.token);
});

test('install script without cron explains', async () => {
  const tools = join(work, 'tools');
  const server = layout('server8');
  const { agentId, token } = await newEnrollmentToken();
  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env, 'zh_CN.UTF-8');
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /没有找到 systemd 或 cron（\S+etc\/cron\.d）。请让系统每天运行几次下面的命令：/);
  assert.match(run.stderr, /^ {2}\S+\/usr\/local\/bin\/certpilot-agent renew --jitter 1800 --config \S+agent\.json$/m);
  assert.match(run.stdout, /完成。/);
  const config = JSON.parse(await readFile(server.config, 'utf8')) as { relay: { agentId: string } };
  assert.equal(config.relay.agentId, agentId);
});

/** Lists files and directories under `root` with file hashes, to compare before and after a run. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const lines = await Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      const shown = path.slice(root.length + 1);
      return entry.isFile() ? `${shown} ${sha256(await readFile(path))}` : `${shown}/`;
    }),
  );
  return lines.sort();
}

/** A well-formed token the relay never issued. */
const UNKNOWN_TOKEN = `cpe_${'z'.repeat(43)}`;

test('install script reports bad token', async () => {
  const tools = join(work, 'tools');
  const server = layout('server2');
  // A server as the script finds it: cron is there and nothing of CertPilot. Temp files go to tmp/.
  await mkdir(server.cronDir, { recursive: true });
  await mkdir(join(server.root, 'tmp'));
  const env = { ...server.env, TMPDIR: join(server.root, 'tmp') };
  const before = await tree(server.root);
  const run = await runShell(pastedCommand(relay.relay.url, UNKNOWN_TOKEN), tools, env);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /enrollment token is unknown, expired or already used/);
  assert.match(run.stderr, /Error: enrollment failed for the reason above\. Nothing was changed\./);
  assert.deepEqual(await tree(server.root), before, 'a rejected token left files behind');
});

test('install script keeps install on rejected reenroll', async () => {
  const tools = join(work, 'tools');
  const server = layout('server11');
  await mkdir(server.cronDir, { recursive: true });
  const { token } = await newEnrollmentToken();
  const first = await runShell(pastedCommand(relay.relay.url, token), tools, server.env);
  assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
  // As if an older agent were installed, so replacing it would show in the tree.
  await appendFile(join(server.prefix, 'certpilot-agent.mjs'), '\n// an older build\n');
  const before = await tree(server.root);

  const run = await runShell(pastedCommand(relay.relay.url, UNKNOWN_TOKEN, ' --reenroll'), tools, server.env);
  assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /enrollment token is unknown, expired or already used/);
  assert.deepEqual(await tree(server.root), before, 'the rejected re-enrollment changed the install');
  const version = await runShell(`${join(server.binDir, 'certpilot-agent')} --version`, tools, {});
  assert.equal(version.stdout.trim(), 'certpilot-agent 0.1.0');
});

test('install script checks token form first', async () => {
  const tools = join(work, 'tools');
  const server = layout('server9');
  for (const [lang, expected] of [
    ['en_US.UTF-8', /Error: the enrollment token has the wrong form: it starts with cpe_ followed by 43 characters\./],
    ['zh_CN.UTF-8', /错误：注册令牌格式不对：应以 cpe_ 开头，后面跟 43 个字符。/],
  ] as const) {
    const run = await runShell(pastedCommand(relay.relay.url, 'cpe_wrong'), tools, server.env, lang);
    assert.equal(run.status, 1, `${lang}: ${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, expected);
    assert.doesNotMatch(run.stdout + run.stderr, /cpe_wrong/, 'the mistyped token is not printed');
    assert.equal(await exists(server.root), false, `${lang}: nothing is written`);
  }
});

test('install script warns about plain HTTP', async () => {
  const dir = await mkdtemp(join(work, 'relay-'));
  const other = await startOwnRelay(dir, { publicUrl: 'http://relay.example.com' });
  const tools = join(work, 'tools');
  const server = layout('server10');
  try {
    const scriptFile = join(dir, 'install.sh');
    const fetched = await runShell(`curl -fsSL -o ${scriptFile} ${other.url}/agent/install.sh`, tools, {});
    assert.equal(fetched.status, 0, fetched.stderr);

    // A mistyped token stops the script before it would reach relay.example.com.
    const en = await runShell(`bash ${scriptFile} --token cpe_wrong`, tools, server.env);
    assert.match(
      en.stderr,
      /^Warning: the relay address http:\/\/relay\.example\.com is plain HTTP, so the enrollment token/m,
    );
    assert.match(en.stderr, /--tls-name, or an HTTPS reverse proxy with --public-url https:/);
    const zh = await runShell(`bash ${scriptFile} --token cpe_wrong`, tools, server.env, 'zh_CN.UTF-8');
    assert.match(
      zh.stderr,
      /^警告：中继地址 http:\/\/relay\.example\.com 是明文 HTTP，注册令牌和 agent 的报告会不加密地经过网络。/m,
    );
    assert.equal(zh.status, 1);
    assert.equal(await exists(server.root), false, 'nothing is written');
  } finally {
    await other.close();
  }
});

test('install script has one jitter source', async () => {
  const script = await (await fetch(`${relay.relay.url}/agent/install.sh`)).text();
  assert.match(script, /renew --jitter 1800 --config/);
  assert.doesNotMatch(script, /RandomizedDelaySec/, 'the systemd timer adds no second random delay');
});

test('install script names missing node', async () => {
  const tools = await toolDir('tools-without-node', ['node']);
  const server = layout('server3');
  const { token } = await newEnrollmentToken();
  // Without node in PATH the script is fetched by curl alone, and the pipe keeps bash's status.
  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env, 'zh_CN.UTF-8');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /缺少 Node\.js：需要 20 或更高版本/);
  assert.match(run.stderr, /错误：未满足安装条件，没有做任何改动。/);
  assert.doesNotMatch(run.stderr, /nginx/);
  assert.equal(await exists(server.root), false, 'nothing is written');
});

test('install script names old node', async () => {
  const tools = await toolDir('tools-with-old-node', ['node']);
  await writeFile(join(tools, 'node'), '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
  const server = layout('server7');
  const { token } = await newEnrollmentToken();
  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Node\.js is too old: \S+\/node is v18\.19\.0, version 20 or later is required\./);
  assert.equal(await exists(server.root), false, 'nothing is written');
});

test('install script names missing nginx', async () => {
  const tools = await toolDir('tools-without-nginx', ['nginx']);
  const server = layout('server4');
  const { token } = await newEnrollmentToken();
  const run = await runShell(pastedCommand(relay.relay.url, token), tools, server.env);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /nginx is missing: the agent renews the certificates of nginx sites/);
  assert.match(run.stderr, /Error: requirements are not met; nothing was changed\./);
  assert.equal(await exists(server.root), false, 'nothing is written');
});

test('install script without token prints usage', async () => {
  const tools = join(work, 'tools');
  const run = await runShell(`curl -fsSL ${relay.relay.url}/agent/install.sh | bash`, tools, layout('server5').env);
  assert.equal(run.status, 2);
  assert.match(
    run.stderr,
    /Usage: curl -fsSL http:\/\/127\.0\.0\.1:\d+\/agent\/install\.sh \| sudo bash -s -- --token/,
  );
});

test('install routes without bundle return 503', async () => {
  const dir = await mkdtemp(join(work, 'relay-'));
  const other = await startOwnRelay(dir, { agentBundleFile: join(dir, 'missing.mjs') });
  try {
    for (const path of ['/agent/install.sh', '/agent/certpilot-agent.mjs']) {
      const response = await fetch(`${other.url}${path}`);
      assert.equal(response.status, 503, path);
      const body = await response.text();
      assert.match(body, /^中继上还没有 agent 的单文件版：请在中继的代码目录中运行 npm run build/);
      assert.match(body, /The relay has no agent bundle yet: run npm run build/);
    }
  } finally {
    await other.close();
  }
});

test('install script uses public URL', async () => {
  const dir = await mkdtemp(join(work, 'relay-'));
  const other = await startOwnRelay(dir, { publicUrl: 'https://relay.example.com' });
  try {
    const script = await (await fetch(`${other.url}/agent/install.sh`)).text();
    assert.match(script, /^RELAY_URL='https:\/\/relay\.example\.com'$/m);
    assert.match(script, /^BUNDLE_SHA256='[0-9a-f]{64}'$/m);
  } finally {
    await other.close();
  }
});

test('install script rejects odd Host', async () => {
  const response = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
    const call = request(`${relay.relay.url}/agent/install.sh`, { headers: { Host: "relay'$(id)" } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    call.on('error', reject);
    call.end();
  });
  assert.equal(response.status, 400);
  assert.doesNotMatch(response.body, /RELAY_URL=/);
});

test('install script checks download', async () => {
  const dir = await mkdtemp(join(work, 'relay-'));
  const bundleFile = join(dir, 'certpilot-agent.mjs');
  await copyFile(DEFAULT_AGENT_BUNDLE_FILE, bundleFile);
  const other = await startOwnRelay(dir, { agentBundleFile: bundleFile });
  const tools = join(work, 'tools');
  const server = layout('server6');
  const { token } = await newEnrollmentToken();
  try {
    const scriptFile = join(dir, 'install.sh');
    const fetched = await runShell(`curl -fsSL -o ${scriptFile} ${other.url}/agent/install.sh`, tools, {});
    assert.equal(fetched.status, 0, fetched.stderr);

    await appendFile(bundleFile, '\n// changed after the script was served\n');
    const changed = await runShell(`bash ${scriptFile} --token ${token}`, tools, server.env);
    assert.equal(changed.status, 1);
    assert.match(changed.stderr, /Error: the downloaded agent failed its check \(SHA-256 [0-9a-f]{64}, expected/);
    assert.equal(await exists(join(server.prefix, 'certpilot-agent.mjs')), false);

    await rm(bundleFile);
    const missing = await runShell(`bash ${scriptFile} --token ${token}`, tools, server.env);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /The requested URL returned error: 503/);
    assert.match(
      missing.stderr,
      /Error: could not download the agent from http:\/\/127\.0\.0\.1:\d+\/agent\/certpilot-agent\.mjs/,
    );
    assert.equal(await exists(server.config), false);
  } finally {
    await other.close();
  }
});

function startOwnRelay(dir: string, extra: { agentBundleFile?: string; publicUrl?: string }): Promise<RunningRelay> {
  return startRelay({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: `sqlite://${join(dir, 'relay.db')}`,
    sealingKeyFile: join(dir, 'sealing.key'),
    logger: silentLogger(),
    scheduler: false,
    ...extra,
  });
}
