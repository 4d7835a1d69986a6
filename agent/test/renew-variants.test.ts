import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectCertificatePem } from '@certpilot/core';
import { startScenario, writeSiteCertificate } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

test('site in an included file is renewed', async (t) => {
  let oldPem = '';
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      ({ certPem: oldPem } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'api.pem'), key: join(certDir, 'api.key') },
        ['api.test'],
        { daysAgo: 60, daysLeft: 3 },
      ));
    },
    serverBlocks: () => '',
    extraFiles: {
      'conf.d/api.conf': () => 'include sites/*.conf;\n',
      'sites/api.conf': ([, tls], certDir) => tlsServer(tls!, 'api.test', `${certDir}/api.pem`, `${certDir}/api.key`),
    },
  });
  t.after(() => scenario.stop());

  const scan = await scenario.runAgent(['scan', '--json']);
  assert.equal(scan.status, 0, scan.stderr);
  const report = JSON.parse(scan.stdout) as { sites: Array<{ id: string; blocks: Array<{ file: string }> }> };
  assert.equal(report.sites[0]?.id, 'api.test');
  assert.match(report.sites[0]?.blocks[0]?.file ?? '', /sites\/api\.conf$/);

  // No plain-HTTP block serves api.test, so the agent adds one for http-01 next to the TLS block.
  const run = await scenario.runAgent(['renew']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const served = await scenario.served('api.test');
  assert.notEqual(served.serial, inspectCertificatePem(oldPem, 'old').serial);
  const included = await readFile(join(scenario.nginx.prefix, 'sites', 'api.conf'), 'utf8');
  assert.match(included, new RegExp(`listen (127\\.0\\.0\\.1:)?${scenario.httpPort};`));
  assert.match(included, /managed by certpilot/);
});

test('IDN site is renewed with its punycode name', async (t) => {
  const punycode = 'xn--fsqu00a.test';
  let oldPem = '';
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      ({ certPem: oldPem } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'idn.pem'), key: join(certDir, 'idn.key') },
        [punycode],
        { daysAgo: 80, daysLeft: 2 },
      ));
    },
    serverBlocks: ([http, tls], certDir) =>
      [plainServer(http!, punycode), tlsServer(tls!, punycode, `${certDir}/idn.pem`, `${certDir}/idn.key`)].join('\n'),
  });
  t.after(() => scenario.stop());

  const run = await scenario.runAgent(['renew', '--site', '例子.test']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const served = await scenario.served(punycode);
  assert.notEqual(served.serial, inspectCertificatePem(oldPem, 'old').serial, run.stdout);
  assert.deepEqual(served.names, [punycode]);
});

test('unknown --site names the value', async (t) => {
  const scenario = await startScenario({
    prepare: async (certDir, ca) => {
      await writeSiteCertificate(ca, { cert: join(certDir, 'a.pem'), key: join(certDir, 'a.key') }, ['a.test'], {
        daysAgo: 10,
        daysLeft: 80,
      });
    },
    serverBlocks: ([, tls], certDir) => tlsServer(tls!, 'a.test', `${certDir}/a.pem`, `${certDir}/a.key`),
  });
  t.after(() => scenario.stop());

  const run = await scenario.runAgent(['renew', '--site', 'nope.test']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /No site named nope\.test: run scan/);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.orderCount(), 0);
});
