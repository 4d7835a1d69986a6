import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';

import { startWebhookReceiver, type WebhookReceiver } from '@certpilot/testkit/receivers';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import type { ChannelOptions } from '../../src/notify/channel.js';
import { createNotificationChannel } from '../../src/notify/create-channel.js';
import { parseChannelConfig } from '../../src/notify/config.js';
import type { NotificationEvent } from '../../src/notify/events.js';
import { composeNotification } from '../../src/notify/message.js';

const SECRET = 'webhook-hmac-secret-do-not-print';
const NOW_MS = Date.UTC(2025, 2, 1, 4, 5, 6, 789);

const events: NotificationEvent[] = [
  { kind: 'agent-silent', agent: 'web-1', lastSeenAt: '2025-02-28T00:00:00Z' },
  { kind: 'served-mismatch', site: 'cdn.example.com', expectedSerial: '0a', servedSerial: '0b' },
];
const message = composeNotification(events, 'en');

function channelFor(url: string, secret: string | undefined, options: ChannelOptions = {}) {
  const config = parseChannelConfig('webhook', { name: 'pager', url, secret });
  return createNotificationChannel(config, { now: () => NOW_MS, ...options });
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

describe('webhook channel', () => {
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.setReply({ status: 204, body: '' });
  });

  test('posts signed JSON', async () => {
    await channelFor(`${receiver.baseUrl}/hooks/certpilot?team=ops`, SECRET).send(message);

    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hooks/certpilot?team=ops');

    const expected = `sha256=${createHmac('sha256', SECRET).update(request.rawBody).digest('hex')}`;
    assert.equal(request.headers['x-certpilot-signature'], expected);
    assert.equal(request.headers['x-certpilot-timestamp'], String(Math.floor(NOW_MS / 1000)));

    assert.deepEqual(request.json, {
      type: 'certpilot.notification',
      version: 1,
      sentAt: '2025-03-01T04:05:06.789Z',
      channel: 'pager',
      locale: 'en',
      message: { title: message.title, text: message.text, markdown: message.markdown },
      events,
    });
  });

  test('unsigned without secret', async () => {
    await channelFor(receiver.baseUrl, undefined).send(message);

    const headers = receiver.requests[0]!.headers;
    assert.equal(headers['x-certpilot-signature'], undefined);
    assert.equal(headers['x-certpilot-timestamp'], undefined);
  });

  test('HTTP 500 retryable, 404 final', async () => {
    receiver.setReply({ status: 500, body: 'database down' });
    const down = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));
    assert.match(down.message, /webhook "pager" failed to send: HTTP 500 from 127\.0\.0\.1:\d+: database down/);
    assert.equal(down.retryable, true);

    receiver.setReply({ status: 404, body: { error: 'no such hook' } });
    const missing = await rejection(channelFor(receiver.baseUrl, SECRET).send(message));
    assert.match(missing.message, /HTTP 404/);
    assert.equal(missing.retryable, false);
    assert.ok(!JSON.stringify(missing.toJSON()).includes(SECRET));
  });

  test('429 stays retryable', async () => {
    receiver.setReply({ status: 429, body: 'slow down' });

    assert.equal((await rejection(channelFor(receiver.baseUrl, SECRET).send(message))).retryable, true);
  });

  test('redirect not followed', async () => {
    receiver.setReply((request) =>
      request.path === '/moved'
        ? { status: 200 }
        : { status: 302, body: 'see /moved', headers: { location: '/moved' } },
    );

    const error = await rejection(channelFor(`${receiver.baseUrl}/old`, SECRET).send(message));

    assert.match(error.message, /HTTP 302/);
    assert.deepEqual(
      receiver.requests.map((request) => request.path),
      ['/old'],
    );
  });

  test('timeout', async () => {
    receiver.setReply({ delayMs: 5_000 });

    const error = await rejection(channelFor(receiver.baseUrl, SECRET, { timeoutMs: 150 }).send(message));

    assert.match(error.message, /no reply from 127\.0\.0\.1:\d+ within 150 ms \(timed out\)/);
  });
});
