import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { startWebhookReceiver, type WebhookReceiver } from '@certpilot/testkit/receivers';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import type { ChannelOptions } from '../../src/notify/channel.js';
import { createWecomChannel } from '../../src/notify/channels/wecom.js';
import { parseChannelConfig } from '../../src/notify/config.js';
import type { NotificationEvent } from '../../src/notify/events.js';
import { composeNotification } from '../../src/notify/message.js';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2wecomkey';

const message = composeNotification(
  [
    {
      kind: 'renewal-failing',
      site: 'api.example.com',
      error: { code: 'ACME_UNAUTHORIZED', text: 'The ACME CA refused the request.' },
    },
  ],
  'zh-CN',
);

function channelFor(baseUrl: string, options: ChannelOptions = {}) {
  return createWecomChannel(parseChannelConfig('wecom', { name: 'sre', key: KEY, baseUrl }), options);
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

function assertNoKey(error: CertPilotError): void {
  assert.ok(
    !`${error.message} ${JSON.stringify(error.toJSON())}`.includes(KEY),
    'the webhook key leaked into the error',
  );
}

describe('WeCom channel', () => {
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

  test('sends markdown with key', async () => {
    await channelFor(receiver.baseUrl).send(message);

    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/cgi-bin/webhook/send');
    assert.equal(request.query.key, KEY);
    assert.deepEqual(request.json, { msgtype: 'markdown', markdown: { content: message.markdown } });
    assert.match(message.markdown, /^### 证书续期失败：api\.example\.com/);
  });

  test('errcode 93000 fails finally', async () => {
    receiver.setReply({ body: { errcode: 93000, errmsg: 'invalid webhook url, hint: [1700000000_1_abc]' } });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.match(error.message, /wecom "sre"/);
    assert.match(error.message, /WeCom error 93000: invalid webhook url/);
    assert.match(error.message, /Check the channel's key/);
    assert.equal(error.params.providerCode, 93000);
    assert.equal(error.retryable, false);
    assertNoKey(error);
  });

  test('rate limit stays retryable', async () => {
    receiver.setReply({ body: { errcode: 45009, errmsg: 'api freq out of limit' } });

    const error = await rejection(channelFor(receiver.baseUrl).send(message));

    assert.equal(error.params.providerCode, 45009);
    assert.equal(error.retryable, true);
  });

  test('HTTP 500 and timeout', async () => {
    receiver.setReply({ status: 500, body: { errcode: -1, errmsg: 'system busy' } });
    const busy = await rejection(channelFor(receiver.baseUrl).send(message));
    assert.match(busy.message, /HTTP 500 .*WeCom error -1: system busy/);
    assert.equal(busy.retryable, true);

    receiver.setReply({ delayMs: 5_000 });
    const slow = await rejection(channelFor(receiver.baseUrl, { timeoutMs: 200 }).send(message));
    assert.match(slow.message, /timed out/);
    assertNoKey(slow);
  });

  test('long digest cut to 4096 bytes', async () => {
    const events: NotificationEvent[] = Array.from({ length: 300 }, (_, i) => ({
      kind: 'renewed',
      site: `site-${i}.example.com`,
      names: [`site-${i}.example.com`],
      serial: `0${i}`,
      notAfter: '2025-06-01T00:00:00Z',
    }));

    await channelFor(receiver.baseUrl).send(composeNotification(events, 'zh-CN'));

    const content = (receiver.requests[0]!.json as { markdown: { content: string } }).markdown.content;
    assert.ok(Buffer.byteLength(content) <= 4096, `content is ${Buffer.byteLength(content)} bytes`);
    assert.match(content, /^### 证书领航：300 条通知（已续期 300）/);
    assert.match(content, /行因长度限制未显示）$/);
  });
});
