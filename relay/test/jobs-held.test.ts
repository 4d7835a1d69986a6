import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { plannedQiniuSite } from './support/planned-site.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
let token: string;
let siteId: string;

// The relay runs without a scheduler, so the planned job stays unfinished for the whole test.
before(async () => {
  relay = await startTestRelay();
  token = (await newUser(relay, 'held')).token;
  siteId = await plannedQiniuSite(relay, token, 'held.example.com');
});
after(() => relay?.stop());

async function setStatus(status: 'active' | 'paused'): Promise<void> {
  const response = await relay.api('PATCH', `/sites/${siteId}`, { token, body: { status } });
  assert.equal(response.status, 200, JSON.stringify(response.json));
}

/** Reads the `held` flag of the site's newest job from the job history and from the sites list. */
async function heldFlags(): Promise<{ history: unknown; list: unknown; state: string }> {
  const jobs = await relay.api('GET', `/sites/${siteId}/jobs`, { token });
  assert.equal(jobs.status, 200, JSON.stringify(jobs.json));
  assert.equal(jobs.json.jobs.length, 1, JSON.stringify(jobs.json));
  const sites = await relay.api('GET', '/sites', { token });
  assert.equal(sites.status, 200, JSON.stringify(sites.json));
  const site = sites.json.sites.find((entry: { id: string }) => entry.id === siteId);
  assert.ok(site?.lastJob, JSON.stringify(sites.json));
  assert.equal(site.lastJob.id, jobs.json.jobs[0].id);
  return { history: jobs.json.jobs[0].held, list: site.lastJob.held, state: jobs.json.jobs[0].state };
}

test('unfinished job of active site not held', async () => {
  const flags = await heldFlags();
  assert.equal(flags.state, 'planned');
  assert.equal(flags.history, false);
  assert.equal(flags.list, false);
});

test('pausing holds the unfinished job', async () => {
  await setStatus('paused');
  const flags = await heldFlags();
  assert.equal(flags.state, 'planned', 'pausing keeps the job');
  assert.equal(flags.history, true);
  assert.equal(flags.list, true);
});

test('resuming releases the held job', async () => {
  await setStatus('active');
  const flags = await heldFlags();
  assert.equal(flags.history, false);
  assert.equal(flags.list, false);
});
