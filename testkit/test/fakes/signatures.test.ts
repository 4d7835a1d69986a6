import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

import { OpenApiUtil } from '@alicloud/openapi-core';
import qiniu from 'qiniu';

import {
  acs3CanonicalRequest,
  parseAcs3Authorization,
  parseOssV4Authorization,
  signAcs3,
  signOssV1,
  signOssV4,
  signQBox,
  signQiniuV2,
  signRpc,
  verifyQiniuAuthorization,
  verifyRpcSignature,
  type Acs3SignedRequest,
  type OssSignedRequest,
  type QiniuSignedRequest,
} from '../../src/fakes/index.js';

// ali-oss exposes its signing helpers only as an internal CommonJS module.
const ossSignUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as {
  buildCanonicalString(method: string, resource: string, request: object): string;
  authorization(accessKeyId: string, secret: string, canonical: string): string;
  authorizationV4(
    accessKeyId: string,
    secret: string,
    region: string,
    method: string,
    request: object,
    bucket: string,
    object?: string,
    additionalHeaders?: string[],
  ): string;
};

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('Qiniu signatures', () => {
  const credentials = { accessKey: 'ak', secretKey: 'sk' };
  const vectorRequest = (method: string): QiniuSignedRequest => ({
    method,
    path: '/',
    rawQuery: '',
    host: 'rs.qbox.me',
    contentType: 'application/json',
    body: '{"name": "test"}',
  });

  test('V2 matches published vectors', () => {
    assert.equal(signQiniuV2(credentials, vectorRequest('GET')), 'Qiniu ak:ksh7bJBnBzFO0yxJ_tLLUcg0csM=');
    assert.equal(signQiniuV2(credentials, vectorRequest('POST')), 'Qiniu ak:IlW01tHjGQ0pGPXV_3jjR1AdD34=');
  });

  test('V2 matches npm qiniu helper without port', () => {
    const mac = new qiniu.auth.digest.Mac('ak', 'sk');
    const request: QiniuSignedRequest = {
      method: 'PUT',
      path: '/domain/a.example.test/httpsconf',
      rawQuery: 'x=1',
      host: 'api.qiniu.com',
      contentType: 'application/json',
      headers: { 'x-qiniu-date': '20240101T000000Z', 'X-Qiniu-Zone': 'z0', 'x-other': 'ignored' },
      body: '{"certId":"abc"}',
    };
    const expected = qiniu.util.generateAccessTokenV2(
      mac,
      'https://api.qiniu.com/domain/a.example.test/httpsconf?x=1',
      'PUT',
      'application/json',
      '{"certId":"abc"}',
      { 'x-qiniu-date': '20240101T000000Z', 'X-Qiniu-Zone': 'z0', 'x-other': 'ignored' },
    );
    assert.equal(signQiniuV2(credentials, request), expected);
  });

  test('verifier accepts exact and quirky V2 tokens', () => {
    const secretFor = (accessKey: string) => (accessKey === 'ak' ? 'sk' : undefined);
    const request: QiniuSignedRequest = { ...vectorRequest('GET'), host: '127.0.0.1:8080' };

    const exact = verifyQiniuAuthorization(signQiniuV2(credentials, request), request, secretFor);
    assert.deepEqual(exact, { ok: true, accessKey: 'ak', scheme: 'Qiniu', quirks: [] });

    const mac = new qiniu.auth.digest.Mac('ak', 'sk');
    const npmToken = qiniu.util.generateAccessTokenV2(
      mac,
      'http://127.0.0.1:8080/',
      'GET',
      'application/json',
      '{"name": "test"}',
    );
    const quirky = verifyQiniuAuthorization(npmToken, request, secretFor);
    assert.deepEqual(quirky, { ok: true, accessKey: 'ak', scheme: 'Qiniu', quirks: ['doubled-port'] });
  });

  test('verifier rejects wrong secret, unknown key and bad form', () => {
    const secretFor = (accessKey: string) => (accessKey === 'ak' ? 'sk' : undefined);
    const request = vectorRequest('GET');

    const wrongSecret = signQiniuV2({ accessKey: 'ak', secretKey: 'other' }, request);
    assert.deepEqual(verifyQiniuAuthorization(wrongSecret, request, secretFor), {
      ok: false,
      reason: 'mismatch',
      accessKey: 'ak',
    });

    const unknownKey = signQiniuV2({ accessKey: 'nobody', secretKey: 'sk' }, request);
    assert.equal(verifyQiniuAuthorization(unknownKey, request, secretFor).ok, false);
    assert.deepEqual(verifyQiniuAuthorization('Qiniu ak', request, secretFor), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyQiniuAuthorization(undefined, request, secretFor), { ok: false, reason: 'missing' });

    const tampered = { ...request, body: '{"name": "other"}' };
    assert.equal(verifyQiniuAuthorization(signQiniuV2(credentials, request), tampered, secretFor).ok, false);
  });

  test('QBox signs form bodies only', () => {
    const mac = new qiniu.auth.digest.Mac('ak', 'sk');
    const form: QiniuSignedRequest = {
      method: 'POST',
      path: '/sslcert',
      rawQuery: '',
      host: 'api.qiniu.com',
      contentType: 'application/x-www-form-urlencoded',
      body: 'name=a&pri=b',
    };
    assert.equal(
      signQBox(credentials, form),
      qiniu.util.generateAccessToken(mac, 'https://api.qiniu.com/sslcert', 'name=a&pri=b'),
    );

    const json = { ...form, contentType: 'application/json', body: '{"name":"a"}' };
    assert.equal(signQBox(credentials, json), qiniu.util.generateAccessToken(mac, 'https://api.qiniu.com/sslcert'));
  });
});

