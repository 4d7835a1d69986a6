import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { issueCertificate, makeCertificateAuthority, type TestCertificateAuthority } from '@certpilot/testkit';
import { startFakeQiniu, type FakeQiniu } from '@certpilot/testkit/fakes/index';

import { inspectCertificatePem } from '../../src/cert/inspect.js';
import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import type { IssuedCertificate, RenewalJob } from '../../src/jobs/job.js';
import { createLogger, silentLogger, type Logger } from '../../src/log.js';
import { LifecycleEmitter } from '../../src/events.js';
import type { ChallengeSolver } from '../../src/acme/solver.js';
import type { JobStore } from '../../src/jobs/job.js';
import type { KeyStore } from '../../src/jobs/keys.js';
import { runJob } from '../../src/jobs/runner.js';
import { MemoryUploadRegistry } from '../../src/cloud/memory-registry.js';
import type { CloudCredential, UploadedCertificate } from '../../src/cloud/types.js';
import {
  QiniuCdnTarget,
  QiniuClient,
  QiniuKodoTarget,
  uploadName,
  type QiniuCdnTargetOptions,
} from '../../src/cloud/qiniu/index.js';

const ACCOUNT = { accessKey: 'target-test-ak', secretKey: 'target-test-sk-never-logged' };
const CREDENTIAL: CloudCredential = {
  provider: 'qiniu',
  accessKeyId: ACCOUNT.accessKey,
  accessKeySecret: ACCOUNT.secretKey,
};
const DAY_MS = 86_400_000;

interface TestIssue {
  certificate: IssuedCertificate;
  keyPem: string;
}

const logLines: string[] = [];
const capturingLogger: Logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  }),
});

let ca: TestCertificateAuthority;
let fake: FakeQiniu;

async function issue(names: string[]): Promise<TestIssue> {
  const issued = await issueCertificate(ca, {
    names,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 60 * DAY_MS),
  });
  const pem = issued.certPem + issued.chainPem!;
  const info = inspectCertificatePem(pem, names[0]!);
  return {
    certificate: {
      pem,
      serial: info.serial,
      fingerprint: info.fingerprint,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    },
    keyPem: issued.keyPem,
  };
}

function jobFor(siteId: string, names: string[]): RenewalJob {
  const at = new Date().toISOString();
  return {
    id: `job-${siteId}`,
    siteId,
    names,
    step: 'deploying',
    createdAt: at,
    updatedAt: at,
    attempt: 0,
    history: [],
  };
}

function cdnTarget(siteId: string, domains: string[], overrides: Partial<QiniuCdnTargetOptions> = {}): QiniuCdnTarget {
  return new QiniuCdnTarget({
    credential: CREDENTIAL,
    siteId,
    domains,
    endpoint: fake.url,
    registry: new MemoryUploadRegistry(),
    edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 2000, intervalMs: 50 },
    processingWaitMs: 3000,
    pollIntervalMs: 50,
    logger: capturingLogger,
    ...overrides,
  });
}

