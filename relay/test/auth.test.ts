import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(() => relay.stop());

const password = 'Sunny-day-2024';

test('register, login, me, logout', async () => {
  const registered = await relay.api('POST', '/auth/register', {
    body: { account: 'Alice.W', name: '王爱丽', password, mobile: '013800138000', email: 'alice@example.com' },
  });
  assert.equal(registered.status, 201);
  assert.equal(registered.json.user.account, 'alice.w');
  assert.equal(registered.json.user.mobile, '013800138000', 'leading zero kept');
  assert.equal(registered.json.user.password_hash, undefined);

  const login = await relay.api('POST', '/auth/login', { body: { account: 'alice.w', password } });
  assert.equal(login.status, 200);
  assert.match(login.json.token, /^cps_/);
  const me = await relay.api('GET', '/me', { token: login.json.token });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.name, '王爱丽');

  const logout = await relay.api('POST', '/auth/logout', { token: login.json.token });
  assert.equal(logout.status, 204);
  const after = await relay.api('GET', '/me', { token: login.json.token });
  assert.equal(after.status, 401);
  assert.equal(after.json.code, 'AUTH_REQUIRED');
});

test('login sets an HttpOnly SameSite=Lax session cookie that authenticates', async () => {
  await relay.api('POST', '/auth/register', { body: { account: 'cookie-user', name: 'C', password } });
  const login = await relay.api('POST', '/auth/login', { body: { account: 'cookie-user', password } });
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^certpilot_session=cps_[A-Za-z0-9_-]+;/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.doesNotMatch(cookie, /Secure/, 'plain http public URL: no Secure flag');
  const me = await relay.api('GET', '/me', { headers: { Cookie: cookie.split(';')[0]! } });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.account, 'cookie-user');
});

test('a duplicate account answers 409 naming the account', async () => {
  await relay.api('POST', '/auth/register', { body: { account: 'taken', name: 'T', password } });
  const again = await relay.api('POST', '/auth/register', { body: { account: 'TAKEN', name: 'T2', password } });
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'ACCOUNT_EXISTS');
  assert.match(again.json.message, /taken.*already registered/);
});

test('a weak password is refused in Chinese and English', async () => {
  const zh = await relay.api('POST', '/auth/register', {
    body: { account: 'weak1', name: 'W', password: 'short' },
    lang: 'zh-CN,zh;q=0.9,en;q=0.8',
  });
  assert.equal(zh.status, 400);
  assert.equal(zh.json.code, 'PASSWORD_TOO_WEAK');
  assert.equal(zh.json.message, '密码至少需要 8 个字符。');
  const en = await relay.api('POST', '/auth/register', {
    body: { account: 'weak1', name: 'W', password: 'alllowercase' },
    lang: 'en-US',
  });
  assert.equal(en.status, 400);
  assert.match(en.json.message, /at least two kinds of characters/);
});

test('a wrong password answers 401, and repeated failures 429 with Retry-After', async () => {
  await relay.api('POST', '/auth/register', { body: { account: 'limited', name: 'L', password } });
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const wrong = await relay.api('POST', '/auth/login', { body: { account: 'limited', password: 'Wrong-pass-1' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.code, 'LOGIN_FAILED');
  }
  const blocked = await relay.api('POST', '/auth/login', { body: { account: 'limited', password }, lang: 'zh' });
  assert.equal(blocked.status, 429, 'even the right password waits');
  assert.equal(blocked.json.code, 'LOGIN_RATE_LIMITED');
  const retryAfter = Number(blocked.headers.get('retry-after'));
  assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  assert.match(blocked.json.message, /登录失败次数过多/);
});

test('an unknown account fails like a wrong password, in comparable time', async () => {
  const timed = async (account: string) => {
    const started = performance.now();
    const response = await relay.api('POST', '/auth/login', { body: { account, password: 'Wrong-pass-1' } });
    return { response, ms: performance.now() - started };
  };
  await relay.api('POST', '/auth/register', { body: { account: 'timing', name: 'T', password } });
  await timed('nobody-here'); // the dummy hash is made on first use
  const known = await timed('timing');
  const unknown = await timed('nobody-here-2');
  assert.equal(unknown.response.status, 401);
  assert.deepEqual(unknown.response.json, known.response.json);
  assert.ok(unknown.ms > known.ms / 3, `unknown ${unknown.ms} ms vs known ${known.ms} ms`);
});

test('bad input names the field', async () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['/auth/register', { account: 'ab', name: 'x', password }, /account/],
    ['/auth/register', { account: 'has space', name: 'x', password }, /account/],
    ['/auth/register', { account: 'okname', password }, /name/],
    ['/auth/register', { account: 'okname', name: 'x', password, email: 'not-an-email' }, /email/],
    ['/auth/register', { account: 'okname', name: 'x', password, mobile: 'abc' }, /mobile/],
    ['/auth/register', { account: 'okname', name: 'x', password, admin: true }, /admin/],
    ['/auth/login', { account: 'okname' }, /password/],
    ['/auth/login', [], /body/],
  ];
  for (const [path, body, field] of cases) {
    const response = await relay.api('POST', path, { body });
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.json.code, 'REQUEST_INVALID');
    assert.match(response.json.message, field);
  }
  const notJson = await relay.api('POST', '/auth/login', { body: '{"account":' });
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.message, /not valid JSON/);
  const form = await relay.api('POST', '/auth/login', {
    body: 'account=a',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 400);
  assert.match(form.json.message, /must be JSON/);
  const huge = await relay.api('POST', '/auth/register', {
    body: { account: 'big', name: 'x'.repeat(70_000), password },
  });
  assert.equal(huge.status, 413);
  assert.equal(huge.json.code, 'REQUEST_TOO_LARGE');
});

test('healthz and unknown paths', async () => {
  const health = await fetch(`${relay.relay.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', database: 'ok' });
  assert.ok(health.headers.get('x-request-id'));
  const missing = await relay.api('GET', '/nothing-here', { lang: 'zh-CN' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'RESOURCE_NOT_FOUND');
  assert.match(missing.json.message, /找不到/);
});
