import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import {
  ALIYUN,
  QINIU,
  startCloudRelay,
  startCloudWorld,
  waitFor,
  type CloudRelay,
  type CloudWorld,
} from './support/cloud-world.js';
import { queryRows, storedText } from './support/databases.js';

let world: CloudWorld;
let relay: CloudRelay;

before(async () => {
  world = await startCloudWorld();
  relay = await startCloudRelay(world, await world.dataDir());
});
after(async () => {
  await relay?.close();
  await world?.stop();
});

let users = 0;
async function newUser(on: CloudRelay): Promise<string> {
  users += 1;
  const account = `sched${users}_${process.pid}`;
  const password = 'Correct-horse-42';
  assert.equal((await on.api('POST', '/auth/register', { body: { account, name: 'Ops', password } })).status, 201);
  return (await on.api('POST', '/auth/login', { body: { account, password } })).json.token;
}

async function credential(
  on: CloudRelay,
  token: string,
  provider: 'qiniu' | 'aliyun',
  secret?: string,
): Promise<string> {
  const keys =
    provider === 'qiniu'
      ? { accessKeyId: QINIU.accessKey, accessKeySecret: secret ?? QINIU.secretKey }
      : { accessKeyId: ALIYUN.accessKeyId, accessKeySecret: secret ?? ALIYUN.accessKeySecret };
  const response = await on.api('POST', '/credentials', { token, body: { provider, name: provider, ...keys } });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.credential.id;
}

