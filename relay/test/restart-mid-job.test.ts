import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import { cloudRelayOptions, startChildRelay, type ChildRelay } from './support/child-relay.js';
import { addQiniuSite, cloudUser, waitForDone } from './support/cloud-sites.js';
import { startCloudWorld, waitFor, type CloudWorld } from './support/cloud-world.js';
import { databaseUrlFor, queryRows } from './support/databases.js';

// A relay killed with SIGKILL right after a job step was persisted (core's CERTPILOT_FAILPOINT),
// then a fresh relay on the same database. The job resumes where it stopped once its claim expires.
const LEASE_MS = 3_000;

let world: CloudWorld;
const running: ChildRelay[] = [];

before(async () => {
  world = await startCloudWorld();
});
after(async () => {
  for (const relay of running) await relay.kill();
  await world?.stop();
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<ChildRelay> {
  const relay = await startChildRelay(await cloudRelayOptions(world, dataDir, LEASE_MS), env);
  running.push(relay);
  return relay;
}

interface JobRow {
  id: string;
  state: string;
  claimed_by: string | null;
  claimed_until: string | null;
}

async function jobRows(dataDir: string, siteId: string): Promise<JobRow[]> {
  return queryRows<JobRow>(
    await databaseUrlFor(dataDir),
    'select id, state, claimed_by, claimed_until from renewal_jobs where site_id = ?',
    siteId,
  );
}

function sslcertUploads(): number {
  return world.qiniu.requests.filter((request) => request.method === 'POST' && request.path === '/sslcert').length;
}

/** Counts what a renewal leaves at Pebble and the fake CDN, to compare before and after. */
function renewalCounts() {
  return { orders: world.pebble.orderCount(), issued: world.pebble.issuedCount(), uploads: sslcertUploads() };
}

/**
 * Checks that exactly one order, one issuance and one upload happened since `before`, and that
 * the CDN edge serves the job's certificate for `domain`.
 */
async function assertRenewedOnce(
  before: ReturnType<typeof renewalCounts>,
  domain: string,
  certificate: { serial: string },
): Promise<void> {
  const now = renewalCounts();
  assert.equal(now.orders - before.orders, 1, 'one ACME order');
  assert.equal(now.issued - before.issued, 1, 'one certificate issued');
  assert.equal(now.uploads - before.uploads, 1, 'one upload to the CDN');
  const edge = await probeCertificate({
    host: new LocalHost(),
    address: '127.0.0.1',
    port: world.qiniu.edgePort,
    servername: domain,
  });
  assert.equal(edge.serial, certificate.serial);
  assert.match(edge.issuer, /Pebble/);
}

for (const step of ['issued', 'deployed'] as const) {
  test(`relay killed after ${step} resumes job`, { timeout: 120_000 }, async () => {
    const dataDir = await world.dataDir();
    const domain = `${step}.example.test`;
    const before = renewalCounts();

    const first = await start(dataDir, { CERTPILOT_FAILPOINT: `after-step:${step}` });
    const { token } = await cloudUser(first, 'restart');
    const siteId = await addQiniuSite(world, first, token, domain);
    const exit = await Promise.race([
      first.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000).unref()),
    ]);
    assert.equal(exit, 'SIGKILL', `the relay should have been killed at ${step}: ${first.stderr()}`);

    const [killed] = await jobRows(dataDir, siteId);
    assert.equal(killed?.state, step, 'the step was persisted before the kill');
    assert.ok(killed.claimed_by, 'the dead relay still holds the claim');
    const claimedUntil = Date.parse(killed.claimed_until!);

    const second = await start(dataDir);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a job as the API sends it
    const done: any = await waitForDone(second, token, siteId);
    assert.equal(done.id, killed.id, 'the same job finished, no new one was planned');
    assert.ok(Date.parse(done.updateTime) >= claimedUntil, 'it resumed only after the claim expired');
    const steps = done.steps.map((entry: { step: string }) => entry.step);
    assert.deepEqual(steps, ['planned', 'issuing', 'issued', 'deploying', 'deployed', 'verifying', 'done']);

    await assertRenewedOnce(before, domain, done.certificate);
    assert.equal((await jobRows(dataDir, siteId)).length, 1);
    await second.kill();
  });
}

test(
  'a relay killed while the CDN is processing the bind resumes without a second upload',
  { timeout: 120_000 },
  async () => {
    const dataDir = await world.dataDir();
    const domain = 'held.example.test';
    const before = renewalCounts();

    const first = await start(dataDir);
    const { token } = await cloudUser(first, 'held');
    // The relay waits up to a minute for the processing domain: long enough to kill it mid-wait.
    const siteId = await addQiniuSite(world, first, token, domain, {
      config: { processingWaitSeconds: 60 },
      holdProcessing: true,
    });
    await waitFor('the bind request at the fake CDN', async () =>
      world.qiniu.requests.some((request) => request.method === 'PUT' && request.path.includes(domain))
        ? true
        : undefined,
    );
    const [waiting] = await jobRows(dataDir, siteId);
    assert.equal(waiting?.state, 'deploying', 'the job is in the middle of deploying');
    await first.kill();
    assert.equal(first.child.signalCode, 'SIGKILL');

    world.qiniu.finishProcessing(domain);
    const second = await start(dataDir);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a job as the API sends it
    const done: any = await waitForDone(second, token, siteId);
    assert.equal(done.id, waiting.id);
    await assertRenewedOnce(before, domain, done.certificate);
    await second.kill();
  },
);
