import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { queryRows } from './support/databases.js';
import {
  createdId as createdIdAs,
  newUser,
  startTestRelay,
  type ApiResponse,
  type TestRelay,
} from './support/relay.js';
import { rowCounts } from './support/rows.js';

let relay: TestRelay;
let token: string;
let agentToken: string;
let aliyun: string;
let qiniu: string;
let siteId: string;
let channelId: string;
let agentId: string;

before(async () => {
  relay = await startTestRelay();
  token = (await newUser(relay, 'bad')).token;
  aliyun = await createdId('/credentials', {
    provider: 'aliyun',
    name: 'main',
    accessKeyId: 'LTAI5tBadInputKey01',
    accessKeySecret: 'bad-input-secret-01',
  });
  qiniu = await createdId('/credentials', {
    provider: 'qiniu',
    name: 'q',
    accessKeyId: 'qiniu-bad-input-ak',
    accessKeySecret: 'qiniu-bad-input-sk',
  });
  siteId = await createdId('/sites', {
    origin: 'qiniu-cdn',
    domain: 'cdn.example.com',
    credentialId: qiniu,
    config: { 'challenge.credentialId': aliyun },
  });
  channelId = await createdId('/notification-channels', {
    kind: 'webhook',
    name: 'Hook',
    config: { url: 'http://127.0.0.1:9/hook', secret: 'hook-secret-1234' },
  });
  const agent = await relay.api('POST', '/agents', { token, body: { name: 'web1' } });
  agentId = agent.json.agentId;
  const enrolled = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken: agent.json.enrollmentToken, hostname: 'web1', version: '0.1.0' },
  });
  agentToken = enrolled.json.agentToken;
});
after(() => relay?.stop());

async function createdId(path: string, body: unknown): Promise<string> {
  return createdIdAs(relay, token, path, body);
}

/** Reads the change times of rows a request could change; every API write sets `update_time`. */
async function storedRows(): Promise<string> {
  // One query for the four tables, since each query opens a connection on PostgreSQL.
  const rows = await queryRows<{ kind: string; id: string; row: string }>(
    relay.databaseUrl,
    ['user_sites', 'credentials', 'notification_channels', 'agents']
      .map((table) => `select '${table}' as kind, id, update_time || coalesce(delete_time, '') as row from "${table}"`)
      .join(' union all '),
  );
  return JSON.stringify(rows.map((row) => `${row.kind} ${row.id} ${row.row}`).sort());
}

const CHINESE = /[\u4e00-\u9fff]/;

/**
 * Sends one bad request in both languages and checks the response: the expected 4xx status, a body
 * of exactly `{ code, message }` (plus `fields` when validation lists the bad fields), a message
 * naming `field` in each language, and nothing stored.
 */
async function rejects(
  name: string,
  send: (lang: string) => Promise<ApiResponse>,
  status: number,
  field: RegExp,
): Promise<void> {
  for (const lang of ['zh-CN', 'en']) {
    const counts = await rowCounts(relay.databaseUrl);
    const rows = await storedRows();
    const response = await send(lang);
    assert.equal(response.status, status, `${name} [${lang}]: ${JSON.stringify(response.json)}`);
    const { fields, ...rest } = (response.json ?? {}) as { fields?: unknown };
    assert.deepEqual(Object.keys(rest).sort(), ['code', 'message'], name);
    const message = response.json.message as string;
    assert.match(message, field, `${name} [${lang}]: ${message}`);
    if (fields !== undefined) checkFieldProblems(fields, message, `${name} [${lang}]`);
    if (lang === 'zh-CN') assert.match(message, CHINESE, `${name}: not in Chinese: ${message}`);
    else assert.doesNotMatch(message, CHINESE, `${name}: not in English: ${message}`);
    assert.deepEqual(await rowCounts(relay.databaseUrl), counts, `${name} [${lang}] wrote rows`);
    assert.equal(await storedRows(), rows, `${name} [${lang}] changed rows`);
  }
}

