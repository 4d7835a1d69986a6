import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { webhookSignature } from '@certpilot/core';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '@certpilot/testkit';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

const SMTP_PASSWORD = 'smtp-pass-S3cret';
const HOOK_SECRET = 'hook-secret-S3cret';

let relay: TestRelay;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

before(async () => {
  relay = await startTestRelay();
  smtp = await startSmtpReceiver({ user: 'mailer', password: SMTP_PASSWORD });
  hook = await startWebhookReceiver();
});
after(async () => {
  await relay?.stop();
  await smtp?.close();
  await hook?.close();
});

const emailConfig = () => ({
  host: '127.0.0.1',
  port: smtp.port,
  requireTls: false,
  user: 'mailer',
  password: SMTP_PASSWORD,
  from: 'CertPilot <certpilot@example.test>',
  to: ['ops@example.test'],
});

async function addChannel(token: string, body: Record<string, unknown>) {
  const response = await relay.api('POST', '/notification-channels', { token, body });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.channel;
}

async function dbText(): Promise<string> {
  const file = join(relay.dataDir, 'relay.db');
  const main = await readFile(file, 'latin1');
  const wal = await readFile(`${file}-wal`, 'latin1').catch(() => '');
  return main + wal;
}

test('channels are created with secrets sealed, listed masked, and deleted', async () => {
  const { token } = await newUser(relay);
  const email = await addChannel(token, { kind: 'email', name: 'Ops mail', config: emailConfig(), locale: 'en' });
  const webhook = await addChannel(token, {
    kind: 'webhook',
    name: 'Hook',
    config: { url: `${hook.baseUrl}/hook`, secret: HOOK_SECRET },
  });
  assert.equal(email.config.password, '********');
  assert.equal(email.locale, 'en');
  assert.equal(webhook.locale, 'zh-CN', 'Chinese is the default language');

  const list = await relay.api('GET', '/notification-channels', { token });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.json.channels.map((c: { name: string }) => c.name),
    ['Ops mail', 'Hook'],
  );
  const text = JSON.stringify(list.json);
  assert.ok(!text.includes(SMTP_PASSWORD) && !text.includes(HOOK_SECRET), 'a secret was returned');
  assert.equal(list.json.channels[1].config.secret, '********');
  assert.equal(list.json.channels[1].config.url, `${hook.baseUrl}/hook`);

  const stored = await dbText();
  assert.ok(!stored.includes(SMTP_PASSWORD) && !stored.includes(HOOK_SECRET), 'a secret is stored in clear');

  assert.equal((await relay.api('DELETE', `/notification-channels/${email.id}`, { token })).status, 204);
  assert.equal((await relay.api('DELETE', `/notification-channels/${email.id}`, { token })).status, 404);
  const after = await relay.api('GET', '/notification-channels', { token });
  assert.deepEqual(
    after.json.channels.map((c: { id: string }) => c.id),
    [webhook.id],
  );
});

test('bad settings are refused with the field named, in Chinese and English', async () => {
  const { token } = await newUser(relay);
  const badEmail = { kind: 'email', name: 'Mail', config: { ...emailConfig(), to: ['not-an-address'] } };
  const en = await relay.api('POST', '/notification-channels', { token, body: badEmail, lang: 'en' });
  assert.equal(en.status, 400);
  assert.equal(en.json.code, 'NOTIFY_CONFIG_INVALID');
  assert.match(en.json.message, /has invalid settings: to\.0: must be an email address/);
  const zh = await relay.api('POST', '/notification-channels', { token, body: badEmail, lang: 'zh-CN' });
  assert.equal(zh.status, 400);
  assert.match(zh.json.message, /通知渠道 email「Mail」的配置无效：to\.0/);

  const pasted = {
    kind: 'dingtalk',
    name: 'Robot',
    config: { accessToken: 'https://oapi.dingtalk.com/robot/send?access_token=x', secret: 's' },
  };
  const refused = await relay.api('POST', '/notification-channels', { token, body: pasted });
  assert.equal(refused.status, 400);
  assert.match(refused.json.message, /accessToken: must be only the token/);

  const missing = await relay.api('POST', '/notification-channels', {
    token,
    body: { kind: 'wecom', name: 'W', config: {} },
  });
  assert.equal(missing.status, 400);
  assert.match(missing.json.message, /key: is required/);

  const unknownKind = await relay.api('POST', '/notification-channels', {
    token,
    body: { kind: 'sms', name: 'S', config: {} },
  });
  assert.equal(unknownKind.status, 400);
  assert.equal(unknownKind.json.code, 'REQUEST_INVALID');
  assert.match(unknownKind.json.message, /kind/);

  const badLocale = await relay.api('POST', '/notification-channels', {
    token,
    body: { kind: 'wecom', name: 'W', config: { key: 'abc' }, locale: 'fr' },
  });
  assert.equal(badLocale.status, 400);
  assert.match(badLocale.json.message, /locale/);

  const list = await relay.api('GET', '/notification-channels', { token });
  assert.equal(list.json.channels.length, 0);
});

