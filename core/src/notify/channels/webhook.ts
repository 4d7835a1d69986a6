import { createHmac } from 'node:crypto';
import type { ChannelOptions, NotificationChannel } from '../channel.js';
import type { WebhookChannelConfig } from '../config.js';
import type { NotificationEvent } from '../events.js';
import { isSuccessStatus, postJson, replyFailed } from '../http.js';
import type { NotificationLocale, NotificationMessage } from '../message.js';
import { channelRuntime } from './setup.js';

export const WEBHOOK_SIGNATURE_HEADER = 'X-CertPilot-Signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'X-CertPilot-Timestamp';

/** The JSON body of a webhook notification (version 1). */
export interface WebhookPayload {
  type: 'certpilot.notification';
  version: 1;
  /** ISO 8601 send time. It is inside the signed body, so receivers can reject replays by it. */
  sentAt: string;
  channel: string;
  locale: NotificationLocale;
  message: { title: string; text: string; markdown: string };
  events: NotificationEvent[];
}

/** Returns the signature header value: `sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the secret. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/**
 * POSTs a {@link WebhookPayload} to a URL of the user's. With a secret, the request carries
 * {@link WEBHOOK_SIGNATURE_HEADER} over the exact body bytes and {@link WEBHOOK_TIMESTAMP_HEADER}
 * (Unix seconds). Any 2xx status is a success.
 */
export function createWebhookChannel(config: WebhookChannelConfig, options: ChannelOptions = {}): NotificationChannel {
  const runtime = channelRuntime(config, [config.secret], options);
  const url = new URL(config.url);

  return {
    kind: 'webhook',
    name: config.name,
    async send(message: NotificationMessage) {
      const nowMs = runtime.now();
      const payload: WebhookPayload = {
        type: 'certpilot.notification',
        version: 1,
        sentAt: new Date(nowMs).toISOString(),
        channel: config.name,
        locale: message.locale,
        message: { title: message.title, text: message.text, markdown: message.markdown },
        events: message.events,
      };
      const body = JSON.stringify(payload);

      const headers: Record<string, string> = {};
      if (config.secret !== undefined) {
        headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(config.secret, body);
        headers[WEBHOOK_TIMESTAMP_HEADER] = String(Math.floor(nowMs / 1000));
      }

      const reply = await postJson(runtime.context, url, body, { timeoutMs: runtime.timeoutMs, headers });
      if (!isSuccessStatus(reply.status)) throw replyFailed(runtime.context, url, reply);
      runtime.log.info({ events: message.events.length }, 'notification sent');
    },
  };
}
