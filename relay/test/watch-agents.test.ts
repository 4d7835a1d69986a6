import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '@certpilot/testkit';
import { addTestChannels } from './support/channels.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';
import { OptionError, resolveSettings } from '../src/options.js';
import { startWatch } from '../src/watch/watch-schedule.js';
import { openWatch, type WatchHandle } from './support/watch.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let relay: TestRelay;
let watch: WatchHandle;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

before(async () => {
  relay = await startTestRelay();
  watch = await openWatch(relay.dataDir);
  smtp = await startSmtpReceiver();
  hook = await startWebhookReceiver();
});
after(async () => {
  await watch?.close();
  await relay?.stop();
  await smtp?.close();
  await hook?.close();
});

/** Creates a user with a Chinese email channel and an English webhook. */
async function userWithChannels(tag: string) {
  const user = await newUser(relay, 'watcher');
  return { ...user, ...(await addTestChannels(relay, user.token, { smtp, hook }, tag)) };
}

async function enrolledAgent(token: string, name: string): Promise<string> {
  const created = await relay.api('POST', '/agents', { token, body: { name } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const enrolled = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken: created.json.enrollmentToken, hostname: `${name}.example.test`, version: '0.1.0' },
  });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
  return enrolled.json.agentToken;
}

async function report(agentToken: string, sites: unknown[]): Promise<void> {
  const body = { agentVersion: '0.1.0', hostname: 'web1', runAt: new Date().toISOString(), sites };
  const posted = await relay.api('POST', '/agent/reports', { token: agentToken, body });
  assert.equal(posted.status, 202, JSON.stringify(posted.json));
}

const renewedSite = (siteId: string, notAfter: string) => ({
  siteId,
  names: [siteId],
  outcome: 'renewed',
  serial: '0A1B2C',
  notAfter,
});
const failedSite = (siteId: string) => ({
  siteId,
  names: [siteId],
  outcome: 'failed',
  serial: '0D0E0F',
  notAfter: new Date(Date.now() + 20 * DAY_MS).toISOString(),
  error: { code: 'ACME_ORDER_FAILED', message: 'the CA refused the order' },
});

test('watch notifies a failing agent site once', async () => {
  const user = await userWithChannels('agent-failing');
  const agent = await enrolledAgent(user.token, 'web1');
  const notAfter = new Date(Date.now() + 60 * DAY_MS).toISOString();
  await report(agent, [renewedSite('shop.test', notAfter), failedSite('blog.test')]);

  const summary = await watch.run();
  assert.equal(summary.failedChannels, 0);
  await user.expectMessages(1);

  const sites = (await relay.api('GET', '/sites', { token: user.token })).json.sites as Array<{
    id: string;
    domain: string;
  }>;
  const results = await watch.results(user.id);
  const shop = results.get(sites.find((site) => site.domain === 'shop.test')!.id)!;
  assert.equal(shop.source, 'agent-report');
  assert.equal(shop.state, 'ok');
  assert.equal(shop.servedSerial, '0A1B2C');
  assert.equal(shop.notAfter, notAfter);
  const blog = results.get(sites.find((site) => site.domain === 'blog.test')!.id)!;
  assert.equal(blog.state, 'renewal-failing');
  assert.equal(blog.error?.code, 'ACME_ORDER_FAILED');
  const watchResponse = await relay.api('GET', `/sites/${blog.siteId}/watch`, { token: user.token, lang: 'zh-CN' });
  assert.equal(watchResponse.status, 200, JSON.stringify(watchResponse.json));
  assert.equal(watchResponse.json.watch.state, 'renewal-failing');
  assert.equal(watchResponse.json.watch.source, 'agent-report');
  assert.deepEqual(watchResponse.json.watch.error, { code: 'ACME_ORDER_FAILED', message: 'the CA refused the order' });

  const mail = user.mails()[0]!;
  assert.match(mail.subject, /证书续期失败：blog\.test/);
  assert.match(mail.text, /the CA refused the order/);
  const payload = user.hooks()[0]!;
  assert.equal(payload.locale, 'en');
  assert.match(payload.message.title, /Certificate renewal failing: blog\.test/);
  assert.deepEqual(
    payload.events.map((event) => [event.kind, event.site]),
    [['renewal-failing', 'blog.test']],
  );

  // Nothing changed: a second run sends nothing.
  const again = await watch.run();
  assert.equal(again.failedChannels, 0);
  await user.expectMessages(1);
});

test('watch reports a silent agent once', async () => {
  const user = await userWithChannels('agent-silent');
  const agent = await enrolledAgent(user.token, 'quiet-box');
  await report(agent, [renewedSite('quiet.test', new Date(Date.now() + 60 * DAY_MS).toISOString())]);

  // Six hours is the interval assumed for an agent with few reports; silent after two of them.
  await watch.run(new Date(Date.now() + 11 * HOUR_MS));
  await user.expectMessages(0);
  await watch.run(new Date(Date.now() + 13 * HOUR_MS));
  await user.expectMessages(1);
  assert.match(user.mails()[0]!.subject, /Agent 失联：quiet-box/);
  assert.match(user.mails()[0]!.text, /超过两个运行周期没有上报/);
  assert.match(user.hooks()[0]!.message.title, /Agent silent: quiet-box/);
  assert.match(user.hooks()[0]!.message.text, /has not reported for more than two run intervals/);
  await watch.run(new Date(Date.now() + 20 * HOUR_MS));
  await user.expectMessages(1);

  await report(agent, [renewedSite('quiet.test', new Date(Date.now() + 60 * DAY_MS).toISOString())]);
  await watch.run();
  await user.expectMessages(1);
  await watch.run(new Date(Date.now() + 13 * HOUR_MS));
  await user.expectMessages(2);
});

