import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CertPilotError, composeNotification, serializeError } from '@certpilot/core';
import { describeError } from '../src/http/messages.js';
import { failingRenewal } from '../src/notify/failing-renewal.js';
import { notificationRenderOptions } from '../src/notify/time-zone.js';
import { createdId as createdIdAs, newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
let token: string;
let aliyun: string;
let qiniu: string;
let pausedSite: string;
let nginxSite: string;

const ACCESS_KEY_SECRET = 'never-echo-this-secret';
const PASSWORD = 'never-echo-this-password';

before(async () => {
  relay = await startTestRelay();
  token = (await newUser(relay, 'msg')).token;
  aliyun = await createdId('/credentials', {
    provider: 'aliyun',
    name: 'main',
    accessKeyId: 'LTAI5tMessagesKey01',
    accessKeySecret: 'messages-secret-01',
  });
  qiniu = await createdId('/credentials', {
    provider: 'qiniu',
    name: 'q',
    accessKeyId: 'qiniu-messages-ak',
    accessKeySecret: 'qiniu-messages-sk',
  });
  pausedSite = await createdId('/sites', {
    origin: 'qiniu-cdn',
    domain: 'paused.example.com',
    credentialId: qiniu,
    config: { 'challenge.credentialId': aliyun },
  });
  const paused = await relay.api('PATCH', `/sites/${pausedSite}`, { token, body: { status: 'paused' } });
  assert.equal(paused.status, 200, JSON.stringify(paused.json));
  nginxSite = await createdId('/sites', { origin: 'nginx', domain: 'web.example.com', config: {} });
});
after(() => relay?.stop());

async function createdId(path: string, body: unknown): Promise<string> {
  return createdIdAs(relay, token, path, body);
}

interface Case {
  name: string;
  method: string;
  path: () => string;
  /** A JSON value, or a string sent as the raw body; a function when it needs ids made in `before`. */
  body?: unknown;
  auth?: boolean;
  status: number;
  /** Substrings the message must contain, per language. */
  zh: string[];
  en: string[];
  /** Substrings neither message may contain. */
  never?: string[];
}

const credential = { provider: 'aliyun', name: 'k', accessKeyId: 'LTAI5tValidKey0001', accessKeySecret: 'secret-0001' };
const site = () => ({
  origin: 'qiniu-cdn',
  domain: 'new.example.com',
  credentialId: qiniu,
  config: { 'challenge.credentialId': aliyun },
});
const register = { account: 'fresh_user', name: 'Fresh', password: 'Correct-horse-42' };

const channel = { kind: 'webhook', name: 'hook', config: { url: 'https://hooks.example.com/x' } };

/** A body without one required field, and what the message must contain about it in each language. */
const MISSING_FIELDS: { path: string; body: () => Record<string, unknown>; field: string; zh: string; en: string }[] = [
  { path: '/auth/register', body: () => register, field: 'name', zh: '显示名称', en: 'a display name' },
  {
    path: '/auth/register',
    body: () => register,
    field: 'password',
    zh: '文本形式的账号密码',
    en: 'the account password as text',
  },
  {
    path: '/auth/login',
    body: () => ({ account: 'x', password: 'y' }),
    field: 'account',
    zh: '3 到 32',
    en: '3 to 32',
  },
  { path: '/credentials', body: () => credential, field: 'provider', zh: 'qiniu 或 aliyun', en: 'qiniu or aliyun' },
  { path: '/credentials', body: () => credential, field: 'name', zh: '显示名称', en: 'a display name' },
  { path: '/credentials', body: () => credential, field: 'accessKeyId', zh: 'AccessKey ID', en: 'AccessKey ID' },
  { path: '/credentials', body: () => credential, field: 'accessKeySecret', zh: 'AccessKey Secret', en: 'Secret' },
  { path: '/sites', body: site, field: 'origin', zh: 'qiniu-cdn、qiniu-kodo', en: 'qiniu-cdn, qiniu-kodo' },
  { path: '/sites', body: site, field: 'domain', zh: '站点的域名', en: "the site's domain name" },
  { path: '/agents', body: () => ({ name: 'web' }), field: 'name', zh: '显示名称', en: 'a display name' },
  { path: '/notification-channels', body: () => channel, field: 'kind', zh: 'email、dingtalk', en: 'email, dingtalk' },
  { path: '/notification-channels', body: () => channel, field: 'name', zh: '显示名称', en: 'a display name' },
  { path: '/notification-channels', body: () => channel, field: 'config', zh: 'JSON 对象', en: 'a JSON object' },
];

function missingFieldCase(entry: (typeof MISSING_FIELDS)[number]): Case {
  return {
    name: `missing ${entry.field} on ${entry.path}`,
    method: 'POST',
    path: () => entry.path,
    body: () => Object.fromEntries(Object.entries(entry.body()).filter(([key]) => key !== entry.field)),
    auth: entry.path !== '/auth/register' && entry.path !== '/auth/login',
    status: 400,
    zh: [`缺少 ${entry.field}：请填写`, entry.zh],
    en: [`${entry.field}: is required, expected`, entry.en],
    never: ['请填写该字段', 'undefined'],
  };
}

const CASES: Case[] = [
  {
    name: 'missing account',
    method: 'POST',
    path: () => '/auth/register',
    body: { name: 'A', password: 'Correct-horse-42' },
    status: 400,
    zh: ['缺少 account：请填写 3 到 32 个字母'],
    en: ['account: is required, expected 3 to 32 letters'],
    never: ['undefined', 'expected string'],
  },
  {
    name: 'account pattern described, not shown',
    method: 'POST',
    path: () => '/auth/register',
    body: { ...register, account: 'a b' },
    status: 400,
    zh: ['account 的值 "a b" 无效：需要 3 到 32 个字母、数字'],
    en: ['account: must be 3 to 32 letters, digits, "_", "." or "-", not "a b"'],
    never: ['pattern', '/^'],
  },
  {
    name: 'unknown provider named with the allowed ones',
    method: 'POST',
    path: () => '/credentials',
    body: { ...credential, provider: 'tencent' },
    auth: true,
    status: 400,
    zh: ['provider 不支持 "tencent"：可选值为 qiniu、aliyun'],
    en: ['provider: must be one of qiniu, aliyun, not "tencent"'],
  },
  {
    name: 'accessKeyId pattern in words',
    method: 'POST',
    path: () => '/credentials',
    body: { ...credential, accessKeyId: 'bad id!' },
    auth: true,
    status: 400,
    zh: ['accessKeyId 的值 "bad id!" 无效：需要 8 到 128 个字母、数字、_ 或 -'],
    en: ['accessKeyId: must be 8 to 128 letters, digits, "_" or "-"'],
    never: ['pattern', '{8,128}'],
  },
  {
    name: 'short secret not echoed',
    method: 'POST',
    path: () => '/credentials',
    body: { ...credential, accessKeySecret: 'abc' },
    auth: true,
    status: 400,
    zh: ['accessKeySecret 太短：至少需要 8 个字符'],
    en: ['accessKeySecret: must have at least 8 characters'],
    never: ['"abc"', '3 个字符', 'got 3'],
  },
  {
    name: 'long secret not echoed',
    method: 'POST',
    path: () => '/credentials',
    body: { ...credential, accessKeySecret: ACCESS_KEY_SECRET.repeat(20) },
    auth: true,
    status: 400,
    zh: ['accessKeySecret 太长：最多 256 个字符'],
    en: ['accessKeySecret: must have at most 256 characters'],
    never: [ACCESS_KEY_SECRET],
  },
  {
    name: 'password type error not echoed',
    method: 'POST',
    path: () => '/auth/login',
    body: { account: 'someone', password: [PASSWORD] },
    status: 400,
    zh: ['password 必须是文本形式的账号密码，收到的是列表'],
    en: ['password: must be the account password as text, not a list'],
    never: [PASSWORD],
  },
  {
    name: 'name too long names the length',
    method: 'POST',
    path: () => '/agents',
    body: { name: 'x'.repeat(65) },
    auth: true,
    status: 400,
    zh: ['name 太长：最多 64 个字符（现在是 65 个字符）'],
    en: ['name: must have at most 64 characters (got 65)'],
  },
  {
    name: 'uuid in words',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), credentialId: 'nope' }),
    auth: true,
    status: 400,
    zh: ['credentialId 的值 "nope" 无效：需要凭据的 id'],
    en: ['credentialId: must be a credential id', 'not "nope"'],
    never: ['无效UUID', 'Invalid UUID'],
  },
  {
    name: 'bad id in the path',
    method: 'GET',
    path: () => '/sites/not-a-uuid',
    auth: true,
    status: 400,
    zh: ['id 的值 "not-a-uuid" 无效：需要 UUID 格式的 id'],
    en: ['id: must be a UUID such as', 'not "not-a-uuid"'],
  },
  {
    name: 'port out of range',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), config: { 'challenge.credentialId': aliyun, 'edge.port': 70000 } }),
    auth: true,
    status: 400,
    zh: ['config.edge.port 为 70000，不能大于 65535'],
    en: ['config.edge.port: must be at most 65535, not 70000'],
  },
  {
    name: 'port as text',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), config: { 'challenge.credentialId': aliyun, 'edge.port': '443' } }),
    auth: true,
    status: 400,
    zh: ['config.edge.port 必须是数字，收到的是文本 "443"'],
    en: ['config.edge.port: must be a number, not the text "443"'],
  },
  {
    name: 'oss site without a bucket',
    method: 'POST',
    path: () => '/sites',
    body: () => ({
      origin: 'aliyun-oss',
      domain: 'oss.example.com',
      credentialId: aliyun,
      config: { 'challenge.credentialId': aliyun, ossRegion: 'oss-cn-hangzhou' },
    }),
    auth: true,
    status: 400,
    zh: ['缺少 config.bucket：请填写 OSS 存储桶名称'],
    en: ['config.bucket: is required, expected the OSS bucket name of 3 to 63 characters'],
    never: ['nonoptional', '))'],
  },
  {
    name: 'misspelt config key',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), config: { 'challenge.credentialId': aliyun, 'edge.prot': 443 } }),
    auth: true,
    status: 400,
    zh: ['不认识的字段 edge.prot：请删除，或检查拼写'],
    en: ['unknown key "edge.prot": remove it or check the spelling'],
  },
  {
    name: 'config value of the wrong type',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), config: { 'challenge.credentialId': aliyun, names: { a: 1 } } }),
    auth: true,
    status: 400,
    zh: ['config.names 必须是文本或数字或 true 或 false，收到的是对象'],
    en: ['config.names: must be text or a number or true or false, not an object'],
  },
  {
    name: 'bad config key name',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), config: { 'challenge.credentialId': aliyun, '1bad': 'x' } }),
    auth: true,
    status: 400,
    zh: ['config 中的键 "1bad" 无效：需要以字母开头'],
    en: ['config: key "1bad" is invalid (use a key of up to 64 letters'],
  },
  {
    name: 'unknown top-level keys',
    method: 'POST',
    path: () => '/auth/register',
    body: { ...register, nickname: 'x', phone: '1' },
    status: 400,
    zh: ['不认识的字段 nickname、phone：请删除，或检查拼写'],
    en: ['unknown keys "nickname", "phone": remove them or check the spelling'],
  },
  {
    name: 'bad domain in Chinese punctuation',
    method: 'POST',
    path: () => '/sites',
    body: () => ({ ...site(), domain: 'bad_domain!.example.com' }),
    auth: true,
    status: 400,
    zh: ['请求无效：domain：域名 "bad_domain!.example.com" 无效'],
    en: ['Invalid request: domain: '],
    never: ['domain: 域名'],
  },
  ...MISSING_FIELDS.map(missingFieldCase),
  {
    name: 'email in words',
    method: 'POST',
    path: () => '/auth/register',
    body: { ...register, email: 'not-an-email' },
    status: 400,
    zh: ['email 的值 "not-an-email" 无效：需要邮箱地址，例如 name@example.com'],
    en: ['email: must be an email address such as name@example.com, not "not-an-email"'],
  },
  {
    name: 'cut-off JSON',
    method: 'POST',
    path: () => '/credentials',
    body: '{"name": ',
    auth: true,
    status: 400,
    zh: ['请求正文不是有效的 JSON：内容为空或不完整'],
    en: ['The request body is not valid JSON: it is empty or cut short'],
    never: ['Unexpected end'],
  },
  {
    name: 'JSON syntax error gives the position',
    method: 'POST',
    path: () => '/credentials',
    body: '{name: 1}',
    auth: true,
    status: 400,
    zh: ['第 2 个字符处有语法错误'],
    en: ['syntax error at character 2'],
    never: ['Expected property name'],
  },
  {
    name: 'webhook url in the channel config',
    method: 'POST',
    path: () => '/notification-channels',
    body: { kind: 'webhook', name: 'hook', config: { url: 'ftp://example.com/hook' } },
    auth: true,
    status: 400,
    zh: ['通知渠道 webhook「hook」的配置无效：url 的值 "ftp://example.com/hook" 无效：需要 http:// 或 https:// 开头'],
    en: ['url: must be an http:// or https:// URL such as', 'not "ftp://example.com/hook"'],
  },
  {
    name: 'wecom key missing',
    method: 'POST',
    path: () => '/notification-channels',
    body: { kind: 'wecom', name: 'W', config: {} },
    auth: true,
    status: 400,
    zh: ['缺少 key：请填写 webhook 地址中的令牌部分'],
    en: ['key: is required, expected only the token from the webhook URL'],
  },
  {
    name: 'unknown channel setting',
    method: 'POST',
    path: () => '/notification-channels',
    body: { kind: 'feishu', name: 'F', config: { token: 'abc', sign: 'x' } },
    auth: true,
    status: 400,
    zh: ['不认识的字段 sign'],
    en: ['unknown key "sign": remove it or check the spelling'],
  },
  {
    name: 'dingtalk token not echoed',
    method: 'POST',
    path: () => '/notification-channels',
    body: {
      kind: 'dingtalk',
      name: 'D',
      config: { accessToken: 'https://oapi.dingtalk.com/robot/send?x=1', secret: 's' },
    },
    auth: true,
    status: 400,
    zh: ['accessToken 的值无效：需要 webhook 地址中的令牌部分'],
    en: ['accessToken: must be only the token from the webhook URL'],
    never: ['oapi.dingtalk.com'],
  },
  {
    name: 'renewing a paused site',
    method: 'POST',
    path: () => `/sites/${pausedSite}/renew`,
    auth: true,
    status: 409,
    zh: ['站点 paused.example.com 已暂停', 'status 设为 active'],
    en: ['Site paused.example.com is paused', 'set its status to active first'],
  },
  {
    name: 'renewing an nginx site',
    method: 'POST',
    path: () => `/sites/${nginxSite}/renew`,
    auth: true,
    status: 400,
    zh: ['由服务器上的 agent 续期', 'certpilot-agent renew'],
    en: ['web.example.com: nginx sites are renewed by their agent', 'certpilot-agent renew'],
  },
];

