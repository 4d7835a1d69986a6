import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import Alidns from '@alicloud/alidns20150109';
import Cas from '@alicloud/cas20200407';
import OSS from 'ali-oss';

import { signOssV1, startFakeAliyun, startFakeOss, type FakeAliyun, type FakeOss } from '../../src/fakes/index.js';
import { aliyunClients, type AliyunClients } from './aliyun-clients.js';
import { createTestCa, issueTestCertificate, type TestCa, type TestCertificate } from './test-certificates.js';
import { probeEdge } from './tls-probe.js';

const ACCOUNT = { accessKeyId: 'oss-test-ak', accessKeySecret: 'oss-test-secret' };

/** ali-oss 6.x has no CNAME methods; its typings omit the generic `request` used for them. */
interface RawOssClient {
  request(params: {
    method: 'GET' | 'POST';
    bucket: string;
    subres: Record<string, string>;
    content?: string;
    mime?: string;
    successStatuses: number[];
    xmlResponse?: boolean;
  }): Promise<{ status: number; data: Record<string, unknown> | Buffer }>;
}

interface OssClientError {
  code: string;
  status: number;
  requestId: string;
  ecCode?: string;
}

function ossClient(
  fake: FakeOss,
  bucket: string,
  options: { region?: string; secret?: string; v4?: boolean } = {},
): RawOssClient {
  return new OSS({
    accessKeyId: ACCOUNT.accessKeyId,
    accessKeySecret: options.secret ?? ACCOUNT.accessKeySecret,
    endpoint: fake.url,
    region: options.region ?? 'oss-cn-hangzhou',
    bucket,
    ...(options.v4 ? { authorizationV4: true } : {}),
  }) as unknown as RawOssClient;
}

function cnameXml(domain: string, certificate = ''): string {
  const configuration = certificate === '' ? '' : `<CertificateConfiguration>${certificate}</CertificateConfiguration>`;
  return `<BucketCnameConfiguration><Cname><Domain>${domain}</Domain>${configuration}</Cname></BucketCnameConfiguration>`;
}

const putCname = (client: RawOssClient, bucket: string, xml: string) =>
  client.request({
    method: 'POST',
    bucket,
    subres: { cname: '', comp: 'add' },
    content: xml,
    mime: 'xml',
    successStatuses: [200],
  });

const listCname = (client: RawOssClient, bucket: string) =>
  client.request({ method: 'GET', bucket, subres: { cname: '' }, successStatuses: [200], xmlResponse: true });

function rawPost(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.once('error', reject);
    request.end(body);
  });
}

async function ossError(call: () => Promise<unknown>): Promise<OssClientError> {
  try {
    await call();
  } catch (error) {
    return error as OssClientError;
  }
  throw new Error('Expected the ali-oss call to fail, but it succeeded');
}

