/**
 * Tests the console's form messages in Debian Chromium. antd's localized validation replaces the
 * browser's own bubbles, and every form uses the same required marks. The site form's wording is
 * checked in both languages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ensureConsoleBuilt, launchChromium } from './support/browser.js';
import { queryRows } from './support/databases.js';
import { plannedQiniuSite } from './support/planned-site.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

// A name that looks remote to the console. Chromium resolves it to the test relay on 127.0.0.1.
const REMOTE_NAME = 'relay.certpilot.test';

let relay: TestRelay;
let browser: Browser;

before(async () => {
  await ensureConsoleBuilt();
  browser = await launchChromium([`--host-resolver-rules=MAP ${REMOTE_NAME} 127.0.0.1`]);
  relay = await startTestRelay();
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** Matches a button label whatever spaces antd puts between two Chinese characters. */
function label(text: string): RegExp {
  return new RegExp([...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));
}

async function openPage(locale: 'zh-CN' | 'en', path: string, base = relay.relay.url): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  return page;
}

/** Logs `account` in through the login page of the relay at `base`. */
async function logIn(locale: 'zh-CN' | 'en', account: string, base = relay.relay.url): Promise<Page> {
  const page = await openPage(locale, '/login', base);
  await page.fill('#login_account', account);
  await page.fill('#login_password', 'Correct-horse-42');
  await page.getByRole('button', { name: label(locale === 'en' ? 'Log in' : '登录') }).click();
  await page.waitForURL(/\/sites$/);
  return page;
}

/** Reads the validation messages antd shows under the fields, in page order. */
async function fieldErrors(page: Page): Promise<string[]> {
  await page.locator('.ant-form-item-explain-error').first().waitFor({ timeout: 10_000 });
  return page.locator('.ant-form-item-explain-error').allInnerTexts();
}

/** Reads the labels antd marks required (with `*`) and counts those marked optional. */
async function requiredMarks(page: Page, form: string): Promise<{ required: string[]; optional: number }> {
  const required = await page.locator(`${form} .ant-form-item-required`).allInnerTexts();
  const optional = await page.locator(`${form} .ant-form-item-optional`).count();
  return { required: required.map((text) => text.trim()), optional };
}

/** Fills the register form: `fields` maps field names (`mobile`) to values, over working defaults. */
async function fillRegister(page: Page, fields: Record<string, string>): Promise<void> {
  const values = { name: 'Tester', password: 'Correct-horse-42', ...fields };
  for (const [field, value] of Object.entries(values)) await page.fill(`#register_${field}`, value);
}

test('register checks email without bubble', async () => {
  const page = await openPage('zh-CN', '/register');
  const account = `forms_zh_${process.pid}`;
  await page.fill('#register_account', account);
  await page.fill('#register_name', '测试用户');
  await page.fill('#register_password', 'Correct-horse-42');
  await page.fill('#register_email', 'ops.example.com');

  assert.equal(await page.locator('#register_email').getAttribute('type'), 'text', 'no browser email check');
  await page.getByRole('button', { name: label('注册') }).click();
  assert.deepEqual(await fieldErrors(page), ['请输入有效的电子邮箱地址，例如 ops@example.com']);
  const users = await queryRows(relay.databaseUrl, 'select id from users where account = ?', account);
  assert.equal(users.length, 0, 'an invalid email created a user');

  const marks = await requiredMarks(page, '#register');
  assert.deepEqual(marks.required, ['账号', '姓名', '密码']);
  assert.equal(marks.optional, 0, 'register marks required fields like login does');
  await page.context().close();
});

test('register email message in English', async () => {
  const page = await openPage('en', '/register');
  await page.fill('#register_account', `forms_en_${process.pid}`);
  await page.fill('#register_name', 'Tester');
  await page.fill('#register_password', 'Correct-horse-42');
  await page.fill('#register_email', 'ops@');
  await page.getByRole('button', { name: 'Register' }).click();
  assert.deepEqual(await fieldErrors(page), ['Enter a valid email address, such as ops@example.com']);
  await page.context().close();
});

test('register checks mobile like the relay', async () => {
  const page = await openPage('zh-CN', '/register');
  const account = `forms_mobile_${process.pid}`;
  await fillRegister(page, { account, name: '测试用户', mobile: '12ab' });
  await page.getByRole('button', { name: label('注册') }).click();
  assert.deepEqual(await fieldErrors(page), [
    '请输入有效的手机号码：只含数字、空格和短横线，可以用 + 开头，例如 +86 138 0013 8000',
  ]);
  const users = await queryRows(relay.databaseUrl, 'select id from users where account = ?', account);
  assert.equal(users.length, 0, 'an invalid mobile created a user');
  await page.context().close();
});

test('relay rejection shows under its field', async () => {
  const page = await openPage('en', '/register');
  const account = `forms_weak_${process.pid}`;
  await fillRegister(page, { account, password: 'short', mobile: '+86 138 0013 8000' });
  await page.getByRole('button', { name: 'Register' }).click();
  assert.deepEqual(await fieldErrors(page), ['The password needs at least 8 characters.']);
  assert.equal(await page.locator('.ant-message-notice-error').count(), 0, 'the field error is not also a toast');

  await page.fill('#register_password', 'Correct-horse-42');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.waitForURL(/\/login$/);
  await page.locator('.ant-message-notice-success', { hasText: 'Registered. Log in now.' }).waitFor();
  assert.equal(await page.locator('.ant-message-notice-error').count(), 0);
  const users = await queryRows<{ mobile: string }>(
    relay.databaseUrl,
    'select mobile from users where account = ?',
    account,
  );
  assert.deepEqual(users, [{ mobile: '+86 138 0013 8000' }]);
  await page.context().close();
});

