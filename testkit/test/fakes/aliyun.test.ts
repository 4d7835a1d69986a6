import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import Cas from '@alicloud/cas20200407';
import Cdn from '@alicloud/cdn20180510';
import Dcdn from '@alicloud/dcdn20180115';

import { casSerialNumber, signAcs3, signRpc, startFakeAliyun, type FakeAliyun } from '../../src/fakes/index.js';
import { aliyunClients, sdkError, type AliyunClients } from './aliyun-clients.js';
import { createTestCa, issueTestCertificate, type TestCa, type TestCertificate } from './test-certificates.js';
import { probeEdge } from './tls-probe.js';

const ACCOUNT = { accessKeyId: 'aliyun-test-ak', accessKeySecret: 'aliyun-test-secret' };
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function timestamp(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Sends a hand-signed ACS3 request, optionally changing what is sent after signing. */
async function rawAcs3Call(
  fake: FakeAliyun,
  action: string,
  query: Array<[string, string]>,
  options: { nonce?: string; date?: string; sentQuery?: string; signedHeaders?: string[]; secret?: string } = {},
): Promise<{ status: number; body: Record<string, string> }> {
  const headers: Record<string, string> = {
    host: fake.endpoint,
    'x-acs-action': action,
    'x-acs-version': '2020-04-07',
    'x-acs-date': options.date ?? timestamp(),
    'x-acs-signature-nonce': options.nonce ?? randomUUID(),
    'x-acs-content-sha256': EMPTY_SHA256,
  };
  const authorization = signAcs3(
    { accessKeyId: ACCOUNT.accessKeyId, accessKeySecret: options.secret ?? ACCOUNT.accessKeySecret },
    { method: 'POST', path: '/', query, headers, payloadHash: EMPTY_SHA256 },
    options.signedHeaders,
  );
  const search = options.sentQuery ?? new URLSearchParams(query).toString();
  const response = await fetch(`http://${fake.endpoint}/?${search}`, {
    method: 'POST',
    headers: { ...headers, authorization },
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('fake Aliyun CAS, CDN and DCDN', () => {
  let fake: FakeAliyun;
  let clients: AliyunClients;
  let ca: TestCa;
  let siteCertificate: TestCertificate;

  before(async () => {
    fake = await startFakeAliyun({ accounts: [ACCOUNT] });
    clients = aliyunClients(fake.endpoint, ACCOUNT);
    ca = await createTestCa();
    siteCertificate = await issueTestCertificate(ca, ['www.example.test']);
  });

  after(async () => {
    await fake.close();
  });

  async function uploadToCas(name: string, certificate: TestCertificate): Promise<number> {
    const response = await clients.cas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({ name, cert: certificate.chainPem, key: certificate.keyPem }),
    );
    assert.equal(typeof response.body?.certId, 'number');
    return response.body?.certId as number;
  }

  test('CAS upload, list and detail', async () => {
    const certId = await uploadToCas('cas-listed', siteCertificate);

    const list = await clients.cas.listUserCertificateOrder(
      new Cas.ListUserCertificateOrderRequest({
        orderType: 'UPLOAD',
        keyword: 'cas-listed',
        currentPage: 1,
        showSize: 10,
      }),
    );
    const entry = list.body?.certificateOrderList?.[0];
    assert.equal(list.body?.totalCount, 1);
    assert.equal(entry?.certificateId, certId);
    assert.equal(entry?.commonName, 'www.example.test');
    assert.equal(entry?.sans, 'www.example.test');
    assert.equal(entry?.serialNo?.replace(/^0+/, '').toUpperCase(), siteCertificate.serialNumber.replace(/^0+/, ''));

    const detail = await clients.cas.getUserCertificateDetail(new Cas.GetUserCertificateDetailRequest({ certId }));
    assert.equal(detail.body?.id, certId);
    assert.equal(detail.body?.certIdentifier, `${certId}-cn-hangzhou`);
    assert.equal(detail.body?.cert, siteCertificate.chainPem);
    assert.equal(detail.body?.key, siteCertificate.keyPem);

    const filtered = await clients.cas.getUserCertificateDetail(
      new Cas.GetUserCertificateDetailRequest({ certId, certFilter: true }),
    );
    assert.equal(filtered.body?.cert, undefined);
  });

  test('CAS rejects duplicate name and bad input', async () => {
    await uploadToCas('cas-unique', siteCertificate);
    const duplicate = await sdkError(() => uploadToCas('cas-unique', siteCertificate));
    assert.equal(duplicate.code, 'ParamRepeat');
    assert.equal(duplicate.statusCode, 400);

    const malformed = await sdkError(() =>
      clients.cas.uploadUserCertificate(
        new Cas.UploadUserCertificateRequest({ name: 'bad', cert: 'garbage', key: siteCertificate.keyPem }),
      ),
    );
    assert.equal(malformed.code, 'InvalidSource.Content.Malformed');

    const missingName = await sdkError(() =>
      clients.cas.uploadUserCertificate(
        new Cas.UploadUserCertificateRequest({ cert: siteCertificate.chainPem, key: siteCertificate.keyPem }),
      ),
    );
    assert.equal(missingName.code, 'MissingParameter');

    const unknown = await sdkError(() =>
      clients.cas.deleteUserCertificate(new Cas.DeleteUserCertificateRequest({ certId: 1 })),
    );
    assert.equal(unknown.code, 'NotFound');
  });

  test('certificate above 16 KiB in query accepted', async () => {
    const names = Array.from({ length: 600 }, (_, index) => `host-${index}.bulk.example.test`);
    const large = await issueTestCertificate(ca, names);
    assert.ok(encodeURIComponent(large.chainPem).length > 16 * 1024);

    const certId = await uploadToCas('cas-large', large);
    assert.equal(fake.casCertificates().find((certificate) => certificate.id === certId)?.details.dnsNames.length, 600);
  });

  test('CDN binding reaches TLS edge', async () => {
    fake.addCdnDomain('www.example.test');
    assert.equal((await probeEdge(fake.edgePort, 'www.example.test')).ok, false);

    const certId = await uploadToCas('cdn-bound', siteCertificate);
    await clients.cdn.setCdnDomainSSLCertificate(
      new Cdn.SetCdnDomainSSLCertificateRequest({
        domainName: 'www.example.test',
        SSLProtocol: 'on',
        certType: 'cas',
        certId,
        certRegion: 'cn-hangzhou',
      }),
    );
    assert.deepEqual(await probeEdge(fake.edgePort, 'www.example.test'), {
      ok: true,
      serialNumber: siteCertificate.serialNumber,
    });

    const info = await clients.cdn.describeDomainCertificateInfo(
      new Cdn.DescribeDomainCertificateInfoRequest({ domainName: 'www.example.test' }),
    );
    const certInfo = info.body?.certInfos?.certInfo?.[0];
    assert.equal(certInfo?.certId, String(certId));
    assert.equal(certInfo?.serverCertificateStatus, 'on');
    assert.equal(certInfo?.certType, 'cas');

    const detail = await clients.cdn.describeCdnDomainDetail(
      new Cdn.DescribeCdnDomainDetailRequest({ domainName: 'www.example.test' }),
    );
    assert.equal(detail.body?.getDomainDetailModel?.serverCertificateStatus, 'on');

    const inUse = await sdkError(() =>
      clients.cas.deleteUserCertificate(new Cas.DeleteUserCertificateRequest({ certId })),
    );
    assert.equal(inUse.code, 'ResourceAlreadyAssociated');

    await clients.cdn.setCdnDomainSSLCertificate(
      new Cdn.SetCdnDomainSSLCertificateRequest({ domainName: 'www.example.test', SSLProtocol: 'off' }),
    );
    assert.equal((await probeEdge(fake.edgePort, 'www.example.test')).ok, false);
    await clients.cas.deleteUserCertificate(new Cas.DeleteUserCertificateRequest({ certId }));
  });

  test('CDN upload binding and its errors', async () => {
    const certificate = await issueTestCertificate(ca, ['upload.example.test']);
    fake.addCdnDomain('upload.example.test');

    const missingPub = await sdkError(() =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({
          domainName: 'upload.example.test',
          SSLProtocol: 'on',
          certType: 'upload',
          SSLPri: certificate.keyPem,
        }),
      ),
    );
    assert.equal(missingPub.code, 'SSLPub.MissingParameter');

    const missingPri = await sdkError(() =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({
          domainName: 'upload.example.test',
          SSLProtocol: 'on',
          certType: 'upload',
          SSLPub: certificate.chainPem,
        }),
      ),
    );
    assert.equal(missingPri.code, 'SSLPri.MissingParameter');

    await clients.cdn.setCdnDomainSSLCertificate(
      new Cdn.SetCdnDomainSSLCertificateRequest({
        domainName: 'upload.example.test',
        SSLProtocol: 'on',
        certType: 'upload',
        certName: 'uploaded-through-cdn',
        SSLPub: certificate.chainPem,
        SSLPri: certificate.keyPem,
      }),
    );
    assert.deepEqual(await probeEdge(fake.edgePort, 'upload.example.test'), {
      ok: true,
      serialNumber: certificate.serialNumber,
    });
    assert.equal(fake.cdnDomain('upload.example.test').certType, 'upload');

    const badProtocol = await sdkError(() =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({ domainName: 'upload.example.test', SSLProtocol: 'yes' }),
      ),
    );
    assert.equal(badProtocol.code, 'InvalidSSLProtocol.ValueNotSupported');

    const unknownCas = await sdkError(() =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({
          domainName: 'upload.example.test',
          SSLProtocol: 'on',
          certType: 'cas',
          certId: 99,
        }),
      ),
    );
    assert.equal(unknownCas.code, 'Certificate.NotFound');
  });

  test('unknown CDN domain returns InvalidDomain.NotFound', async () => {
    const error = await sdkError(() =>
      clients.cdn.describeDomainCertificateInfo(
        new Cdn.DescribeDomainCertificateInfoRequest({ domainName: 'missing.example.test' }),
      ),
    );
    assert.equal(error.code, 'InvalidDomain.NotFound');
    assert.equal(error.statusCode, 404);
  });

  test('DCDN binding and describe shape', async () => {
    const certificate = await issueTestCertificate(ca, ['*.dcdn.example.test']);
    fake.addCdnDomain('*.dcdn.example.test', 'dcdn');
    const certId = await uploadToCas('dcdn-bound', certificate);

    const viaCdn = await sdkError(() =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({
          domainName: '*.dcdn.example.test',
          SSLProtocol: 'on',
          certType: 'cas',
          certId,
        }),
      ),
    );
    assert.equal(viaCdn.code, 'InvalidDomain.NotFound');

    await clients.dcdn.setDcdnDomainSSLCertificate(
      new Dcdn.SetDcdnDomainSSLCertificateRequest({
        domainName: '*.dcdn.example.test',
        SSLProtocol: 'on',
        certType: 'cas',
        certId,
      }),
    );
    const info = await clients.dcdn.describeDcdnDomainCertificateInfo(
      new Dcdn.DescribeDcdnDomainCertificateInfoRequest({ domainName: '*.dcdn.example.test' }),
    );
    const certInfo = info.body?.certInfos?.certInfo?.[0];
    assert.equal(certInfo?.certId, String(certId));
    assert.equal(certInfo?.SSLProtocol, 'on');
    assert.deepEqual(await probeEdge(fake.edgePort, 'api.dcdn.example.test'), {
      ok: true,
      serialNumber: certificate.serialNumber,
    });
  });

  test('held CDN domain serves old serial', async () => {
    const first = await issueTestCertificate(ca, ['held.example.test']);
    const second = await issueTestCertificate(ca, ['held.example.test']);
    fake.addCdnDomain('held.example.test');
    const firstId = await uploadToCas('held-first', first);
    const secondId = await uploadToCas('held-second', second);
    const bind = (certId: number) =>
      clients.cdn.setCdnDomainSSLCertificate(
        new Cdn.SetCdnDomainSSLCertificateRequest({
          domainName: 'held.example.test',
          SSLProtocol: 'on',
          certType: 'cas',
          certId,
        }),
      );

    await bind(firstId);
    fake.holdProcessing('held.example.test', 'forever');
    await bind(secondId);

    assert.deepEqual(fake.cdnDomain('held.example.test'), {
      name: 'held.example.test',
      product: 'cdn',
      certId: secondId,
      certType: 'cas',
      servedCertId: firstId,
      processing: true,
    });
    assert.deepEqual(await probeEdge(fake.edgePort, 'held.example.test'), {
      ok: true,
      serialNumber: first.serialNumber,
    });

    fake.finishProcessing('held.example.test');
    assert.deepEqual(await probeEdge(fake.edgePort, 'held.example.test'), {
      ok: true,
      serialNumber: second.serialNumber,
    });
  });

  test('RPC V1 signature accepted', async () => {
    const v1 = aliyunClients(fake.endpoint, ACCOUNT, 'v2');
    const certId = await (async () => {
      const response = await v1.cas.uploadUserCertificate(
        new Cas.UploadUserCertificateRequest({
          name: 'v1-upload',
          cert: siteCertificate.chainPem,
          key: siteCertificate.keyPem,
        }),
      );
      return response.body?.certId;
    })();
    assert.equal(typeof certId, 'number');
    assert.equal(fake.requests.at(-1)?.signed, true);
    assert.match(fake.requests.at(-1)?.query ?? '', /(^|&)Signature=/);

    const wrongSecret = aliyunClients(fake.endpoint, { ...ACCOUNT, accessKeySecret: 'wrong' }, 'v2');
    const error = await sdkError(() =>
      wrongSecret.cas.deleteUserCertificate(new Cas.DeleteUserCertificateRequest({ certId: certId as number })),
    );
    assert.equal(error.code, 'SignatureDoesNotMatch');
  });

  test('tampered RPC V1 query rejected', async () => {
    const parameters: Array<[string, string]> = [
      ['Action', 'ListUserCertificateOrder'],
      ['Version', '2020-04-07'],
      ['Format', 'json'],
      ['AccessKeyId', ACCOUNT.accessKeyId],
      ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureVersion', '1.0'],
      ['SignatureNonce', randomUUID()],
      ['Timestamp', timestamp()],
      ['ShowSize', '10'],
    ];
    parameters.push(['Signature', signRpc(ACCOUNT.accessKeySecret, 'POST', parameters)]);
    const tampered = parameters.map(([key, value]): [string, string] =>
      key === 'ShowSize' ? [key, '20'] : [key, value],
    );

    const response = await fetch(`http://${fake.endpoint}/?${new URLSearchParams(tampered).toString()}`, {
      method: 'POST',
    });
    const body = (await response.json()) as Record<string, string>;
    assert.equal(response.status, 400);
    assert.equal(body.Code, 'SignatureDoesNotMatch');
  });

  test('wrong secret returns SignatureDoesNotMatch', async () => {
    const wrong = aliyunClients(fake.endpoint, { ...ACCOUNT, accessKeySecret: 'not-the-secret' });
    const error = await sdkError(() => wrong.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({})));
    assert.equal(error.code, 'SignatureDoesNotMatch');
    assert.equal(error.statusCode, 400);
    assert.equal(fake.requests.at(-1)?.signed, false);
    assert.equal(fake.requests.at(-1)?.errorCode, 'SignatureDoesNotMatch');
  });

  test('unknown AccessKey returns 404', async () => {
    const stranger = aliyunClients(fake.endpoint, { accessKeyId: 'nobody', accessKeySecret: 'x' });
    const error = await sdkError(() =>
      stranger.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({})),
    );
    assert.equal(error.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(error.statusCode, 404);
  });

  test('error body has service fields', async () => {
    const reply = await rawAcs3Call(fake, 'DeleteUserCertificate', [['CertId', '1']]);
    assert.equal(reply.status, 400);
    assert.deepEqual(Object.keys(reply.body).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    assert.equal(reply.body.Code, 'NotFound');
    assert.equal(reply.body.HostId, fake.endpoint);
  });

  test('tampered ACS3 query rejected', async () => {
    const reply = await rawAcs3Call(fake, 'DeleteUserCertificate', [['CertId', '1']], { sentQuery: 'CertId=2' });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.Code, 'SignatureDoesNotMatch');
    assert.match(reply.body.Message ?? '', /ACS3-HMAC-SHA256/);
  });

  test('reused nonce returns SignatureNonceUsed', async () => {
    const nonce = randomUUID();
    const date = timestamp();
    const first = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { nonce, date });
    assert.equal(first.status, 200);

    const second = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { nonce, date });
    assert.equal(second.status, 400);
    assert.equal(second.body.Code, 'SignatureNonceUsed');
  });

  test('clock skew over 15 minutes rejected', async () => {
    const early = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { date: timestamp(-16 * 60 * 1000) });
    assert.equal(early.body.Code, 'InvalidTimeStamp.Expired');
    const late = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { date: timestamp(16 * 60 * 1000) });
    assert.equal(late.body.Code, 'InvalidTimeStamp.Expired');
    const within = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { date: timestamp(-14 * 60 * 1000) });
    assert.equal(within.status, 200);
    const malformed = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], { date: 'yesterday' });
    assert.equal(malformed.body.Code, 'InvalidTimeStamp.Format');
  });

  test('unsigned required header rejected', async () => {
    const reply = await rawAcs3Call(fake, 'ListUserCertificateOrder', [], {
      signedHeaders: ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-content-sha256'],
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.Code, 'IncompleteSignature');
  });

  test('unknown action returns InvalidApi.NotFound', async () => {
    const reply = await rawAcs3Call(fake, 'MakeCoffee', []);
    assert.equal(reply.status, 404);
    assert.equal(reply.body.Code, 'InvalidApi.NotFound');
  });

  test('throttle and failure controls', async () => {
    fake.throttleNext(1);
    fake.failNext(1);
    fake.failNext(1, 503);

    const throttled = await sdkError(() =>
      clients.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({})),
    );
    assert.equal(throttled.code, 'Throttling.User');
    assert.equal(throttled.name, 'ThrottlingError');

    const failed = await sdkError(() =>
      clients.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({})),
    );
    assert.equal(failed.code, 'InternalError');
    assert.equal(failed.statusCode, 500);

    const unavailable = await sdkError(() =>
      clients.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({})),
    );
    assert.equal(unavailable.code, 'ServiceUnavailable');
    assert.equal(unavailable.statusCode, 503);

    const normal = await clients.cas.listUserCertificateOrder(new Cas.ListUserCertificateOrderRequest({}));
    assert.equal(normal.statusCode, 200);
  });

  test('casLookup resolves region-qualified IDs', async () => {
    const certId = await uploadToCas('lookup', siteCertificate);
    assert.equal(fake.casLookup(`${certId}-cn-hangzhou`)?.certPem, siteCertificate.chainPem);
    assert.equal(fake.casLookup(`${certId}-ap-southeast-1`), null);
    assert.equal(fake.casLookup(String(certId)), null);
    const stored = fake.casCertificates().find((certificate) => certificate.id === certId);
    assert.ok(stored);
    assert.equal(casSerialNumber(stored).length, 40);
  });
});
