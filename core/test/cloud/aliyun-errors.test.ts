import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { casCertificateName, mapAliyunError } from '../../src/cloud/aliyun/index.js';
import { resolveApiEndpoint, resolveOssEndpoint } from '../../src/cloud/aliyun/endpoints.js';
import { withOwnershipStep } from '../../src/cloud/aliyun/map-error.js';
import { CertPilotError, isCertPilotError } from '../../src/index.js';

const CONTEXT = { site: 'site-1', call: 'cas:UploadUserCertificate' };

/** Builds an error as `@alicloud/openapi-core` and `@alicloud/openapi-client` throw it for an error reply. */
function sdkError(statusCode: number, code: string, message = `${code} message`): Error {
  const requestId = 'D81EDD68-0B78-4871-BD0A-8ECCE276DCA7';
  return Object.assign(new Error(`${code}: code: ${statusCode}, ${message} request id: ${requestId}`), {
    code,
    statusCode,
    data: {
      RequestId: requestId,
      HostId: 'cas.aliyuncs.com',
      Code: code,
      Message: message,
      Recommend: 'https://api.aliyun.com/troubleshoot',
    },
  });
}

/** Builds an error as ali-oss throws it for an XML error reply. */
function ossError(status: number, code: string, message = `${code} message`): Error {
  return Object.assign(new Error(message), {
    name: `${code}Error`,
    status,
    code,
    requestId: '09FD5874A2141A21D009AC58',
    hostId: 'bucket.oss-cn-hangzhou.aliyuncs.com',
  });
}