test('held job in list and drawer', async () => {
  const user = await newUser(relay, 'forms_held');
  const siteId = await plannedQiniuSite(relay, user.token, 'held.example.com');
  const paused = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'paused' } });
  assert.equal(paused.status, 200, JSON.stringify(paused.json));

  const page = await logIn('zh-CN', user.account);
  const row = page.locator('tr', { hasText: 'held.example.com' });
  await row.locator('[data-testid="job-held"]').waitFor({ timeout: 10_000 });
  assert.equal((await row.locator('[data-testid="job-held"]').innerText()).trim(), '已暂停，恢复后继续');
  await row.getByText('held.example.com').click();
  const job = page.locator('.ant-drawer [data-testid="job"]').first();
  await job.waitFor();
  assert.match(await job.innerText(), /已暂停，恢复后继续/);
  assert.doesNotMatch(await job.innerText(), /下次重试/);
  await page.context().close();
});

async function openSiteForm(locale: 'zh-CN' | 'en'): Promise<Page> {
  const { account } = await newUser(relay, `forms_${locale === 'en' ? 'en' : 'zh'}_`);
  const page = await logIn(locale, account);
  await page.getByRole('button', { name: label(locale === 'en' ? 'Add site' : '添加站点') }).click();
  await page.locator('#site').waitFor();
  return page;
}

async function chooseOrigin(page: Page, option: string): Promise<void> {
  await page.locator('.ant-form-item:has(#site_origin) .ant-select').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'detached' });
}

test('site form wording in Chinese', async () => {
  const page = await openSiteForm('zh-CN');
  const help = page.locator('.ant-form-item:has(#site_credentialId) .ant-form-item-extra');
  assert.equal(await help.innerText(), '需要一个七牛云凭据；请先在“云凭据”页添加');

  await page
    .locator('.ant-modal-footer')
    .getByRole('button', { name: label('保存') })
    .click();
  assert.deepEqual(await fieldErrors(page), ['请填写域名', '请选择云凭据', '请选择 DNS 验证凭据（阿里云）']);
  const marks = await requiredMarks(page, '#site');
  assert.ok(marks.required.includes('部署位置'), `required marks: ${marks.required.join(', ')}`);
  assert.equal(marks.optional, 0);

  await chooseOrigin(page, '阿里云 OSS');
  assert.equal(await help.innerText(), '需要一个阿里云凭据；请先在“云凭据”页添加');
  await page.context().close();
});

test('site form wording in English', async () => {
  const page = await openSiteForm('en');
  await chooseOrigin(page, 'Aliyun CDN');
  const help = page.locator('.ant-form-item:has(#site_credentialId) .ant-form-item-extra');
  assert.equal(await help.innerText(), 'Needs an Aliyun credential; add one on the Cloud credentials page first');

  await page.locator('.ant-modal-footer').getByRole('button', { name: 'Save' }).click();
  assert.deepEqual(await fieldErrors(page), [
    'Enter the Domain',
    'Choose the Cloud credential',
    'Choose the DNS challenge credential (Aliyun)',
  ]);
  await page.context().close();
});

/** Creates an agent on the Agents page and returns the plain-HTTP warning's text, or undefined. */
async function enrollmentWarning(page: Page, agentName: string): Promise<string | undefined> {
  await page.locator('.ant-menu').getByText('Agent').click();
  await page.getByRole('button', { name: label('接入服务器') }).click();
  await page.fill('#agent_name', agentName);
  await page
    .locator('.ant-modal-footer')
    .getByRole('button', { name: label('保存') })
    .click();
  // Either the commands appear or the console shows why not. The thrown error then names which.
  const error = page.locator('.ant-message-error');
  await page.locator('[data-testid="install-command"], .ant-message-error').first().waitFor({ timeout: 60_000 });
  if ((await error.count()) > 0) throw new Error(`creating agent ${agentName} failed: ${await error.innerText()}`);
  const warning = page.locator('[data-testid="plain-http-warning"]');
  return (await warning.count()) === 0 ? undefined : warning.innerText();
}

test('enrollment warns about plain HTTP', { timeout: 150_000 }, async () => {
  const { account } = await newUser(relay, 'forms_agent_');
  const local = await logIn('zh-CN', account);
  assert.equal(await enrollmentWarning(local, 'web-01'), undefined, 'a loopback address needs no warning');
  await local.context().close();

  // The same relay under a name that is not loopback, reached over plain HTTP.
  const remoteUrl = relay.relay.url.replace('127.0.0.1', REMOTE_NAME);
  const page = await logIn('zh-CN', account, remoteUrl);
  const warning = await enrollmentWarning(page, 'web-02');
  assert.match(
    warning ?? '',
    new RegExp(`^中继地址 ${remoteUrl.replace(/\./g, '\\.')} 是明文 HTTP：令牌和 Agent 的报告会不加密地经过网络。`),
  );
  await page.context().close();
});
