import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '@certpilot/core';
import { QiniuClient } from '@certpilot/core/cloud/qiniu/index';
import {
  freePort,
  startSmtpReceiver,
  startWebhookReceiver,
  type SmtpReceiver,
  type WebhookReceiver,
} from '@certpilot/testkit';
import { addTestChannels } from './support/channels.js';
import { addQiniuSite, cloudUser, waitForDone } from './support/cloud-sites.js';
import { QINIU, startCloudRelay, startCloudWorld, type CloudRelay, type CloudWorld } from './support/cloud-world.js';
import { openWatch, type WatchHandle } from './support/watch.js';

const DAY_MS = 86_400_000;

let world: CloudWorld;
let relay: CloudRelay;
let watch: WatchHandle;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;

before(async () => {
  world = await startCloudWorld();
  const dataDir = await world.dataDir();
  relay = await startCloudRelay(world, dataDir);
  watch = await openWatch(dataDir);
  smtp = await startSmtpReceiver();
  hook = await startWebhookReceiver();
});
after(async () => {
  await watch?.close();
  await relay?.close();
  await world?.stop();
  await smtp?.close();
  await hook?.close();
});

/** Creates a user with both channels and one renewed Qiniu site; the renewal message is already in. */
async function renewedSite(tag: string, domain: string) {
  const user = await cloudUser(relay, tag);
  const channels = await addTestChannels(relay, user.token, { smtp, hook }, tag);
  const siteId = await addQiniuSite(world, relay, user.token, domain);
  const done = await waitForDone(relay, user.token, siteId);
  await channels.expectMessages(1);
  return { ...user, ...channels, siteId, done };
}

test('watch records a healthy site quietly', { timeout: 90_000 }, async () => {
  const site = await renewedSite('fine', 'fine.example.test');
  const before = await relay.api('GET', `/sites/${site.siteId}/watch`, { token: site.token });
  assert.equal(before.status, 200, JSON.stringify(before.json));
  assert.equal(before.json.watch, null, 'not checked yet');

  const summary = await watch.run();
  assert.equal(summary.failedChannels, 0);
  const result = (await watch.results(site.id)).get(site.siteId)!;
  assert.equal(result.source, 'probe');
  assert.equal(result.state, 'ok');
  assert.equal(result.servedSerial, site.done.certificate!.serial);
  assert.equal(result.deployedSerial, site.done.certificate!.serial);
  assert.equal(result.notAfter, site.done.certificate!.notAfter);
  assert.ok(Date.now() - Date.parse(result.checkedAt) < 60_000);
  const watchResponse = await relay.api('GET', `/sites/${site.siteId}/watch`, { token: site.token });
  assert.equal(watchResponse.status, 200, JSON.stringify(watchResponse.json));
  assert.deepEqual(watchResponse.json.watch, {
    source: 'probe',
    state: 'ok',
    deployedSerial: result.deployedSerial,
    servedSerial: result.servedSerial,
    notAfter: result.notAfter,
    checkedAt: result.checkedAt,
    error: null,
  });
  const other = await cloudUser(relay, 'nosy');
  assert.equal((await relay.api('GET', `/sites/${site.siteId}/watch`, { token: other.token })).status, 404);
  assert.equal((await relay.api('GET', `/sites/${site.siteId}/watch`)).status, 401);
  const badId = await relay.api('GET', '/sites/not-a-uuid/watch', { token: site.token });
  assert.equal(badId.status, 400);
  assert.equal(badId.json.code, 'REQUEST_INVALID');

  await watch.run();
  await site.expectMessages(1);
});

test('watch reports a served mismatch once', { timeout: 90_000 }, async () => {
  const domain = 'swapped.example.test';
  const site = await renewedSite('swapped', domain);

  // Someone binds another certificate in Qiniu's console.
  const other = await world.oldCertificate([domain], 30);
  const qiniu = new QiniuClient({
    credential: { provider: 'qiniu', accessKeyId: QINIU.accessKey, accessKeySecret: QINIU.secretKey },
    site: domain,
    endpoint: world.qiniu.url,
    logger: silentLogger(),
  });
  const certId = await qiniu.uploadCertificate({
    name: 'by-hand',
    commonName: domain,
    privateKeyPem: other.keyPem,
    chainPem: other.certPem,
  });
  await qiniu.setHttpsConf(domain, { certId, forceHttps: false, http2Enable: false });

  await watch.run();
  await site.expectMessages(2);
  const result = (await watch.results(site.id)).get(site.siteId)!;
  assert.equal(result.state, 'served-mismatch');
  assert.notEqual(result.servedSerial, site.done.certificate!.serial);

  const mail = site.mails()[1]!;
  assert.match(mail.subject, /线上证书与部署的不符：swapped\.example\.test/);
  assert.match(mail.text, new RegExp(`线上序列号：${result.servedSerial}`));
  const body = site.hooks()[1]!;
  assert.equal(body.message.title, `Served certificate differs from the deployed one: ${domain}`);
  assert.deepEqual(body.events, [
    {
      kind: 'served-mismatch',
      site: domain,
      expectedSerial: site.done.certificate!.serial,
      servedSerial: result.servedSerial,
    },
  ]);

  await watch.run();
  await site.expectMessages(2);
});

