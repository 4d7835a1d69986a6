import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { issueCertificate, makeCertificateAuthority, type TestCertificate } from '@certpilot/testkit';
import { startFakeQiniu, type FakeQiniu } from '@certpilot/testkit/fakes/index';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { CloudCredential } from '../../src/cloud/types.js';
import { parseRetryAfterMs, qiniuAuthorization, QiniuClient } from '../../src/cloud/qiniu/index.js';

const ACCOUNT = { accessKey: 'client-test-ak', secretKey: 'client-test-sk-do-not-print' };
const CREDENTIAL: CloudCredential = {
  provider: 'qiniu',
  accessKeyId: ACCOUNT.accessKey,
  accessKeySecret: ACCOUNT.secretKey,
};
const DAY_MS = 86_400_000;

function clientFor(
  endpoint: string,
  overrides: Partial<ConstructorParameters<typeof QiniuClient>[0]> = {},
): QiniuClient {
  return new QiniuClient({ credential: CREDENTIAL, site: 'site-1', endpoint, logger: silentLogger(), ...overrides });
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

async function makeCertificate(names: string[]): Promise<TestCertificate & { chain: string }> {
  const ca = await makeCertificateAuthority();
  const issued = await issueCertificate(ca, {
    names,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
  });
  return { ...issued, chain: issued.certPem + issued.chainPem! };
}

describe('Qiniu v2 signature', () => {
  const credential = { accessKeyId: 'ak', accessKeySecret: 'sk' };
  const request = { host: 'rs.qbox.me', pathAndQuery: '/', contentType: 'application/json', body: '{"name": "test"}' };

  test('GET vector from the Qiniu docs', () => {
    assert.equal(
      qiniuAuthorization(credential, { ...request, method: 'GET' }),
      'Qiniu ak:ksh7bJBnBzFO0yxJ_tLLUcg0csM=',
    );
  });

  test('POST vector from the Qiniu docs', () => {
    assert.equal(
      qiniuAuthorization(credential, { ...request, method: 'POST' }),
      'Qiniu ak:IlW01tHjGQ0pGPXV_3jjR1AdD34=',
    );
  });
});

describe('QiniuClient against the fake', () => {
  let fake: FakeQiniu;
  let client: QiniuClient;
  let certificate: TestCertificate & { chain: string };

  before(async () => {
    fake = await startFakeQiniu({ accounts: [ACCOUNT] });
    client = clientFor(fake.url);
    certificate = await makeCertificate(['client.example.test']);
  });

  after(async () => {
    await fake.close();
  });

  test('requests are signed without quirks', async () => {
    const certId = await client.uploadCertificate({
      name: 'signed',
      commonName: 'client.example.test',
      privateKeyPem: certificate.keyPem,
      chainPem: certificate.chain,
    });
    await client.listCertificates();
    await client.getCertificate(certId);
    await client.deleteCertificate(certId);

    assert.ok(fake.requests.length >= 4);
    for (const record of fake.requests) {
      assert.equal(record.signed, true, `${record.method} ${record.path}`);
      assert.deepEqual(record.signatureQuirks, [], `${record.method} ${record.path}`);
    }
  });

  test('upload, get and delete a certificate', async () => {
    const certId = await client.uploadCertificate({
      name: 'round-trip',
      commonName: 'client.example.test',
      privateKeyPem: certificate.keyPem,
      chainPem: certificate.chain,
    });
    assert.match(certId, /^[0-9a-f]{24}$/);

    const detail = await client.getCertificate(certId);
    assert.equal(detail.certId, certId);
    assert.equal(detail.name, 'round-trip');
    assert.equal(detail.commonName, 'client.example.test');
    assert.deepEqual(detail.dnsNames, ['client.example.test']);
    assert.equal(detail.chainPem, certificate.chain);
    assert.equal(typeof detail.notAfter, 'number');
    assert.equal('pri' in detail, false);
    assert.doesNotMatch(JSON.stringify(detail), /PRIVATE KEY/);

    await client.deleteCertificate(certId);
    const missingError = await rejection(client.getCertificate(certId));
    assert.equal(missingError.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(missingError.params.providerCode, '400401');
  });

  test('list follows the marker across pages', async () => {
    const paged = await startFakeQiniu({ accounts: [ACCOUNT] });
    try {
      const pagedClient = clientFor(paged.url);
      const uploaded: string[] = [];
      for (let index = 0; index < 103; index++) {
        uploaded.push(
          await pagedClient.uploadCertificate({
            name: `page-${index}`,
            commonName: 'client.example.test',
            privateKeyPem: certificate.keyPem,
            chainPem: certificate.chain,
          }),
        );
      }

      const listed = await pagedClient.listCertificates();
      assert.deepEqual(
        listed.map((entry) => entry.certId),
        uploaded,
      );
      assert.equal(listed[102]?.name, 'page-102');
      const listCalls = paged.requests.filter((record) => record.method === 'GET' && record.path === '/sslcert');
      assert.equal(listCalls.length, 2);
      assert.match(listCalls[1]!.query, /^marker=[0-9a-f]{24}&limit=100$/);
    } finally {
      await paged.close();
    }
  });

  test('wrong secret is an auth failure', async () => {
    const wrong = clientFor(fake.url, { credential: { ...CREDENTIAL, accessKeySecret: 'not-the-secret' } });
    const error = await rejection(wrong.listCertificates());
    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.call, 'GET /sslcert');
    assert.equal(error.params.site, 'site-1');
    assert.equal(error.params.providerCode, '401');
    assert.equal(error.params.providerMessage, 'bad token');
    assert.match(error.message, /GET \/sslcert failed for site site-1: 401 bad token/);
    assert.doesNotMatch(JSON.stringify(error.toJSON()), /not-the-secret/);
  });

  test('throttling is retryable', async () => {
    fake.throttleNext(1);
    const error = await rejection(client.listCertificates());
    assert.equal(error.code, 'PROVIDER_THROTTLED');
    assert.equal(error.retryable, true);
    assert.equal(error.params.providerCode, '403024');
    assert.equal(error.retryAfterMs, undefined);
  });

  test('server failure is retryable', async () => {
    fake.failNext(1, 503);
    const error = await rejection(client.listCertificates());
    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.httpStatus, 503);
  });

  test('unknown domain is not found', async () => {
    const error = await rejection(client.getDomain('missing.example.test'));
    assert.equal(error.code, 'PROVIDER_DOMAIN_NOT_FOUND');
    assert.equal(error.params.domain, 'missing.example.test');
    assert.equal(error.params.call, 'GET /domain/missing.example.test');
    assert.equal(error.params.providerMessage, 'no such domain');
    assert.match(String(error.params.requestId), /^fake-/);
  });

  test('domain type mismatch is named', async () => {
    fake.addDomain({ name: 'bucket.client.example.test', type: 'kodo' });
    fake.addDomain({ name: 'cdn.client.example.test', type: 'normal' });
    const wildcardCertificate = await makeCertificate(['*.client.example.test']);
    const certId = await client.uploadCertificate({
      name: 'mismatch',
      commonName: '*.client.example.test',
      privateKeyPem: wildcardCertificate.keyPem,
      chainPem: wildcardCertificate.chain,
    });

    const cdnCall = await rejection(
      client.sslize('bucket.client.example.test', { certId, forceHttps: false, http2Enable: false }),
    );
    assert.equal(cdnCall.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(cdnCall.retryable, false);
    assert.equal(cdnCall.params.call, 'PUT /domain/bucket.client.example.test/sslize');
    assert.match(cdnCall.message, /domaintype is not allowed: domain type mismatch: the domain is not a CDN domain/);

    const kodoCall = await rejection(client.bindKodoCertificate({ certId, domain: 'cdn.client.example.test' }));
    assert.equal(kodoCall.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(kodoCall.params.call, 'PUT /cert/bind');
    assert.equal(kodoCall.params.domain, 'cdn.client.example.test');
    assert.match(kodoCall.message, /domain type mismatch: the domain is not a Kodo custom domain/);
  });

  test('deleting a bound certificate fails with 400611', async () => {
    const bound = await makeCertificate(['bound.client.example.test']);
    fake.addDomain({ name: 'bound.client.example.test', type: 'normal' });
    const certId = await client.uploadCertificate({
      name: 'bound',
      commonName: 'bound.client.example.test',
      privateKeyPem: bound.keyPem,
      chainPem: bound.chain,
    });
    await client.sslize('bound.client.example.test', { certId, forceHttps: true, http2Enable: false });

    const error = await rejection(client.deleteCertificate(certId));
    assert.equal(error.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(error.params.providerCode, '400611');
    assert.equal(error.params.call, `DELETE /sslcert/${certId}`);
  });

  test('rejected upload keeps the service message', async () => {
    const other = await makeCertificate(['other.client.example.test']);
    const error = await rejection(
      client.uploadCertificate({
        name: 'foreign-key',
        commonName: 'x',
        privateKeyPem: other.keyPem,
        chainPem: certificate.chain,
      }),
    );
    assert.equal(error.code, 'PROVIDER_REQUEST_FAILED');
    assert.equal(error.params.providerCode, '404906');
    assert.match(String(error.params.providerMessage), /certificate decode failed/);
    assert.doesNotMatch(error.message, /PRIVATE KEY/);
  });

  test('wildcard domain path is sent as is', async () => {
    fake.addDomain({ name: '.wild.client.example.test', type: 'wildcard' });
    const info = await client.getDomain('.wild.client.example.test');
    assert.equal(info.name, '.wild.client.example.test');
    assert.equal(info.type, 'wildcard');
    assert.equal(info.protocol, 'http');
    assert.equal(info.https, null);
    assert.equal(info.operatingState, 'success');
    assert.equal(fake.requests.at(-1)?.path, '/domain/.wild.client.example.test');
  });
});

interface ScriptedReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
  /** Milliseconds to wait before replying. */
  delayMs?: number;
}

/** A local HTTP server that sends scripted replies and records what it received. */
async function startScriptedServer(
  reply: ScriptedReply,
): Promise<{ url: string; received: Array<{ url: string; headers: IncomingHttpHeaders }>; close(): Promise<void> }> {
  const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server = http.createServer((request, response) => {
    received.push({ url: request.url ?? '', headers: request.headers });
    const send = () => {
      response.writeHead(reply.status, reply.headers ?? {});
      response.end(reply.body);
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('QiniuClient reply handling', () => {
  const cases: Array<{
    name: string;
    reply: ScriptedReply;
    code: string;
    retryable: boolean;
    check?: (error: CertPilotError) => void;
  }> = [
    {
      name: '429 with Retry-After',
      reply: { status: 429, body: '{"code":429,"error":"slow down"}', headers: { 'retry-after': '7' } },
      code: 'PROVIDER_THROTTLED',
      retryable: true,
      check: (error) => assert.equal(error.retryAfterMs, 7000),
    },
    {
      name: '403 permission',
      reply: { status: 403, body: '{"code":403,"error":"no permission for this operation"}' },
      code: 'PROVIDER_PERMISSION_DENIED',
      retryable: false,
      check: (error) => assert.equal(error.params.providerMessage, 'no permission for this operation'),
    },
    {
      name: '502 HTML page',
      reply: { status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      check: (error) => assert.equal(error.params.providerMessage, '<html>bad gateway</html>'),
    },
    {
      name: '200 that is not JSON',
      reply: { status: 200, body: 'welcome to the captive portal' },
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      check: (error) => assert.match(String(error.params.providerMessage), /^unexpected reply: body is not JSON/),
    },
    {
      name: '200 of the wrong shape',
      reply: { status: 200, body: '{"certs":"none"}' },
      code: 'PROVIDER_UNAVAILABLE',
      retryable: true,
      check: (error) => assert.match(String(error.params.providerMessage), /^unexpected reply: certs:/),
    },
    {
      name: '200 carrying an error code',
      reply: { status: 200, body: '{"code":400500,"error":"quota exceeded"}' },
      code: 'PROVIDER_REQUEST_FAILED',
      retryable: false,
      check: (error) => assert.equal(error.params.providerCode, '400500'),
    },
  ];

  for (const { name, reply, code, retryable, check } of cases) {
    test(`maps ${name}`, async () => {
      const server = await startScriptedServer(reply);
      try {
        const error = await rejection(clientFor(server.url).listCertificates());
        assert.equal(error.code, code);
        assert.equal(error.retryable, retryable);
        assert.equal(error.params.call, 'GET /sslcert');
        check?.(error);
      } finally {
        await server.close();
      }
    });
  }

  test('signs the Host header it sends', async () => {
    const server = await startScriptedServer({ status: 200, body: '{"marker":"","certs":[]}' });
    try {
      await clientFor(`${server.url}/prefix/`).listCertificates();
      const [request] = server.received;
      assert.equal(request?.url, '/prefix/sslcert?marker=&limit=100');
      assert.equal(request?.headers.host, server.url.slice('http://'.length));
      assert.equal(request?.headers['content-type'], 'application/json');
      const expected = qiniuAuthorization(
        { accessKeyId: ACCOUNT.accessKey, accessKeySecret: ACCOUNT.secretKey },
        {
          method: 'GET',
          host: request!.headers.host!,
          pathAndQuery: request!.url,
          contentType: 'application/json',
          body: '',
        },
      );
      assert.equal(request?.headers.authorization, expected);
    } finally {
      await server.close();
    }
  });

  test('silent server times out as unavailable', async () => {
    const server = await startScriptedServer({ status: 200, body: '{}', delayMs: 2000 });
    try {
      const error = await rejection(clientFor(server.url, { requestTimeoutMs: 100 }).listCertificates());
      assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
      assert.match(String(error.params.providerMessage), /no response within 100 ms/);
    } finally {
      await server.close();
    }
  });

  test('refused connection is unavailable', async () => {
    const server = await startScriptedServer({ status: 200, body: '{}' });
    await server.close();
    const error = await rejection(clientFor(server.url).getDomain('down.example.test'));
    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.params.providerCode, 'ECONNREFUSED');
    assert.equal(error.params.domain, 'down.example.test');
  });
});

describe('QiniuClient options', () => {
  test('rejects a credential of another provider', () => {
    assert.throws(
      () => new QiniuClient({ credential: { ...CREDENTIAL, provider: 'aliyun' }, site: 's', logger: silentLogger() }),
      (error: unknown) => isCertPilotError(error, 'CONFIG_INVALID') && /credential is for aliyun/.test(error.message),
    );
  });

  test('rejects an empty secret', () => {
    assert.throws(
      () => new QiniuClient({ credential: { ...CREDENTIAL, accessKeySecret: ' ' }, site: 's', logger: silentLogger() }),
      (error: unknown) =>
        isCertPilotError(error, 'CONFIG_INVALID') && /empty AccessKey or SecretKey/.test(error.message),
    );
  });

  test('rejects bad endpoints without echoing passwords', () => {
    for (const endpoint of [
      'api.qiniu.com',
      'ftp://api.qiniu.com',
      'https://api.qiniu.com/?x=1',
      'https://user:hunter2@api.qiniu.com/',
    ]) {
      assert.throws(
        () => clientFor(endpoint),
        (error: unknown) =>
          isCertPilotError(error, 'CONFIG_INVALID') &&
          !error.message.includes('hunter2') &&
          !JSON.stringify(error.params).includes('hunter2'),
        endpoint,
      );
    }
  });
});

describe('parseRetryAfterMs', () => {
  test('reads seconds', () => {
    assert.equal(parseRetryAfterMs('120'), 120_000);
  });

  test('reads an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
  });

  test('ignores missing or unreadable values', () => {
    assert.equal(parseRetryAfterMs(undefined), undefined);
    assert.equal(parseRetryAfterMs(''), undefined);
    assert.equal(parseRetryAfterMs('soon'), undefined);
  });
});
