import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import { ALIYUN, startCloudWorld, type CloudWorld } from './support/cloud.js';

let world: CloudWorld;

before(async () => {
  world = await startCloudWorld();
});
after(() => world?.stop());

const served = (port: number, servername: string) =>
  probeCertificate({ host: new LocalHost(), address: '127.0.0.1', port, servername });

test('Qiniu CDN domain renewed through dns-01', async () => {
  const old = await world.oldCertificate(['cdn.example.test'], 3);
  world.qiniu.addDomain({
    name: 'cdn.example.test',
    type: 'normal',
    https: { ...old, forceHttps: true, http2Enable: true },
  });
  const config = await world.writeConfig([
    {
      id: 'qiniu-cdn',
      target: 'qiniu-cdn',
      credential: 'qiniu',
      names: ['cdn.example.test'],
      edge: { port: world.qiniu.edgePort },
    },
  ]);

  const run = await world.run(config);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /qiniu-cdn: renewed/);

  const edge = await served(world.qiniu.edgePort, 'cdn.example.test');
  assert.match(edge.issuer, /Pebble/);
  const domain = world.qiniu.domain('cdn.example.test');
  assert.equal(domain.https?.forceHttps, true);
  assert.equal(domain.https?.http2Enable, true);
  // Every TXT record the solver added is gone again.
  assert.deepEqual(
    world.aliyun.dnsRecords('example.test').filter((record) => record.type === 'TXT'),
    [],
  );
});

test('renewal not due leaves the CDN alone', async () => {
  const config = await world.writeConfig([
    {
      id: 'qiniu-cdn',
      target: 'qiniu-cdn',
      credential: 'qiniu',
      names: ['cdn.example.test'],
      edge: { port: world.qiniu.edgePort },
    },
  ]);
  const uploads = world.qiniu.certificates().length;
  const run = await world.run(config);
  assert.equal(run.status, 0, run.stdout);
  assert.match(run.stdout, /qiniu-cdn: not due/);
  assert.equal(world.qiniu.certificates().length, uploads);
});

