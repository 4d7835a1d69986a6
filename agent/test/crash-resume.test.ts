import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RenewalJob } from '@certpilot/core';
import { startScenario, writeSiteCertificate } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

test('killed after issuance resumes without a second order', async (t) => {
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'site.pem'), key: join(certDir, 'site.key') },
        ['crash.test'],
        { daysAgo: 80, daysLeft: 3 },
      );
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'crash.test'),
        tlsServer(tls!, 'crash.test', `${certDir}/site.pem`, `${certDir}/site.key`),
      ].join('\n'),
  });
  t.after(() => scenario.stop());

  const crashed = await scenario.runAgent(['renew'], { env: { CERTPILOT_FAILPOINT: 'after-step:issued' } });
  assert.equal(crashed.signal, 'SIGKILL');

  const jobsDir = join(scenario.stateDir, 'jobs');
  const [jobFile] = await readdir(jobsDir);
  const job = JSON.parse(await readFile(join(jobsDir, jobFile!), 'utf8')) as RenewalJob;
  assert.equal(job.step, 'issued');
  assert.ok(job.certificate);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.orderCount(), 1);
  assert.equal(scenario.pebble.issuedCount(), 1);

  const resumed = await scenario.runAgent(['renew']);
  assert.equal(resumed.status, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.equal((await scenario.served('crash.test')).serial, job.certificate.serial);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.orderCount(), 1);
  assert.equal(scenario.pebble.issuedCount(), 1);

  const finished = JSON.parse(await readFile(join(jobsDir, jobFile!), 'utf8')) as RenewalJob;
  assert.equal(finished.step, 'done');
  assert.deepEqual(
    finished.history.map((entry) => entry.step),
    ['planned', 'issuing', 'issued', 'deploying', 'deployed', 'verifying', 'done'],
  );
});

test('killed after the order was created reuses it', async (t) => {
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'site.pem'), key: join(certDir, 'site.key') },
        ['order.test'],
        { daysAgo: 80, daysLeft: 3 },
      );
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'order.test'),
        tlsServer(tls!, 'order.test', `${certDir}/site.pem`, `${certDir}/site.key`),
      ].join('\n'),
  });
  t.after(() => scenario.stop());

  const crashed = await scenario.runAgent(['renew'], { env: { CERTPILOT_FAILPOINT: 'after-step:issuing' } });
  assert.equal(crashed.signal, 'SIGKILL');
  const resumed = await scenario.runAgent(['renew']);
  assert.equal(resumed.status, 0, `${resumed.stdout}\n${resumed.stderr}`);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.issuedCount(), 1);
});
