import { createHmac } from 'node:crypto';
import type { ChannelOptions, NotificationChannel } from '../channel.js';
import type { DingtalkChannelConfig } from '../config.js';
import { truncateMarkdown, type NotificationMessage } from '../message.js';
import { channelRuntime, numberField, postToRobot, stringField } from './setup.js';

/**
 * Bytes of Markdown sent at most.
 * NOTE: DingTalk's custom robot page read for this names no size limit; 20,000 bytes is an
 * estimate that keeps a long digest readable and well under any JSON body limit.
 */
const MAX_MARKDOWN_BYTES = 20_000;

/**
 * Codes after which a retry cannot help, with what to check. 310000 is the reply when the
 * signature, keyword or IP allow-list check fails.
 */
const FINAL_CODES: ReadonlyMap<number, string> = new Map([
  [
    310000,
    "Check the channel's secret against the robot's 加签 secret, and that the robot has no keyword or IP allow-list this server fails",
  ],
]);

/**
 * Signs a DingTalk custom robot request (加签): Base64 of HMAC-SHA256 keyed with the secret over
 * `${timestampMs}\n${secret}`. The caller URL-encodes it as the `sign` query parameter, beside
 * `timestamp`; DingTalk rejects timestamps more than an hour from its clock.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/**
 * Creates the channel of a DingTalk group's custom robot (`POST /robot/send?access_token=…`) sending a `markdown`
 * message. The reply's `errcode` is 0 on success; any other code fails with its `errmsg`.
 */
export function createDingtalkChannel(
  config: DingtalkChannelConfig,
  options: ChannelOptions = {},
): NotificationChannel {
  const runtime = channelRuntime(config, [config.accessToken, config.secret], options);

  return {
    kind: 'dingtalk',
    name: config.name,
    async send(message: NotificationMessage) {
      const timestamp = runtime.now();
      const url = new URL(`${config.baseUrl}/robot/send`);
      url.searchParams.set('access_token', config.accessToken);
      url.searchParams.set('timestamp', String(timestamp));
      url.searchParams.set('sign', dingtalkSign(config.secret, timestamp));

      const text = truncateMarkdown(message.markdown, MAX_MARKDOWN_BYTES, message.locale);
      const payload = { msgtype: 'markdown', markdown: { title: message.title, text } };
      await postToRobot(runtime, url, payload, readResult, FINAL_CODES);
      runtime.log.info({ events: message.events.length }, 'notification sent');
    },
  };
}

function readResult(json: unknown) {
  return { code: numberField(json, 'errcode'), message: stringField(json, 'errmsg') };
}
