import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '@certpilot/core';
import type { RelayDeps } from '../src/deps.js';
import { createApp } from '../src/http/app.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';
import { rowsWhere, tableNames } from './support/rows.js';

/**
 * Every route the relay serves, and who may call it:
 * - `public`: anyone (registration, login, health);
 * - `agent`: an agent with its own token (or an enrollment token), no user session;
 * - `session`: a logged-in user; `owned` names the kind of row `:id` refers to.
 */
type Access = 'public' | 'agent' | 'session';
type Owned = 'credential' | 'site' | 'agent' | 'channel';
interface RouteEntry {
  access: Access;
  owned?: Owned;
}

const MATRIX: Record<string, RouteEntry> = {
  'GET /healthz': { access: 'public' },
  'GET /agent/install.sh': { access: 'public' },
  'GET /agent/certpilot-agent.mjs': { access: 'public' },
  'POST /api/v1/auth/register': { access: 'public' },
  'POST /api/v1/auth/login': { access: 'public' },
  'POST /api/v1/auth/logout': { access: 'session' },
  'GET /api/v1/me': { access: 'session' },
  'POST /api/v1/credentials': { access: 'session' },
  'GET /api/v1/credentials': { access: 'session' },
  'DELETE /api/v1/credentials/:id': { access: 'session', owned: 'credential' },
  'POST /api/v1/sites': { access: 'session' },
  'GET /api/v1/sites': { access: 'session' },
  'GET /api/v1/sites/:id': { access: 'session', owned: 'site' },
  'PATCH /api/v1/sites/:id': { access: 'session', owned: 'site' },
  'DELETE /api/v1/sites/:id': { access: 'session', owned: 'site' },
  'POST /api/v1/sites/:id/renew': { access: 'session', owned: 'site' },
  'GET /api/v1/sites/:id/jobs': { access: 'session', owned: 'site' },
  'GET /api/v1/sites/:id/watch': { access: 'session', owned: 'site' },
  'POST /api/v1/agents': { access: 'session' },
  'GET /api/v1/agents': { access: 'session' },
  'DELETE /api/v1/agents/:id': { access: 'session', owned: 'agent' },
  'POST /api/v1/agent/enroll': { access: 'agent' },
  'POST /api/v1/agent/reports': { access: 'agent' },
  'POST /api/v1/notification-channels': { access: 'session' },
  'GET /api/v1/notification-channels': { access: 'session' },
  'DELETE /api/v1/notification-channels/:id': { access: 'session', owned: 'channel' },
  'POST /api/v1/notification-channels/:id/test': { access: 'session', owned: 'channel' },
};

// Bodies good enough to get past validation, so that a 404 or 401 comes from scoping, not input.
const SITE_PATCH = { status: 'paused', domain: 'taken.example.com' };
const CHANNEL = {
  kind: 'webhook',
  name: 'Hook',
  config: { url: 'http://127.0.0.1:9/hook', secret: 'hook-secret-1234' },
};

interface RouterLayer {
  path: string;
  methods: string[];
}