test('watch sends each expiry threshold once', async () => {
  const user = await userWithChannels('agent-expiry');
  const agent = await enrolledAgent(user.token, 'expiry-box');
  const notAfter = Date.now() + 60 * DAY_MS;
  await report(agent, [renewedSite('old.test', new Date(notAfter).toISOString())]);
  const at = (daysLeft: number) => new Date(notAfter - daysLeft * DAY_MS + HOUR_MS);

  // The first run far ahead also finds the agent silent, once for its one report.
  for (const [daysLeft, sent] of [
    [20, 1],
    [13, 2],
    [12, 2],
    [6, 3],
    [6, 3],
    [2, 4],
    [0.5, 5],
  ] as const) {
    await watch.run(at(daysLeft));
    await user.expectMessages(sent);
  }
  assert.deepEqual(
    user.hooks().map((payload) => payload.events.map((event) => [event.kind, event.daysLeft])),
    [[['agent-silent', undefined]], [['expiring', 13]], [['expiring', 6]], [['expiring', 2]], [['expiring', 1]]],
  );
  assert.match(user.mails()[1]!.subject, /证书将在 13 天内到期：old\.test/);
  assert.match(user.hooks()[1]!.message.title, /Certificate expires within 13 days: old\.test/);

  // A renewed certificate is news once, and starts its thresholds afresh.
  const renewedAt = notAfter + 60 * DAY_MS;
  await report(agent, [{ ...renewedSite('old.test', new Date(renewedAt).toISOString()), serial: '0B0B0B' }]);
  await watch.run(new Date(renewedAt - 10 * DAY_MS));
  await user.expectMessages(7);
  assert.deepEqual(
    user
      .hooks()
      .slice(5)
      .map((payload) => payload.events.map((event) => event.kind)),
    [['renewed', 'expiring'], ['agent-silent']],
  );
  assert.match(user.mails()[5]!.text, /old\.test/);
});

test('watch digests more than three messages', async () => {
  const user = await userWithChannels('agent-digest');
  const agent = await enrolledAgent(user.token, 'many-box');
  const names = ['a.digest.test', 'b.digest.test', 'c.digest.test', 'd.digest.test'];
  await report(agent, names.map(failedSite));

  await watch.run();
  await user.expectMessages(1);
  const mail = user.mails()[0]!;
  assert.match(mail.subject, /证书领航：4 条通知（续期失败 4）/);
  for (const name of names) assert.match(mail.text, new RegExp(`${name.replace(/\./g, '\\.')} 续期失败`));
  const payload = user.hooks()[0]!;
  assert.equal(payload.message.title, 'CertPilot: 4 notifications (4 renewal failing)');
  assert.deepEqual(payload.events.map((event) => event.site).sort(), names);

  // Three changes stay three messages: b, c and d were renewed, a still fails (already sent).
  const renewed = names.slice(1).map((name) => renewedSite(name, new Date(Date.now() + 80 * DAY_MS).toISOString()));
  await report(agent, [failedSite(names[0]!), ...renewed]);
  await watch.run();
  await user.expectMessages(4);
  assert.deepEqual(
    user
      .hooks()
      .slice(1)
      .map((payload) => payload.events.map((event) => [event.kind, event.site])),
    names.slice(1).map((name) => [['renewed', name]]),
  );
  assert.match(user.mails()[1]!.subject, /证书已续期：b\.digest\.test/);
});

test('daily watch runs at the set time', async () => {
  const daily = startWatch(watch.deps, { time: '09:30', timeZone: 'Asia/Shanghai', jitterMs: 0 });
  try {
    const next = daily.nextRunAt()!;
    assert.equal(next.toISOString().slice(11), '01:30:00.000Z');
    assert.ok(next.getTime() > Date.now(), 'the next run is ahead');
    assert.ok(next.getTime() <= Date.now() + DAY_MS, 'the next run is within a day');
    const summary = await daily.runNow();
    assert.equal(summary.failedChannels, 0);
  } finally {
    await daily.stop();
  }
  assert.throws(() => startWatch(watch.deps, { time: '9:30' }), /watch time "9:30" is not HH:MM/);
  assert.throws(
    () => startWatch(watch.deps, { timeZone: 'Mars/Olympus' }),
    /watch time zone "Mars\/Olympus" is unknown: use an IANA name such as Asia\/Shanghai/,
  );
});

test('watch time options are checked', () => {
  const settings = resolveSettings({ 'watch-time': '07:45' }, { CERTPILOT_RELAY_WATCH_TIME_ZONE: 'UTC' }, 'en');
  assert.deepEqual(settings.scheduler.watch, { time: '07:45', timeZone: 'UTC' });
  assert.deepEqual(resolveSettings({}, {}, 'en').scheduler.watch, {});
  assert.throws(
    () => resolveSettings({ 'watch-time': '25:00' }, {}, 'en'),
    (error: Error) =>
      error instanceof OptionError && /25:00/.test(error.message) && /--watch-time:.*HH:MM/.test(error.message),
  );
  assert.throws(
    () => resolveSettings({ 'watch-time-zone': 'Beijing' }, {}, 'zh-CN'),
    (error: Error) =>
      error instanceof OptionError &&
      /Beijing/.test(error.message) &&
      /--watch-time-zone/.test(error.message) &&
      /IANA 时区名/.test(error.message),
  );
});
