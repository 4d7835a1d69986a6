import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { silentLogger } from '@certpilot/core';
import { freePort } from '@certpilot/testkit';
import { startRelay, type RunningRelay } from '../../relay/src/server.js';
import { runAgent, startScenario, writeSiteCertificate, type Scenario } from './support/scenario.js';
import { tlsServer } from './support/sites.js';

// A real relay on a fixed port (so it can be stopped and started again at the same address)
// and the usual Pebble + nginx scenario with one expiring and one fresh site.
let scenario: Scenario;
let relayDir: string;
let relayPort: number;
let relay: RunningRelay | undefined;
let relayUrl: string;
let userToken: string;

async function startOurRelay(): Promise<void> {
  relay = await startRelay({
    port: relayPort,
    host: '127.0.0.1',
    databaseUrl: `sqlite://${join(relayDir, 'relay.db')}`,
    sealingKeyFile: join(relayDir, 'sealing.key'),
    logger: silentLogger(),
  });
}

async function stopOurRelay(): Promise<void> {
  await relay?.close();
  relay = undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API sent
type Json = any;

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = userToken,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${relayUrl}/api/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function reportsInDb(): Array<{ report: string }> {
  const db = new Database(join(relayDir, 'relay.db'), { readonly: true });
  try {
    return db.prepare('select report from agent_reports order by create_time').all() as Array<{ report: string }>;
  } finally {
    db.close();
  }
}

async function queued(): Promise<unknown[]> {
  return JSON.parse(await readFile(join(scenario.stateDir, 'report-queue.json'), 'utf8')) as unknown[];
}

async function enrolledAgentId(): Promise<string> {
  return (JSON.parse(await readFile(scenario.configPath, 'utf8')) as { relay: { agentId: string } }).relay.agentId;
}

async function newEnrollmentToken(): Promise<string> {
  const created = await api('POST', '/agents', { name: 'web1' });
  assert.equal(created.status, 201);
  return created.json.enrollmentToken as string;
}

before(async () => {
  relayDir = await mkdtemp(join(tmpdir(), 'certpilot-enroll-relay-'));
  relayPort = await freePort();
  relayUrl = `http://127.0.0.1:${relayPort}`;
  await startOurRelay();
  const password = 'Correct-horse-42';
  const account = `enroll_${process.pid}`;
  await api('POST', '/auth/register', { account, name: 'Enroll tester', password });
  userToken = (await api('POST', '/auth/login', { account, password })).json.token;

  scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'shop.pem'), key: join(certDir, 'shop.key') },
        ['shop.test'],
        {
          daysAgo: 87,
          daysLeft: 3,
        },
      );
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'blog.pem'), key: join(certDir, 'blog.key') },
        ['blog.test'],
        {
          daysAgo: 10,
          daysLeft: 80,
        },
      );
    },
    serverBlocks: ([, tls], certDir) =>
      [
        tlsServer(tls!, 'shop.test', `${certDir}/shop.pem`, `${certDir}/shop.key`),
        tlsServer(tls!, 'blog.test', `${certDir}/blog.pem`, `${certDir}/blog.key`),
      ].join('\n'),
  });
});

after(async () => {
  await stopOurRelay();
  await scenario?.stop();
  await rm(relayDir, { recursive: true, force: true });
});

test('enroll rejects bad input', async () => {
  const before = await readFile(scenario.configPath, 'utf8');
  const token = await newEnrollmentToken();
  const cases: Array<[string[], number, RegExp, string?]> = [
    [['--relay', 'relay.example.com', '--token', token], 2, /relay address "relay\.example\.com" is invalid/],
    [['--relay', 'ftp://127.0.0.1/', '--token', token], 2, /invalid/],
    [['--relay', relayUrl, '--token', 'cps_abc'], 2, /starts with cpe_/],
    [['--relay', relayUrl], 2, /--token cpe_/],
    [['--relay', relayUrl, '--token', 'abc'], 2, /注册令牌格式不对/, 'zh_CN.UTF-8'],
    [['--relay', `http://127.0.0.1:${await freePort()}`, '--token', token], 1, /Cannot reach the relay.*ECONNREFUSED/],
    [
      ['--relay', relayUrl, '--token', `cpe_${'z'.repeat(43)}`],
      1,
      /HTTP 401.*enrollment token is unknown, expired or already used/,
    ],
  ];
  for (const [args, status, message, lang] of cases) {
    const run = await scenario.runAgent(['enroll', ...args], lang ? { lang } : {});
    assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr + run.stdout, /cpe_[A-Za-z0-9_-]{43}/, 'the token is never echoed');
  }
  assert.equal(await readFile(scenario.configPath, 'utf8'), before);
});