/** A qiniu-cdn site for `domain`, which the fake serves with a certificate 3 days from expiry. */
async function qiniuSite(
  on: CloudRelay,
  token: string,
  domain: string,
  options: { qiniuSecret?: string; hold?: boolean } = {},
) {
  world.qiniu.addDomain({ name: domain, type: 'normal', https: await world.oldCertificate([domain], 3) });
  if (options.hold) world.qiniu.holdProcessing(domain, 'forever');
  const qiniu = await credential(on, token, 'qiniu', options.qiniuSecret);
  const aliyun = await credential(on, token, 'aliyun');
  const config = {
    'challenge.credentialId': aliyun,
    'challenge.resolvers': `127.0.0.1:${world.pebble.dnsPort}`,
    'challenge.propagationTimeoutSeconds': 10,
    processingWaitSeconds: 1,
    'edge.address': '127.0.0.1',
    'edge.port': world.qiniu.edgePort,
    'edge.timeoutSeconds': 3,
    'edge.intervalSeconds': 0.2,
  };
  const response = await on.api('POST', '/sites', {
    token,
    body: { origin: 'qiniu-cdn', domain, credentialId: qiniu, config },
  });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.site.id as string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- job views as the API sends them
type JobView = any;

async function jobs(on: CloudRelay, token: string, siteId: string, lang?: string): Promise<JobView[]> {
  const response = await on.api('GET', `/sites/${siteId}/jobs`, { token, ...(lang ? { lang } : {}) });
  assert.equal(response.status, 200, JSON.stringify(response.json));
  return response.json.jobs;
}

const waitForState = (on: CloudRelay, token: string, siteId: string, state: string, jobId?: string) =>
  waitFor(`a ${state} job of ${siteId}`, async () =>
    (await jobs(on, token, siteId)).find((job) => job.state === state && (jobId === undefined || job.id === jobId)),
  );

const served = (servername: string) =>
  probeCertificate({ host: new LocalHost(), address: '127.0.0.1', port: world.qiniu.edgePort, servername });

const uploads = () =>
  world.qiniu.requests.filter((r) => r.method === 'POST' && r.path === '/sslcert' && r.signed).length;

test('the scheduler renews a due Qiniu CDN site on its own and records the certificate sealed', async () => {
  const token = await newUser(relay);
  const siteId = await qiniuSite(relay, token, 'cdn.example.test');

  const done = await waitForState(relay, token, siteId, 'done');
  assert.deepEqual(
    done.steps.map((step: { step: string }) => step.step),
    ['planned', 'issuing', 'issued', 'deploying', 'deployed', 'verifying', 'done'],
  );
  const edge = await served('cdn.example.test');
  assert.match(edge.issuer, /Pebble/);
  assert.equal(edge.serial, done.certificate.serial);

  const rows = await queryRows<{ serial: string; private_key_sealed: string }>(
    relay.databaseUrl,
    'SELECT serial, private_key_sealed FROM certificates WHERE site_id = ?',
    siteId,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.serial, edge.serial);
  assert.doesNotMatch(rows[0]!.private_key_sealed, /PRIVATE KEY/);
  // Nothing secret in clear anywhere in the database: keys, AccessKey secrets.
  const stored = await storedText(relay.databaseUrl);
  for (const secret of ['PRIVATE KEY', QINIU.secretKey, ALIYUN.accessKeySecret]) {
    assert.ok(!stored.includes(secret), `${secret} is stored in clear`);
  }

  // Not due any more: later ticks plan nothing.
  await new Promise((done) => setTimeout(done, 1_000));
  assert.equal((await jobs(relay, token, siteId)).length, 1);
});

test('POST /sites/:id/renew forces a renewal of a site that is not due', async () => {
  const token = await newUser(relay);
  const siteId = await qiniuSite(relay, token, 'forced.example.test');
  const first = await waitForState(relay, token, siteId, 'done');
  const before = uploads();

  const renew = await relay.api('POST', `/sites/${siteId}/renew`, { token });
  assert.equal(renew.status, 202, JSON.stringify(renew.json));
  assert.notEqual(renew.json.job.id, first.id);
  const second = await waitForState(relay, token, siteId, 'done', renew.json.job.id);
  assert.notEqual(second.certificate.serial, first.certificate.serial);
  assert.equal((await served('forced.example.test')).serial, second.certificate.serial);
  assert.equal(uploads() - before, 1);
});

test('renew and history are scoped to the owner, and bad input is refused', async () => {
  const token = await newUser(relay);
  const siteId = await qiniuSite(relay, token, 'scoped.example.test');
  const other = await newUser(relay);
  assert.equal((await relay.api('POST', `/sites/${siteId}/renew`, { token: other })).status, 404);
  assert.equal((await relay.api('GET', `/sites/${siteId}/jobs`, { token: other })).status, 404);
  assert.equal((await relay.api('GET', `/sites/${siteId}/jobs`)).status, 401);
  const badId = await relay.api('POST', '/sites/not-a-uuid/renew', { token });
  assert.equal(badId.status, 400);
  assert.equal(badId.json.code, 'REQUEST_INVALID');

  const nginx = await relay.api('POST', '/sites', { token, body: { origin: 'nginx', domain: 'box.example.test' } });
  const refused = await relay.api('POST', `/sites/${nginx.json.site.id}/renew`, { token });
  assert.equal(refused.status, 400);
  assert.match(refused.json.message, /renewed by their agent/);

  // Settings the renewal would reject are rejected when the site is saved.
  const qiniu = await credential(relay, token, 'qiniu');
  const aliyun = await credential(relay, token, 'aliyun');
  const config = { 'challenge.credentialId': aliyun, 'edge.port': 0 };
  const invalid = await relay.api('POST', '/sites', {
    token,
    lang: 'zh-CN',
    body: { origin: 'qiniu-cdn', domain: 'broken.example.test', credentialId: qiniu, config },
  });
  assert.equal(invalid.status, 400);
  assert.match(invalid.json.message, /请求无效.*config\.edge\.port/);
  await waitForState(relay, token, siteId, 'done');
});

test('a wrong AccessKey secret fails terminally with the provider message, and is not retried', async () => {
  const token = await newUser(relay);
  const siteId = await qiniuSite(relay, token, 'bad.example.test', { qiniuSecret: 'wrong-secret-value' });
  const failed = await waitForState(relay, token, siteId, 'failed');
  assert.equal(failed.error.code, 'PROVIDER_AUTH_FAILED');
  assert.equal(failed.error.retryable, false);
  const chinese = (await jobs(relay, token, siteId, 'zh-CN'))[0];
  assert.match(chinese.error.message, /拒绝了站点 .* 的 AccessKey/);
  assert.match(chinese.steps.at(-1).error.message, /拒绝了站点/);
  assert.doesNotMatch(JSON.stringify(chinese), /wrong-secret-value/);
  await new Promise((done) => setTimeout(done, 1_000));
  assert.equal((await jobs(relay, token, siteId)).length, 1, 'a terminal failure waits for the user');
});

test('a job waiting on a processing domain resumes after a restart and finishes', { timeout: 90_000 }, async () => {
  const token = await newUser(relay);
  const siteId = await qiniuSite(relay, token, 'slow.example.test', { hold: true });
  const waiting = await waitForState(relay, token, siteId, 'waiting-retry');
  assert.equal(waiting.error.code, 'PROVIDER_DOMAIN_PROCESSING');
  assert.ok(Date.parse(waiting.nextRunAt) > Date.now());

  await relay.restart();
  world.qiniu.finishProcessing('slow.example.test');
  // The backoff's first minute passes.
  await queryRows(
    relay.databaseUrl,
    'UPDATE renewal_jobs SET next_run_at = ? WHERE id = ?',
    new Date().toISOString(),
    waiting.id,
  );

  const done = await waitForState(relay, token, siteId, 'done', waiting.id);
  const steps = done.steps.map((step: { step: string }) => step.step);
  assert.ok(steps.includes('waiting-retry'));
  assert.equal(steps.filter((step: string) => step === 'issuing').length, 1, 'the certificate was ordered once');
  assert.match((await served('slow.example.test')).issuer, /Pebble/);
});

test('two relays on one database never run the same job twice', { timeout: 90_000 }, async () => {
  const second = await startCloudRelay(world, relay.databaseFile.replace(/\/relay\.db$/, ''));
  try {
    const token = await newUser(relay);
    const before = uploads();
    const names = ['twin-a.example.test', 'twin-b.example.test', 'twin-c.example.test'];
    const sites: string[] = [];
    for (const name of names)
      sites.push(await qiniuSite(name.endsWith('b.example.test') ? second : relay, token, name));
    for (const siteId of sites) await waitForState(relay, token, siteId, 'done');
    assert.equal(uploads() - before, names.length, 'one upload per site');
    const claims = await queryRows<{ n: number }>(
      relay.databaseUrl,
      'SELECT site_id, count(*) AS n FROM renewal_jobs WHERE site_id IN (?, ?, ?) GROUP BY site_id',
      ...sites,
    );
    assert.deepEqual(
      claims.map((row) => row.n),
      [1, 1, 1],
    );
  } finally {
    await second.close();
  }
});
