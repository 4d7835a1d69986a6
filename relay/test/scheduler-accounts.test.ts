import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AccountSlots } from '../src/scheduler/account-slots.js';
import { addQiniuSite, cloudUser } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, waitFor, type CloudRelay, type CloudWorld } from './support/cloud-world.js';

let world: CloudWorld;

before(async () => {
  world = await startCloudWorld();
});
after(async () => {
  await world?.stop();
});

test('account slots cap each account and leave others free', () => {
  const slots = new AccountSlots(2);
  const first = slots.acquire('https://ca-one.test/directory');
  const second = slots.acquire('https://ca-one.test/directory');
  assert.ok(first, 'first slot');
  assert.ok(second, 'second slot');
  assert.equal(slots.acquire('https://ca-one.test/directory'), undefined, 'a third job on one account waits');
  assert.ok(slots.acquire('https://ca-two.test/directory'), 'another account runs beside it');

  first();
  first();
  assert.equal(slots.free('https://ca-one.test/directory'), 1, 'a slot is given back once');
  assert.ok(slots.acquire('https://ca-one.test/directory'));
  assert.throws(() => new AccountSlots(0), /perAccount must be a positive integer, got 0/);
});

type Step = { step: string; at: string };

/** Adds three sites at once and returns each job's run as [first step after planned, done]. */
async function runThreeSites(relay: CloudRelay, tag: string): Promise<Array<[number, number]>> {
  const user = await cloudUser(relay, tag);
  const sites: string[] = [];
  for (const name of ['a', 'b', 'c'])
    sites.push(await addQiniuSite(world, relay, user.token, `${name}.${tag}.example.test`));
  const runs: Array<[number, number]> = [];
  for (const siteId of sites) {
    const steps = await waitFor(
      `the job of ${siteId} to finish`,
      async () => {
        const jobs = (await relay.api('GET', `/sites/${siteId}/jobs`, { token: user.token })).json.jobs;
        return jobs.find((job: { state: string }) => job.state === 'done')?.steps as Step[] | undefined;
      },
      60_000,
    );
    const started = steps.find((step) => step.step !== 'planned')!;
    runs.push([Date.parse(started.at), Date.parse(steps.at(-1)!.at)]);
  }
  return runs.sort((a, b) => a[0] - b[0]);
}

const overlaps = (runs: Array<[number, number]>) =>
  runs.some((run, index) => index > 0 && run[0] < runs[index - 1]![1]);

// Long ticks, so all three jobs are planned before the tick that claims them; the two tests
// differ only in the account limit.
const LONG_TICKS = { concurrency: 4, intervalMs: 1_500, jitterMs: 0 };

test('jobs on one ACME account run one at a time at limit 1', { timeout: 120_000 }, async () => {
  const relay = await startCloudRelay(world, await world.dataDir(), 3_000, { ...LONG_TICKS, accountConcurrency: 1 });
  try {
    const runs = await runThreeSites(relay, 'serial');
    assert.equal(overlaps(runs), false, `runs overlap: ${JSON.stringify(runs)}`);
  } finally {
    await relay.close();
  }
});

test('jobs on one ACME account overlap at limit 3', { timeout: 120_000 }, async () => {
  const relay = await startCloudRelay(world, await world.dataDir(), 3_000, { ...LONG_TICKS, accountConcurrency: 3 });
  try {
    const runs = await runThreeSites(relay, 'parallel');
    assert.equal(overlaps(runs), true, `runs do not overlap: ${JSON.stringify(runs)}`);
  } finally {
    await relay.close();
  }
});