/** Checks that each listed field problem is a `{ field, message }` whose message is part of the whole one. */
function checkFieldProblems(fields: unknown, message: string, name: string): void {
  assert.ok(Array.isArray(fields), `${name}: fields ${JSON.stringify(fields)}`);
  assert.ok(fields.length > 0, `${name}: empty fields`);
  for (const problem of fields as Array<{ field: unknown; message: unknown }>) {
    assert.deepEqual(Object.keys(problem).sort(), ['field', 'message'], name);
    assert.match(String(problem.field), /^(\(body\)|[\w.]+)$/, name);
    assert.ok(message.includes(String(problem.message)), `${name}: "${String(problem.message)}" not in: ${message}`);
  }
}

interface BodyEndpoint {
  method: string;
  path: () => string;
  auth: () => string | undefined;
  valid: () => Record<string, unknown>;
  /** [case name, body, expected field in the message, status (400 unless given)] */
  cases: () => Array<[string, unknown, RegExp, number?]>;
}

const long = (n: number) => 'x'.repeat(n);

const BODY_ENDPOINTS: Record<string, BodyEndpoint> = {
  register: {
    method: 'POST',
    path: () => '/auth/register',
    auth: () => undefined,
    valid: () => ({ account: `fresh_${process.pid}`, name: 'Fresh', password: 'Correct-horse-42' }),
    cases: () => [
      ['short account', { account: 'ab' }, /account/],
      ['account with spaces', { account: 'a b c' }, /account/],
      ['number name', { name: 42 }, /name/],
      ['long name', { name: long(65) }, /name/],
      ['weak password', { password: 'password' }, /密码|password/i],
      ['bad email', { email: 'not-an-email' }, /email/],
      ['bad mobile', { mobile: 'call me' }, /mobile/],
      ['mobile with letters', { mobile: '12ab' }, /mobile.*12ab/],
      ['missing name', { name: undefined }, /name.*(显示名称|display name)/],
      ['missing password', { password: undefined }, /password.*(密码|password as text)/],
    ],
  },
  login: {
    method: 'POST',
    path: () => '/auth/login',
    auth: () => undefined,
    valid: () => ({ account: 'someone', password: 'Correct-horse-42' }),
    cases: () => [
      ['empty password', { password: '' }, /password/],
      ['array account', { account: ['a'] }, /account/],
    ],
  },
  credential: {
    method: 'POST',
    path: () => '/credentials',
    auth: () => token,
    valid: () => ({ provider: 'aliyun', name: 'k', accessKeyId: 'LTAI5tValidKey0001', accessKeySecret: 'secret-0001' }),
    cases: () => [
      ['unknown provider', { provider: 'aws' }, /provider/],
      ['missing provider', { provider: undefined }, /provider.*qiniu.*aliyun/],
      ['missing secret', { accessKeySecret: undefined }, /accessKeySecret.*AccessKey Secret/],
      ['short secret', { accessKeySecret: 'abc' }, /accessKeySecret/],
      ['bad key id', { accessKeyId: 'bad id!' }, /accessKeyId/],
      ['long secret', { accessKeySecret: long(257) }, /accessKeySecret/],
    ],
  },
  'site create': {
    method: 'POST',
    path: () => '/sites',
    auth: () => token,
    valid: () => ({
      origin: 'qiniu-cdn',
      domain: 'new.example.com',
      credentialId: qiniu,
      config: { 'challenge.credentialId': aliyun },
    }),
    cases: () => [
      ['unknown origin', { origin: 'ftp' }, /origin/],
      ['missing origin', { origin: undefined }, /origin.*nginx/],
      ['missing domain', { domain: undefined }, /domain.*www\.example\.com/],
      ['domain with a space', { domain: 'bad domain.com' }, /domain.*bad domain\.com/],
      ['one-label domain', { domain: 'localhost' }, /domain.*localhost/],
      ['long domain', { domain: `${long(250)}.com` }, /domain/],
      ['number domain', { domain: 7 }, /domain/],
      ['credentialId not a uuid', { credentialId: 'nope' }, /credentialId/],
      ['unknown credentialId', { credentialId: randomUUID() }, /credentialId/, 404],
      ['credential of the wrong provider', { credentialId: aliyun }, /aliyun.*qiniu-cdn/],
      ['no challenge credential', { config: {} }, /config\.challenge\.credentialId/],
      ['challenge credential not a uuid', { config: { 'challenge.credentialId': 'x' } }, /challenge\.credentialId/],
      [
        'unknown challenge credential',
        { config: { 'challenge.credentialId': randomUUID() } },
        /config\.challenge\.credentialId/,
        404,
      ],
      [
        'qiniu challenge credential',
        { config: { 'challenge.credentialId': qiniu } },
        /config\.challenge\.credentialId.*aliyun/,
      ],
      ['misspelt key', { config: { 'challenge.credentialId': aliyun, 'edge.prot': 443 } }, /config.*edge\.prot/],
      ['port out of range', { config: { 'challenge.credentialId': aliyun, 'edge.port': 70000 } }, /config\.edge\.port/],
      ['port as text', { config: { 'challenge.credentialId': aliyun, 'edge.port': '443' } }, /config\.edge\.port/],
      [
        'bad certificate name',
        { config: { 'challenge.credentialId': aliyun, names: 'a.example.com, -b-.example.com' } },
        /config\.names/,
      ],
      [
        'oss keys on a qiniu site',
        { config: { 'challenge.credentialId': aliyun, bucket: 'assets' } },
        /config.*bucket/,
      ],
      [
        'oss site without a bucket',
        { origin: 'aliyun-oss', credentialId: aliyun, config: { 'challenge.credentialId': aliyun } },
        /config\.bucket/,
      ],
      [
        'oss region in the wrong form',
        {
          origin: 'aliyun-oss',
          credentialId: aliyun,
          config: { 'challenge.credentialId': aliyun, bucket: 'assets', ossRegion: 'cn-hangzhou' },
        },
        /config\.ossRegion/,
      ],
      [
        'wildcard on an oss site',
        {
          origin: 'aliyun-oss',
          domain: '*.example.com',
          credentialId: aliyun,
          config: { 'challenge.credentialId': aliyun, bucket: 'assets', ossRegion: 'oss-cn-hangzhou' },
        },
        /domain.*\*\.example\.com/,
      ],
      ['wildcard on a kodo site', { origin: 'qiniu-kodo', domain: '*.example.com' }, /domain.*\*\.example\.com/],
      ['credential on an nginx site', { origin: 'nginx', config: {} }, /credentialId/],
      ['too many keys', { config: Object.fromEntries([...Array(40).keys()].map((i) => [`k${i}`, i])) }, /config/],
      ['bad key name', { config: { '1bad': 'x' } }, /config/],
      ['nested value', { config: { names: { a: 1 } } }, /config\.names/],
    ],
  },
  'site update': {
    method: 'PATCH',
    path: () => `/sites/${siteId}`,
    auth: () => token,
    valid: () => ({ status: 'active' }),
    cases: () => [
      ['origin cannot change', { origin: 'nginx' }, /origin/],
      ['unknown status', { status: 'gone' }, /status/],
      ['bad domain', { domain: '-x-.example.com' }, /domain.*-x-/],
      ['credential of the wrong provider', { credentialId: aliyun }, /aliyun.*qiniu-cdn/],
      ['unknown credentialId', { credentialId: randomUUID() }, /credentialId/, 404],
      ['config without challenge credential', { config: { 'edge.port': 443 } }, /config\.challenge\.credentialId/],
      ['null credential on a cloud site', { credentialId: null }, /credentialId/],
    ],
  },
  agent: {
    method: 'POST',
    path: () => '/agents',
    auth: () => token,
    valid: () => ({ name: 'web2' }),
    cases: () => [
      ['empty name', { name: '  ' }, /name/],
      ['missing name', { name: undefined }, /name.*(显示名称|display name)/],
      ['long name', { name: long(65) }, /name/],
    ],
  },
  enroll: {
    method: 'POST',
    path: () => '/agent/enroll',
    auth: () => undefined,
    valid: () => ({ enrollmentToken: `cpe_${'z'.repeat(43)}`, hostname: 'web1', version: '0.1.0' }),
    cases: () => [
      ['long token', { enrollmentToken: long(101) }, /enrollmentToken/],
      ['missing hostname', { hostname: undefined }, /hostname/],
    ],
  },
  report: {
    method: 'POST',
    path: () => '/agent/reports',
    auth: () => agentToken,
    valid: () => ({ agentVersion: '0.1.0', hostname: 'web1', runAt: new Date().toISOString(), sites: [] }),
    cases: () => [
      ['bad runAt', { runAt: 'yesterday' }, /runAt/],
      ['unknown outcome', { sites: [{ siteId: 'a', names: ['a.example.com'], outcome: 'great' }] }, /outcome/],
      ['sites not a list', { sites: 'a.example.com' }, /sites/],
      ['unknown command', { command: 'deploy' }, /command/],
    ],
  },
  channel: {
    method: 'POST',
    path: () => '/notification-channels',
    auth: () => token,
    valid: () => ({
      kind: 'webhook',
      name: 'Hook2',
      config: { url: 'http://127.0.0.1:9/h', secret: 'hook-secret-1234' },
    }),
    cases: () => [
      ['unknown kind', { kind: 'pager' }, /kind/],
      ['missing kind', { kind: undefined }, /kind.*webhook/],
      ['missing config', { config: undefined }, /config.*JSON/],
      ['unknown locale', { locale: 'fr' }, /locale/],
      ['config not an object', { config: 'x' }, /config/],
      ['bad webhook url', { config: { url: 'not a url', secret: 'hook-secret-1234' } }, /url/],
    ],
  },
};

