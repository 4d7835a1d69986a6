import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';

import Cas from '@alicloud/cas20200407';
import Cdn from '@alicloud/cdn20180510';
import OpenApiClient from '@alicloud/openapi-client';
import { issueCertificate, makeCertificateAuthority, type TestCertificateAuthority } from '@certpilot/testkit';
import { startFakeAliyun, type FakeAliyun } from '@certpilot/testkit/fakes/index';

import { AliyunCdnTarget, casCertificateName, type AliyunCdnTargetOptions } from '../../src/cloud/aliyun/index.js';
import { MemoryUploadRegistry } from '../../src/cloud/memory-registry.js';
import type { CertPilotError } from '../../src/index.js';
import {
  createLogger,
  inspectCertificatePem,
  isCertPilotError,
  LifecycleEmitter,
  runJob,
  type ChallengeSolver,
  type IssuedCertificate,
  type JobStore,
  type KeyStore,
  type RenewalJob,
} from '../../src/index.js';

const ACCOUNT = { accessKeyId: 'cdn-test-ak', accessKeySecret: 'cdn-test-secret-0123456789' };
const CREDENTIAL = { provider: 'aliyun' as const, ...ACCOUNT };
const DAY_MS = 86_400_000;

/** A certificate as the renewal job hands it to a target, with its key. */
interface Issued {
  certificate: IssuedCertificate;
  keyPem: string;
}

async function issue(ca: TestCertificateAuthority, names: string[]): Promise<Issued> {
  const { certPem, keyPem, chainPem } = await issueCertificate(ca, {
    names,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 60 * DAY_MS),
  });
  const pem = certPem + chainPem;
  const info = inspectCertificatePem(pem, names[0]!);
  return {
    certificate: {
      pem,
      serial: info.serial,
      fingerprint: info.fingerprint,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    },
    keyPem,
  };
}

function jobFor(siteId: string): RenewalJob {
  const at = new Date().toISOString();
  return {
    id: `job-${siteId}`,
    siteId,
    names: [],
    step: 'deploying',
    createdAt: at,
    updatedAt: at,
    attempt: 0,
    history: [],
  };
}

/** Collects every log line, so tests can check that no secret reaches a log. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

async function expectError(promise: Promise<unknown>): Promise<CertPilotError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isCertPilotError(error), `expected a CertPilotError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

/** Base64 body of a PEM block, for checking that a key does not appear anywhere. */
function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** Keeps jobs and their keys in memory, for driving a target through the renewal job runner. */
class MemoryJobs implements JobStore {
  readonly jobs = new Map<string, RenewalJob>();
  readonly keys = new Map<string, string>();
  readonly keyStore: KeyStore = {
    save: async (jobId, pem) => {
      this.keys.set(jobId, pem);
      return jobId;
    },
    load: async (ref) => this.keys.get(ref) ?? assert.fail(`no key ${ref}`),
    remove: async (ref) => {
      this.keys.delete(ref);
    },
  };

  async get(id: string): Promise<RenewalJob | null> {
    return this.jobs.get(id) ?? null;
  }

  async findActive(siteId: string): Promise<RenewalJob | null> {
    return (
      [...this.jobs.values()].find((job) => job.siteId === siteId && job.step !== 'done' && job.step !== 'failed') ??
      null
    );
  }

  async findLatest(siteId: string): Promise<RenewalJob | null> {
    return [...this.jobs.values()].filter((job) => job.siteId === siteId).at(-1) ?? null;
  }

  async save(job: RenewalJob): Promise<void> {
    this.jobs.set(job.id, job);
  }

  async list(): Promise<RenewalJob[]> {
    return [...this.jobs.values()];
  }
}

/** Solver for jobs that already have their certificate: they never solve a challenge. */
const UNUSED_SOLVER: ChallengeSolver = {
  type: 'dns-01',
  present: () => Promise.reject(new Error('a job past issued must not solve a challenge')),
  cleanUp: () => Promise.resolve(),
};