describe('fake OSS bucket CNAME API', () => {
  let aliyun: FakeAliyun;
  let oss: FakeOss;
  let clients: AliyunClients;
  let ca: TestCa;
  let siteCertificate: TestCertificate;
  let casId: number;

  before(async () => {
    aliyun = await startFakeAliyun({ accounts: [ACCOUNT] });
    aliyun.addDnsDomain('static.example.test');
    oss = await startFakeOss({
      accounts: [ACCOUNT],
      buckets: [
        { name: 'site-bucket', region: 'cn-hangzhou' },
        { name: 'other-bucket', region: 'oss-cn-hangzhou' },
        { name: 'beijing-bucket', region: 'cn-beijing' },
      ],
      casLookup: (certId) => aliyun.casLookup(certId),
      txtLookup: (fqdn) => aliyun.txtValues(fqdn),
    });
    clients = aliyunClients(aliyun.endpoint, ACCOUNT);
    ca = await createTestCa();
    siteCertificate = await issueTestCertificate(ca, ['static.example.test']);
    const upload = await clients.cas.uploadUserCertificate(
      new Cas.UploadUserCertificateRequest({
        name: 'oss-site',
        cert: siteCertificate.chainPem,
        key: siteCertificate.keyPem,
      }),
    );
    casId = upload.body?.certId as number;
  });

  after(async () => {
    await oss.close();
    await aliyun.close();
  });

  test('token, TXT record, then PutCname with CAS CertId', async () => {
    const client = ossClient(oss, 'site-bucket');
    const certificate = `<CertId>${casId}-cn-hangzhou</CertId><Force>true</Force>`;

    const unverified = await ossError(() =>
      putCname(client, 'site-bucket', cnameXml('static.example.test', certificate)),
    );
    assert.equal(unverified.code, 'NeedVerifyDomainOwnership');
    assert.equal(unverified.status, 400);
    assert.match(unverified.requestId, /^[0-9A-F]{24}$/);

    const tokenReply = await client.request({
      method: 'POST',
      bucket: 'site-bucket',
      subres: { cname: '', comp: 'token' },
      content: cnameXml('static.example.test'),
      mime: 'xml',
      successStatuses: [200],
      xmlResponse: true,
    });
    const token = (tokenReply.data as Record<string, string>).Token as string;
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.equal((tokenReply.data as Record<string, string>).Cname, 'static.example.test');

    await clients.dns.addDomainRecord(
      new Alidns.AddDomainRecordRequest({
        domainName: 'static.example.test',
        RR: '_dnsauth',
        type: 'TXT',
        value: token,
      }),
    );
    const bound = await putCname(client, 'site-bucket', cnameXml('static.example.test', certificate));
    assert.equal(bound.status, 200);
    assert.deepEqual(await probeEdge(oss.edgePort, 'static.example.test'), {
      ok: true,
      serialNumber: siteCertificate.serialNumber,
    });

    const listed = await listCname(client, 'site-bucket');
    const cname = (listed.data as { Cname: { Domain: string; Certificate: Record<string, string> } }).Cname;
    assert.equal(cname.Domain, 'static.example.test');
    assert.equal(cname.Certificate.CertId, `${casId}-cn-hangzhou`);
    assert.equal(cname.Certificate.Type, 'CAS');
    assert.match(cname.Certificate.Fingerprint ?? '', /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    assert.ok(!Number.isNaN(Date.parse(cname.Certificate.ValidEndDate ?? '')));
  });

  test('V4 signed ListCname accepted', async () => {
    const listed = await listCname(ossClient(oss, 'site-bucket', { v4: true }), 'site-bucket');
    assert.equal(listed.status, 200);
    assert.equal(oss.requests.at(-1)?.signed, true);
    assert.equal(oss.requests.at(-1)?.action, 'ListCname');
  });

  test('replacing a certificate needs Force or PreviousCertId', async () => {
    oss.verifyDomain('swap.example.test');
    const client = ossClient(oss, 'site-bucket');
    const first = await issueTestCertificate(ca, ['swap.example.test']);
    const second = await issueTestCertificate(ca, ['swap.example.test']);
    const upload = (certificate: TestCertificate) =>
      `<Certificate>${certificate.chainPem}</Certificate><PrivateKey>${certificate.keyPem}</PrivateKey>`;

    await putCname(client, 'site-bucket', cnameXml('swap.example.test', upload(first)));
    const firstId = oss.cname('swap.example.test').certId as string;
    assert.match(firstId, /^upload-/);

    const refused = await ossError(() =>
      putCname(client, 'site-bucket', cnameXml('swap.example.test', upload(second))),
    );
    assert.equal(refused.code, 'InvalidArgument');
    assert.equal(refused.ecCode, '0018-00000209');

    await putCname(
      client,
      'site-bucket',
      cnameXml('swap.example.test', `${upload(second)}<PreviousCertId>${firstId}</PreviousCertId>`),
    );
    assert.deepEqual(await probeEdge(oss.edgePort, 'swap.example.test'), {
      ok: true,
      serialNumber: second.serialNumber,
    });

    await putCname(client, 'site-bucket', cnameXml('swap.example.test', '<DeleteCertificate>true</DeleteCertificate>'));
    assert.equal((await probeEdge(oss.edgePort, 'swap.example.test')).ok, false);
  });

  test('PutCname rejects bad certificates', async () => {
    oss.verifyDomain('bad.example.test');
    const client = ossClient(oss, 'site-bucket');

    const unknownCas = await ossError(() =>
      putCname(
        client,
        'site-bucket',
        cnameXml('bad.example.test', '<CertId>999-cn-hangzhou</CertId><Force>true</Force>'),
      ),
    );
    assert.equal(unknownCas.code, 'CertificateInvalidCasId');

    const otherName = await ossError(() =>
      putCname(
        client,
        'site-bucket',
        cnameXml('bad.example.test', `<CertId>${casId}-cn-hangzhou</CertId><Force>true</Force>`),
      ),
    );
    assert.equal(otherName.code, 'InvalidArgument');

    const malformed = await ossError(() => putCname(client, 'site-bucket', '<NotCname/>'));
    assert.equal(malformed.code, 'MalformedXML');
  });

  test('domain of another bucket returns CnameAlreadyExists', async () => {
    const error = await ossError(() =>
      putCname(ossClient(oss, 'other-bucket'), 'other-bucket', cnameXml('static.example.test')),
    );
    assert.equal(error.code, 'CnameAlreadyExists');
    assert.equal(error.status, 409);
  });

  test('held CNAME keeps serving old certificate', async () => {
    oss.verifyDomain('held.example.test');
    const client = ossClient(oss, 'site-bucket');
    const first = await issueTestCertificate(ca, ['held.example.test']);
    const second = await issueTestCertificate(ca, ['held.example.test']);
    const upload = (certificate: TestCertificate) =>
      `<Certificate>${certificate.chainPem}</Certificate><PrivateKey>${certificate.keyPem}</PrivateKey><Force>true</Force>`;

    await putCname(client, 'site-bucket', cnameXml('held.example.test', upload(first)));
    oss.holdProcessing('held.example.test', 'forever');
    await putCname(client, 'site-bucket', cnameXml('held.example.test', upload(second)));

    assert.equal(oss.cname('held.example.test').processing, true);
    assert.deepEqual(await probeEdge(oss.edgePort, 'held.example.test'), {
      ok: true,
      serialNumber: first.serialNumber,
    });
    oss.finishProcessing('held.example.test');
    assert.deepEqual(await probeEdge(oss.edgePort, 'held.example.test'), {
      ok: true,
      serialNumber: second.serialNumber,
    });
  });

  test('GetCnameToken and DeleteCname', async () => {
    const client = ossClient(oss, 'site-bucket');
    const missing = await ossError(() =>
      client.request({
        method: 'GET',
        bucket: 'site-bucket',
        subres: { comp: 'token', cname: 'never.example.test' },
        successStatuses: [200],
      }),
    );
    assert.equal(missing.code, 'CnameTokenNotFound');
    assert.equal(missing.status, 404);

    const existing = await client.request({
      method: 'GET',
      bucket: 'site-bucket',
      subres: { comp: 'token', cname: 'static.example.test' },
      successStatuses: [200],
      xmlResponse: true,
    });
    assert.equal((existing.data as Record<string, string>).Bucket, 'site-bucket');

    oss.verifyDomain('gone.example.test');
    await putCname(client, 'site-bucket', cnameXml('gone.example.test'));
    const deleted = await client.request({
      method: 'POST',
      bucket: 'site-bucket',
      subres: { cname: '', comp: 'delete' },
      content: cnameXml('gone.example.test'),
      mime: 'xml',
      successStatuses: [200],
    });
    assert.equal(deleted.status, 200);
    assert.throws(() => oss.cname('gone.example.test'));
  });

  test('wrong secret returns SignatureDoesNotMatch', async () => {
    for (const v4 of [false, true]) {
      const error = await ossError(() =>
        listCname(ossClient(oss, 'site-bucket', { secret: 'wrong', v4 }), 'site-bucket'),
      );
      assert.equal(error.code, 'SignatureDoesNotMatch', `V4: ${v4}`);
      assert.equal(error.status, 403, `V4: ${v4}`);
    }
    assert.equal(oss.requests.at(-1)?.signed, false);
  });

  test('tampered sub-resource and body rejected', async () => {
    const host = 'site-bucket.oss-cn-hangzhou.aliyuncs.com';
    const body = cnameXml('static.example.test');
    const headers = {
      'x-oss-date': new Date().toUTCString(),
      'content-type': 'application/xml',
      'content-md5': createHash('md5').update(body).digest('base64'),
    };
    const authorization = signOssV1(ACCOUNT, {
      method: 'POST',
      bucket: 'site-bucket',
      objectKey: '',
      query: [
        ['cname', ''],
        ['comp', 'token'],
      ],
      headers,
    });
    // fetch drops a custom Host header, and OSS reads the bucket from it, so use node:http.
    const send = (query: string, content: string) =>
      rawPost(oss.port, `/?${query}`, { ...headers, host, authorization }, content);

    const tamperedQuery = await send('cname&comp=add', body);
    assert.equal(tamperedQuery.status, 403);
    assert.match(tamperedQuery.body, /<Code>SignatureDoesNotMatch<\/Code>/);

    const tamperedBody = await send('cname&comp=token', cnameXml('evil.example.test'));
    assert.equal(tamperedBody.status, 400);
    assert.match(tamperedBody.body, /<Code>InvalidDigest<\/Code>/);

    const genuine = await send('cname&comp=token', body);
    assert.equal(genuine.status, 200);
  });

  test('wrong region and unknown bucket rejected', async () => {
    const wrongRegion = await ossError(() => listCname(ossClient(oss, 'beijing-bucket'), 'beijing-bucket'));
    assert.equal(wrongRegion.code, 'AccessDenied');

    const unknown = await ossError(() => listCname(ossClient(oss, 'no-such-bucket'), 'no-such-bucket'));
    assert.equal(unknown.code, 'NoSuchBucket');
    assert.equal(unknown.status, 404);
  });

  test('throttle and failure controls', async () => {
    const client = ossClient(oss, 'site-bucket');
    oss.throttleNext(1);
    oss.failNext(1);

    const throttled = await ossError(() => listCname(client, 'site-bucket'));
    assert.equal(throttled.code, 'MetaOperationQpsLimitExceeded');
    assert.equal(throttled.status, 503);

    const failed = await ossError(() => listCname(client, 'site-bucket'));
    assert.equal(failed.code, 'InternalError');
    assert.equal(failed.status, 500);

    assert.equal((await listCname(client, 'site-bucket')).status, 200);
  });
});