for (const [name, endpoint] of Object.entries(BODY_ENDPOINTS)) {
  test(`${name}: bad bodies get a 4xx naming the field`, async () => {
    const call = (body: string | undefined, lang: string, headers: Record<string, string> = {}) => {
      const auth = endpoint.auth();
      return relay.api(endpoint.method, endpoint.path(), {
        lang,
        headers: { 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body }),
        ...(auth === undefined ? {} : { token: auth }),
      });
    };
    const json = (body: unknown) => JSON.stringify(body);
    const valid = endpoint.valid();

    await rejects(`${name} malformed JSON`, (lang) => call('{"name": ', lang), 400, /JSON/);
    await rejects(`${name} empty body`, (lang) => call('', lang), 400, /JSON/);
    await rejects(
      `${name} wrong content type`,
      (lang) => call(json(valid), lang, { 'Content-Type': 'text/plain' }),
      400,
      /application\/json/,
    );
    await rejects(
      `${name} form content type`,
      (lang) => call('name=x', lang, { 'Content-Type': 'application/x-www-form-urlencoded' }),
      400,
      /application\/json/,
    );
    await rejects(`${name} array body`, (lang) => call('[]', lang), 400, /\(body\)/);
    await rejects(`${name} null body`, (lang) => call('null', lang), 400, /\(body\)/);
    await rejects(`${name} extra field`, (lang) => call(json({ ...valid, surprise: 1 }), lang), 400, /surprise/);
    await rejects(
      `${name} oversized body`,
      (lang) => call(json({ ...valid, padding: long(600 * 1024) }), lang),
      413,
      /\d+/,
    );
    for (const key of Object.keys(valid)) {
      if (endpoint.method === 'PATCH') continue;
      const missing = { ...valid };
      delete missing[key];
      // A missing optional key is not an error; only required keys are checked here.
      const probe = await call(json(missing), 'en');
      if (probe.status < 400) continue;
      await rejects(`${name} missing ${key}`, (lang) => call(json(missing), lang), probe.status, new RegExp(key));
    }
    for (const [label, change, field, status] of endpoint.cases()) {
      await rejects(
        `${name} ${label}`,
        (lang) => call(json({ ...valid, ...(change as object) }), lang),
        status ?? 400,
        field,
      );
    }
  });
}

