import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webhookSignature } from '@certpilot/core';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '@certpilot/testkit';
import { addQiniuSite } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, waitFor, type CloudRelay, type CloudWorld } from './support/cloud-world.js';

let world: CloudWorld;
let relay: CloudRelay;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

before(async () => {
  world = await startCloudWorld();
  relay = await startCloudRelay(world, await world.dataDir());
  smtp = await startSmtpReceiver();
  hook = await startWebhookReceiver();
});
after(async () => {
  await relay?.close();
  await world?.stop();
  await smtp?.close();
  await hook?.close();
});

async function post(token: string, path: string, body: unknown): Promise<string> {
  const response = await relay.api('POST', path, { token, body });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return (Object.values(response.json)[0] as { id: string }).id;
}

test('a renewal sends one message to each channel of the user, in its language', { timeout: 90_000 }, async () => {
  const account = `notify_${process.pid}`;
  const password = 'Correct-horse-42';
  assert.equal((await relay.api('POST', '/auth/register', { body: { account, name: 'Ops', password } })).status, 201);
  const token = (await relay.api('POST', '/auth/login', { body: { account, password } })).json.token as string;

  // Channels first, so the site's first job already finds them.
  await post(token, '/notification-channels', {
    kind: 'email',
    name: '运维邮箱',
    config: {
      host: '127.0.0.1',
      port: smtp.port,
      requireTls: false,
      from: 'certpilot@example.test',
      to: ['ops@example.test'],
    },
  });
  await post(token, '/notification-channels', {
    kind: 'webhook',
    name: 'Hook',
    config: { url: `${hook.baseUrl}/hook`, secret: 'hook-secret' },
    locale: 'en',
  });

  const domain = 'notify.example.test';
  const siteId = await addQiniuSite(world, relay, token, domain);

  const done = await waitFor(
    'the renewal to finish',
    async () => {
      const jobs = (await relay.api('GET', `/sites/${siteId}/jobs`, { token })).json.jobs as Array<{
        state: string;
        certificate: { serial: string };
      }>;
      return jobs.find((job) => job.state === 'done');
    },
    60_000,
  );
  await waitFor('the email and the webhook', async () =>
    smtp.messages.length >= 1 && hook.requests.length >= 1 ? true : undefined,
  );

  const mail = smtp.messages[0]!;
  assert.match(mail.subject, /notify\.example\.test/);
  assert.match(mail.text, /证书/);
  const request = hook.requests[0]!;
  assert.equal(request.headers['x-certpilot-signature'], webhookSignature('hook-secret', request.rawBody));
  const payload = request.json as { locale: string; events: Array<{ kind: string; serial: string; site: string }> };
  assert.equal(payload.locale, 'en');
  assert.deepEqual(
    payload.events.map((event) => [event.kind, event.site, event.serial]),
    [['renewed', domain, done.certificate.serial]],
  );

  // Later ticks change nothing, so nothing more is sent.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(smtp.messages.length, 1);
  assert.equal(hook.requests.length, 1);
});