describe('Aliyun ACS3 and RPC V1 signatures', () => {
  const vectorHeaders = {
    host: '127.0.0.1:9000',
    'x-acs-action': 'DeleteUserCertificate',
    'x-acs-version': '2020-04-07',
    'x-acs-date': '2024-01-01T00:00:00Z',
    'x-acs-signature-nonce': 'nonce123',
    'x-acs-content-sha256': EMPTY_SHA256,
  };

  test('ACS3 matches published vector', () => {
    const request: Acs3SignedRequest = {
      method: 'POST',
      path: '/',
      query: [['CertId', '12345']],
      headers: vectorHeaders,
      payloadHash: EMPTY_SHA256,
    };
    const authorization = signAcs3({ accessKeyId: 'testAK', accessKeySecret: 'testSecret' }, request);
    assert.deepEqual(parseAcs3Authorization(authorization), {
      accessKeyId: 'testAK',
      signedHeaders: [
        'host',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ],
      signature: '6d90c5261e587a4b12943ad43e680876286363441d9aaf4e01b07e67fe6b3bb6',
    });
  });

  test('ACS3 matches SDK with awkward query values', () => {
    const query = { Keyword: 'a b*~中/+', CertId: '1', Empty: '' };
    const headers = { ...vectorHeaders, 'x-acs-credentials-provider': 'static_ak', 'user-agent': 'not signed' };
    const sdk = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers } as unknown as Parameters<
        typeof OpenApiUtil.getAuthorization
      >[0],
      'ACS3-HMAC-SHA256',
      EMPTY_SHA256,
      'AK',
      'SK',
    );
    const ours = signAcs3(
      { accessKeyId: 'AK', accessKeySecret: 'SK' },
      { method: 'POST', path: '/', query: Object.entries(query), headers, payloadHash: EMPTY_SHA256 },
      [...Object.keys(vectorHeaders), 'x-acs-credentials-provider'],
    );
    assert.equal(ours, sdk);
  });

  test('ACS3 canonical request lists signed headers only', () => {
    const canonical = acs3CanonicalRequest(
      {
        method: 'post',
        path: '/',
        query: [
          ['B', '2'],
          ['A', '1'],
        ],
        headers: { ...vectorHeaders, extra: 'x' },
        payloadHash: EMPTY_SHA256,
      },
      ['x-acs-action', 'host'],
    );
    assert.equal(
      canonical,
      `POST\n/\nA=1&B=2\nhost:127.0.0.1:9000\nx-acs-action:DeleteUserCertificate\n\nhost;x-acs-action\n${EMPTY_SHA256}`,
    );
  });

  test('RPC V1 matches SDK and detects tampering', () => {
    const parameters: Array<[string, string]> = [
      ['Action', 'DescribeDomains'],
      ['Version', '2015-01-09'],
      ['AccessKeyId', 'AK'],
      ['Timestamp', '2024-01-01T00:00:00Z'],
      ['SignatureNonce', 'n1'],
      ['KeyWord', 'a b*~'],
    ];
    const sdk = OpenApiUtil.getRPCSignature(Object.fromEntries(parameters), 'POST', 'SK');
    assert.equal(signRpc('SK', 'POST', parameters), sdk);

    const signed: Array<[string, string]> = [...parameters, ['Signature', sdk]];
    assert.equal(verifyRpcSignature('SK', 'POST', signed), true);
    assert.equal(verifyRpcSignature('SK', 'GET', signed), false);
    assert.equal(verifyRpcSignature('other', 'POST', signed), false);
  });
});

