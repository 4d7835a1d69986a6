import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';

import Alidns from '@alicloud/alidns20150109';
import Cas from '@alicloud/cas20200407';
import OpenApiClient from '@alicloud/openapi-client';
import { issueCertificate, makeCertificateAuthority, type TestCertificateAuthority } from '@certpilot/testkit';
import { startFakeAliyun, startFakeOss, type FakeAliyun, type FakeOss } from '@certpilot/testkit/fakes/index';

import { AliyunOssTarget, type AliyunOssTargetOptions } from '../../src/cloud/aliyun/index.js';
import { MemoryUploadRegistry } from '../../src/cloud/memory-registry.js';
import type { CertPilotError } from '../../src/index.js';
import {
  createLogger,
  inspectCertificatePem,
  isCertPilotError,
  type IssuedCertificate,
  type RenewalJob,
} from '../../src/index.js';

const ACCOUNT = { accessKeyId: 'oss-target-ak', accessKeySecret: 'oss-target-secret-0123456789' };
const CREDENTIAL = { provider: 'aliyun' as const, ...ACCOUNT };
const BUCKET = 'site-assets';
const DAY_MS = 86_400_000;

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

describe('Aliyun OSS target', () => {
  let aliyun: FakeAliyun;
  let oss: FakeOss;
  let ca: TestCertificateAuthority;
  let logs: LogCapture;
  let registry: MemoryUploadRegistry;
  let sdkCas: InstanceType<typeof Cas.default>;
  let sdkDns: InstanceType<typeof Alidns.default>;
  let siteCounter = 0;

  before(async () => {
    aliyun = await startFakeAliyun({ accounts: [ACCOUNT] });
    oss = await startFakeOss({
      accounts: [ACCOUNT],
      buckets: [
        { name: BUCKET, region: 'cn-hangzhou' },
        { name: 'beijing-assets', region: 'oss-cn-beijing' },
      ],
      casLookup: (certId) => aliyun.casLookup(certId),
      txtLookup: (fqdn) => aliyun.txtValues(fqdn),
    });
    ca = await makeCertificateAuthority();
    const config = () => new OpenApiClient.Config({ ...ACCOUNT, endpoint: aliyun.endpoint, protocol: 'http' });
    sdkCas = new Cas.default(config());
    sdkDns = new Alidns.default(config());
  });

  after(async () => {
    await oss.close();
    await aliyun.close();
  });

  beforeEach(() => {
    logs = new LogCapture();
    registry = new MemoryUploadRegistry();
  });

  /** Creates a site whose domains the fake OSS treats as verified, unless `verified` is false. */
  function newSite(labels = ['static'], verified = true): { siteId: string; domains: string[]; base: string } {
    siteCounter += 1;
    const siteId = `oss-site-${siteCounter}`;
    const base = `${siteId}.example.test`;
    const domains = labels.map((label) => (label === '' ? base : `${label}.${base}`));
    if (verified) for (const domain of domains) oss.verifyDomain(domain);
    return { siteId, domains, base };
  }

  function target(options: Partial<AliyunOssTargetOptions> & { siteId: string; domains: string[] }): AliyunOssTarget {
    return new AliyunOssTarget({
      credential: CREDENTIAL,
      bucket: BUCKET,
      ossRegion: 'oss-cn-hangzhou',
      endpoints: { cas: aliyun.endpoint, protocol: 'http', oss: oss.url },
      registry,
      edge: { address: '127.0.0.1', port: oss.edgePort, timeoutMs: 2_000, intervalMs: 50 },
      throttleRetry: { attempts: 3, delayMs: 10 },
      logger: createLogger({ level: 'debug', destination: logs }),
      ...options,
    });
  }

  function casIdsWithSerial(serial: string): number[] {
    return aliyun
      .casCertificates()
      .filter((certificate) => inspectCertificatePem(certificate.certPem, 'fake CAS').serial === serial)
      .map((certificate) => certificate.id);
  }

  function ossRequests(operation: string): number {
    return oss.requests.filter((request) => request.action === operation).length;
  }

  test('binding is listed and served on the edge', async () => {
    const site = newSite();
    const target_ = target(site);
    const { certificate, keyPem } = await issue(ca, site.domains);

    await target_.deploy(jobFor(site.siteId), certificate, keyPem);

    const [casId] = casIdsWithSerial(certificate.serial);
    assert.ok(casId !== undefined);
    const cname = oss.cname(site.domains[0]!);
    assert.equal(cname.bucket, BUCKET);
    assert.equal(cname.certId, `${casId}-cn-hangzhou`);
    const { address } = await target_.verify(jobFor(site.siteId), certificate);
    assert.equal(address, `127.0.0.1:${oss.edgePort}`);
    assert.equal(target_.kind, 'aliyun-oss');
    const records = await registry.list(site.siteId);
    assert.deepEqual(
      records.map((record) => [record.certId, record.target]),
      [[String(casId), 'aliyun-oss']],
    );
  });

  test('region without the oss- prefix works', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    await target({ ...site, ossRegion: 'cn-hangzhou' }).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.equal(oss.cname(site.domains[0]!).certId, `${casIdsWithSerial(certificate.serial)[0]}-cn-hangzhou`);
  });

  test('wildcard and apex certificate binds both', async () => {
    const site = newSite(['', 'img']);
    const target_ = target(site);
    const { certificate, keyPem } = await issue(ca, [`*.${site.base}`, site.base]);

    await target_.deploy(jobFor(site.siteId), certificate, keyPem);

    const [casId] = casIdsWithSerial(certificate.serial);
    assert.equal(oss.cname(site.base).certId, `${casId}-cn-hangzhou`);
    assert.equal(oss.cname(`img.${site.base}`).certId, `${casId}-cn-hangzhou`);
    const { address } = await target_.verify(jobFor(site.siteId), certificate);
    assert.equal(address.split(', ').length, 2);
  });

  test('second deploy reuses upload and binding', async () => {
    const site = newSite();
    const target_ = target(site);
    const { certificate, keyPem } = await issue(ca, site.domains);
    const putsBefore = ossRequests('PutCname');

    await target_.deploy(jobFor(site.siteId), certificate, keyPem);
    await target_.deploy(jobFor(site.siteId), certificate, keyPem);

    assert.equal(casIdsWithSerial(certificate.serial).length, 1);
    assert.equal(ossRequests('PutCname') - putsBefore, 1);
  });

  test('upload made outside CertPilot is reused', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);
    const manual = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({ name: `console-${site.siteId}`, cert: certificate.pem, key: keyPem }),
    );

    await target(site).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.deepEqual(casIdsWithSerial(certificate.serial), [manual.body?.certId]);
    assert.equal(oss.cname(site.domains[0]!).certId, `${manual.body?.certId}-cn-hangzhou`);
    assert.deepEqual(await registry.list(site.siteId), []);
  });

  test('unverified domain needs the TXT token', async () => {
    const site = newSite(['static'], false);
    const [domain] = site.domains as [string];
    const target_ = target(site);
    const { certificate, keyPem } = await issue(ca, site.domains);

    const error = await expectError(target_.deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED');
    assert.equal(error.retryable, true);
    assert.equal(error.params.providerCode, 'NeedVerifyDomainOwnership');
    assert.equal(error.params.domain, domain);
    assert.match(String(error.params.requestId), /^[0-9A-F]{24}$/);
    assert.equal(error.params.txtName, `_dnsauth.${domain}`);
    const token = String(error.params.txtValue);
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.ok(error.message.includes(`_dnsauth.${domain}`));
    assert.ok(error.message.includes(token));
    assert.ok(error.message.includes('CreateCnameToken (POST /?cname&comp=token)'));
    assert.equal(error.message.split('POST /?cname&comp=token').length, 2, 'the next step is given once');

    // The user publishes the token; the retried deploy then binds the domain.
    aliyun.addDnsDomain(site.base);
    await sdkDns.addDomainRecord(
      new Alidns.AddDomainRecordRequest({ domainName: site.base, RR: '_dnsauth.static', type: 'TXT', value: token }),
    );
    await target_.deploy(jobFor(site.siteId), certificate, keyPem);
    assert.equal(oss.cname(domain).certId, `${casIdsWithSerial(certificate.serial)[0]}-cn-hangzhou`);
  });

  test('wrong OSS secret is terminal', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);
    const wrongSecret = 'wrong-oss-secret-abcdefgh';

    const error = await expectError(
      target({ ...site, credential: { ...CREDENTIAL, accessKeySecret: wrongSecret } }).deploy(
        jobFor(site.siteId),
        certificate,
        keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.providerCode, 'SignatureDoesNotMatch');
    assert.equal(error.params.call, 'oss:ListCname');
    assert.equal(error.params.httpStatus, 403);
    assert.match(String(error.params.requestId), /^[0-9A-F]{24}$/);
    assert.ok(error.message.includes(String(error.params.requestId)));
    assert.deepEqual(casIdsWithSerial(certificate.serial), []);
    assert.throws(() => oss.cname(site.domains[0]!), /No bucket CNAME/);
    assert.ok(!JSON.stringify(error.toJSON()).includes(wrongSecret));
    assert.ok(!logs.text().includes(wrongSecret));
  });

  test('bucket in another region is rejected', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    const error = await expectError(
      target({ ...site, bucket: 'beijing-assets', ossRegion: 'oss-cn-hangzhou' }).deploy(
        jobFor(site.siteId),
        certificate,
        keyPem,
      ),
    );

    assert.equal(error.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.providerCode, 'AccessDenied');
    assert.match(String(error.params.providerMessage), /must be addressed using the specified endpoint/);
  });

  test('unknown bucket is a request failure', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    const error = await expectError(
      target({ ...site, bucket: 'no-such-bucket' }).deploy(jobFor(site.siteId), certificate, keyPem),
    );

    assert.equal(error.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(error.params.providerCode, 'NoSuchBucket');
    assert.equal(error.params.httpStatus, 404);
  });

  test('OSS throttling succeeds on retry', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    oss.throttleNext(2);
    await target(site).deploy(jobFor(site.siteId), certificate, keyPem);

    assert.ok(oss.cname(site.domains[0]!).certId);
    assert.equal(
      logs.lines.filter((line) => line.includes('"providerCode":"MetaOperationQpsLimitExceeded"')).length,
      2,
    );
  });

  test('OSS throttling past the retries is retryable', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    oss.throttleNext(3);
    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_THROTTLED');
    assert.equal(error.retryable, true);
  });

  test('OSS 5xx is retryable', async () => {
    const site = newSite();
    const { certificate, keyPem } = await issue(ca, site.domains);

    oss.failNext(1, 500);
    const error = await expectError(target(site).deploy(jobFor(site.siteId), certificate, keyPem));

    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.providerCode, 'InternalError');
  });

  test('domain held processing is not yet live', async () => {
    const site = newSite();
    const target_ = target({
      ...site,
      edge: { address: '127.0.0.1', port: oss.edgePort, timeoutMs: 300, intervalMs: 50 },
    });
    const first = await issue(ca, site.domains);
    const second = await issue(ca, site.domains);
    await target_.deploy(jobFor(site.siteId), first.certificate, first.keyPem);

    oss.holdProcessing(site.domains[0]!, 'forever');
    await target_.deploy(jobFor(site.siteId), second.certificate, second.keyPem);
    const error = await expectError(target_.verify(jobFor(site.siteId), second.certificate));

    assert.equal(error.code, 'EDGE_NOT_YET_LIVE');
    assert.equal(error.params.servedSerial, first.certificate.serial);
    assert.equal(error.params.expectedSerial, second.certificate.serial);

    oss.finishProcessing(site.domains[0]!);
    await target_.verify(jobFor(site.siteId), second.certificate);
  });

  test('afterDone deletes only unused uploads of ours', async () => {
    const site = newSite(['static', 'media']);
    const [staticDomain, mediaDomain] = site.domains as [string, string];
    const old = await issue(ca, site.domains);
    const shared = await issue(ca, site.domains);
    const current = await issue(ca, site.domains);
    const foreign = await issue(ca, site.domains);
    await target(site).deploy(jobFor(site.siteId), old.certificate, old.keyPem);
    await target(site).deploy(jobFor(site.siteId), shared.certificate, shared.keyPem);
    // The site now covers static only, and media stays on the earlier upload. The fake CAS does
    // not know that OSS uses it, so only the ListCname check can keep it.
    await target({ ...site, domains: [staticDomain] }).deploy(jobFor(site.siteId), current.certificate, current.keyPem);
    const manual = await sdkCas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: `console-${site.siteId}`,
        cert: foreign.certificate.pem,
        key: foreign.keyPem,
      }),
    );
    const [oldId] = casIdsWithSerial(old.certificate.serial);
    const [sharedId] = casIdsWithSerial(shared.certificate.serial);
    const [currentId] = casIdsWithSerial(current.certificate.serial);
    assert.equal(oss.cname(mediaDomain).certId, `${sharedId}-cn-hangzhou`);

    await target({ ...site, domains: [staticDomain] }).afterDone(jobFor(site.siteId), current.certificate);

    const remaining = aliyun.casCertificates().map((certificate) => certificate.id);
    assert.ok(!remaining.includes(oldId!), 'the unused old upload is deleted');
    assert.ok(remaining.includes(sharedId!), 'the upload a bucket domain uses is kept');
    assert.ok(remaining.includes(currentId!), 'the current upload is kept');
    assert.ok(remaining.includes(manual.body!.certId!), 'the upload made outside CertPilot is kept');
    const recorded = (await registry.list(site.siteId)).map((record) => record.certId).sort();
    assert.deepEqual(recorded, [String(sharedId), String(currentId)].sort());
  });

  test('invalid options are rejected before any call', () => {
    const site = newSite();
    const requestsBefore = oss.requests.length + aliyun.requests.length;
    const cases: Array<[Partial<AliyunOssTargetOptions>, string]> = [
      [{ bucket: 'Bad_Bucket' }, 'CONFIG_INVALID'],
      [{ bucket: '-x' }, 'CONFIG_INVALID'],
      [{ ossRegion: 'hangzhou' }, 'CONFIG_INVALID'],
      [{ ossRegion: 'oss-cn hangzhou' }, 'CONFIG_INVALID'],
      [{ region: 'cn_hangzhou' }, 'CONFIG_INVALID'],
      [{ domains: [] }, 'CONFIG_INVALID'],
      [{ domains: ['bad domain.example.test'] }, 'NAME_INVALID'],
      [{ siteId: ' ' }, 'CONFIG_INVALID'],
      [{ credential: { provider: 'qiniu', accessKeyId: 'a', accessKeySecret: 'b' } }, 'CONFIG_INVALID'],
      [{ credential: { provider: 'aliyun', accessKeyId: 'a', accessKeySecret: '' } }, 'CONFIG_INVALID'],
      [{ endpoints: { oss: 'ftp://127.0.0.1:21' } }, 'CONFIG_INVALID'],
      [{ endpoints: { oss: 'http://127.0.0.1:80/path' } }, 'CONFIG_INVALID'],
      [{ endpoints: { cas: 'cas.example.test/extra' } }, 'CONFIG_INVALID'],
    ];
    for (const [options, code] of cases) {
      assert.throws(
        () => target({ ...site, ...options }),
        (error: unknown) => isCertPilotError(error) && error.code === code,
        `${JSON.stringify(options)} should fail with ${code}`,
      );
    }
    assert.equal(oss.requests.length + aliyun.requests.length, requestsBefore);
  });

  test('empty secret is not echoed', () => {
    const site = newSite();
    try {
      target({ ...site, credential: { provider: 'aliyun', accessKeyId: 'id', accessKeySecret: '   ' } });
      assert.fail('expected CONFIG_INVALID');
    } catch (error) {
      assert.ok(isCertPilotError(error, 'CONFIG_INVALID'));
      assert.equal(error.message, 'The Aliyun credential has no AccessKey secret.');
    }
  });
});