test('forced renewal deletes our old upload only', async () => {
  const foreign = await world.oldCertificate(['other.example.test'], 60);
  world.qiniu.addDomain({ name: 'other.example.test', type: 'normal', https: foreign });
  const before = world.qiniu.certificates().map((certificate) => certificate.certId);
  const config = await world.writeConfig([
    {
      id: 'qiniu-cdn',
      target: 'qiniu-cdn',
      credential: 'qiniu',
      names: ['cdn.example.test'],
      edge: { port: world.qiniu.edgePort },
    },
  ]);

  const run = await world.run(config, ['--force']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const after = world.qiniu.certificates().map((certificate) => certificate.certId);
  const current = world.qiniu.domain('cdn.example.test').https?.certId;
  assert.ok(current && after.includes(current));
  // The certificate from the first renewal was ours and is unused now; the other domain's stays.
  const ours = before.filter((id) => world.qiniu.certificates().every((certificate) => certificate.certId !== id));
  assert.equal(ours.length, 1, `deleted: ${ours.join(', ')}`);
  assert.ok(after.includes(world.qiniu.domain('other.example.test').https!.certId!));
});

test('Qiniu Kodo custom domain renewed', async () => {
  const old = await world.oldCertificate(['files.example.test'], 2);
  world.qiniu.addDomain({ name: 'files.example.test', type: 'kodo', https: old });
  const config = await world.writeConfig([
    {
      id: 'kodo',
      target: 'qiniu-kodo',
      credential: 'qiniu',
      names: ['files.example.test'],
      edge: { port: world.qiniu.edgePort },
    },
  ]);
  const run = await world.run(config);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match((await served(world.qiniu.edgePort, 'files.example.test')).issuer, /Pebble/);
});

test('Aliyun OSS wildcard and apex certificate', async () => {
  for (const domain of ['example.test', 'img.example.test']) world.oss.verifyDomain(domain);
  const config = await world.writeConfig([
    {
      id: 'oss',
      target: 'aliyun-oss',
      credential: 'aliyun',
      names: ['*.example.test', 'example.test'],
      domains: ['img.example.test', 'example.test'],
      bucket: 'assets',
      ossRegion: 'oss-cn-hangzhou',
      edge: { port: world.oss.edgePort },
    },
  ]);
  const run = await world.run(config);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const edge = await served(world.oss.edgePort, 'img.example.test');
  assert.deepEqual(edge.names.sort(), ['*.example.test', 'example.test']);
  assert.equal((await served(world.oss.edgePort, 'example.test')).serial, edge.serial);
});

test('Aliyun CDN edge wait resumes without a second upload', async () => {
  world.aliyun.addCdnDomain('www.example.test', 'cdn');
  world.aliyun.holdProcessing('www.example.test', 'forever');
  const config = await world.writeConfig([
    {
      id: 'acdn',
      target: 'aliyun-cdn',
      credential: 'aliyun',
      names: ['www.example.test'],
      edge: { port: world.aliyun.edgePort, timeoutSeconds: 1 },
    },
  ]);
  const uploadsBefore = world.aliyun.casCertificates().length;

  // Bound but not yet served: reported distinctly, and the job waits at its verify step.
  const waiting = await world.run(config);
  assert.equal(waiting.status, 1, waiting.stdout);
  assert.match(waiting.stdout, /acdn: failed, will retry at .*does not serve it yet.*EDGE_NOT_YET_LIVE/);

  world.aliyun.finishProcessing('www.example.test');
  const retried = await world.run(config, ['--force']);
  assert.equal(retried.status, 0, `${retried.stdout}\n${retried.stderr}`);
  assert.match((await served(world.aliyun.edgePort, 'www.example.test')).issuer, /Pebble/);
  assert.equal(world.aliyun.casCertificates().length - uploadsBefore, 1, 'exactly one CAS upload for the renewal');
});

test('throttled calls are retried within the run', async () => {
  world.aliyun.addCdnDomain('api.example.test', 'dcdn');
  const config = await world.writeConfig([
    {
      id: 'dcdn',
      target: 'aliyun-dcdn',
      credential: 'aliyun',
      names: ['api.example.test'],
      edge: { port: world.aliyun.edgePort },
    },
  ]);
  world.aliyun.throttleNext(2);
  const run = await world.run(config);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.ok(world.aliyun.requests.filter((request) => request.errorCode === 'Throttling.User').length >= 2);
  assert.match((await served(world.aliyun.edgePort, 'api.example.test')).issuer, /Pebble/);
});

test('wrong AccessKey is terminal and binds nothing', async () => {
  const old = await world.oldCertificate(['bad.example.test'], 3);
  world.qiniu.addDomain({ name: 'bad.example.test', type: 'normal', https: old });
  const boundBefore = world.qiniu.domain('bad.example.test').https?.certId;
  const config = await world.writeConfig(
    [
      {
        id: 'bad-key',
        target: 'qiniu-cdn',
        credential: 'qiniu',
        names: ['bad.example.test'],
        edge: { port: world.qiniu.edgePort },
      },
    ],
    { qiniuSecret: 'wrong-secret' },
  );

  const run = await world.run(config);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /bad-key: failed: .*PROVIDER_AUTH_FAILED/);
  assert.doesNotMatch(run.stdout + run.stderr, /wrong-secret/);
  assert.equal(world.qiniu.domain('bad.example.test').https?.certId, boundBefore);
  const chinese = await world.run(config, ['--lang', 'zh-CN', '--force']);
  assert.match(chinese.stdout, /拒绝了站点 bad-key 的 AccessKey/);
});

test('domain processing past the wait is retried later', { timeout: 60_000 }, async () => {
  const old = await world.oldCertificate(['slow.example.test'], 3);
  world.qiniu.addDomain({ name: 'slow.example.test', type: 'normal', https: old });
  world.qiniu.holdProcessing('slow.example.test', 'forever');
  const config = await world.writeConfig([
    {
      id: 'slow',
      target: 'qiniu-cdn',
      credential: 'qiniu',
      names: ['slow.example.test'],
      edge: { port: world.qiniu.edgePort, timeoutSeconds: 1 },
    },
  ]);

  const first = await world.run(config);
  assert.equal(first.status, 1, first.stdout);
  assert.match(first.stdout, /slow: failed, will retry at .*still processing.*PROVIDER_DOMAIN_PROCESSING/);

  world.qiniu.finishProcessing('slow.example.test');
  const second = await world.run(config, ['--force']);
  assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
  assert.match((await served(world.qiniu.edgePort, 'slow.example.test')).issuer, /Pebble/);
});

test('TXT records removed after a failed order', async () => {
  // A name in no Alidns zone fails after the first name's record was added.
  world.qiniu.addDomain({ name: 'mixed.example.test', type: 'normal', protocol: 'http' });
  const config = await world.writeConfig([
    {
      id: 'mixed',
      target: 'qiniu-cdn',
      credential: 'qiniu',
      names: ['mixed.example.test', 'www.unknown-zone.test'],
      domains: ['mixed.example.test'],
      edge: { port: world.qiniu.edgePort },
    },
  ]);
  const run = await world.run(config);
  assert.equal(run.status, 1);
  assert.match(run.stdout, /DNS_ZONE_NOT_FOUND/);
  assert.deepEqual(
    world.aliyun.dnsRecords('example.test').filter((record) => record.type === 'TXT'),
    [],
  );
  assert.ok(ALIYUN.accessKeyId);
});
