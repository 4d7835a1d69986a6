/**
 * Changing a site's domain while it has an unfinished job: the old job is closed as cancelled
 * and a fresh one renews the new name, which the fake CDN then serves.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import { addQiniuSite, cloudUser, waitForDone } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, waitFor, type CloudRelay, type CloudWorld } from './support/cloud-world.js';
import { queryRows } from './support/databases.js';
import { startTestRelay } from './support/relay.js';

let world: CloudWorld;
const relays: CloudRelay[] = [];

before(async () => {
  world = await startCloudWorld();
});
after(async () => {
  for (const relay of relays) await relay.close();
  await world?.stop();
});

interface JobRow {
  id: string;
  state: string;
  last_error: string | null;
}

interface JobListed {
  id: string;
  state: string;
  names: string[];
  certificate?: { serial: string };
}

const jobRows = (url: string, siteId: string) =>
  queryRows<JobRow>(
    url,
    'select id, state, last_error from renewal_jobs where site_id = ? order by create_time',
    siteId,
  );

async function listedJobs(on: CloudRelay, token: string, siteId: string): Promise<JobListed[]> {
  const response = await on.api('GET', `/sites/${siteId}/jobs`, { token });
  assert.equal(response.status, 200, JSON.stringify(response.json));
  return response.json.jobs as JobListed[];
}

async function dataDir(): Promise<string> {
  const dir = await world.dataDir();
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Adds `domain` to the fake Qiniu with an old certificate, as a user's second CDN domain. */
async function addCdnDomain(domain: string): Promise<void> {
  world.qiniu.addDomain({ name: domain, type: 'normal', https: await world.oldCertificate([domain], 3) });
}

/** Checks that the fake CDN serves the Pebble certificate the relay recorded for `siteId`. */
async function expectServed(on: CloudRelay, siteId: string, domain: string): Promise<void> {
  const recorded = await queryRows<{ serial: string }>(
    on.databaseUrl,
    'select serial from certificates where site_id = ? order by not_after desc',
    siteId,
  );
  const edge = await probeCertificate({
    host: new LocalHost(),
    address: '127.0.0.1',
    port: world.qiniu.edgePort,
    servername: domain,
  });
  assert.match(edge.issuer, /Pebble/);
  assert.equal(edge.serial, recorded[0]?.serial, `${domain} does not serve the renewed certificate`);
  assert.deepEqual(edge.names, [domain]);
}

function expectCancelled(row: JobRow | undefined, jobId: string): void {
  assert.equal(row?.id, jobId);
  assert.equal(row.state, 'failed');
  assert.match(row.last_error ?? '', /JOB_CANCELLED/);
}

test('domain change cancels planned job', { timeout: 90_000 }, async () => {
  const dir = await dataDir();
  const setup = await startTestRelay(dir);
  const user = await cloudUser(setup, 'rename');
  const siteId = await addQiniuSite(world, setup, user.token, 'planned-old.example.test');
  const renew = await setup.api('POST', `/sites/${siteId}/renew`, { token: user.token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  await addCdnDomain('planned-new.example.test');
  const changed = await setup.api('PATCH', `/sites/${siteId}`, {
    token: user.token,
    body: { domain: 'planned-new.example.test' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.json));
  await setup.relay.close();
  const [cancelled] = await jobRows(setup.databaseUrl, siteId);
  expectCancelled(cancelled, renew.json.job.id as string);

  // The planner alone plans a fresh job from the new domain.
  const relay = await startCloudRelay(world, dir);
  relays.push(relay);
  const done = await waitForDone(relay, user.token, siteId);
  const jobs = await listedJobs(relay, user.token, siteId);
  assert.deepEqual(jobs.find((job) => job.id === done.id)?.names, ['planned-new.example.test']);
  assert.equal(jobs.length, 2);
  await expectServed(relay, siteId, 'planned-new.example.test');
});

test('domain change closes retrying job', { timeout: 120_000 }, async () => {
  const relay = await startCloudRelay(world, await dataDir());
  relays.push(relay);
  const user = await cloudUser(relay, 'rename');
  // The old domain stays processing, so the attempt issues a certificate, then waits to retry.
  const siteId = await addQiniuSite(world, relay, user.token, 'retry-old.example.test', { holdProcessing: true });
  const waiting = await waitFor(
    'a waiting-retry job',
    async () => (await jobRows(relay.databaseUrl, siteId)).find((job) => job.state === 'waiting-retry'),
    60_000,
  );
  const paused = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'paused' } });
  assert.equal(paused.status, 200, JSON.stringify(paused.json));
  await addCdnDomain('retry-new.example.test');
  const changed = await relay.api('PATCH', `/sites/${siteId}`, {
    token: user.token,
    body: { domain: 'retry-new.example.test' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.json));
  const resumed = await relay.api('PATCH', `/sites/${siteId}`, { token: user.token, body: { status: 'active' } });
  assert.equal(resumed.status, 200, JSON.stringify(resumed.json));
  const renew = await relay.api('POST', `/sites/${siteId}/renew`, { token: user.token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));

  const done = await waitForDone(relay, user.token, siteId);
  assert.notEqual(done.id, waiting.id, 'the job planned for the old domain finished');
  const jobs = await listedJobs(relay, user.token, siteId);
  assert.deepEqual(jobs.find((job) => job.id === done.id)?.names, ['retry-new.example.test']);
  expectCancelled(
    (await jobRows(relay.databaseUrl, siteId)).find((job) => job.id === waiting.id),
    waiting.id,
  );
  await expectServed(relay, siteId, 'retry-new.example.test');
});

test('domain change renews not-due site', { timeout: 120_000 }, async () => {
  const relay = await startCloudRelay(world, await dataDir());
  relays.push(relay);
  const user = await cloudUser(relay, 'rename');
  const siteId = await addQiniuSite(world, relay, user.token, 'fresh-old.example.test');
  const first = await waitForDone(relay, user.token, siteId);
  await addCdnDomain('fresh-new.example.test');

  // The first certificate has about 90 days left, so only the new name makes the site due.
  const changed = await relay.api('PATCH', `/sites/${siteId}`, {
    token: user.token,
    body: { domain: 'fresh-new.example.test' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.json));
  const done = await waitFor(
    'a job for the new domain',
    async () =>
      (await listedJobs(relay, user.token, siteId)).find(
        (job) => job.id !== first.id && job.state === 'done' && job.names.includes('fresh-new.example.test'),
      ),
    90_000,
  );
  assert.deepEqual(done.names, ['fresh-new.example.test']);
  // Both certificates expire about 90 days out, so the check names the new job's serial.
  const edge = await probeCertificate({
    host: new LocalHost(),
    address: '127.0.0.1',
    port: world.qiniu.edgePort,
    servername: 'fresh-new.example.test',
  });
  assert.equal(edge.serial, done.certificate?.serial);
  assert.deepEqual(edge.names, ['fresh-new.example.test']);
});
