import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startScenario, writeSiteCertificate } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

test('enable-https adds a TLS server block', async (t) => {
  const scenario = await startScenario({
    serverBlocks: ([http]) => plainServer(http!, 'new.test www.new.test', 'hello'),
  });
  t.after(() => scenario.stop());
  const before = await readFile(scenario.nginx.confPath, 'utf8');

  const run = await scenario.runAgent(['enable-https', 'new.test', '--port', String(scenario.tlsPort)]);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /new\.test now serves HTTPS/);

  const served = await scenario.served('new.test');
  assert.deepEqual(served.names.sort(), ['new.test', 'www.new.test']);
  assert.match(served.issuer, /Pebble/);
  const after = await readFile(scenario.nginx.confPath, 'utf8');
  assert.notEqual(after, before);
  assert.match(after, new RegExp(`listen (127\\.0\\.0\\.1:)?${scenario.tlsPort} ssl`));
  assert.match(after, /ssl_certificate .*certs\/new\.test\/fullchain\.pem/);

  // The new block is now an ordinary TLS site for scan and renew.
  const scan = JSON.parse((await scenario.runAgent(['scan', '--json'])).stdout) as {
    sites: Array<{ id: string; due: boolean }>;
  };
  assert.deepEqual(
    scan.sites.map((site) => [site.id, site.due]),
    [['new.test', false]],
  );

  const again = await scenario.runAgent(['enable-https', 'new.test', '--port', String(scenario.tlsPort)]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already served over HTTPS/);
});

test('scan lists a site whose certificate file is missing', async (t) => {
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'gone.pem'), key: join(certDir, 'gone.key') },
        ['gone.test'],
        { daysAgo: 10, daysLeft: 80 },
      );
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'gone.test'),
        tlsServer(tls!, 'gone.test', `${certDir}/gone.pem`, `${certDir}/gone.key`),
      ].join('\n'),
  });
  t.after(() => scenario.stop());
  await rm(join(scenario.certDir, 'gone.pem'));

  const scan = await scenario.runAgent(['scan', '--json']);
  assert.equal(scan.status, 0, scan.stderr);
  const report = JSON.parse(scan.stdout) as {
    configError: string | null;
    sites: Array<{ id: string; due: boolean; reason: string; certificateError: string | null }>;
  };
  assert.match(report.configError ?? '', /gone\.pem/);
  assert.equal(report.sites[0]?.id, 'gone.test');
  assert.equal(report.sites[0]?.due, true);
  assert.equal(report.sites[0]?.reason, 'certificate-missing');
  assert.match(report.sites[0]?.certificateError ?? '', /ENOENT/);

  // renew puts a stand-in in place so nginx can reload for http-01, then the real certificate.
  const run = await scenario.runAgent(['renew']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match((await scenario.served('gone.test')).issuer, /Pebble/);
  assert.equal((await scenario.nginx.test()).ok, true);
});