test('watch warns of a stale certificate', { timeout: 90_000 }, async () => {
  const domain = 'stale.example.test';
  const site = await renewedSite('stale', domain);
  const tenDaysLeft = (notAfter: string) => new Date(Date.parse(notAfter) - 10 * DAY_MS);

  // Ten days before expiry the renewal time (a third of the lifetime left) is long past.
  await watch.run(tenDaysLeft(site.done.certificate!.notAfter));
  await site.expectMessages(2);
  const result = (await watch.results(site.id)).get(site.siteId)!;
  assert.equal(result.state, 'not-renewed');
  const mail = site.mails()[1]!;
  assert.match(mail.subject, /证书领航：2 条通知/);
  assert.match(mail.text, /stale\.example\.test 续期失败：证书自 .* 起已进入续期窗口，超过一天仍未续期/);
  assert.match(mail.text, /stale\.example\.test 的证书将在 10 天内到期/);
  const body = site.hooks()[1]!;
  assert.deepEqual(
    body.events.map((event) => [event.kind, event.daysLeft ?? (event.error as { code: string }).code]),
    [
      ['expiring', 10],
      ['renewal-failing', 'RENEWAL_OVERDUE'],
    ],
  );
  assert.match(body.message.text, /entered its renewal window on .* and is still not renewed a day later/);
  await watch.run(tenDaysLeft(site.done.certificate!.notAfter));
  await site.expectMessages(2);

  // A renewal is news, and the next certificate warns again from the start.
  const renew = await relay.api('POST', `/sites/${site.siteId}/renew`, { token: site.token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  const second = await waitForDone(relay, site.token, site.siteId, renew.json.job.id);
  await site.expectMessages(3);
  assert.deepEqual(
    site.hooks()[2]!.events.map((event) => event.kind),
    ['renewed'],
  );
  await watch.run(tenDaysLeft(second.certificate!.notAfter));
  await site.expectMessages(4);
  assert.deepEqual(
    site.hooks()[3]!.events.map((event) => event.kind),
    ['expiring', 'renewal-failing'],
  );
});

test('watch repeats nothing after a failure', { timeout: 90_000 }, async () => {
  const site = await renewedSite('retrying', 'retrying.example.test');

  // The next call to Qiniu fails, so the forced renewal waits to retry.
  world.qiniu.failNext(1, 500);
  const renew = await relay.api('POST', `/sites/${site.siteId}/renew`, { token: site.token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  await site.expectMessages(2);
  assert.deepEqual(
    site.hooks()[1]!.events.map((event) => event.kind),
    ['renewal-failing'],
  );
  assert.match(site.mails()[1]!.subject, /证书续期失败：retrying\.example\.test/);

  // The failing job kept the deployed certificate in the channel state: no "renewed" now.
  await watch.run();
  await site.expectMessages(2);
  const result = (await watch.results(site.id)).get(site.siteId)!;
  assert.equal(result.state, 'renewal-failing');
  assert.equal(result.servedSerial, site.done.certificate!.serial);
});

test('watch stores a failed probe', { timeout: 90_000 }, async () => {
  const site = await renewedSite('unreachable', 'unreachable.example.test');
  const stored = await relay.api('GET', `/sites/${site.siteId}`, { token: site.token });
  assert.equal(stored.status, 200, JSON.stringify(stored.json));
  const closedPort = await freePort();
  const moved = await relay.api('PATCH', `/sites/${site.siteId}`, {
    token: site.token,
    body: { config: { ...stored.json.site.config, 'edge.port': closedPort } },
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.json));

  await watch.run();
  const result = (await watch.results(site.id)).get(site.siteId)!;
  assert.equal(result.state, 'probe-failed');
  assert.equal(result.error?.code, 'PROBE_FAILED');
  assert.match(result.error!.message, new RegExp(`127\\.0\\.0\\.1:${closedPort}`));
  assert.equal(result.servedSerial, undefined);
  await site.expectMessages(1);
});
