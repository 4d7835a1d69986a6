import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inspectCertificatePem } from '@certpilot/core';
import { startScenario, writeSiteCertificate, type Scenario } from './support/scenario.js';
import { plainServer, tlsServer } from './support/sites.js';

// One nginx serves an expiring site (3 days left) and a fresh one (80 days left).
let scenario: Scenario;
let expiringPem: string;
let freshPem: string;

before(async () => {
  scenario = await startScenario({
    prepare: async (certDir, ca) => {
      ({ certPem: expiringPem } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'shop.pem'), key: join(certDir, 'shop.key') },
        ['shop.test', 'www.shop.test'],
        { daysAgo: 87, daysLeft: 3 },
      ));
      ({ certPem: freshPem } = await writeSiteCertificate(
        ca,
        { cert: join(certDir, 'blog.pem'), key: join(certDir, 'blog.key') },
        ['blog.test'],
        { daysAgo: 10, daysLeft: 80 },
      ));
    },
    serverBlocks: ([http, tls], certDir) =>
      [
        plainServer(http!, 'shop.test www.shop.test'),
        tlsServer(tls!, 'shop.test www.shop.test', `${certDir}/shop.pem`, `${certDir}/shop.key`, 'shop'),
        tlsServer(tls!, 'blog.test', `${certDir}/blog.pem`, `${certDir}/blog.key`, 'blog'),
      ].join('\n'),
  });
});

after(() => scenario?.stop());

test('scan reports the expiring site as due', async () => {
  const run = await scenario.runAgent(['scan', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    sites: Array<{ id: string; due: boolean; daysLeft: number; reason: string; names: string[] }>;
  };
  const shop = report.sites.find((site) => site.id === 'shop.test');
  const blog = report.sites.find((site) => site.id === 'blog.test');
  assert.deepEqual(shop?.names, ['shop.test', 'www.shop.test']);
  assert.equal(shop?.due, true);
  assert.equal(shop?.daysLeft, 2);
  assert.equal(blog?.due, false);
  assert.equal(blog?.reason, 'lifetime-remaining');
});

test('renew replaces the expiring certificate only', async () => {
  const oldShop = inspectCertificatePem(expiringPem, 'old shop certificate');
  const oldBlog = inspectCertificatePem(freshPem, 'old blog certificate');

  const run = await scenario.runAgent(['renew']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /shop\.test: renewed/);

  const served = await scenario.served('shop.test');
  assert.notEqual(served.serial, oldShop.serial);
  assert.deepEqual(served.names.sort(), ['shop.test', 'www.shop.test']);
  assert.match(served.issuer, /Pebble/);
  const onDisk = inspectCertificatePem(await readFile(join(scenario.certDir, 'shop.pem'), 'utf8'), 'shop.pem');
  assert.equal(onDisk.serial, served.serial);
  assert.equal(onDisk.chainLength >= 1, true);
  assert.deepEqual(onDisk.chainProblems, []);

  assert.equal((await scenario.served('www.shop.test')).serial, served.serial);
  assert.equal((await scenario.served('blog.test')).serial, oldBlog.serial);
  assert.equal(await readFile(join(scenario.certDir, 'blog.pem'), 'utf8'), freshPem);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.orderCount(), 1);
});

test('new private key has mode 0600', async () => {
  const { stat } = await import('node:fs/promises');
  const info = await stat(join(scenario.certDir, 'shop.key'));
  assert.equal(info.mode & 0o777, 0o600);
});

test('http block gained a managed challenge location', async () => {
  const conf = await readFile(scenario.nginx.confPath, 'utf8');
  assert.match(conf, /managed by certpilot/);
  assert.match(conf, /location \^~ \/\.well-known\/acme-challenge\//);
  assert.equal((await scenario.nginx.test()).ok, true);
});

test('second renew finds nothing due', async () => {
  const run = await scenario.runAgent(['renew']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Nothing to renew: 2 site\(s\) checked/);
  await scenario.pebble.flushLog();
  assert.equal(scenario.pebble.orderCount(), 1);
});

test('status shows the last result per site', async () => {
  const run = await scenario.runAgent(['status', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const status = JSON.parse(run.stdout) as { sites: Record<string, { outcome: string; serial?: string }> };
  assert.equal(status.sites['shop.test']?.outcome, 'not-due');
  assert.equal(status.sites['blog.test']?.outcome, 'not-due');
  const text = await scenario.runAgent(['status'], { lang: 'zh_CN.UTF-8' });
  assert.match(text.stdout, /shop\.test：未到期/);
});
