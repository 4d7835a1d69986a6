import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { freePort } from '@certpilot/testkit/ports';
import { startSmtpReceiver, type SmtpReceiver } from '@certpilot/testkit/receivers';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import { createEmailChannel } from '../../src/notify/channels/email.js';
import { parseChannelConfig } from '../../src/notify/config.js';
import { composeNotification } from '../../src/notify/message.js';

const USER = 'certpilot@example.com';
const PASSWORD = 'smtp-password-do-not-print';

const message = composeNotification(
  [
    {
      kind: 'renewal-failing',
      site: 'shop.example.com',
      error: { code: 'ACME_CHALLENGE_FAILED', text: '域名验证失败：<html> & "quotes"' },
      nextRetryAt: '2025-03-01T10:00:00Z',
    },
  ],
  'zh-CN',
);

function channelFor(port: number, settings: Record<string, unknown> = {}) {
  const config = parseChannelConfig('email', {
    name: '值班邮箱',
    host: '127.0.0.1',
    port,
    requireTls: false,
    user: USER,
    password: PASSWORD,
    from: 'CertPilot 证书领航 <certpilot@example.com>',
    to: ['ops@example.com', 'oncall@example.org'],
    ...settings,
  });
  return createEmailChannel(config, { timeoutMs: 2_000 });
}

async function rejection(promise: Promise<unknown>): Promise<CertPilotError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isCertPilotError(error, 'NOTIFY_FAILED'), `expected NOTIFY_FAILED, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the send to fail');
}

function assertNoPassword(error: CertPilotError): void {
  assert.ok(!`${error.message} ${JSON.stringify(error.toJSON())}`.includes(PASSWORD), 'the password leaked');
}

describe('email channel', () => {
  let receiver: SmtpReceiver;

  before(async () => {
    receiver = await startSmtpReceiver({ user: USER, password: PASSWORD });
  });
  after(async () => {
    await receiver.close();
  });

  test('sends text and HTML after login', async () => {
    await channelFor(receiver.port).send(message);

    assert.equal(receiver.messages.length, 1);
    const mail = receiver.messages[0]!;
    assert.equal(mail.user, USER);
    assert.match(mail.from, /CertPilot 证书领航.*<certpilot@example\.com>/);
    assert.deepEqual(mail.to, ['ops@example.com', 'oncall@example.org']);
    assert.equal(mail.subject, '证书续期失败：shop.example.com');
    assert.equal(mail.text, message.text);
    assert.match(mail.text, /错误代码：ACME_CHALLENGE_FAILED/);
    assert.match(mail.html ?? '', /<h3>证书续期失败：shop\.example\.com<\/h3>/);
    assert.match(mail.html ?? '', /&#60;html&#62; &#38; &#34;quotes&#34;/);
    assert.doesNotMatch(mail.html ?? '', /<html> &/);
  });

  test('wrong password fails finally', async () => {
    const error = await rejection(channelFor(receiver.port, { password: 'wrong-password' }).send(message));

    assert.match(error.message, /email "值班邮箱" failed to send: SMTP to 127\.0\.0\.1:\d+ failed: /);
    assert.equal(error.params.providerCode, 'EAUTH');
    assert.match(String(error.params.smtpResponse), /^535 /);
    assert.equal(error.retryable, false);
    assert.ok(receiver.rejectedLogins.includes(USER));
    assertNoPassword(error);
  });

  test('digest as an HTML list', async () => {
    const digest = composeNotification(
      [
        { kind: 'agent-silent', agent: 'web-1', lastSeenAt: '2025-03-01T00:00:00Z' },
        { kind: 'agent-silent', agent: 'web-2', lastSeenAt: '2025-03-01T00:00:00Z' },
      ],
      'en',
    );

    await channelFor(receiver.port).send(digest);

    const html = receiver.messages.at(-1)!.html ?? '';
    assert.match(html, /<ul>\n<li>Agent web-1: no report since 2025-03-01 00:00 UTC<\/li>\n<li>Agent web-2: /);
  });

  test('login required by server', async () => {
    const error = await rejection(channelFor(receiver.port, { user: undefined, password: undefined }).send(message));

    assert.match(String(error.params.smtpResponse), /^530 /);
    assert.equal(error.retryable, false);
  });

  test('requireTls refuses a server without TLS', async () => {
    const error = await rejection(channelFor(receiver.port, { requireTls: true }).send(message));

    assert.equal(error.params.providerCode, 'ETLS');
    assert.match(error.message, /requireTls is on: the server must offer STARTTLS/);
    assertNoPassword(error);
  });

  test('connection refused', async () => {
    const port = await freePort();

    const error = await rejection(channelFor(port).send(message));

    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.retryable, true);
    assertNoPassword(error);
  });
});

describe('email channel, silent server', () => {
  test('timeout', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const config = parseChannelConfig('email', {
      name: 'mail',
      host: '127.0.0.1',
      port,
      requireTls: false,
      from: 'a@example.com',
      to: ['b@example.com'],
    });
    const started = Date.now();

    try {
      const error = await rejection(createEmailChannel(config, { timeoutMs: 300 }).send(message));

      assert.match(error.message, /timed out|Greeting never received/i);
      assert.equal(error.retryable, true);
      assert.ok(Date.now() - started < 3_000, 'the timeout did not stop the exchange');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('email channel, open relay', () => {
  test('no login', async () => {
    const relay = await startSmtpReceiver();
    try {
      await channelFor(relay.port, { user: undefined, password: undefined }).send(
        composeNotification([{ kind: 'agent-silent', agent: 'web-1', lastSeenAt: '2025-03-01T00:00:00Z' }], 'en'),
      );

      assert.equal(relay.messages.length, 1);
      assert.match(relay.messages[0]!.html ?? '', /<p>Agent web-1 has not reported/);
      assert.equal(relay.messages[0]!.subject, 'Agent silent: web-1');
      assert.equal(relay.messages[0]!.user, undefined);
    } finally {
      await relay.close();
    }
  });
});
