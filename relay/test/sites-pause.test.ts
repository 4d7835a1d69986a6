import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '@certpilot/testkit';
import { addTestChannels } from './support/channels.js';
import { addQiniuSite, cloudUser } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, waitFor, type CloudRelay, type CloudWorld } from './support/cloud-world.js';
import { queryRows } from './support/databases.js';
import { startTestRelay } from './support/relay.js';

let world: CloudWorld;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;
const relays: CloudRelay[] = [];

before(async () => {
  world = await startCloudWorld();
  smtp = await startSmtpReceiver();
  hook = await startWebhookReceiver();
});
after(async () => {
  for (const relay of relays) await relay.close();
  await world?.stop();
  await smtp?.close();
  await hook?.close();
});

interface JobRow {
  id: string;
  state: string;
  attempts: number;
  claimed_by: string | null;
  last_error: string | null;
}

const jobRows = (url: string, siteId: string) =>
  queryRows<JobRow>(
    url,
    'select id, state, attempts, claimed_by, last_error from renewal_jobs where site_id = ? order by create_time',
    siteId,
  );

/** Certificates for `domain` held by the fake Qiniu, the one it started with included. */
const uploads = (domain: string) => world.qiniu.certificates().filter((cert) => cert.commonName === domain).length;

const served = (servername: string) =>
  probeCertificate({ host: new LocalHost(), address: '127.0.0.1', port: world.qiniu.edgePort, servername });

/** Creates a fresh data directory for a relay over the world. */
async function dataDir(): Promise<string> {
  const dir = await world.dataDir();
  await mkdir(dir, { recursive: true });
  return dir;
}

const ticks = () => new Promise((done) => setTimeout(done, 1_500));

async function waitForJob(on: CloudRelay, siteId: string, state: string): Promise<JobRow> {
  return waitFor(
    `a ${state} job of ${siteId}`,
    async () => (await jobRows(on.databaseUrl, siteId)).find((job) => job.state === state),
    60_000,
  );
}

/**
 * Plans a due job for a new site on a relay without a scheduler, pauses the site, and returns a
 * scheduling relay over the same database.
 */
async function pausedSiteWithDueJob(domain: string) {
  const dir = await dataDir();
  const setup = await startTestRelay(dir);
  const user = await cloudUser(setup, 'pause');
  const channels = await addTestChannels(setup, user.token, { smtp, hook }, `pause-${process.pid}-${domain}`);
  const siteId = await addQiniuSite(world, setup, user.token, domain);
  const renew = await setup.api('POST', `/sites/${siteId}/renew`, { token: user.token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  const paused = await setup.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'paused' } });
  assert.equal(paused.status, 200, JSON.stringify(paused.json));
  await setup.relay.close();

  const relay = await startCloudRelay(world, dir);
  relays.push(relay);
  return { relay, user, channels, siteId, jobId: renew.json.job.id as string };
}

test('paused site keeps its due job unclaimed; resume renews', { timeout: 90_000 }, async () => {
  const domain = 'held.example.test';
  const { relay, user, channels, siteId, jobId } = await pausedSiteWithDueJob(domain);

  await ticks();
  const whilePaused = await jobRows(relay.databaseUrl, siteId);
  assert.equal(whilePaused.length, 1, 'the paused site got another job');
  assert.equal(whilePaused[0]!.id, jobId);
  assert.equal(whilePaused[0]!.state, 'planned');
  assert.equal(whilePaused[0]!.attempts, 0);
  assert.equal(whilePaused[0]!.claimed_by, null);
  assert.equal(uploads(domain), 1, 'a certificate was uploaded for the paused site');
  assert.deepEqual([channels.mails().length, channels.hooks().length], [0, 0]);

  const resumed = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'active' } });
  assert.equal(resumed.status, 200, JSON.stringify(resumed.json));
  await waitForJob(relay, siteId, 'done');
  const done = (await jobRows(relay.databaseUrl, siteId))[0]!;
  assert.equal(done.id, jobId, 'resuming continued the held job');
  const certificate = await queryRows<{ serial: string }>(
    relay.databaseUrl,
    'select serial from certificates where site_id = ?',
    siteId,
  );
  assert.equal(certificate.length, 1);
  const edge = await served(domain);
  assert.match(edge.issuer, /Pebble/);
  assert.equal(edge.serial, certificate[0]!.serial);
  await channels.expectMessages(1);
});

test('pausing mid-attempt ends it without retry or notice', { timeout: 90_000 }, async () => {
  const relay = await startCloudRelay(world, await dataDir());
  relays.push(relay);
  const user = await cloudUser(relay, 'pause');
  const channels = await addTestChannels(relay, user.token, { smtp, hook }, `pause-mid-${process.pid}`);
  const domain = 'mid.example.test';
  // The domain stays processing, so the attempt waits in `deploying` for 4 s and then fails retryably.
  const siteId = await addQiniuSite(world, relay, user.token, domain, {
    holdProcessing: true,
    config: { processingWaitSeconds: 4 },
  });

  await waitForJob(relay, siteId, 'deploying');
  const paused = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'paused' } });
  assert.equal(paused.status, 200, JSON.stringify(paused.json));
  const waiting = await waitForJob(relay, siteId, 'waiting-retry');
  assert.match(waiting.last_error ?? '', /PROVIDER_DOMAIN_PROCESSING/);

  // The backoff's first minute passes; the job is due but its site is paused.
  await queryRows(
    relay.databaseUrl,
    'update renewal_jobs set next_run_at = ? where id = ?',
    new Date().toISOString(),
    waiting.id,
  );
  await ticks();
  const whilePaused = await jobRows(relay.databaseUrl, siteId);
  assert.equal(whilePaused.length, 1);
  assert.equal(whilePaused[0]!.state, 'waiting-retry');
  assert.equal(whilePaused[0]!.attempts, waiting.attempts, 'the paused job was retried');
  assert.equal(whilePaused[0]!.claimed_by, null);
  assert.deepEqual([channels.mails().length, channels.hooks().length], [0, 0], 'a paused site sent a notice');

  world.qiniu.finishProcessing(domain);
  const resumed = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'active' } });
  assert.equal(resumed.status, 200);
  await waitForJob(relay, siteId, 'done');
  assert.match((await served(domain)).issuer, /Pebble/);
  await channels.expectMessages(1);
});

test('deleting a site cancels its unfinished job', { timeout: 60_000 }, async () => {
  const { relay, user, siteId, jobId } = await pausedSiteWithDueJob('gone.example.test');
  const removed = await relay.api('DELETE', `/sites/${siteId}`, { token: user.token });
  assert.equal(removed.status, 204);

  const [job] = await jobRows(relay.databaseUrl, siteId);
  assert.equal(job?.id, jobId);
  assert.equal(job.state, 'failed');
  assert.match(job.last_error ?? '', /JOB_CANCELLED/);
  await ticks();
  assert.equal((await jobRows(relay.databaseUrl, siteId)).length, 1, 'a deleted site got a new job');
  assert.equal(uploads('gone.example.test'), 1, 'a certificate was uploaded for the deleted site');
});
