import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectCertificatePem } from '@certpilot/core';
import { nginxMasterPid, startScenario, writeSiteCertificate } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

test('failed nginx -t after the swap rolls back', async (t) => {
  // Two server blocks share one certificate file but name different key files with the same
  // key. Renewing one replaces the certificate under the other's key, which nginx -t rejects.
  let oldPem = '';
  let oldKey = '';
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      ({ certPem: oldPem, keyPem: oldKey } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'shared.pem'), key: join(certDir, 'a.key') },
        ['a.test', 'b.test'],
        { daysAgo: 80, daysLeft: 3 },
      ));
      await writeFile(join(certDir, 'b.key'), oldKey, { mode: 0o600 });
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'a.test b.test'),
        tlsServer(tls!, 'a.test', `${certDir}/shared.pem`, `${certDir}/a.key`, 'a'),
        tlsServer(tls!, 'b.test', `${certDir}/shared.pem`, `${certDir}/b.key`, 'b'),
      ].join('\n'),
  });
  t.after(() => scenario.stop());
  const oldSerial = inspectCertificatePem(oldPem, 'old').serial;

  const scan = await scenario.runAgent(['scan']);
  assert.match(scan.stdout, /shared with another server block/);

  const run = await scenario.runAgent(['renew', '--site', 'a.test']);
  assert.equal(run.status, 1, run.stdout);
  assert.match(run.stdout, /nginx -t failed after the deploy; the old certificate was restored/);
  assert.match(run.stdout, /DEPLOY_TEST_FAILED/);

  assert.equal(await readFile(join(scenario.certDir, 'shared.pem'), 'utf8'), oldPem);
  assert.equal(await readFile(join(scenario.certDir, 'a.key'), 'utf8'), oldKey);
  assert.equal((await scenario.nginx.test()).ok, true);
  assert.equal((await scenario.served('a.test')).serial, oldSerial);
  assert.equal((await scenario.served('b.test')).serial, oldSerial);

  // A configuration error is terminal: the job is failed, not retried in a loop.
  const status = JSON.parse((await scenario.runAgent(['status', '--json'])).stdout) as {
    sites: Record<string, { outcome: string; error?: { code: string } }>;
  };
  assert.equal(status.sites['a.test']?.outcome, 'failed');
  assert.equal(status.sites['a.test']?.error?.code, 'DEPLOY_TEST_FAILED');
});

test('probe that still sees the old certificate rolls back', async (t) => {
  let oldPem = '';
  let oldKey = '';
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      ({ certPem: oldPem, keyPem: oldKey } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'site.pem'), key: join(certDir, 'site.key') },
        ['stuck.test'],
        { daysAgo: 80, daysLeft: 3 },
      ));
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'stuck.test'),
        tlsServer(tls!, 'stuck.test', `${certDir}/site.pem`, `${certDir}/site.key`),
      ].join('\n'),
    agentConfig: () => ({ probe: { timeoutSeconds: 2 } }),
  });
  t.after(() => scenario.stop());
  const oldSerial = inspectCertificatePem(oldPem, 'old').serial;

  // The agent adds challenge routes with a reload, which the stopped master below would never
  // apply, so this site comes with its challenge location already in place.
  const conf = await readFile(scenario.nginx.confPath, 'utf8');
  const withLocation = conf.replace(
    'server_name stuck.test;\n        location / { return 200 "plain\\n"; }',
    `server_name stuck.test;\n        location ^~ /.well-known/acme-challenge/ { root ${scenario.stateDir}/webroot; }\n        location / { return 200 "plain\\n"; }`,
  );
  assert.notEqual(withLocation, conf);
  await writeFile(scenario.nginx.confPath, withLocation);
  await scenario.nginx.reload();

  // A stopped master never acts on the reload signal, while its worker keeps serving the old
  // certificate: exactly what a reload that did not take effect looks like from outside.
  const master = await nginxMasterPid(scenario.nginx);
  process.kill(master, 'SIGSTOP');
  let run;
  try {
    run = await scenario.runAgent(['renew']);
  } finally {
    process.kill(master, 'SIGCONT');
  }
  assert.equal(run.status, 1, run.stdout);
  assert.match(run.stdout, /still serves the old certificate/);
  assert.equal(await readFile(join(scenario.certDir, 'site.pem'), 'utf8'), oldPem);
  assert.equal(await readFile(join(scenario.certDir, 'site.key'), 'utf8'), oldKey);

  // The master now handles the pending reload with the restored files.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal((await scenario.served('stuck.test')).serial, oldSerial);

  // A probe failure is retryable: the job waits with the certificate it already has.
  const status = JSON.parse((await scenario.runAgent(['status', '--json'])).stdout) as {
    sites: Record<string, { outcome: string; nextRunAt?: string }>;
  };
  assert.equal(status.sites['stuck.test']?.outcome, 'waiting-retry');
  assert.ok(status.sites['stuck.test']?.nextRunAt);
});