test("another user's channel answers 404, and no session answers 401", async () => {
  const owner = await newUser(relay);
  const other = await newUser(relay);
  const channel = await addChannel(owner.token, { kind: 'wecom', name: 'Group', config: { key: 'abc-key' } });
  for (const [method, path] of [
    ['DELETE', `/notification-channels/${channel.id}`],
    ['POST', `/notification-channels/${channel.id}/test`],
  ] as const) {
    const response = await relay.api(method, path, { token: other.token });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.json.code, 'RESOURCE_NOT_FOUND');
  }
  assert.equal((await relay.api('GET', '/notification-channels', { token: other.token })).json.channels.length, 0);
  assert.equal((await relay.api('GET', '/notification-channels')).status, 401);
  assert.equal((await relay.api('POST', '/notification-channels/not-a-uuid/test', { token: owner.token })).status, 400);
});

test('the test endpoint sends an email in the channel language', async () => {
  const { token } = await newUser(relay);
  const zh = await addChannel(token, { kind: 'email', name: '运维邮箱', config: emailConfig() });
  const en = await addChannel(token, { kind: 'email', name: 'Ops mail', config: emailConfig(), locale: 'en' });
  const sentBefore = smtp.messages.length;

  const first = await relay.api('POST', `/notification-channels/${zh.id}/test`, { token });
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const second = await relay.api('POST', `/notification-channels/${en.id}/test`, { token });
  assert.equal(second.status, 200, JSON.stringify(second.json));

  const [chinese, english] = smtp.messages.slice(sentBefore);
  assert.equal(chinese!.subject, '证书领航测试通知');
  assert.match(chinese!.text, /通知渠道「运维邮箱」的测试消息/);
  assert.equal(chinese!.user, 'mailer');
  assert.deepEqual(chinese!.to, ['ops@example.test']);
  assert.equal(english!.subject, 'CertPilot test notification');
  assert.match(english!.text, /test message of notification channel "Ops mail"/);
});

test('the test endpoint signs webhooks, and a provider error answers 502 with its message', async () => {
  const { token } = await newUser(relay);
  const channel = await addChannel(token, {
    kind: 'webhook',
    name: 'Hook',
    config: { url: `${hook.baseUrl}/hook`, secret: HOOK_SECRET },
    locale: 'en',
  });
  hook.setReply({ status: 200 });
  const ok = await relay.api('POST', `/notification-channels/${channel.id}/test`, { token });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  const request = hook.requests.at(-1)!;
  assert.equal(request.headers['x-certpilot-signature'], webhookSignature(HOOK_SECRET, request.rawBody));
  assert.equal((request.json as { message: { title: string } }).message.title, 'CertPilot test notification');

  hook.setReply({ status: 403, body: { error: 'token revoked by admin' } });
  const refused = await relay.api('POST', `/notification-channels/${channel.id}/test`, { token, lang: 'zh-CN' });
  assert.equal(refused.status, 502);
  assert.equal(refused.json.code, 'NOTIFY_FAILED');
  assert.match(refused.json.message, /通知渠道 webhook「Hook」发送失败：.*403/);
  assert.match(refused.json.message, /token revoked by admin/);
  assert.ok(!JSON.stringify(refused.json).includes(HOOK_SECRET));
  hook.setReply({ status: 200 });

  // A wrong SMTP password gives 502 with the server reply, without the password.
  const wrong = await addChannel(token, {
    kind: 'email',
    name: 'Wrong',
    config: { ...emailConfig(), password: 'not-the-password' },
  });
  const denied = await relay.api('POST', `/notification-channels/${wrong.id}/test`, { token });
  assert.equal(denied.status, 502);
  assert.equal(denied.json.code, 'NOTIFY_FAILED');
  assert.ok(!JSON.stringify(denied.json).includes('not-the-password'));
});