test('enroll writes config, token works once', async () => {
  const original = JSON.parse(await readFile(scenario.configPath, 'utf8')) as Record<string, unknown>;
  const token = await newEnrollmentToken();
  const run = await scenario.runAgent(['enroll', '--relay', `${relayUrl}/`, '--token', token]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Enrolled as agent/);
  assert.doesNotMatch(run.stdout + run.stderr, /cp[ae]_/);

  const written = JSON.parse(await readFile(scenario.configPath, 'utf8')) as Record<string, unknown> & {
    relay: { url: string; agentId: string; token: string };
  };
  assert.deepEqual({ ...written, relay: undefined }, { ...original, relay: undefined });
  assert.equal(written.relay.url, relayUrl);
  assert.match(written.relay.token, /^cpa_/);
  assert.equal((await stat(scenario.configPath)).mode & 0o777, 0o600);

  const again = await scenario.runAgent(['enroll', '--relay', relayUrl, '--token', token], { lang: 'zh_CN.UTF-8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /已被使用/);
  assert.equal(JSON.parse(await readFile(scenario.configPath, 'utf8')).relay.token, written.relay.token);
});

test('reports queue while relay is down', async () => {
  const scan = await scenario.runAgent(['scan', '--json']);
  assert.equal(scan.status, 0, scan.stderr);
  assert.equal(scan.stderr, '');
  JSON.parse(scan.stdout);
  const first = JSON.parse(reportsInDb().at(-1)!.report) as {
    command: string;
    sites: Array<{ siteId: string; outcome: string }>;
  };
  assert.equal(first.command, 'scan');
  assert.deepEqual(first.sites.map((site) => `${site.siteId}:${site.outcome}`).sort(), [
    'blog.test:not-due',
    'shop.test:due',
  ]);
  const agents = (await api('GET', '/agents')).json.agents as Array<{
    id: string;
    status: string;
    lastReportAt: string;
    sites: unknown[];
  }>;
  // The first test made an enrollment token that was never used: that agent stays pending.
  assert.deepEqual(agents.map((agent) => agent.status).sort(), ['active', 'pending']);
  const agentId = await enrolledAgentId();
  const enrolled = agents.find((agent) => agent.id === agentId)!;
  assert.ok(enrolled.lastReportAt);
  assert.equal(enrolled.sites.length, 2);
  const sites = (await api('GET', '/sites')).json.sites as Array<{ domain: string; origin: string }>;
  assert.deepEqual(sites.map((site) => `${site.origin}:${site.domain}`).sort(), ['nginx:blog.test', 'nginx:shop.test']);

  await stopOurRelay();
  const renew = await scenario.runAgent(['renew']);
  assert.equal(renew.status, 0, renew.stderr);
  assert.match(renew.stdout, /shop\.test: renewed/);
  assert.match(renew.stderr, /report was not sent.*ECONNREFUSED/);
  assert.equal((await queued()).length, 1);

  await startOurRelay();
  const count = reportsInDb().length;
  const again = await scenario.runAgent(['scan']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.deepEqual(await queued(), []);
  const delivered = reportsInDb()
    .slice(count)
    .map((row) => JSON.parse(row.report) as { command: string; sites: Array<{ siteId: string; outcome: string }> });
  assert.deepEqual(
    delivered.map((report) => report.command),
    ['renew', 'scan'],
  );
  assert.equal(delivered[0]!.sites.find((site) => site.siteId === 'shop.test')?.outcome, 'renewed');
});

test('revoked agent keeps reports queued', async () => {
  const agentId = await enrolledAgentId();
  assert.equal((await api('DELETE', `/agents/${agentId}`)).status, 204);
  const run = await scenario.runAgent(['scan']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr.match(/rejected this agent token/g)?.length, 1, run.stderr);
  assert.equal((await queued()).length, 1);
  const next = await scenario.runAgent(['scan']);
  assert.equal(next.status, 0);
  assert.equal((await queued()).length, 2);
});

test('enroll takes token from environment', async () => {
  const configDir = await mkdtemp(join(tmpdir(), 'certpilot-enroll-env-'));
  const configPath = join(configDir, 'agent.json');
  try {
    const token = await newEnrollmentToken();
    const run = await runAgent(['enroll', '--config', configPath, '--relay', relayUrl], {
      env: { CERTPILOT_ENROLL_TOKEN: token },
    });
    assert.equal(run.status, 0, run.stderr);
    const written = JSON.parse(await readFile(configPath, 'utf8')) as { relay: { url: string; token: string } };
    assert.equal(written.relay.url, relayUrl);
    assert.match(written.relay.token, /^cpa_/);

    const missing = await runAgent(['enroll', '--config', configPath, '--relay', relayUrl], {
      env: { CERTPILOT_ENROLL_TOKEN: '' },
    });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /CERTPILOT_ENROLL_TOKEN/);
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
});
