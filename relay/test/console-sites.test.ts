/**
 * The sites list's status columns: days left on the newest live certificate and the latest
 * renewal job. Certificates and jobs are written straight into the tables the renewal code
 * fills (a real renewal is covered by the scheduler tests), so each case is exact.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ERROR_MESSAGES } from '@certpilot/core';
import { queryRows } from './support/databases.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(() => relay.stop());

const DAY_MS = 24 * 60 * 60_000;

async function addSite(token: string, domain: string): Promise<string> {
  const dns = await relay.api('POST', '/credentials', {
    token,
    body: { provider: 'aliyun', name: 'dns', accessKeyId: 'LTAI5tSitesList0001', accessKeySecret: 'aliyun-secret-1' },
  });
  const cdn = await relay.api('POST', '/credentials', {
    token,
    body: { provider: 'qiniu', name: 'cdn', accessKeyId: 'QiniuSitesList0001', accessKeySecret: 'qiniu-secret-1' },
  });
  const site = await relay.api('POST', '/sites', {
    token,
    body: {
      origin: 'qiniu-cdn',
      domain,
      credentialId: cdn.json.credential.id,
      config: { 'challenge.credentialId': dns.json.credential.id },
    },
  });
  assert.equal(site.status, 201, JSON.stringify(site.json));
  return site.json.site.id;
}

async function addCertificate(userId: string, siteId: string, notAfter: Date, deleted = false): Promise<void> {
  const now = new Date().toISOString();
  await queryRows(
    relay.databaseUrl,
    `insert into certificates (id, user_id, site_id, serial, names, not_before, not_after, fingerprint,
       certificate_pem, private_key_sealed, create_time, update_time, delete_time)
     values (?, ?, ?, ?, '[]', ?, ?, 'ff', 'PEM', 'sealed', ?, ?, ?)`,
    randomUUID(),
    userId,
    siteId,
    randomUUID().replace(/-/g, ''),
    now,
    notAfter.toISOString(),
    now,
    now,
    deleted ? now : null,
  );
}

async function addJob(
  userId: string,
  siteId: string,
  state: string,
  created: Date,
  lastError?: object,
): Promise<string> {
  const id = randomUUID();
  await queryRows(
    relay.databaseUrl,
    `insert into renewal_jobs (id, user_id, site_id, state, record, attempts, next_run_at, last_error,
       create_time, update_time)
     values (?, ?, ?, ?, '{}', 1, ?, ?, ?, ?)`,
    id,
    userId,
    siteId,
    state,
    created.toISOString(),
    lastError === undefined ? null : JSON.stringify(lastError),
    created.toISOString(),
    new Date(created.getTime() + 60_000).toISOString(),
  );
  return id;
}

test('sites list: no certificate, no job', async () => {
  const { token } = await newUser(relay, 'status');
  await addSite(token, 'fresh.example.com');
  const list = await relay.api('GET', '/sites', { token });
  assert.equal(list.status, 200);
  const [site] = list.json.sites;
  assert.equal(site.daysLeft, null);
  assert.equal(site.notAfter, null);
  assert.equal(site.lastJob, null);
});

test('sites list: days left and latest job', async () => {
  const { token, id: userId } = await newUser(relay, 'status');
  const siteId = await addSite(token, 'cdn.example.com');
  const now = Date.now();
  const newest = new Date(now + 40 * DAY_MS + 3_600_000);
  await addCertificate(userId, siteId, new Date(now + 10 * DAY_MS));
  await addCertificate(userId, siteId, newest);
  await addCertificate(userId, siteId, new Date(now + 90 * DAY_MS), true);
  await addJob(userId, siteId, 'done', new Date(now - 2 * DAY_MS));
  const failedId = await addJob(userId, siteId, 'failed', new Date(now - DAY_MS), {
    code: 'ACME_RATE_LIMITED',
    message: 'rate limited',
    params: { detail: 'too many certificates' },
    retryable: true,
  });

  const list = await relay.api('GET', '/sites', { token, lang: 'zh-CN' });
  const [site] = list.json.sites;
  assert.equal(site.daysLeft, 40, 'the deleted certificate or an older one was counted');
  assert.equal(site.notAfter, newest.toISOString());
  assert.equal(site.lastJob.id, failedId);
  assert.equal(site.lastJob.state, 'failed');
  assert.equal(site.lastJob.error.code, 'ACME_RATE_LIMITED');
  assert.equal(
    site.lastJob.error.message,
    ERROR_MESSAGES['zh-CN'].ACME_RATE_LIMITED!.replace('{{detail}}', 'too many certificates'),
  );
});

test('sites list: expired certificate counts negative', async () => {
  const { token, id: userId } = await newUser(relay, 'status');
  const siteId = await addSite(token, 'old.example.com');
  await addCertificate(userId, siteId, new Date(Date.now() - 3 * DAY_MS + 3_600_000));
  const [site] = (await relay.api('GET', '/sites', { token })).json.sites;
  assert.equal(site.daysLeft, -3);
});

test('sites list: other users see nothing', async () => {
  const owner = await newUser(relay, 'status');
  const siteId = await addSite(owner.token, 'mine.example.com');
  await addCertificate(owner.id, siteId, new Date(Date.now() + 20 * DAY_MS));
  await addJob(owner.id, siteId, 'planned', new Date());
  const other = await newUser(relay, 'status');
  const list = await relay.api('GET', '/sites', { token: other.token });
  assert.deepEqual(list.json.sites, []);
});
