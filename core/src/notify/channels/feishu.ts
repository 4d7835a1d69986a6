import { createHmac } from 'node:crypto';
import type { ChannelOptions, NotificationChannel } from '../channel.js';
import type { FeishuChannelConfig } from '../config.js';
import { severityOf, sortBySeverity, type NotificationSeverity } from '../events.js';
import { truncateMarkdown, type NotificationMessage } from '../message.js';
import { channelRuntime, numberField, postToRobot, stringField } from './setup.js';

/** Feishu rejects request bodies over 20 KB; this leaves room for the card around the Markdown. */
const MAX_MARKDOWN_BYTES = 18_000;

/**
 * Codes after which a retry cannot help: 9499 a malformed request, 19021 a bad signature or a
 * timestamp more than an hour off, 19022 an IP outside the allow-list, 19024 a missing keyword.
 */
const FINAL_CODES: ReadonlyMap<number, string> = new Map([
  [9499, 'Feishu rejected the request body as malformed or too large'],
  [19021, "Check the channel's secret against the robot's signature secret, and this server's clock"],
  [19022, "Add this server's IP address to the robot's IP allow-list"],
  [19024, "Remove the robot's keyword check, or add a keyword the messages contain"],
]);

const HEADER_COLORS: Record<NotificationSeverity, string> = { critical: 'red', warning: 'orange', info: 'green' };

/**
 * Signs a Feishu custom robot request: Base64 of HMAC-SHA256 keyed with `${timestampSeconds}\n${secret}`
 * over an empty message. Unlike DingTalk, the secret is part of the key, and the timestamp is in seconds.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/**
 * Creates the channel of a Feishu (飞书) group's custom robot (`POST /open-apis/bot/v2/hook/<token>`) sending an
 * interactive card: the title in a header colored by the most severe event, the Markdown body
 * below. With a secret, `timestamp` and `sign` go in the JSON body. The reply's `code` (or the
 * older `StatusCode`) is 0 on success.
 */
export function createFeishuChannel(config: FeishuChannelConfig, options: ChannelOptions = {}): NotificationChannel {
  const runtime = channelRuntime(config, [config.token, config.secret], options);

  return {
    kind: 'feishu',
    name: config.name,
    async send(message: NotificationMessage) {
      const url = new URL(`${config.baseUrl}/open-apis/bot/v2/hook/${config.token}`);
      const payload = { ...signature(config.secret, runtime.now()), ...card(message) };
      await postToRobot(runtime, url, payload, readResult, FINAL_CODES);
      runtime.log.info({ events: message.events.length }, 'notification sent');
    },
  };
}

function signature(secret: string | undefined, nowMs: number): { timestamp?: string; sign?: string } {
  if (secret === undefined) return {};
  const timestamp = Math.floor(nowMs / 1000);
  // NOTE: Feishu's examples send the timestamp as a string; a number was not tried against Feishu.
  return { timestamp: String(timestamp), sign: feishuSign(secret, timestamp) };
}

function card(message: NotificationMessage) {
  const mostSevere = sortBySeverity(message.events)[0];
  const template = HEADER_COLORS[mostSevere === undefined ? 'info' : severityOf(mostSevere)];
  const content = truncateMarkdown(message.markdownBody, MAX_MARKDOWN_BYTES, message.locale);

  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: message.title }, template },
      elements: [{ tag: 'markdown', content }],
    },
  };
}

function readResult(json: unknown) {
  return {
    code: numberField(json, 'code') ?? numberField(json, 'StatusCode'),
    message: stringField(json, 'msg') ?? stringField(json, 'StatusMessage'),
  };
}