/** Reads `METHOD path` of every route from the routers inside the real Koa app. */
function servedRoutes(): string[] {
  const deps = {
    db: {},
    sealer: {},
    limiter: {},
    secureCookies: false,
    logger: silentLogger(),
  } as unknown as RelayDeps;
  const routes = new Set<string>();
  for (const middleware of createApp(deps).middleware) {
    const router = (middleware as { router?: { stack: RouterLayer[] } }).router;
    for (const layer of router?.stack ?? []) {
      for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${layer.path}`);
    }
  }
  return [...routes].sort();
}

let relay: TestRelay;
let owner: { token: string; id: string };
let other: { token: string; id: string };
let ids: Record<Owned, string>;
let otherSiteId: string;

before(async () => {
  relay = await startTestRelay();
  owner = await newUser(relay, 'owner');
  other = await newUser(relay, 'other');
  ids = await ownerRows(owner.token);
  otherSiteId = (await createRows(other.token)).site;
});
after(() => relay?.stop());

async function created(path: string, token: string, body: unknown): Promise<string> {
  const response = await relay.api('POST', path, { token, body });
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.json)}`);
  // `POST /agents` returns `{ agentId, enrollmentToken }`; the others `{ <row>: { id } }`.
  return response.json.agentId ?? (Object.values(response.json)[0] as { id: string }).id;
}

/** Creates one row of each kind for the user: an aliyun credential, a cloud site, an agent, a channel. */
async function createRows(token: string): Promise<Record<Owned, string>> {
  const credential = await created('/credentials', token, {
    provider: 'aliyun',
    name: 'main',
    accessKeyId: 'LTAI5tMatrixKey0001',
    accessKeySecret: 'matrix-secret-0001',
  });
  const site = await created('/sites', token, {
    origin: 'aliyun-cdn',
    domain: `s${Math.random().toString(36).slice(2, 8)}.example.com`,
    credentialId: credential,
    config: { 'challenge.credentialId': credential },
  });
  const agent = await created('/agents', token, { name: 'web1' });
  const channel = await created('/notification-channels', token, CHANNEL);
  return { credential, site, agent, channel };
}

async function ownerRows(token: string): Promise<Record<Owned, string>> {
  const rows = await createRows(token);
  // A renewal job row too, so the history endpoint has something to leak.
  const renew = await relay.api('POST', `/sites/${rows.site}/renew`, { token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  return rows;
}

/** Reads every row of `userId`, table by table, as the database stores it. */
async function rowsOf(userId: string): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  for (const name of await tableNames(relay.databaseUrl, 'user_id')) {
    snapshot[name] = await rowsWhere(relay.databaseUrl, name, 'user_id', userId);
  }
  snapshot.users = await rowsWhere(relay.databaseUrl, 'users', 'id', userId);
  return snapshot;
}

function concrete(route: string, id: string): [string, string] {
  const [method, path] = route.split(' ') as [string, string];
  return [method, path.replace('/api/v1', '').replace(':id', id)];
}

test('every served route has a matrix entry', () => {
  const served = servedRoutes();
  const missing = served.filter((route) => MATRIX[route] === undefined);
  assert.deepEqual(missing, [], `add these routes to MATRIX: ${missing.join(', ')}`);
  const stale = Object.keys(MATRIX).filter((route) => !served.includes(route));
  assert.deepEqual(stale, [], `MATRIX lists routes the relay no longer serves: ${stale.join(', ')}`);
});

test('session routes answer 401 without a valid session', async () => {
  const before = await rowsOf(owner.id);
  for (const [route, entry] of Object.entries(MATRIX)) {
    if (entry.access !== 'session') continue;
    const [method, path] = concrete(route, ids[entry.owned ?? 'site']);
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    for (const token of [undefined, 'cps_not-a-real-session-token', 'garbage']) {
      const response = await relay.api(method, path, { body, lang: 'zh-CN', ...(token ? { token } : {}) });
      assert.equal(response.status, 401, `${route} with token ${token}`);
      assert.equal(response.json.code, 'AUTH_REQUIRED', route);
      assert.match(response.json.message, /请先登录/, route);
    }
  }
  // The console's cookie is the other way in: a bad one is refused the same way.
  const cookie = await relay.api('GET', '/sites', { headers: { Cookie: 'certpilot_session=cps_forged' } });
  assert.equal(cookie.status, 401);
  assert.deepEqual(await rowsOf(owner.id), before);
});

test('public and agent routes do not ask for a session', async () => {
  for (const [route, entry] of Object.entries(MATRIX)) {
    const [method, path] = route.split(' ') as [string, string];
    if (entry.access !== 'public' || method !== 'GET') continue;
    const response = await fetch(`${relay.relay.url}${path}`);
    assert.notEqual(response.status, 401, route);
  }
  const register = await relay.api('POST', '/auth/register', { body: {} });
  assert.equal(register.status, 400);
  const login = await relay.api('POST', '/auth/login', { body: { account: 'nobody', password: 'x' } });
  assert.equal(login.status, 401);
  assert.equal(login.json.code, 'LOGIN_FAILED');
  const enroll = await relay.api('POST', '/agent/enroll', {
    lang: 'zh-CN',
    body: { enrollmentToken: `cpe_${'z'.repeat(43)}`, hostname: 'web1', version: '0.1.0' },
  });
  assert.equal(enroll.status, 401);
  assert.match(enroll.json.message, /注册令牌无效/);
  // A user session is not an agent token.
  const report = await relay.api('POST', '/agent/reports', { token: owner.token, body: {} });
  assert.equal(report.status, 401);
  assert.equal(report.json.code, 'AUTH_REQUIRED');
});

test("another user gets 404 for each of the owner's rows and changes nothing", async () => {
  const before = await rowsOf(owner.id);
  const bodies: Record<string, unknown> = {
    'PATCH /api/v1/sites/:id': SITE_PATCH,
  };
  for (const [route, entry] of Object.entries(MATRIX)) {
    if (entry.owned === undefined) continue;
    const [method, path] = concrete(route, ids[entry.owned]);
    const body = bodies[route] ?? (method === 'POST' ? {} : undefined);
    for (const lang of ['zh-CN', 'en']) {
      const response = await relay.api(method, path, { token: other.token, body, lang });
      assert.equal(response.status, 404, `${route}: ${JSON.stringify(response.json)}`);
      assert.equal(response.json.code, 'RESOURCE_NOT_FOUND', route);
      assert.ok(response.json.message.includes(ids[entry.owned]), `${route}: ${response.json.message}`);
    }
  }
  assert.deepEqual(await rowsOf(owner.id), before);
});

test("another user cannot use the owner's credential in a site", async () => {
  const before = await rowsOf(owner.id);
  const ownCredential = await created('/credentials', other.token, {
    provider: 'aliyun',
    name: 'own',
    accessKeyId: 'LTAI5tMatrixKey0002',
    accessKeySecret: 'matrix-secret-0002',
  });
  const site = { origin: 'aliyun-cdn', domain: 'borrow.example.com' };
  const attempts: Array<[string, string, unknown, string]> = [
    ['POST', '/sites', { ...site, credentialId: ids.credential, config: challenge(ownCredential) }, 'credentialId'],
    ['POST', '/sites', { ...site, credentialId: ownCredential, config: challenge(ids.credential) }, 'challenge'],
    ['PATCH', `/sites/${otherSiteId}`, { credentialId: ids.credential }, 'credentialId'],
    ['PATCH', `/sites/${otherSiteId}`, { config: challenge(ids.credential) }, 'challenge'],
  ];
  const sitesBefore = (await rowsOf(other.id)).user_sites;
  for (const [method, path, body, field] of attempts) {
    const response = await relay.api(method, path, { token: other.token, body });
    assert.equal(response.status, 404, `${method} ${path} ${JSON.stringify(body)}`);
    assert.equal(response.json.code, 'RESOURCE_NOT_FOUND');
    assert.ok(response.json.message.includes(field), response.json.message);
  }
  assert.deepEqual((await rowsOf(other.id)).user_sites, sitesBefore, "the other user's own site is unchanged too");
  assert.deepEqual(await rowsOf(owner.id), before);
});

test("lists show only the caller's rows", async () => {
  for (const [path, key] of [
    ['/sites', 'sites'],
    ['/credentials', 'credentials'],
    ['/agents', 'agents'],
    ['/notification-channels', 'channels'],
  ] as const) {
    const mine = (await relay.api('GET', path, { token: owner.token })).json[key] as Array<{ id: string }>;
    const theirs = (await relay.api('GET', path, { token: other.token })).json[key] as Array<{ id: string }>;
    assert.ok(mine.length > 0, path);
    const overlap = mine.filter((row) => theirs.some((seen) => seen.id === row.id));
    assert.deepEqual(overlap, [], `${path} shows another user's rows`);
  }
  const me = await relay.api('GET', '/me', { token: other.token });
  assert.equal(me.json.user.id, other.id);
});

test("an agent's report creates sites for its own user only", async () => {
  const before = await rowsOf(owner.id);
  const { enrollmentToken } = (await relay.api('POST', '/agents', { token: other.token, body: { name: 'web2' } })).json;
  const enrolled = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken, hostname: 'web2', version: '0.1.0' },
  });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
  const report = await relay.api('POST', '/agent/reports', {
    token: enrolled.json.agentToken,
    body: {
      command: 'scan',
      agentVersion: '0.1.0',
      hostname: 'web2',
      runAt: new Date().toISOString(),
      sites: [{ siteId: 'shop.example.com', names: ['shop.example.com'], outcome: 'due' }],
    },
  });
  assert.equal(report.status, 202, JSON.stringify(report.json));
  const theirs = (await relay.api('GET', '/sites', { token: other.token })).json.sites as Array<{ domain: string }>;
  assert.ok(theirs.some((site) => site.domain === 'shop.example.com'));
  const mine = (await relay.api('GET', '/sites', { token: owner.token })).json.sites as Array<{ domain: string }>;
  assert.ok(!mine.some((site) => site.domain === 'shop.example.com'));
  assert.deepEqual(await rowsOf(owner.id), before);
});

function challenge(credentialId: string) {
  return { 'challenge.credentialId': credentialId };
}
