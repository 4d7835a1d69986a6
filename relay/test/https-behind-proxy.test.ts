/**
 * `--trust-proxy`: behind a real nginx (the README's server block), login limits count the client
 * address nginx saw; without the flag, X-Forwarded-For is ignored.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { silentLogger } from '@certpilot/core';
import { startNginx, type NginxInstance } from '@certpilot/testkit';
import { startRelay, type RunningRelay } from '../src/server.js';

// Two failures per address, many per account, so only the address limit can trip.
const LIMITS = { perAccount: 100, perAddress: 2, windowMs: 60_000 };

let dir: string;
let behindProxy: RunningRelay;
let direct: RunningRelay;
let nginx: NginxInstance;

interface Reply {
  status: number | undefined;
  body: string;
}

/** POSTs a wrong password from `localAddress` (any 127.x address reaches 127.0.0.1 on Linux). */
function failLogin(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<Reply> {
  return send(url, '/api/v1/auth/login', {
    method: 'POST',
    localAddress,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ account: 'nobody', password: 'Wrong-password-1' }),
  });
}

function send(
  url: string,
  path: string,
  options: { method?: string; localAddress?: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const call = request(
      `${url}${path}`,
      { method: options.method ?? 'GET', localAddress: options.localAddress, headers: options.headers, agent: false },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode, body }));
      },
    );
    call.on('error', reject);
    call.end(options.body);
  });
}

function startOwnRelay(name: string, trustProxy: boolean): Promise<RunningRelay> {
  return startRelay({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: `sqlite://${join(dir, `${name}.db`)}`,
    sealingKeyFile: join(dir, 'sealing.key'),
    logger: silentLogger(),
    scheduler: false,
    loginLimits: LIMITS,
    trustProxy,
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certpilot-relay-proxy-'));
  behindProxy = await startOwnRelay('proxied', true);
  direct = await startOwnRelay('direct', false);
  const upstream = new URL(behindProxy.url).host;
  nginx = await startNginx({
    portCount: 1,
    serverBlocks: ([port]) => `
      server {
        listen 127.0.0.1:${port};
        server_name relay.example.com;
        location / {
          proxy_pass http://${upstream};
          proxy_set_header Host $host;
          proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
          proxy_set_header X-Forwarded-Proto $scheme;
        }
      }`,
  });
});

after(async () => {
  await nginx?.stop();
  await behindProxy?.close();
  await direct?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('trusted proxy limits per client', async () => {
  const proxy = `http://127.0.0.1:${nginx.ports[0]}`;
  assert.equal((await failLogin(proxy, '127.0.0.2')).status, 401);
  assert.equal((await failLogin(proxy, '127.0.0.2')).status, 401);
  assert.equal((await failLogin(proxy, '127.0.0.2')).status, 429);
  // A forged header does not help: nginx appends the address it saw, and only that last entry counts.
  assert.equal((await failLogin(proxy, '127.0.0.2', { 'X-Forwarded-For': '198.51.100.9' })).status, 429);
  assert.equal((await failLogin(proxy, '127.0.0.3')).status, 401, 'another client has its own allowance');

  const db = new Database(join(dir, 'proxied.db'), { readonly: true });
  try {
    const rows = db
      .prepare("select address from audit_log where action = 'user.login-failed' order by address")
      .all() as Array<{ address: string }>;
    assert.deepEqual(
      rows.map((row) => row.address),
      ['127.0.0.2', '127.0.0.2', '127.0.0.3'],
    );
  } finally {
    db.close();
  }
});

test('untrusted proxy headers are ignored', async () => {
  assert.equal((await failLogin(direct.url, '127.0.0.1', { 'X-Forwarded-For': '198.51.100.1' })).status, 401);
  assert.equal((await failLogin(direct.url, '127.0.0.1', { 'X-Forwarded-For': '198.51.100.2' })).status, 401);
  assert.equal((await failLogin(direct.url, '127.0.0.1', { 'X-Forwarded-For': '198.51.100.3' })).status, 429);
});

test('install script follows forwarded origin', async () => {
  const headers = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'relay.example.com' };
  const proxied = await send(behindProxy.url, '/agent/install.sh', { headers });
  assert.equal(proxied.status, 200);
  assert.match(proxied.body, /^RELAY_URL='https:\/\/relay\.example\.com'$/m);

  const ignored = await send(direct.url, '/agent/install.sh', { headers });
  assert.equal(ignored.status, 200);
  assert.match(ignored.body, new RegExp(`^RELAY_URL='${direct.url}'$`, 'm'));
});