describe('OSS signatures', () => {
  const credentials = { accessKeyId: 'AK', accessKeySecret: 'SK' };

  test('V1 matches ali-oss', () => {
    const headers = {
      'x-oss-date': 'Mon, 01 Jan 2024 00:00:00 GMT',
      'content-type': 'application/xml',
      'content-md5': 'FfJhfu9Y94GsJuDsFP2iEg==',
      'x-oss-meta-note': ' spaced ',
    };
    const request: OssSignedRequest = {
      method: 'POST',
      bucket: 'bkt',
      objectKey: '',
      query: [
        ['comp', 'add'],
        ['cname', ''],
      ],
      headers,
    };
    const canonical = ossSignUtils.buildCanonicalString('POST', '/bkt/', {
      headers,
      parameters: { cname: '', comp: 'add' },
    });
    assert.equal(signOssV1(credentials, request), ossSignUtils.authorization('AK', 'SK', canonical));
  });

  test('V1 leaves non-sub-resource parameters unsigned', () => {
    const headers = { 'x-oss-date': 'Mon, 01 Jan 2024 00:00:00 GMT' };
    const base: OssSignedRequest = { method: 'GET', bucket: 'bkt', objectKey: '', query: [['cname', '']], headers };
    const withExtra = { ...base, query: [...base.query, ['unrelated', '1']] as Array<[string, string]> };
    assert.equal(signOssV1(credentials, withExtra), signOssV1(credentials, base));
  });

  test('V4 matches ali-oss', () => {
    const headers = {
      'x-oss-date': '20240101T000000Z',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'content-type': 'application/xml',
      'x-custom': 'extra',
    };
    const request: OssSignedRequest = {
      method: 'POST',
      bucket: 'bkt',
      objectKey: '',
      query: [
        ['cname', ''],
        ['comp', 'add'],
      ],
      headers,
    };
    const expected = ossSignUtils.authorizationV4(
      'AK',
      'SK',
      'cn-hangzhou',
      'POST',
      { headers, queries: { cname: null, comp: 'add' } },
      'bkt',
      undefined,
      ['x-custom'],
    );
    const ours = signOssV4(credentials, 'cn-hangzhou', request, ['x-custom']);
    assert.equal(ours, expected);
    assert.deepEqual(parseOssV4Authorization(ours)?.additionalHeaders, ['x-custom']);
  });
});