test('bad ids in paths get 400, unknown ids 404, naming the id', async () => {
  const routes: Array<[string, string]> = [
    ['GET', '/sites/:id'],
    ['PATCH', '/sites/:id'],
    ['DELETE', '/sites/:id'],
    ['POST', '/sites/:id/renew'],
    ['GET', '/sites/:id/jobs'],
    ['DELETE', '/credentials/:id'],
    ['DELETE', '/agents/:id'],
    ['DELETE', '/notification-channels/:id'],
    ['POST', '/notification-channels/:id/test'],
  ];
  for (const [method, path] of routes) {
    const body = method === 'PATCH' ? '{}' : undefined;
    const send = (id: string) => (lang: string) =>
      relay.api(method, path.replace(':id', id), { token, lang, ...(body === undefined ? {} : { body }) });
    await rejects(`${method} ${path} not a uuid`, send('not-a-uuid'), 400, /id/);
    await rejects(`${method} ${path} sql-ish id`, send("1'%20or%20'1'='1"), 400, /id/);
    const unknown = randomUUID();
    await rejects(`${method} ${path} unknown`, send(unknown), 404, new RegExp(unknown));
  }
  // The rows used above still exist: nothing was deleted by the bad calls.
  assert.equal((await relay.api('GET', `/sites/${siteId}`, { token })).status, 200);
  const channels = (await relay.api('GET', '/notification-channels', { token })).json.channels as Array<{ id: string }>;
  assert.ok(channels.some((channel) => channel.id === channelId));
  const agents = (await relay.api('GET', '/agents', { token })).json.agents as Array<{ id: string }>;
  assert.ok(agents.some((agent) => agent.id === agentId));
});