function kodoTarget(
  siteId: string,
  domains: string[],
  overrides: Partial<QiniuCdnTargetOptions> = {},
): QiniuKodoTarget {
  return new QiniuKodoTarget({
    credential: CREDENTIAL,
    siteId,
    domains,
    endpoint: fake.url,
    registry: new MemoryUploadRegistry(),
    edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 2000, intervalMs: 50 },
    logger: capturingLogger,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<CertPilotError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isCertPilotError(error), `expected a CertPilotError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function uploadsNamed(name: string): number {
  return fake.certificates().filter((certificate) => certificate.name === name).length;
}

function certIdNamed(name: string): string {
  const found = fake.certificates().find((certificate) => certificate.name === name);
  assert.ok(found, `no certificate named ${name} at the fake`);
  return found.certId;
}

function requestsSince(start: number): Array<{ method: string; path: string }> {
  return fake.requests.slice(start).map(({ method, path }) => ({ method, path }));
}

before(async () => {
  ca = await makeCertificateAuthority();
  fake = await startFakeQiniu({ accounts: [ACCOUNT] });
});

after(async () => {
  await fake.close();
  const logs = logLines.join('');
  assert.ok(logs.length > 0, 'the targets logged nothing');
  assert.equal(logs.includes(ACCOUNT.secretKey), false, 'a log line contains the SecretKey');
  assert.equal(logs.includes('PRIVATE KEY'), false, 'a log line contains a private key');
});

describe('QiniuCdnTarget deploy', () => {
  test('HTTPS domain keeps its flags', async () => {
    const old = await issue(['https.example.test']);
    fake.addDomain({
      name: 'https.example.test',
      type: 'normal',
      https: { certPem: old.certificate.pem, keyPem: old.keyPem, forceHttps: true, http2Enable: true },
    });
    const renewed = await issue(['https.example.test']);
    const target = cdnTarget('site-https', ['https.example.test']);
    const start = fake.requests.length;

    await target.deploy(jobFor('site-https', ['https.example.test']), renewed.certificate, renewed.keyPem);

    const certId = certIdNamed(uploadName('site-https', renewed.certificate.serial));
    assert.deepEqual(fake.domain('https.example.test').https, { certId, forceHttps: true, http2Enable: true });
    assert.equal(fake.domain('https.example.test').servedCertId, certId);
    const calls = requestsSince(start);
    assert.ok(calls.some((call) => call.method === 'PUT' && call.path === '/domain/https.example.test/httpsconf'));
    assert.ok(!calls.some((call) => call.path.endsWith('/sslize')));
    assert.ok(fake.requests.slice(start).every((record) => record.signed && record.signatureQuirks.length === 0));
  });

  test('HTTP domain is sslized', async () => {
    fake.addDomain({ name: 'plain.example.test', type: 'normal' });
    const issued = await issue(['plain.example.test']);
    const start = fake.requests.length;

    await cdnTarget('site-plain', ['plain.example.test']).deploy(
      jobFor('site-plain', ['plain.example.test']),
      issued.certificate,
      issued.keyPem,
    );

    const snapshot = fake.domain('plain.example.test');
    assert.equal(snapshot.protocol, 'https');
    assert.deepEqual(snapshot.https, {
      certId: certIdNamed(uploadName('site-plain', issued.certificate.serial)),
      forceHttps: false,
      http2Enable: false,
    });
    assert.ok(
      requestsSince(start).some((call) => call.method === 'PUT' && call.path === '/domain/plain.example.test/sslize'),
    );
  });

  test('sslize flags come from the options', async () => {
    fake.addDomain({ name: 'flags.example.test', type: 'normal' });
    const issued = await issue(['flags.example.test']);
    const target = cdnTarget('site-flags', ['flags.example.test'], {
      sslizeFlags: { forceHttps: true, http2Enable: true },
    });

    await target.deploy(jobFor('site-flags', ['flags.example.test']), issued.certificate, issued.keyPem);

    assert.equal(fake.domain('flags.example.test').https?.forceHttps, true);
    assert.equal(fake.domain('flags.example.test').https?.http2Enable, true);
  });

  test('waits out a short processing hold', async () => {
    const old = await issue(['slow.example.test']);
    fake.addDomain({
      name: 'slow.example.test',
      type: 'normal',
      https: { certPem: old.certificate.pem, keyPem: old.keyPem },
    });
    fake.holdProcessing('slow.example.test', 300);
    // An earlier change leaves the domain processing before the deploy starts.
    const other = await issue(['slow.example.test']);
    const client = new QiniuClient({
      credential: CREDENTIAL,
      site: 'test',
      endpoint: fake.url,
      logger: silentLogger(),
    });
    const otherId = await client.uploadCertificate({
      name: 'someone-else',
      commonName: 'slow.example.test',
      privateKeyPem: other.keyPem,
      chainPem: other.certificate.pem,
    });
    await client.setHttpsConf('slow.example.test', { certId: otherId, forceHttps: false, http2Enable: false });
    assert.equal(fake.domain('slow.example.test').operatingState, 'processing');

    const renewed = await issue(['slow.example.test']);
    const started = Date.now();
    await cdnTarget('site-slow', ['slow.example.test']).deploy(
      jobFor('site-slow', ['slow.example.test']),
      renewed.certificate,
      renewed.keyPem,
    );

    assert.ok(Date.now() - started >= 500, 'the deploy did not wait for both processing holds');
    const snapshot = fake.domain('slow.example.test');
    assert.equal(snapshot.operatingState, 'success');
    assert.equal(snapshot.servedCertId, certIdNamed(uploadName('site-slow', renewed.certificate.serial)));
  });

  test('processing past the wait fails, retry reuses upload', async () => {
    fake.addDomain({ name: 'stuck.example.test', type: 'normal' });
    fake.holdProcessing('stuck.example.test', 'forever');
    const issued = await issue(['stuck.example.test']);
    const registry = new MemoryUploadRegistry();
    const target = cdnTarget('site-stuck', ['stuck.example.test'], { registry, processingWaitMs: 300 });
    const job = jobFor('site-stuck', ['stuck.example.test']);

    const error = await rejection(target.deploy(job, issued.certificate, issued.keyPem));
    assert.equal(error.code, 'PROVIDER_DOMAIN_PROCESSING');
    assert.equal(error.retryable, true);
    assert.equal(error.params.domain, 'stuck.example.test');
    assert.equal(error.params.site, 'site-stuck');

    fake.finishProcessing('stuck.example.test');
    fake.holdProcessing('stuck.example.test', 0);
    const start = fake.requests.length;
    await target.deploy(job, issued.certificate, issued.keyPem);

    const name = uploadName('site-stuck', issued.certificate.serial);
    assert.equal(uploadsNamed(name), 1);
    const calls = requestsSince(start);
    assert.ok(!calls.some((call) => call.method === 'POST' && call.path === '/sslcert'), 'the retry uploaded again');
    assert.ok(!calls.some((call) => call.method === 'PUT'), 'the retry bound the certificate again');
    assert.deepEqual(
      (await registry.list('site-stuck')).map((record) => record.certId),
      [certIdNamed(name)],
    );
  });

  test('lost registry record reuses the upload by name', async () => {
    fake.addDomain({ name: 'crash.example.test', type: 'normal' });
    const issued = await issue(['crash.example.test']);
    await cdnTarget('site-crash', ['crash.example.test']).deploy(
      jobFor('site-crash', ['crash.example.test']),
      issued.certificate,
      issued.keyPem,
    );

    const freshRegistry = new MemoryUploadRegistry();
    await cdnTarget('site-crash', ['crash.example.test'], { registry: freshRegistry }).deploy(
      jobFor('site-crash', ['crash.example.test']),
      issued.certificate,
      issued.keyPem,
    );

    const name = uploadName('site-crash', issued.certificate.serial);
    assert.equal(uploadsNamed(name), 1);
    const [record] = await freshRegistry.list('site-crash');
    assert.equal(record?.certId, certIdNamed(name));
    assert.equal(record?.target, 'qiniu-cdn');
    assert.equal(record?.serial, issued.certificate.serial);
  });

  test('recorded upload deleted at Qiniu is uploaded again', async () => {
    fake.addDomain({ name: 'vanished.example.test', type: 'normal' });
    const issued = await issue(['vanished.example.test']);
    const registry = new MemoryUploadRegistry([
      {
        siteId: 'site-vanished',
        target: 'qiniu-cdn',
        certId: '0123456789abcdef01234567',
        serial: issued.certificate.serial,
        notAfter: issued.certificate.notAfter,
        uploadedAt: new Date().toISOString(),
      },
    ]);

    await cdnTarget('site-vanished', ['vanished.example.test'], { registry }).deploy(
      jobFor('site-vanished', ['vanished.example.test']),
      issued.certificate,
      issued.keyPem,
    );

    const certId = certIdNamed(uploadName('site-vanished', issued.certificate.serial));
    assert.deepEqual(
      (await registry.list('site-vanished')).map((record) => record.certId),
      [certId],
    );
    assert.equal(fake.domain('vanished.example.test').https?.certId, certId);
  });

  test('wildcard domain binds the wildcard certificate', async () => {
    fake.addDomain({ name: '.wild.example.test', type: 'wildcard' });
    const issued = await issue(['*.wild.example.test']);
    const target = cdnTarget('site-wild', ['*.wild.example.test']);
    assert.deepEqual(target.domains, ['.wild.example.test']);

    await target.deploy(jobFor('site-wild', ['*.wild.example.test']), issued.certificate, issued.keyPem);
    assert.equal(
      fake.domain('.wild.example.test').https?.certId,
      certIdNamed(uploadName('site-wild', issued.certificate.serial)),
    );

    const { address } = await target.verify(jobFor('site-wild', ['*.wild.example.test']), issued.certificate);
    assert.equal(address, `127.0.0.1:${fake.edgePort}`);
  });

  test('several domains share one upload', async () => {
    const old = await issue(['a.multi.example.test']);
    fake.addDomain({
      name: 'a.multi.example.test',
      type: 'normal',
      https: { certPem: old.certificate.pem, keyPem: old.keyPem, http2Enable: true },
    });
    fake.addDomain({ name: 'b.multi.example.test', type: 'normal' });
    const issued = await issue(['a.multi.example.test', 'b.multi.example.test']);
    const target = cdnTarget('site-multi', ['a.multi.example.test', 'B.Multi.Example.Test', 'a.multi.example.test']);
    assert.deepEqual(target.domains, ['a.multi.example.test', 'b.multi.example.test']);

    await target.deploy(
      jobFor('site-multi', ['a.multi.example.test', 'b.multi.example.test']),
      issued.certificate,
      issued.keyPem,
    );

    const name = uploadName('site-multi', issued.certificate.serial);
    assert.equal(uploadsNamed(name), 1);
    const certId = certIdNamed(name);
    assert.deepEqual(fake.domain('a.multi.example.test').https, { certId, forceHttps: false, http2Enable: true });
    assert.deepEqual(fake.domain('b.multi.example.test').https, { certId, forceHttps: false, http2Enable: false });

    const { address } = await target.verify(jobFor('site-multi', []), issued.certificate);
    assert.equal(address, `127.0.0.1:${fake.edgePort}, 127.0.0.1:${fake.edgePort}`);
  });
});

describe('QiniuCdnTarget rejects', () => {
  test('Kodo domain before anything is sent', async () => {
    fake.addDomain({ name: 'bucket.example.test', type: 'kodo' });
    fake.addDomain({ name: 'web.mixed.example.test', type: 'normal' });
    const issued = await issue(['bucket.example.test', 'web.mixed.example.test']);
    const start = fake.requests.length;

    const error = await rejection(
      cdnTarget('site-kodo-as-cdn', ['web.mixed.example.test', 'bucket.example.test']).deploy(
        jobFor('site-kodo-as-cdn', ['bucket.example.test']),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.retryable, false);
    assert.equal(error.params.domain, 'bucket.example.test');
    assert.match(error.message, /bucket\.example\.test is a Qiniu Kodo custom domain/);
    assert.match(error.message, /Set the site's target to qiniu-kodo/);
    assert.equal(uploadsNamed(uploadName('site-kodo-as-cdn', issued.certificate.serial)), 0);
    assert.equal(fake.domain('bucket.example.test').https, null);
    assert.equal(fake.domain('web.mixed.example.test').https, null);
    assert.deepEqual(
      requestsSince(start).filter((call) => call.method !== 'GET'),
      [],
    );
  });

  test('wrong secret with the service message', async () => {
    fake.addDomain({ name: 'auth.example.test', type: 'normal' });
    const issued = await issue(['auth.example.test']);
    const target = cdnTarget('site-auth', ['auth.example.test'], {
      credential: { ...CREDENTIAL, accessKeySecret: 'wrong-secret-value' },
    });

    const error = await rejection(
      target.deploy(jobFor('site-auth', ['auth.example.test']), issued.certificate, issued.keyPem),
    );

    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.providerMessage, 'bad token');
    assert.equal(error.params.call, 'GET /domain/auth.example.test');
    assert.doesNotMatch(error.message + JSON.stringify(error.params), /wrong-secret-value/);
    assert.equal(uploadsNamed(uploadName('site-auth', issued.certificate.serial)), 0);
  });

  test('throttling is retryable', async () => {
    fake.addDomain({ name: 'busy.example.test', type: 'normal' });
    const issued = await issue(['busy.example.test']);
    fake.throttleNext(1);

    const error = await rejection(
      cdnTarget('site-busy', ['busy.example.test']).deploy(
        jobFor('site-busy', ['busy.example.test']),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_THROTTLED');
    assert.equal(error.retryable, true);
    assert.equal(uploadsNamed(uploadName('site-busy', issued.certificate.serial)), 0);
  });

  test('server failure is retryable', async () => {
    fake.addDomain({ name: 'flaky.example.test', type: 'normal' });
    const issued = await issue(['flaky.example.test']);
    fake.failNext(1, 502);

    const error = await rejection(
      cdnTarget('site-flaky', ['flaky.example.test']).deploy(
        jobFor('site-flaky', ['flaky.example.test']),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.httpStatus, 502);
    assert.equal(uploadsNamed(uploadName('site-flaky', issued.certificate.serial)), 0);
  });

  test('unknown domain is not found', async () => {
    const issued = await issue(['nowhere.example.test']);
    const error = await rejection(
      cdnTarget('site-nowhere', ['nowhere.example.test']).deploy(
        jobFor('site-nowhere', ['nowhere.example.test']),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_DOMAIN_NOT_FOUND');
    assert.equal(error.params.domain, 'nowhere.example.test');
    assert.equal(uploadsNamed(uploadName('site-nowhere', issued.certificate.serial)), 0);
  });

  test('certificate that misses a domain', async () => {
    const issued = await issue(['covered.example.test']);
    const start = fake.requests.length;
    const error = await rejection(
      cdnTarget('site-cover', ['covered.example.test', '.cover.example.test']).deploy(
        jobFor('site-cover', ['covered.example.test']),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /does not cover the Qiniu domain\(s\) \.cover\.example\.test/);
    assert.equal(fake.requests.length, start);
  });

  test('key of another certificate', async () => {
    const issued = await issue(['key.example.test']);
    const other = await issue(['key.example.test']);
    const error = await rejection(
      cdnTarget('site-key', ['key.example.test']).deploy(
        jobFor('site-key', ['key.example.test']),
        issued.certificate,
        other.keyPem,
      ),
    );

    assert.equal(error.code, 'CERT_KEY_MISMATCH');
    assert.doesNotMatch(error.message, /PRIVATE KEY/);
  });

  test('bad options at construction', () => {
    const cases: Array<[string, Partial<QiniuCdnTargetOptions>, string]> = [
      ['no domains', { domains: [] }, 'CONFIG_INVALID'],
      ['bad domain', { domains: ['not a domain'] }, 'NAME_INVALID'],
      ['bare label', { domains: ['localhost'] }, 'NAME_INVALID'],
      ['site ID with spaces', { siteId: 'my site' }, 'CONFIG_INVALID'],
      ['Aliyun credential', { credential: { ...CREDENTIAL, provider: 'aliyun' } }, 'CONFIG_INVALID'],
      ['zero poll interval', { pollIntervalMs: 0 }, 'CONFIG_INVALID'],
      ['negative wait', { processingWaitMs: -1 }, 'CONFIG_INVALID'],
      ['endpoint without scheme', { endpoint: '127.0.0.1:9' }, 'CONFIG_INVALID'],
    ];
    for (const [label, overrides, code] of cases) {
      assert.throws(
        () => cdnTarget('site-options', ['ok.example.test'], overrides),
        (error: unknown) => isCertPilotError(error, code as CertPilotError['code']),
        label,
      );
    }
  });
});

describe('QiniuKodoTarget', () => {
  test('binds through the Kodo API', async () => {
    fake.addDomain({ name: 'files.example.test', type: 'kodo' });
    const issued = await issue(['files.example.test']);
    const target = kodoTarget('site-files', ['files.example.test']);
    const start = fake.requests.length;

    await target.deploy(jobFor('site-files', ['files.example.test']), issued.certificate, issued.keyPem);

    const certId = certIdNamed(uploadName('site-files', issued.certificate.serial));
    assert.equal(fake.domain('files.example.test').https?.certId, certId);
    const calls = requestsSince(start);
    assert.ok(calls.some((call) => call.method === 'PUT' && call.path === '/cert/bind'));
    assert.ok(
      !calls.some((call) => call.method === 'PUT' && call.path.startsWith('/domain/')),
      'a Kodo domain went to the CDN API',
    );

    const { address } = await target.verify(jobFor('site-files', ['files.example.test']), issued.certificate);
    assert.equal(address, `127.0.0.1:${fake.edgePort}`);
  });

  test('rejects a CDN domain', async () => {
    fake.addDomain({ name: 'cdn-as-kodo.example.test', type: 'normal' });
    const issued = await issue(['cdn-as-kodo.example.test']);

    const error = await rejection(
      kodoTarget('site-cdn-as-kodo', ['cdn-as-kodo.example.test']).deploy(
        jobFor('site-cdn-as-kodo', []),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /is a Qiniu CDN domain/);
    assert.match(error.message, /Set the site's target to qiniu-cdn/);
    assert.equal(uploadsNamed(uploadName('site-cdn-as-kodo', issued.certificate.serial)), 0);
    assert.equal(fake.domain('cdn-as-kodo.example.test').https, null);
  });

  test('unknown domain fails at the bind', async () => {
    const issued = await issue(['lost-bucket.example.test']);
    const error = await rejection(
      kodoTarget('site-lost', ['lost-bucket.example.test']).deploy(
        jobFor('site-lost', []),
        issued.certificate,
        issued.keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_DOMAIN_NOT_FOUND');
    assert.equal(error.params.call, 'PUT /cert/bind');
    assert.equal(error.params.domain, 'lost-bucket.example.test');
  });
});

describe('verify', () => {
  test('old certificate past the timeout is not yet live', async () => {
    const old = await issue(['edge.example.test']);
    fake.addDomain({
      name: 'edge.example.test',
      type: 'normal',
      https: { certPem: old.certificate.pem, keyPem: old.keyPem },
    });
    fake.holdProcessing('edge.example.test', 'forever');
    const issued = await issue(['edge.example.test']);
    const target = cdnTarget('site-edge', ['edge.example.test'], {
      processingWaitMs: 100,
      edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 300, intervalMs: 50 },
    });
    const job = jobFor('site-edge', ['edge.example.test']);
    // The binding is made, but the domain keeps processing, so the edge serves the old certificate.
    const deployError = await rejection(target.deploy(job, issued.certificate, issued.keyPem));
    assert.equal(deployError.code, 'PROVIDER_DOMAIN_PROCESSING');

    const error = await rejection(target.verify(job, issued.certificate));
    assert.equal(error.code, 'EDGE_NOT_YET_LIVE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.domain, 'edge.example.test');
    assert.equal(error.params.expectedSerial, issued.certificate.serial);
    assert.equal(error.params.servedSerial, old.certificate.serial);

    fake.finishProcessing('edge.example.test');
    const { address } = await target.verify(job, issued.certificate);
    assert.equal(address, `127.0.0.1:${fake.edgePort}`);
  });
});

describe('afterDone', () => {
  test('deletes only unused CertPilot uploads', async () => {
    const site = 'site-cleanup';
    const seed = await issue(['keep.example.test']);
    fake.addDomain({
      name: 'keep.example.test',
      type: 'normal',
      https: { certPem: seed.certificate.pem, keyPem: seed.keyPem },
    });
    fake.addDomain({ name: 'other.example.test', type: 'normal' });
    const seedId = fake.domain('keep.example.test').https!.certId;

    const registry = new MemoryUploadRegistry();
    const target = cdnTarget(site, ['keep.example.test'], { registry });
    const first = await issue(['keep.example.test']);
    const second = await issue(['keep.example.test']);
    const elsewhere = await issue(['other.example.test']);
    await target.deploy(jobFor(site, []), first.certificate, first.keyPem);
    await cdnTarget(site, ['other.example.test'], { registry }).deploy(
      jobFor(site, []),
      elsewhere.certificate,
      elsewhere.keyPem,
    );
    await target.deploy(jobFor(site, []), second.certificate, second.keyPem);

    const firstId = certIdNamed(uploadName(site, first.certificate.serial));
    const secondId = certIdNamed(uploadName(site, second.certificate.serial));
    const elsewhereId = certIdNamed(uploadName(site, elsewhere.certificate.serial));
    const now = new Date().toISOString();
    const extra: UploadedCertificate[] = [
      // Already deleted at Qiniu: the record goes.
      {
        siteId: site,
        target: 'qiniu-cdn',
        certId: 'ffffffffffffffffffffffff',
        serial: 'AA',
        notAfter: now,
        uploadedAt: now,
      },
      // Points at a certificate someone else uploaded: the certificate stays.
      { siteId: site, target: 'qiniu-cdn', certId: seedId, serial: 'BB', notAfter: now, uploadedAt: now },
      // Another provider's upload: left alone.
      { siteId: site, target: 'aliyun-cdn', certId: '12345', serial: 'CC', notAfter: now, uploadedAt: now },
    ];
    for (const record of extra) await registry.add(record);

    await target.afterDone(jobFor(site, []), second.certificate);

    const remaining = new Set(fake.certificates().map((certificate) => certificate.certId));
    assert.equal(remaining.has(firstId), false, 'the unused old upload was kept');
    assert.equal(remaining.has(secondId), true, 'the current certificate was deleted');
    assert.equal(remaining.has(elsewhereId), true, 'a certificate still bound elsewhere was deleted');
    assert.equal(remaining.has(seedId), true, 'a certificate CertPilot did not upload was deleted');
    assert.deepEqual(
      (await registry.list(site)).map((record) => record.certId).sort(),
      [secondId, elsewhereId, '12345'].sort(),
    );
    assert.ok(
      logLines.some((line) => line.includes(elsewhereId) && line.includes('400611')),
      'the kept certificate was not logged',
    );
  });

  test('Kodo target cleans up too', async () => {
    const site = 'site-kodo-cleanup';
    fake.addDomain({ name: 'assets.example.test', type: 'kodo' });
    const registry = new MemoryUploadRegistry();
    const target = kodoTarget(site, ['assets.example.test'], { registry });
    const first = await issue(['assets.example.test']);
    const second = await issue(['assets.example.test']);
    await target.deploy(jobFor(site, []), first.certificate, first.keyPem);
    await target.deploy(jobFor(site, []), second.certificate, second.keyPem);

    await target.afterDone(jobFor(site, []), second.certificate);

    const secondId = certIdNamed(uploadName(site, second.certificate.serial));
    assert.equal(uploadsNamed(uploadName(site, first.certificate.serial)), 0);
    assert.deepEqual(
      (await registry.list(site)).map((record) => record.certId),
      [secondId],
    );
  });
});

describe('runJob with the CDN target', () => {
  function memoryStores(): { store: JobStore; keys: KeyStore } {
    const jobs = new Map<string, RenewalJob>();
    const keyPems = new Map<string, string>();
    const store: JobStore = {
      get: async (id) => jobs.get(id) ?? null,
      findActive: async () => null,
      findLatest: async () => null,
      save: async (job) => void jobs.set(job.id, job),
      list: async () => [...jobs.values()],
    };
    const keys: KeyStore = {
      save: async (jobId, pem) => {
        keyPems.set(jobId, pem);
        return jobId;
      },
      load: async (ref) => keyPems.get(ref) ?? assert.fail(`no key ${ref}`),
      remove: async (ref) => void keyPems.delete(ref),
    };
    return { store, keys };
  }

  test('processing retry then done with cleanup', async () => {
    const site = 'site-runner';
    const old = await issue(['runner.example.test']);
    fake.addDomain({ name: 'runner.example.test', type: 'normal' });
    const registry = new MemoryUploadRegistry();
    const target = cdnTarget(site, ['runner.example.test'], { registry, processingWaitMs: 200 });
    await target.deploy(jobFor(site, []), old.certificate, old.keyPem);
    fake.holdProcessing('runner.example.test', 'forever');

    const renewed = await issue(['runner.example.test']);
    const { store, keys } = memoryStores();
    const at = new Date().toISOString();
    const keyRef = await keys.save('job-runner', renewed.keyPem);
    let job: RenewalJob = {
      ...jobFor(site, ['runner.example.test']),
      id: 'job-runner',
      step: 'issued',
      keyRef,
      certificate: renewed.certificate,
      history: [{ step: 'issued', at }],
    };
    const deps = {
      store,
      keys,
      issuer: () => assert.fail('a job that has its certificate must not load the issuer'),
      events: new LifecycleEmitter(),
      logger: silentLogger(),
    };
    const context = { solver: {} as ChallengeSolver, target };

    job = await runJob(deps, job, context);
    assert.equal(job.step, 'waiting-retry');
    assert.equal(job.resumeStep, 'issued');
    assert.equal(job.lastError?.code, 'PROVIDER_DOMAIN_PROCESSING');

    fake.finishProcessing('runner.example.test');
    fake.holdProcessing('runner.example.test', 0);
    job = await runJob(deps, job, context);

    assert.equal(job.step, 'done');
    const renewedId = certIdNamed(uploadName(site, renewed.certificate.serial));
    assert.equal(uploadsNamed(uploadName(site, renewed.certificate.serial)), 1);
    assert.equal(fake.domain('runner.example.test').servedCertId, renewedId);
    assert.equal(uploadsNamed(uploadName(site, old.certificate.serial)), 0, 'afterDone kept the replaced upload');
    assert.deepEqual(
      (await registry.list(site)).map((record) => record.certId),
      [renewedId],
    );
  });
});