describe('mapAliyunError', () => {
  const cases: Array<[string, Error, string]> = [
    ['unknown AccessKey ID', sdkError(404, 'InvalidAccessKeyId.NotFound'), 'PROVIDER_AUTH_FAILED'],
    ['bad signature', sdkError(400, 'SignatureDoesNotMatch'), 'PROVIDER_AUTH_FAILED'],
    ['bad secret', sdkError(400, 'InvalidAccessKeySecret'), 'PROVIDER_AUTH_FAILED'],
    ['OSS unknown AccessKey ID', ossError(403, 'InvalidAccessKeyId'), 'PROVIDER_AUTH_FAILED'],
    ['OSS bad signature', ossError(403, 'SignatureDoesNotMatch'), 'PROVIDER_AUTH_FAILED'],
    ['RAM denial', sdkError(403, 'Forbidden.RAM'), 'PROVIDER_PERMISSION_DENIED'],
    ['no permission', sdkError(403, 'NoPermission'), 'PROVIDER_PERMISSION_DENIED'],
    [
      'OSS access denied',
      ossError(403, 'AccessDenied', 'You have no right to access this object.'),
      'PROVIDER_PERMISSION_DENIED',
    ],
    ['throttled user', sdkError(400, 'Throttling.User'), 'PROVIDER_THROTTLED'],
    ['throttled API', sdkError(503, 'Throttling.Api'), 'PROVIDER_THROTTLED'],
    ['OSS QPS limit', ossError(503, 'MetaOperationQpsLimitExceeded'), 'PROVIDER_THROTTLED'],
    ['internal error', sdkError(500, 'InternalError'), 'PROVIDER_UNAVAILABLE'],
    ['service unavailable', sdkError(503, 'ServiceUnavailable'), 'PROVIDER_UNAVAILABLE'],
    ['OSS internal error', ossError(500, 'InternalError'), 'PROVIDER_UNAVAILABLE'],
    ['unknown CDN domain', sdkError(404, 'InvalidDomain.NotFound'), 'PROVIDER_DOMAIN_NOT_FOUND'],
    ['unverified OSS domain', ossError(400, 'NeedVerifyDomainOwnership'), 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED'],
    ['missing parameter', sdkError(400, 'MissingParameter'), 'PROVIDER_REQUEST_FAILED'],
    ['expired timestamp', sdkError(400, 'InvalidTimeStamp.Expired'), 'PROVIDER_REQUEST_FAILED'],
    ['OSS invalid CAS ID', ossError(400, 'CertificateInvalidCasId'), 'PROVIDER_REQUEST_FAILED'],
  ];
  for (const [name, error, code] of cases) {
    test(`maps ${name} to ${code}`, () => {
      const mapped = mapAliyunError(error, CONTEXT);
      assert.equal(mapped.code, code);
      assert.equal(mapped.params.provider, 'aliyun');
      assert.equal(mapped.params.providerCode, (error as Error & { code: string }).code);
    });
  }

  test('keeps Code, Message and RequestId', () => {
    const mapped = mapAliyunError(
      sdkError(400, 'SignatureDoesNotMatch', 'Specified signature does not match our calculation.'),
      { ...CONTEXT, domain: 'www.example.test' },
    );

    assert.equal(mapped.retryable, false);
    assert.equal(mapped.params.providerMessage, 'Specified signature does not match our calculation.');
    assert.equal(mapped.params.requestId, 'D81EDD68-0B78-4871-BD0A-8ECCE276DCA7');
    assert.equal(mapped.params.httpStatus, 400);
    assert.equal(mapped.params.domain, 'www.example.test');
    assert.equal(mapped.params.call, 'cas:UploadUserCertificate');
    assert.equal(
      mapped.message,
      'aliyun cas:UploadUserCertificate for www.example.test failed for site site-1: SignatureDoesNotMatch Specified signature does not match our calculation. (request D81EDD68-0B78-4871-BD0A-8ECCE276DCA7)',
    );
  });

  test('reads ali-oss message and request ID', () => {
    const mapped = mapAliyunError(
      ossError(400, 'CertificateInvalidCasId', 'The CertId does not name a CAS certificate.'),
      { site: 's', call: 'oss:PutCname' },
    );

    assert.equal(mapped.params.providerMessage, 'The CertId does not name a CAS certificate.');
    assert.equal(mapped.params.requestId, '09FD5874A2141A21D009AC58');
    assert.equal(mapped.params.httpStatus, 400);
  });

  test('drops the URL of a transport error', () => {
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:1POST http://127.0.0.1:1/?Cert=C&Key=PRIVATEKEY&Name=x failed.'),
      {
        code: 'ECONNREFUSED',
        errno: -111,
      },
    );

    const mapped = mapAliyunError(refused, CONTEXT);

    assert.equal(mapped.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(mapped.retryable, true);
    assert.equal(mapped.params.providerCode, 'ECONNREFUSED');
    assert.equal(mapped.cause, undefined);
    assert.ok(!JSON.stringify(mapped.toJSON()).includes('PRIVATEKEY'));
  });

  test('names a timeout by its error name', () => {
    const timeout = Object.assign(new Error('ReadTimeout(300). POST http://127.0.0.1:2/?Key=PRIVATEKEY failed.'), {
      name: 'RequestTimeoutError',
    });

    const mapped = mapAliyunError(timeout, CONTEXT);

    assert.equal(mapped.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(mapped.params.providerCode, 'RequestTimeoutError');
    assert.ok(!mapped.message.includes('PRIVATEKEY'));
  });

  test('reads the errno out of an ali-oss network error', () => {
    const network = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:1, GET http://127.0.0.1:1/?cname= -1 (connected: false)'),
      {
        name: 'RequestError',
        status: -1,
        code: 'RequestError',
      },
    );

    const mapped = mapAliyunError(network, { site: 's', call: 'oss:ListCname' });

    assert.equal(mapped.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(mapped.params.providerCode, 'ECONNREFUSED');
    assert.equal(mapped.params.httpStatus, undefined);
  });

  test('maps a thrown non-error', () => {
    const mapped = mapAliyunError('boom', CONTEXT);

    assert.equal(mapped.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(mapped.params.providerCode, 'NetworkError');
  });

  test('passes typed errors through', () => {
    const typed = new CertPilotError('CONFIG_INVALID', 'bad');
    assert.equal(mapAliyunError(typed, CONTEXT), typed);
  });

  test('gives the ownership next step', () => {
    const mapped = mapAliyunError(ossError(400, 'NeedVerifyDomainOwnership'), {
      site: 's',
      call: 'oss:PutCname',
      domain: 'static.example.test',
    });

    // Retryable: the job waits on the backoff schedule until the person publishes the record.
    assert.equal(mapped.retryable, true);
    assert.equal(mapped.params.txtName, '_dnsauth.static.example.test');
    assert.match(mapped.message, /CreateCnameToken \(POST \/\?cname&comp=token\)/);
    assert.match(mapped.message, /TXT record _dnsauth\.static\.example\.test/);
  });

  test('replaces the step once the token is known', () => {
    const mapped = mapAliyunError(ossError(400, 'NeedVerifyDomainOwnership'), {
      site: 's',
      call: 'oss:PutCname',
      domain: 'static.example.test',
    });

    const withToken = withOwnershipStep(mapped, 'static.example.test', {
      value: 'abc123',
      expiresAt: 'Mon, 07 Dec 2026 21:05:18 GMT',
    });

    assert.equal(withToken.code, 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED');
    assert.equal(withToken.params.txtValue, 'abc123');
    assert.equal(withToken.message.split('POST /?cname&comp=token').length, 2);
    assert.match(withToken.message, /with the value abc123 \(the token expires Mon, 07 Dec 2026 21:05:18 GMT\)/);
    assert.ok(withToken.message.startsWith(mapped.message.slice(0, mapped.message.indexOf('. Get a token'))));
  });
});

describe('casCertificateName', () => {
  test('joins site and serial', () => {
    assert.equal(casCertificateName('shop', '000A1B'), casCertificateName('shop', '0a1b'));
    assert.match(casCertificateName('shop', '0A1B'), /^certpilot-shop-0?a1b$/);
  });

  test('replaces characters CAS may reject', () => {
    assert.equal(casCertificateName('shop.example/中文 site', 'FF'), 'certpilot-shop-example----site-ff');
  });

  test('fits 64 characters and keeps the serial', () => {
    const serial = 'FA'.repeat(20);
    const name = casCertificateName('a-very-long-site-identifier-0123456789abcdef', serial);

    assert.equal(name.length, 64);
    assert.ok(name.endsWith(`-${serial.toLowerCase()}`));
    assert.ok(name.startsWith('certpilot-a-very-long-'));
  });

  test('same serial in any form gives one name', () => {
    assert.equal(casCertificateName('s', '00:0a:1b'), casCertificateName('s', 'A1B'));
  });
});

describe('Aliyun endpoints', () => {
  test('defaults to the public hosts over HTTPS', () => {
    assert.deepEqual(resolveApiEndpoint('cas'), { host: 'cas.aliyuncs.com', protocol: 'https' });
    assert.deepEqual(resolveApiEndpoint('cdn', {}), { host: 'cdn.aliyuncs.com', protocol: 'https' });
    assert.deepEqual(resolveApiEndpoint('dcdn', {}), { host: 'dcdn.aliyuncs.com', protocol: 'https' });
    assert.equal(resolveOssEndpoint({}), undefined);
  });

  test('takes a local host with protocol http', () => {
    assert.deepEqual(resolveApiEndpoint('cas', { cas: '127.0.0.1:8080', protocol: 'http' }), {
      host: '127.0.0.1:8080',
      protocol: 'http',
    });
  });

  test('takes a URL with its own scheme', () => {
    assert.deepEqual(resolveApiEndpoint('cdn', { cdn: 'http://127.0.0.1:9000' }), {
      host: '127.0.0.1:9000',
      protocol: 'http',
    });
    assert.equal(resolveOssEndpoint({ oss: 'http://127.0.0.1:9001' }), 'http://127.0.0.1:9001');
    assert.equal(resolveOssEndpoint({ oss: 'oss-cn-beijing.aliyuncs.com' }), 'https://oss-cn-beijing.aliyuncs.com');
  });

  for (const bad of [
    '',
    'ftp://127.0.0.1',
    'http://127.0.0.1:9000/path',
    'host name',
    'http://user:pass@127.0.0.1',
    'http://127.0.0.1/?q=1',
  ]) {
    test(`rejects endpoint ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => resolveApiEndpoint('cas', { cas: bad }),
        (error: unknown) => isCertPilotError(error, 'CONFIG_INVALID') && error.params.endpoint === bad,
      );
    });
  }
});