test('unknown paths and methods get a 4xx JSON response', async () => {
  await rejects('unknown path', (lang) => relay.api('GET', '/nothing-here', { token, lang }), 404, /nothing-here/);
  await rejects(
    'unsupported method',
    (lang) => relay.api('PUT', `/sites/${siteId}`, { token, lang, body: {} }),
    405,
    /PATCH/,
  );
  assert.equal((await relay.api('GET', `/sites/${siteId}`, { token })).json.site.status, 'active');
});

test('site settings problems read in Chinese', async () => {
  const base = { origin: 'aliyun-oss', domain: 'oss.example.com', credentialId: aliyun };
  const good = { 'challenge.credentialId': aliyun, bucket: 'assets', ossRegion: 'oss-cn-hangzhou' };
  const cases: Array<[string, Record<string, unknown>]> = [
    ['ossRegion', { ossRegion: 'cn-hangzhou' }],
    ['casRegion', { casRegion: 'CN_Hangzhou' }],
    ['names', { names: 'a.example.com,-b-.example.com' }],
    ['domains', { domains: 'not a domain' }],
    ['challenge.resolvers', { 'challenge.resolvers': 'dns.example.com' }],
    ['edge.port', { 'edge.port': 0 }],
    ['bucket', { bucket: 'ab' }],
  ];
  for (const [key, change] of cases) {
    const response = await relay.api('POST', '/sites', {
      token,
      lang: 'zh-CN',
      body: { ...base, config: { ...good, ...change } },
    });
    assert.equal(response.status, 400, key);
    const detail = new RegExp(`config\\.${key.replace('.', '\\.')}[.0-9]* [^;]*[\\u4e00-\\u9fff]`);
    assert.match(response.json.message, detail, `${key}: ${response.json.message}`);
  }
});
