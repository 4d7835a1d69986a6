import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';

import { freePort } from '@certpilot/testkit/ports';
import { startWebhookReceiver, type WebhookReceiver } from '@certpilot/testkit/receivers';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import type { ChannelOptions } from '../../src/notify/channel.js';
import { createDingtalkChannel } from '../../src/notify/channels/dingtalk.js';
import { parseChannelConfig } from '../../src/notify/config.js';
import { composeNotification } from '../../src/notify/message.js';

const ACCESS_TOKEN = 'd1n6a11ce55t0ken0000000000000000000000000000000000000000000000ff';
const SECRET = 'SECdingtalk-signing-secret-do-not-print';
const NOW_MS = 1_740_000_000_123;

const message = composeNotification(
  [{ kind: 'expiring', site: 'shop.example.com', daysLeft: 7, notAfter: '2025-03-01T00:00:00Z' }],
  'zh-CN',
);

function channelFor(baseUrl: string, options: ChannelOptions = {}) {
  const config = parseChannelConfig('dingtalk', { name: '运维群', accessToken: ACCESS_TOKEN, secret: SECRET, baseUrl });
  return createDingtalkChannel(config, { now: () => NOW_MS, ...options });
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
  assert.ok(!everything.includes(ACCESS_TOKEN), 'the access token leaked into the error');
}

describe('DingTalk channel', () => {
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.setReply({ body: { errcode: 0, errmsg: 'ok' } });
  });

  test('sends signed markdown', async () => {
    await channelFor(receiver.baseUrl).send(message);

    assert.equal(receiver.requests.length, 1);
    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/robot/send');
    assert.equal(request.query.access_token, ACCESS_TOKEN);
    assert.equal(request.query.timestamp, String(NOW_MS));
    assert.match(String(request.headers['content-type']), /^application\/json/);

    const expectedSign = createHmac('sha256', SECRET).update(`${NOW_MS}\n${SECRET}`).digest('base64');
    assert.equal(request.query.sign, expectedSign);
    assert.ok(
      request.url.includes(`sign=${encodeURIComponent(expectedSign)}`),
      `sign not URL-encoded in ${request.url}`,
    );

    assert.deepEqual(request.json, {
      msgtype: 'markdown',
      markdown: { title: '证书将在 7 天内到期：shop.example.com', text: message.markdown },
    });
  });

  test('signs with the real clock', async () => {
    const before = Date.now();
    await createDingtalkChannel(
      parseChannelConfig('dingtalk', {
        name: 'ops',
        accessToken: ACCESS_TOKEN,
        secret: SECRET,
        baseUrl: receiver.baseUrl,
      }),
    ).send(message);

    const timestamp = Number(receiver.requests[0]!.query.timestamp);
    assert.ok(timestamp >= before, `timestamp ${timestamp} is before the send started`);
    assert.ok(timestamp <= Date.now(), `timestamp ${timestamp} is in the future`);
  });

  test('errcode 310000 fails finally', async () => {
    receiver.setReply({
      body: { errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]' },
    });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /dingtalk "运维群"/);
    assert.match(error.message, /DingTalk error 310000: sign not match/);
    assert.equal(error.params.providerCode, 310000);
    assert.equal(error.params.httpStatus, 200);
    assert.equal(error.retryable, false);
    assertNoSecrets(error);
  });

  test('other errcode stays retryable', async () => {
    receiver.setReply({ body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /130101: send too fast/);
    assert.equal(error.retryable, true);
  });

  test('echoed token is redacted', async () => {
    receiver.setReply({ body: { errcode: 300001, errmsg: `token ${ACCESS_TOKEN} is not exist` } });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /token \[redacted\] is not exist/);
    assertNoSecrets(error);
  });

  test('HTTP 500 fails retryable', async () => {
    receiver.setReply({ status: 500, body: 'upstream broke' });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /HTTP 500 from 127\.0\.0\.1:\d+: upstream broke/);
    assert.equal(error.params.httpStatus, 500);
    assert.equal(error.retryable, true);
    assertNoSecrets(error);
  });

  test('reply without errcode fails', async () => {
    receiver.setReply({ body: { hello: 'world' } });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /HTTP 200 from 127\.0\.0\.1:\d+: \{"hello":"world"\}/);
  });

  test('timeout', async () => {
    receiver.setReply({ delayMs: 5_000, body: { errcode: 0 } });
    const started = Date.now();

    const error = await rejection(channelFor(receiver.baseUrl, { timeoutMs: 200 }).send(message));

    assert.match(error.message, /no reply from 127\.0\.0\.1:\d+ within 200 ms \(timed out\)/);
    assert.ok(Date.now() - started < 2_000, 'the timeout did not stop the request');
    assert.equal(error.retryable, true);
    assertNoSecrets(error);
  });

  test('connection refused', async () => {
    const port = await freePort();

    const error = await rejection(channelFor(`http://127.0.0.1:${port}`).send(message));

    assert.match(error.message, /request to 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);
    assertNoSecrets(error);
  });
});