/** Returns a job that already has its certificate, as after the `issued` step. */
function issuedJob(jobs: MemoryJobs, siteId: string, issued: Issued, id: string): RenewalJob {
  const at = new Date().toISOString();
  jobs.keys.set(id, issued.keyPem);
  const job: RenewalJob = {
    id,
    siteId,
    names: [],
    step: 'issued',
    createdAt: at,
    updatedAt: at,
    attempt: 0,
    keyRef: id,
    certificate: issued.certificate,
    history: [{ step: 'issued', at }],
  };
  jobs.jobs.set(id, job);
  return job;
}

describe('Aliyun CDN and DCDN targets', () => {
  let fake: FakeAliyun;
  let ca: TestCertificateAuthority;
  let logs: LogCapture;
  let registry: MemoryUploadRegistry;
  let sdkCas: InstanceType<typeof Cas.default>;
  let sdkCdn: InstanceType<typeof Cdn.default>;
  let siteCounter = 0;

  before(async () => {
    fake = await startFakeAliyun({ accounts: [ACCOUNT] });
    ca = await makeCertificateAuthority();
    const config = () => new OpenApiClient.Config({ ...ACCOUNT, endpoint: fake.endpoint, protocol: 'http' });
    sdkCas = new Cas.default(config());
    sdkCdn = new Cdn.default(config());
  });

  after(async () => {
    await fake.close();
  });

  beforeEach(() => {
    logs = new LogCapture();
    registry = new MemoryUploadRegistry();
  });

  /** Creates a site with its own CDN (or DCDN) domains, so tests do not share bindings. */
  function newSite(product: 'cdn' | 'dcdn' = 'cdn', labels = ['www']): { siteId: string; domains: string[] } {
    siteCounter += 1;
    const siteId = `site-${product}-${siteCounter}`;
    const domains = labels.map((label) => `${label}.${siteId}.example.test`);
    for (const domain of domains) fake.addCdnDomain(domain, product);
    return { siteId, domains };
  }

  function target(options: Partial<AliyunCdnTargetOptions> & { siteId: string; domains: string[] }): AliyunCdnTarget {
    return new AliyunCdnTarget({
      credential: CREDENTIAL,
      endpoints: { cas: fake.endpoint, cdn: fake.endpoint, dcdn: fake.endpoint, protocol: 'http' },
      registry,
      edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 2_000, intervalMs: 50 },
      throttleRetry: { attempts: 3, delayMs: 10 },
      logger: createLogger({ level: 'debug', destination: logs }),
      ...options,
    });
  }

  function casIdsWithSerial(serial: string): number[] {
    return fake
      .casCertificates()
      .filter((certificate) => inspectCertificatePem(certificate.certPem, 'fake CAS').serial === serial)
      .map((certificate) => certificate.id);
  }

  function requestsFor(action: string): number {
    return fake.requests.filter((request) => request.action === action).length;
  }

  test('CDN binding is served on the edge', async () => {
    const site = newSite('cdn');
    const cdn = target(site);
    const { certificate, keyPem } = await issue(ca, site.domains);

    await cdn.deploy(jobFor(site.siteId), certificate, keyPem);

    const [casId] = casIdsWithSerial(certificate.serial);
    assert.ok(casId !== undefined);
    const domain = fake.cdnDomain(site.domains[0]!);
    assert.equal(domain.certId, casId);
    assert.equal(domain.certType, 'cas');
    const { address } = await cdn.verify(jobFor(site.siteId), certificate);
    assert.equal(address, `127.0.0.1:${fake.edgePort}`);
    assert.equal(cdn.kind, 'aliyun-cdn');

    const records = await registry.list(site.siteId);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.certId, String(casId));
    assert.equal(records[0]!.target, 'aliyun-cdn');
    assert.equal(records[0]!.serial, certificate.serial);
    const upload = fake.casCertificates().find((entry) => entry.id === casId);
    assert.equal(upload?.name, casCertificateName(site.siteId, certificate.serial));
  });

  test('DCDN binding is served on the edge', async () => {
    const site = newSite('dcdn', ['www', 'api']);
    const dcdn = target({ ...site, product: 'dcdn' });
    const { certificate, keyPem } = await issue(ca, site.domains);

    await dcdn.deploy(jobFor(site.siteId), certificate, keyPem);

    const [casId] = casIdsWithSerial(certificate.serial);
    for (const name of site.domains) {
      const domain = fake.cdnDomain(name);
      assert.equal(domain.product, 'dcdn');
      assert.equal(domain.certId, casId);
    }
    const { address } = await dcdn.verify(jobFor(site.siteId), certificate);
    assert.match(address, /^127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+$/);
    assert.equal(dcdn.kind, 'aliyun-dcdn');
    assert.equal(requestsFor('SetDcdnDomainSSLCertificate'), 2);
  });

  test('wildcard CDN domain is bound and probed', async () => {
    siteCounter += 1;
    const base = `wild-${siteCounter}.example.test`;
    fake.addCdnDomain(`*.${base}`);
    const cdn = target({ siteId: `site-wild-${siteCounter}`, domains: [`*.${base}`] });
    const { certificate, keyPem } = await issue(ca, [`*.${base}`, base]);

    await cdn.deploy(jobFor('wild'), certificate, keyPem);
    await cdn.verify(jobFor('wild'), certificate);

    assert.equal(fake.cdnDomain(`*.${base}`).certType, 'cas');
  });

  test('second deploy reuses the CAS upload', async () => {
    const site = newSite('cdn');
    const cdn = target(site);
    const { certificate, keyPem } = await issue(ca, site.domains);
    const setCallsBefore = requestsFor('SetCdnDomainSSLCertificate');

    await cdn.deploy(jobFor(site.siteId), certificate, keyPem);
    await cdn.deploy(jobFor(site.siteId), certificate, keyPem);

    assert.equal(casIdsWithSerial(certificate.serial).length, 1);
    assert.equal((await registry.list(site.siteId)).length, 1);
    // The domain already uses the upload, so the second deploy does not push the same config again.
    assert.equal(requestsFor('SetCdnDomainSSLCertificate') - setCallsBefore, 1);
  });

  test('upload made outside CertPilot is reused', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const manual = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({ name: `console-${site.siteId}`, cert: certificate.pem, key: keyPem }),
    );
    const manualId = manual.body?.certId;

    await target(site).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.deepEqual(casIdsWithSerial(certificate.serial), [manualId]);
    assert.equal(fake.cdnDomain(site.domains[0]!).certId, manualId);
    // Not recorded: CertPilot never deletes a certificate it did not upload.
    assert.deepEqual(await registry.list(site.siteId), []);
  });

  test('upload left unrecorded by a crash is recorded on retry', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const earlier = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: casCertificateName(site.siteId, certificate.serial),
        cert: certificate.pem,
        key: keyPem,
      }),
    );

    await target(site).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.equal(casIdsWithSerial(certificate.serial).length, 1);
    const records = await registry.list(site.siteId);
    assert.deepEqual(
      records.map((record) => record.certId),
      [String(earlier.body?.certId)],
    );
  });

  test('concurrent deploys share one upload', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const uploadsBefore = requestsFor('UploadUserCertificate');

    await Promise.all([
      target(site).deploy(jobFor(site.siteId), certificate, keyPem),
      target(site).deploy(jobFor(site.siteId), certificate, keyPem),
    ]);

    assert.equal(casIdsWithSerial(certificate.serial).length, 1);
    assert.equal(requestsFor('UploadUserCertificate') - uploadsBefore, 2, 'both runs tried to upload');
    assert.equal((await registry.list(site.siteId)).length, 1);
  });

  test('name taken by another certificate fails', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const other = await issue(ca, site.domains);
    await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: casCertificateName(site.siteId, certificate.serial),
        cert: other.certificate.pem,
        key: other.keyPem,
      }),
    );

    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(error.params.providerCode, 'ParamRepeat');
    assert.equal(error.params.call, 'cas:UploadUserCertificate');
    assert.equal(fake.cdnDomain(site.domains[0]!).certId, null);
  });

  test('wrong AccessKey secret is terminal', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const wrongSecret = 'wrong-secret-abcdefghijkl';
    const cdn = target({ ...site, credential: { ...CREDENTIAL, accessKeySecret: wrongSecret } });

    const error = await expectError(cdn.deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.providerCode, 'SignatureDoesNotMatch');
    assert.equal(error.params.provider, 'aliyun');
    assert.equal(error.params.site, site.siteId);
    assert.match(String(error.params.requestId), /^[0-9A-F-]{36}$/);
    assert.ok(error.message.includes(String(error.params.requestId)));
    assert.ok(error.message.includes('SignatureDoesNotMatch'));
    assert.equal(fake.cdnDomain(site.domains[0]!).certId, null);
    assert.deepEqual(casIdsWithSerial(certificate.serial), []);
    assert.deepEqual(await registry.list(site.siteId), []);
    assert.ok(!JSON.stringify(error.toJSON()).includes(wrongSecret));
    assert.ok(!logs.text().includes(wrongSecret));
  });

  test('unknown AccessKey ID is terminal', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const cdn = target({ ...site, credential: { ...CREDENTIAL, accessKeyId: 'no-such-key' } });

    const error = await expectError(cdn.deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.params.providerCode, 'InvalidAccessKeyId.NotFound');
    assert.equal(error.params.httpStatus, 404);
  });

  test('unknown domain fails before any upload', async () => {
    const site = newSite('cdn');
    const missing = `missing.${site.siteId}.example.test`;
    const { certificate, keyPem } = await issue(ca, [...site.domains, missing]);
    const cdn = target({ ...site, domains: [...site.domains, missing] });

    const error = await expectError(cdn.deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_DOMAIN_NOT_FOUND');
    assert.equal(error.params.domain, missing);
    assert.equal(error.params.providerCode, 'InvalidDomain.NotFound');
    assert.deepEqual(casIdsWithSerial(certificate.serial), []);
    assert.equal(fake.cdnDomain(site.domains[0]!).certId, null);
  });

  test('DCDN domain is not found through the CDN product', async () => {
    const site = newSite('dcdn');
    const { certificate, keyPem } = await issue(ca, site.domains);

    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_DOMAIN_NOT_FOUND');
  });

  test('certificate that does not cover a domain is rejected locally', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, [`other.${site.siteId}.example.test`]);
    const requestsBefore = fake.requests.length;

    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.params.domain, site.domains[0]);
    assert.equal(fake.requests.length, requestsBefore);
  });

  test('throttled calls succeed on retry', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);

    fake.throttleNext(2);
    await target(site).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.equal(casIdsWithSerial(certificate.serial).length, 1);
    const retries = logs.lines.filter((line) => line.includes('Aliyun throttled the call; retrying'));
    assert.equal(retries.length, 2);
    assert.match(retries[0]!, /"providerCode":"Throttling.User"/);
  });

  test('throttling past the retries is retryable', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);

    fake.throttleNext(3);
    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_THROTTLED');
    assert.equal(error.retryable, true);
    assert.equal(error.params.providerCode, 'Throttling.User');
  });

  for (const status of [500, 503]) {
    test(`HTTP ${status} is retryable`, async () => {
      const site = newSite('cdn');
      const { certificate, keyPem } = await issue(ca, site.domains);
      const cdn = target(site);

      fake.failNext(1, status);
      const error = await expectError(cdn.deploy(jobFor(site.siteId), certificate, keyPem));

      assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
      assert.equal(error.retryable, true);
      assert.equal(error.params.httpStatus, status);
      assert.match(String(error.params.requestId), /^[0-9A-F-]{36}$/);

      await cdn.deploy(jobFor(site.siteId), certificate, keyPem);
      assert.equal(fake.cdnDomain(site.domains[0]!).certType, 'cas');
    });
  }

  test('unreachable endpoint is retryable', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const error = await expectError(
      target({ ...site, endpoints: { cas: `127.0.0.1:${port}`, cdn: `127.0.0.1:${port}`, protocol: 'http' } }).deploy(
        jobFor(site.siteId),
        certificate,
        keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.params.providerCode, 'ECONNREFUSED');
  });

  test('dropped upload leaks no private key', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    // Forwards to the fake but drops the connection of the upload, whose query carries the key.
    const proxy = http.createServer({ maxHeaderSize: 1 << 20 }, (incoming, outgoing) => {
      if (incoming.headers['x-acs-action'] === 'UploadUserCertificate') {
        incoming.socket.destroy();
        return;
      }
      const forward = http.request(
        { host: '127.0.0.1', port: fake.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (reply) => {
          outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(outgoing);
        },
      );
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyEndpoint = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    try {
      const cdn = target({ ...site, endpoints: { cas: proxyEndpoint, cdn: fake.endpoint, protocol: 'http' } });
      const error = await expectError(cdn.deploy(jobFor(site.siteId), certificate, keyPem));

      assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
      assert.equal(error.params.call, 'cas:UploadUserCertificate');
      const keyBody = pemBody(keyPem);
      assert.ok(!JSON.stringify(error.toJSON()).includes(keyBody.slice(0, 40)));
      assert.ok(!error.message.includes('Key='));
      assert.equal(error.cause, undefined);
      assert.ok(!logs.text().includes(keyBody.slice(0, 40)));
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test('domain held processing is not yet live', async () => {
    const site = newSite('cdn');
    const cdn = target({
      ...site,
      edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 300, intervalMs: 50 },
    });
    const first = await issue(ca, site.domains);
    const second = await issue(ca, site.domains);
    await cdn.deploy(jobFor(site.siteId), first.certificate, first.keyPem);
    await cdn.verify(jobFor(site.siteId), first.certificate);

    fake.holdProcessing(site.domains[0]!, 'forever');
    await cdn.deploy(jobFor(site.siteId), second.certificate, second.keyPem);
    const error = await expectError(cdn.verify(jobFor(site.siteId), second.certificate));

    assert.equal(error.code, 'EDGE_NOT_YET_LIVE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.domain, site.domains[0]);
    assert.equal(error.params.expectedSerial, second.certificate.serial);
    assert.equal(error.params.servedSerial, first.certificate.serial);

    fake.finishProcessing(site.domains[0]!);
    await cdn.verify(jobFor(site.siteId), second.certificate);
  });

  test('afterDone deletes only unused uploads of ours', async () => {
    const site = newSite('cdn', ['www', 'img']);
    const cdn = target(site);
    const [www, img] = site.domains as [string, string];
    const oldest = await issue(ca, site.domains);
    const previous = await issue(ca, site.domains);
    const current = await issue(ca, site.domains);
    const foreign = await issue(ca, site.domains);

    await cdn.deploy(jobFor(site.siteId), oldest.certificate, oldest.keyPem);
    await cdn.deploy(jobFor(site.siteId), previous.certificate, previous.keyPem);
    await cdn.deploy(jobFor(site.siteId), current.certificate, current.keyPem);
    const [oldestId] = casIdsWithSerial(oldest.certificate.serial);
    const [previousId] = casIdsWithSerial(previous.certificate.serial);
    const [currentId] = casIdsWithSerial(current.certificate.serial);
    // Someone points img back to the previous certificate, and uploads another one by hand.
    await sdkCdn.setCdnDomainSSLCertificate(
      new Cdn.SetCdnDomainSSLCertificateRequest({
        domainName: img,
        SSLProtocol: 'on',
        certType: 'cas',
        certId: previousId,
        certRegion: 'cn-hangzhou',
      }),
    );
    const manual = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: `console-${site.siteId}`,
        cert: foreign.certificate.pem,
        key: foreign.keyPem,
      }),
    );
    const deletesBefore = requestsFor('DeleteUserCertificate');

    await cdn.afterDone(jobFor(site.siteId), current.certificate);

    const remaining = fake.casCertificates().map((certificate) => certificate.id);
    assert.ok(!remaining.includes(oldestId!), 'the unused old upload is deleted');
    assert.ok(remaining.includes(previousId!), 'the upload img uses is kept');
    assert.ok(remaining.includes(currentId!), 'the current upload is kept');
    assert.ok(remaining.includes(manual.body!.certId!), 'the upload made outside CertPilot is kept');
    assert.equal(requestsFor('DeleteUserCertificate') - deletesBefore, 1);
    const recorded = (await registry.list(site.siteId)).map((record) => record.certId).sort();
    assert.deepEqual(recorded, [String(previousId), String(currentId)].sort());
    assert.equal(fake.cdnDomain(www).certId, currentId);
  });

  test('afterDone keeps an upload CAS reports in use', async () => {
    const site = newSite('cdn');
    const cdn = target(site);
    const outsider = `outsider.${site.siteId}.example.test`;
    fake.addCdnDomain(outsider);
    const previous = await issue(ca, [...site.domains, outsider]);
    const current = await issue(ca, site.domains);
    await cdn.deploy(jobFor(site.siteId), previous.certificate, previous.keyPem);
    const [previousId] = casIdsWithSerial(previous.certificate.serial);
    // A domain outside the site also uses the previous upload, and only CAS can tell.
    await sdkCdn.setCdnDomainSSLCertificate(
      new Cdn.SetCdnDomainSSLCertificateRequest({
        domainName: outsider,
        SSLProtocol: 'on',
        certType: 'cas',
        certId: previousId,
        certRegion: 'cn-hangzhou',
      }),
    );
    await cdn.deploy(jobFor(site.siteId), current.certificate, current.keyPem);

    await cdn.afterDone(jobFor(site.siteId), current.certificate);

    assert.ok(fake.casCertificates().some((certificate) => certificate.id === previousId));
    assert.ok((await registry.list(site.siteId)).some((record) => record.certId === String(previousId)));
    assert.ok(
      logs.lines.some((line) => line.includes('still associated') && line.includes('ResourceAlreadyAssociated')),
    );
  });

  test('afterDone forgets an upload deleted in the console', async () => {
    const site = newSite('dcdn');
    const dcdn = target({ ...site, product: 'dcdn' });
    const current = await issue(ca, site.domains);
    await dcdn.deploy(jobFor(site.siteId), current.certificate, current.keyPem);
    await registry.add({
      siteId: site.siteId,
      target: 'aliyun-dcdn',
      certId: '99999999',
      serial: 'ABCDEF',
      notAfter: new Date().toISOString(),
      uploadedAt: new Date().toISOString(),
    });

    await dcdn.afterDone(jobFor(site.siteId), current.certificate);

    const recorded = (await registry.list(site.siteId)).map((record) => record.certId);
    assert.deepEqual(recorded, [String(casIdsWithSerial(current.certificate.serial)[0])]);
  });

  test('afterDone ignores uploads of other targets', async () => {
    const site = newSite('cdn');
    const cdn = target(site);
    const current = await issue(ca, site.domains);
    const other = await issue(ca, site.domains);
    await cdn.deploy(jobFor(site.siteId), current.certificate, current.keyPem);
    const manual = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: `qiniu-${site.siteId}`,
        cert: other.certificate.pem,
        key: other.keyPem,
      }),
    );
    const otherId = String(manual.body?.certId);
    await registry.add({
      siteId: site.siteId,
      target: 'qiniu-cdn',
      certId: otherId,
      serial: other.certificate.serial,
      notAfter: '',
      uploadedAt: '',
    });

    await cdn.afterDone(jobFor(site.siteId), current.certificate);

    assert.ok(fake.casCertificates().some((certificate) => String(certificate.id) === otherId));
  });

  test('runner drives deploy, verify and cleanup', async () => {
    const site = newSite('cdn');
    const cdn = target(site);
    const jobs = new MemoryJobs();
    const logger = createLogger({ level: 'debug', destination: logs });
    const deps = {
      store: jobs,
      keys: jobs.keyStore,
      issuer: () => Promise.reject(new Error('a job past issued must not order a certificate')),
      events: new LifecycleEmitter(),
      logger,
    };
    const context = { solver: UNUSED_SOLVER, target: cdn };
    const previous = await issue(ca, site.domains);
    const current = await issue(ca, site.domains);

    const first = await runJob(deps, issuedJob(jobs, site.siteId, previous, `${site.siteId}-1`), context);
    assert.equal(first.step, 'done');

    fake.throttleNext(3);
    const throttled = await runJob(deps, issuedJob(jobs, site.siteId, current, `${site.siteId}-2`), context);
    assert.equal(throttled.step, 'waiting-retry');
    assert.equal(throttled.resumeStep, 'issued');
    assert.equal(throttled.lastError?.code, 'PROVIDER_THROTTLED');

    const done = await runJob(deps, throttled, context);
    assert.equal(done.step, 'done');
    assert.deepEqual(
      fake
        .casCertificates()
        .filter((certificate) => certificate.name.includes(site.siteId))
        .map((certificate) => certificate.id),
      casIdsWithSerial(current.certificate.serial),
      'afterDone deleted the previous upload',
    );
  });

  test('runner resumes at verify after an edge timeout', async () => {
    const site = newSite('cdn');
    const cdn = target({
      ...site,
      edge: { address: '127.0.0.1', port: fake.edgePort, timeoutMs: 200, intervalMs: 50 },
    });
    const jobs = new MemoryJobs();
    const deps = {
      store: jobs,
      keys: jobs.keyStore,
      issuer: () => Promise.reject(new Error('a job past issued must not order a certificate')),
      events: new LifecycleEmitter(),
      logger: createLogger({ level: 'debug', destination: logs }),
    };
    const context = { solver: UNUSED_SOLVER, target: cdn };
    fake.holdProcessing(site.domains[0]!, 'forever');

    const waiting = await runJob(
      deps,
      issuedJob(jobs, site.siteId, await issue(ca, site.domains), `${site.siteId}-1`),
      context,
    );
    assert.equal(waiting.step, 'waiting-retry');
    assert.equal(waiting.lastError?.code, 'EDGE_NOT_YET_LIVE');
    assert.equal(waiting.resumeStep, 'deployed');

    fake.finishProcessing(site.domains[0]!);
    const setCallsBefore = requestsFor('SetCdnDomainSSLCertificate');
    const done = await runJob(deps, waiting, context);
    assert.equal(done.step, 'done');
    assert.equal(requestsFor('SetCdnDomainSSLCertificate'), setCallsBefore, 'the resumed job only verified');
  });

  test('logs hold no secret or private key', async () => {
    const site = newSite('cdn');
    const { certificate, keyPem } = await issue(ca, site.domains);
    const cdn = target(site);

    fake.throttleNext(1);
    await cdn.deploy(jobFor(site.siteId), certificate, keyPem);
    await cdn.afterDone(jobFor(site.siteId), certificate);

    assert.ok(logs.lines.length > 0);
    assert.ok(!logs.text().includes(ACCOUNT.accessKeySecret));
    assert.ok(!logs.text().includes(pemBody(keyPem).slice(0, 40)));
    for (const line of logs.lines) assert.equal(JSON.parse(line).subsystem, 'aliyun');
  });
});
