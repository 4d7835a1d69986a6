/**
 * A Chinese email channel and an English webhook channel for one user, each delivering to its
 * own address or path on shared receivers, so a test reads only its own user's messages.
 */
import assert from 'node:assert/strict';
import type { ReceivedMail, SmtpReceiver, WebhookReceiver } from '@certpilot/testkit';
import { waitFor } from './cloud-world.js';
import type { ApiResponse, CallOptions } from './relay.js';

/** The webhook body as the relay sends it. */
export interface WebhookBody {
  locale: string;
  message: { title: string; text: string };
  events: Array<Record<string, unknown>>;
}

export interface TestChannels {
  /** Emails (zh-CN) received for this user, oldest first. */
  mails(): ReceivedMail[];
  /** Webhook bodies (en) received for this user, oldest first. */
  hooks(): WebhookBody[];
  /** Waits until each channel got `count` messages, then a little longer, and checks no more came. */
  expectMessages(count: number): Promise<void>;
}

type Api = { api(method: string, path: string, options?: CallOptions): Promise<ApiResponse> };

export async function addTestChannels(
  on: Api,
  token: string,
  receivers: { smtp: SmtpReceiver; hook: WebhookReceiver },
  tag: string,
): Promise<TestChannels> {
  const address = `${tag}@example.test`;
  const email = await on.api('POST', '/notification-channels', {
    token,
    body: {
      kind: 'email',
      name: '运维邮箱',
      config: {
        host: '127.0.0.1',
        port: receivers.smtp.port,
        requireTls: false,
        from: 'cp@example.test',
        to: [address],
      },
    },
  });
  assert.equal(email.status, 201, JSON.stringify(email.json));
  const webhook = await on.api('POST', '/notification-channels', {
    token,
    body: { kind: 'webhook', name: 'Hook', config: { url: `${receivers.hook.baseUrl}/${tag}` }, locale: 'en' },
  });
  assert.equal(webhook.status, 201, JSON.stringify(webhook.json));

  const mails = () => receivers.smtp.messages.filter((mail) => mail.to.includes(address));
  const hooks = () =>
    receivers.hook.requests
      .filter((request) => request.path === `/${tag}`)
      .map((request) => request.json as WebhookBody);
  return {
    mails,
    hooks,
    async expectMessages(count) {
      await waitFor(`${count} messages on each channel`, async () =>
        mails().length >= count && hooks().length >= count ? true : undefined,
      );
      await new Promise((done) => setTimeout(done, 300));
      assert.equal(mails().length, count, 'emails');
      assert.equal(hooks().length, count, 'webhooks');
    },
  };
}