/**
 * Finds runs of three or more English words in a Chinese message, after removing what may
 * rightly be Latin: quoted values, and identifiers (field paths, options, URLs, camelCase keys).
 */
function englishRuns(message: string): string[] {
  const stripped = message
    .replace(/"[^"]*"/g, ' ')
    .replace(/\S*[./_:<>@*-]\S*/g, ' ')
    .replace(/\b[a-z]+[A-Z]\w*\b/g, ' ');
  return stripped.match(/\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/g) ?? [];
}

for (const entry of CASES) {
  test(`message: ${entry.name}`, async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const body: unknown = typeof entry.body === 'function' ? (entry.body as () => unknown)() : entry.body;
      const raw = typeof body === 'string';
      const response = await relay.api(entry.method, entry.path(), {
        lang,
        ...(body === undefined ? {} : { body }),
        ...(raw ? { headers: { 'Content-Type': 'application/json' } } : {}),
        ...(entry.auth ? { token } : {}),
      });
      const message = String(response.json?.message);
      assert.equal(response.status, entry.status, `[${lang}] ${message}`);
      for (const part of lang === 'zh-CN' ? entry.zh : entry.en) {
        assert.ok(message.includes(part), `[${lang}] expected "${part}" in: ${message}`);
      }
      for (const part of entry.never ?? []) {
        assert.ok(!message.includes(part), `[${lang}] unexpected "${part}" in: ${message}`);
      }
      if (lang === 'zh-CN') assert.deepEqual(englishRuns(message), [], `English in: ${message}`);
    }
  });
}

