/**
 * The web console in Debian Chromium against a real relay: the whole path a new user takes, in
 * Chinese and in English, with what the relay stored checked after each step.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ERROR_MESSAGES } from '@certpilot/core';
import { startWebhookReceiver, type WebhookReceiver } from '@certpilot/testkit';
import { ensureConsoleBuilt, launchChromium, screenshotDir } from './support/browser.js';
import { queryRows } from './support/databases.js';
import { startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
let browser: Browser;
let receiver: WebhookReceiver;
let shots: string;

before(async () => {
  await ensureConsoleBuilt();
  browser = await launchChromium();
  relay = await startTestRelay();
  receiver = await startWebhookReceiver();
  shots = await screenshotDir();
});
after(async () => {
  await browser?.close();
  await receiver?.close();
  await relay?.stop();
});

const PASSWORD = 'Correct-horse-42';

/** Matches a button label whatever spaces antd puts between two Chinese characters. */
function label(text: string): RegExp {
  return new RegExp([...text].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s*'));
}

async function click(page: Page, text: string, scope = 'body'): Promise<void> {
  await page
    .locator(scope)
    .getByRole('button', { name: label(text) })
    .click();
}

async function choose(page: Page, fieldId: string, option: string): Promise<void> {
  await page.locator(`.ant-form-item:has(#${fieldId}) .ant-select`).click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
  // The next select must not find this dropdown while it fades out.
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').waitFor({ state: 'detached' });
}

async function expectMessage(page: Page, text: string): Promise<void> {
  await page.locator('.ant-message-notice', { hasText: text }).first().waitFor({ timeout: 10_000 });
}

/** Errors the page logs, except the 4xx and 502 responses the test causes on purpose. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of (4\d\d|502)/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

async function userCount(account: string): Promise<number> {
  return (await queryRows(relay.databaseUrl, 'select id from users where account = ?', account)).length;
}

test('console in Chinese: register to logout', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  const account = `browser_zh_${process.pid}`;

  // Registration: the relay's password policy message appears under its field and nothing is created.
  await page.goto(relay.relay.url);
  await page.getByText('还没有账号？注册一个').click();
  assert.equal(new URL(page.url()).pathname, '/register');
  await page.fill('#register_account', account);
  await page.fill('#register_name', '测试用户');
  await page.fill('#register_password', 'short');
  await page.fill('#register_email', 'ops@example.com');
  await page.screenshot({ path: join(shots, 'register.png') });
  await click(page, '注册');
  const weak = await relay.api('POST', '/auth/register', {
    lang: 'zh-CN',
    body: { account, name: '测试用户', password: 'short' },
  });
  assert.equal(weak.status, 400);
  // The password policy message shows under the password field, not as a toast.
  await page
    .locator('.ant-form-item:has(#register_password) .ant-form-item-explain-error', { hasText: weak.json.message })
    .waitFor({ timeout: 10_000 });
  assert.equal(await userCount(account), 0, 'a rejected registration created a user');

  await page.fill('#register_password', PASSWORD);
  await click(page, '注册');
  await expectMessage(page, '注册成功，请登录');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await userCount(account), 1);
  const [user] = await queryRows<{ id: string; email: string }>(
    relay.databaseUrl,
    'select id, email from users where account = ?',
    account,
  );
  assert.equal(user!.email, 'ops@example.com');

  // Login sets the HttpOnly session cookie; the page keeps no token of its own.
  await page.fill('#login_account', account);
  await page.fill('#login_password', PASSWORD);
  await click(page, '登录');
  await page.locator('.ant-menu').getByText('站点').waitFor();
  assert.equal(new URL(page.url()).pathname, '/sites');
  const cookies = await context.cookies();
  assert.equal(cookies.find((cookie) => cookie.name === 'certpilot_session')?.httpOnly, true);
  assert.equal((await page.evaluate<string>('JSON.stringify(localStorage)')).includes('cps_'), false);

  // Credentials: one Qiniu pair for the CDN, one Aliyun pair for the dns-01 challenge.
  await page.locator('.ant-menu').getByText('云凭据').click();
  for (const [provider, name, id, secret] of [
    ['七牛云', 'qiniu-main', 'QiniuAccessKey0001', 'qiniu-secret-value-1234'],
    ['阿里云', 'aliyun-dns', 'LTAI5tBrowserKey0002', 'aliyun-secret-value-5678'],
  ] as const) {
    await click(page, '添加凭据');
    await choose(page, 'credential_provider', provider);
    await page.fill('#credential_name', name);
    await page.fill('#credential_accessKeyId', id);
    await page.fill('#credential_accessKeySecret', secret);
    await click(page, '保存', '.ant-modal-footer');
    await expectMessage(page, '凭据已添加');
    await page.locator('.ant-table-row', { hasText: name }).waitFor();
  }
  const credentialsText = await page.locator('.ant-table').innerText();
  assert.match(credentialsText, /Qini\*\*\*\*0001/);
  assert.doesNotMatch(credentialsText, /secret-value|QiniuAccessKey0001/);
  await page.screenshot({ path: join(shots, 'credentials.png') });

  // A Qiniu CDN site appears in the list with no certificate and no job yet.
  await page.locator('.ant-menu').getByText('站点').click();
  await click(page, '添加站点');
  await choose(page, 'site_origin', '七牛云 CDN');
  await page.fill('#site_domain', 'cdn.example.com');
  await choose(page, 'site_credentialId', 'qiniu-main');
  await choose(page, 'site_challenge\\.credentialId', 'aliyun-dns');
  await page.screenshot({ path: join(shots, 'site-form.png') });
  await click(page, '保存', '.ant-modal-footer');
  await expectMessage(page, '站点已添加');
  const row = page.locator('.ant-table-row', { hasText: 'cdn.example.com' });
  await row.waitFor();
  assert.match(await row.innerText(), /七牛云 CDN[\s\S]*启用[\s\S]*尚无证书[\s\S]*暂无任务/);
  const sites = await queryRows<{ id: string; origin: string; config: string }>(
    relay.databaseUrl,
    'select id, origin, config from user_sites where user_id = ?',
    user!.id,
  );
  assert.equal(sites.length, 1);
  assert.equal(sites[0]!.origin, 'qiniu-cdn');
  assert.match(sites[0]!.config, /"challenge\.credentialId":"[0-9a-f-]{36}"/);

  // Renew now plans a job; the list shows it and the drawer lists it in the history.
  await click(page, '立即续期', '.ant-table-row');
  await expectMessage(page, '已安排续期任务');
  await row.getByText('已计划').waitFor();
  const jobs = await queryRows<{ state: string }>(
    relay.databaseUrl,
    'select state from renewal_jobs where site_id = ?',
    sites[0]!.id,
  );
  assert.deepEqual(
    jobs.map((job) => job.state),
    ['planned'],
  );
  await page.screenshot({ path: join(shots, 'sites.png') });
  await row.getByText('cdn.example.com').click();
  const drawer = page.locator('.ant-drawer');
  await drawer.locator('[data-testid="job"]').first().waitFor();
  assert.match(await drawer.innerText(), /任务历史[\s\S]*已计划[\s\S]*cdn\.example\.com/);
  await page.waitForTimeout(500); // lets the drawer finish sliding in, for the screenshot only
  await page.screenshot({ path: join(shots, 'site-drawer.png') });
  await drawer.locator('.ant-drawer-close').click();

  // Pause and resume change the stored status; adding the site again shows the relay's 409 message.
  const siteStatus = async () =>
    (
      await queryRows<{ status: string }>(relay.databaseUrl, 'select status from user_sites where id = ?', sites[0]!.id)
    )[0]?.status;
  await click(page, '暂停', '.ant-table-row');
  await expectMessage(page, '站点已暂停');
  await row.getByText('已暂停', { exact: true }).waitFor();
  assert.equal(await siteStatus(), 'paused');
  await click(page, '恢复', '.ant-table-row');
  await expectMessage(page, '站点已恢复');
  await row.getByText('启用').waitFor();
  assert.equal(await siteStatus(), 'active');
  await click(page, '添加站点');
  await choose(page, 'site_origin', '七牛云 CDN');
  await page.fill('#site_domain', 'cdn.example.com');
  await choose(page, 'site_credentialId', 'qiniu-main');
  await choose(page, 'site_challenge\\.credentialId', 'aliyun-dns');
  await click(page, '保存', '.ant-modal-footer');
  await expectMessage(
    page,
    ERROR_MESSAGES['zh-CN']
      .SITE_EXISTS!.replace('{{siteId}}', sites[0]!.id)
      .replace('{{origin}}', 'qiniu-cdn')
      .replace('{{domain}}', 'cdn.example.com'),
  );
  await page
    .locator('.ant-modal')
    .getByRole('button', { name: label('取消') })
    .click();
  assert.equal((await queryRows(relay.databaseUrl, 'select id from user_sites where user_id = ?', user!.id)).length, 1);

  // Deleting a credential a site uses fails with the relay's own message, and keeps the row.
  await page.locator('.ant-menu').getByText('云凭据').click();
  await click(page, '删除', '.ant-table-row:has-text("qiniu-main")');
  await click(page, '确定', '.ant-popconfirm');
  await expectMessage(page, ERROR_MESSAGES['zh-CN'].CREDENTIAL_IN_USE!.replace('{{count}}', '1'));
  const live = await queryRows(
    relay.databaseUrl,
    'select id from credentials where delete_time is null and user_id = ?',
    user!.id,
  );
  assert.equal(live.length, 2);

  // Agents: the enrollment token is shown once, inside both commands.
  await page.locator('.ant-menu').getByText('Agent').click();
  await click(page, '接入服务器');
  await page.fill('#agent_name', 'web-01');
  await click(page, '保存', '.ant-modal-footer');
  const install = await page.locator('[data-testid="install-command"]').innerText();
  const enroll = await page.locator('[data-testid="enroll-command"]').innerText();
  const base = relay.relay.url;
  assert.match(install, new RegExp(`^curl -fsSL ${base}/agent/install\\.sh \\| sudo bash -s -- --token cpe_\\S+`));
  const token = /--token (cpe_\S+)/.exec(install)![1]!;
  assert.equal(enroll.trim(), `certpilot-agent enroll --relay ${base} --token ${token}`);
  await page.screenshot({ path: join(shots, 'agent-token.png') });
  await click(page, '关闭', '.ant-modal-footer');
  await page.locator('.ant-table-row', { hasText: 'web-01' }).getByText('等待接入').waitFor();
  const enrolled = await fetch(`${base}/api/v1/agent/enroll`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: token, hostname: 'web-01.internal', version: '0.1.0' }),
  });
  assert.equal(enrolled.status, 200, 'the token shown in the console does not enroll');
  const { agentToken } = (await enrolled.json()) as { agentToken: string };
  const reported = await fetch(`${base}/api/v1/agent/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${agentToken}` },
    body: JSON.stringify({
      agentVersion: '0.1.0',
      hostname: 'web-01.internal',
      runAt: new Date().toISOString(),
      sites: [{ siteId: 'nginx:www.example.org', names: ['www.example.org'], outcome: 'renewed', daysLeft: 89 }],
    }),
  });
  assert.equal(reported.status, 202);
  await click(page, '刷新');
  const agentRow = page.locator('.ant-table-row', { hasText: 'web-01' });
  await agentRow.getByText('www.example.org: 已续期 · 89 天').waitFor();
  assert.match(await agentRow.innerText(), /已接入[\s\S]*web-01\.internal[\s\S]*0\.1\.0/);
  await page.screenshot({ path: join(shots, 'agents.png') });

  // Notification channels: a webhook, listed, tested against a local receiver.
  await page.locator('.ant-menu').getByText('通知渠道').click();
  await click(page, '添加渠道');
  await page.fill('#channel_name', 'ops-hook');
  await page.fill('#channel_url', `${receiver.baseUrl}/hook`);
  await page.fill('#channel_secret', 'hook-signing-secret');
  await click(page, '保存', '.ant-modal-footer');
  await expectMessage(page, '通知渠道已添加');
  const channelRow = page.locator('.ant-table-row', { hasText: 'ops-hook' });
  await channelRow.waitFor();
  assert.doesNotMatch(await channelRow.innerText(), /hook-signing-secret/);
  await click(page, '发送测试', '.ant-table-row');
  await expectMessage(page, '测试通知已发送到“ops-hook”');
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0]!.path, '/hook');
  receiver.setReply({ status: 500, body: 'receiver is down' });
  await click(page, '发送测试', '.ant-table-row');
  await page.locator('.ant-message-notice-error', { hasText: 'ops-hook' }).waitFor();
  assert.equal(receiver.requests.length, 2);
  await page.screenshot({ path: join(shots, 'channels.png') });

  // The English switch applies at once and is remembered across a reload.
  await page.locator('[data-testid="language-switch"]').click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'English' }).click();
  await page.locator('.ant-menu').getByText('Notification channels').waitFor();
  await page.reload();
  await page.locator('.ant-menu').getByText('Sites').waitFor();
  assert.equal(await page.evaluate('document.documentElement.lang'), 'en');

  // Logout ends the session on the relay, not only in the page.
  await click(page, 'Log out');
  await page.locator('.ant-card-head').getByText('Log in').waitFor();
  const me = await page.evaluate(() => fetch('/api/v1/me').then((response) => response.status));
  assert.equal(me, 401);

  assert.deepEqual(problems, []);
  await context.close();
});

test('console follows an English browser', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${relay.relay.url}/sites`);
  await page.locator('.ant-card-head').getByText('Log in').waitFor();

  await page.fill('#login_account', 'nobody_here');
  await page.fill('#login_password', 'wrong-password');
  await click(page, 'Log in', '.ant-card-body');
  const rejected = await relay.api('POST', '/auth/login', {
    lang: 'en',
    body: { account: 'nobody_here', password: 'wrong-password' },
  });
  assert.equal(rejected.status, 401);
  await expectMessage(page, rejected.json.message);
  assert.deepEqual(problems, []);
  await context.close();
});

test('console defaults to Chinese for other languages', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(relay.relay.url);
  await page.locator('.ant-card-head').getByText('登录').waitFor();
  assert.equal(await page.evaluate('document.documentElement.lang'), 'zh-CN');
  await context.close();
});
