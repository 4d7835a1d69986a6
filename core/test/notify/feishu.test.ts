import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';

import { startWebhookReceiver, type WebhookReceiver } from '@certpilot/testkit/receivers';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import type { ChannelOptions } from '../../src/notify/channel.js';
import { createFeishuChannel } from '../../src/notify/channels/feishu.js';
import { parseChannelConfig } from '../../src/notify/config.js';
import { composeNotification } from '../../src/notify/message.js';

const TOKEN = '5e3d587e-d78e-4a07-bd07-feishutoken01';
const SECRET = 'feishu-signing-secret-do-not-print';
const NOW_MS = 1_740_000_000_999;

const message = composeNotification(
  [
    {
      kind: 'renewed',
      site: 'a.example.com',
      names: ['a.example.com'],
      serial: '0a',
      notAfter: '2025-06-01T00:00:00Z',
    },
    { kind: 'expiring', site: 'b.example.com', daysLeft: 1, notAfter: '2025-03-01T00:00:00Z' },
  ],
  'en',
);

function channelFor(baseUrl: string, secret: string | undefined, options: ChannelOptions = {}) {
  const config = parseChannelConfig('feishu', { name: 'alerts', token: TOKEN, secret, baseUrl });
  return createFeishuChannel(config, { now: () => NOW_MS, ...options });
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

function assertNoSecrets(error: CertPilotError): void {
  const everything = `${error.message} ${JSON.stringify(error.toJSON())}`;
  assert.ok(!everything.includes(SECRET), 'the signing secret leaked into the error');
  assert.ok(!everything.includes(TOKEN), 'the webhook token leaked into the error');
}

describe('Feishu channel', () => {
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.setReply({ body: { code: 0, msg: 'success', data: {} } });
  });

  test('sends a signed card', async () => {
    await channelFor(receiver.baseUrl, SECRET).send(message);

    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `/open-apis/bot/v2/hook/${TOKEN}`);

    const body = request.json as Record<string, unknown>;
    const seconds = Math.floor(NOW_MS / 1000);
    const expectedSign = createHmac('sha256', `${seconds}\n${SECRET}`).update(Buffer.alloc(0)).digest('base64');
    assert.equal(body.timestamp, String(seconds));
    assert.equal(body.sign, expectedSign);
    assert.equal(body.msg_type, 'interactive');
    assert.deepEqual(body.card, {
      header: { title: { tag: 'plain_text', content: message.title }, template: 'red' },
      elements: [{ tag: 'markdown', content: message.markdownBody }],
    });
  });

  test('unsigned without secret', async () => {
    await channelFor(receiver.baseUrl, undefined).send(message);

    const body = receiver.requests[0]!.json as Record<string, unknown>;
    assert.equal('timestamp' in body, false);
    assert.equal('sign' in body, false);
  });

  test('older StatusCode reply accepted', async () => {
    receiver.setReply({ body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } });

    await channelFor(receiver.baseUrl, SECRET).send(message);
  });

  test('code 19021 fails finally', async () => {
    receiver.setReply({
      body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} },
    });

    const error = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));

    assert.match(error.message, /feishu "alerts"/);
    assert.match(error.message, /Feishu error 19021: sign match fail/);
    assert.match(error.message, /this server's clock/);
    assert.equal(error.params.providerCode, 19021);
    assert.equal(error.retryable, false);
    assertNoSecrets(error);
  });

  test('HTTP 400 with code 9499', async () => {
    receiver.setReply({ status: 400, body: { code: 9499, msg: 'Bad Request', data: {} } });

    const error = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));

    assert.match(error.message, /HTTP 400 .*Feishu error 9499: Bad Request/);
    assert.equal(error.retryable, false);
  });

  test('rate limit stays retryable', async () => {
    receiver.setReply({ body: { code: 11232, msg: 'frequency limited psm', data: {} } });

    const error = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));

    assert.equal(error.retryable, true);
  });

  test('HTTP 500 and timeout', async () => {
    receiver.setReply({ status: 500, body: '<html>gateway error</html>' });
    const broken = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));
    assert.match(broken.message, /HTTP 500 from 127\.0\.0\.1:\d+: <html>gateway error<\/html>/);
    assert.equal(broken.retryable, true);
    assertNoSecrets(broken);

    receiver.setReply({ delayMs: 5_000 });
    const slow = await rejection(channelFor(receiver.baseUrl, SECRET, { timeoutMs: 200 }).send(message));
    assert.match(slow.message, /within 200 ms \(timed out\)/);
    assertNoSecrets(slow);
  });
});