test('relay ACME advice names relay options', () => {
  const error = new CertPilotError('ACME_CA_UNREACHABLE', 'Could not reach the ACME CA at https://ca.test/dir.', {
    params: { action: 'createOrder', directoryUrl: 'https://ca.test/dir' },
  });
  for (const locale of ['zh-CN', 'en'] as const) {
    const renewal = failingRenewal(serializeError(error), locale);
    assert.ok(renewal.status === 'failing');
    const text = renewal.error.text;
    assert.match(text, /--acme-directory/, text);
    assert.match(text, /--acme-ca-file/, text);
    assert.match(text, /https:\/\/ca\.test\/dir/, text);
    assert.doesNotMatch(text, /acme\.directoryUrl|acme\.caCertFile/, text);
    assert.equal(describeError(error, locale), text);
  }
});

test('notification retry time in China time', () => {
  const error = new CertPilotError('ACME_RATE_LIMITED', 'rate limited', { params: { detail: 'too many orders' } });
  const renewal = failingRenewal(serializeError(error), 'zh-CN', '2026-12-04T23:48:00Z');
  assert.ok(renewal.status === 'failing');
  assert.ok(renewal.nextRetryAt !== undefined);
  const event = {
    kind: 'renewal-failing' as const,
    site: 'shop.example.com',
    error: renewal.error,
    nextRetryAt: renewal.nextRetryAt,
  };
  const zh = composeNotification([event], 'zh-CN', notificationRenderOptions('zh-CN'));
  assert.match(zh.text, /下次重试：2026-12-05 07:48 UTC\+8$/m, zh.text);
  const en = composeNotification([event], 'en', notificationRenderOptions('en'));
  assert.match(en.text, /Next retry: 2026-12-04 23:48 UTC$/m, en.text);
});
