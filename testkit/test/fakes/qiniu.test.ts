import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import qiniu from 'qiniu';

import { signQBox, signQiniuV2, startFakeQiniu, type FakeQiniu } from '../../src/fakes/index.js';
import { createTestCa, issueTestCertificate, type TestCa, type TestCertificate } from './test-certificates.js';
import { probeEdge } from './tls-probe.js';

const ACCOUNT = { accessKey: 'qiniu-test-ak', secretKey: 'qiniu-test-sk' };
const DAY_MS = 24 * 60 * 60 * 1000;

interface QiniuReply {
  status: number;
  body: Record<string, unknown>;
}

/** Sends a request signed with the fake's own V2 signer (or a given Authorization value). */
async function call(
  fake: FakeQiniu,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  options: { secretKey?: string; authorization?: string; sentPathAndQuery?: string } = {},
): Promise<QiniuReply> {
  const [path = '', rawQuery = ''] = pathAndQuery.split('?');
  const text = body === undefined ? '' : JSON.stringify(body);
  const contentType = body === undefined ? undefined : 'application/json';
  const authorization =
    options.authorization ??
    signQiniuV2(
      { accessKey: ACCOUNT.accessKey, secretKey: options.secretKey ?? ACCOUNT.secretKey },
      { method, path, rawQuery, host: `127.0.0.1:${fake.port}`, contentType, body: text },
    );

  const response = await fetch(`${fake.url}${options.sentPathAndQuery ?? pathAndQuery}`, {
    method,
    headers: { authorization, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: text }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function upload(fake: FakeQiniu, certificate: TestCertificate, name: string): Promise<string> {
  const reply = await call(fake, 'POST', '/sslcert', {
    name,
    common_name: name,
    pri: certificate.keyPem,
    ca: certificate.chainPem,
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.certID as string;
}

describe('fake Qiniu', () => {
  let fake: FakeQiniu;
  let ca: TestCa;
  let cdnCertificate: TestCertificate;
  let renewedCertificate: TestCertificate;

  before(async () => {
    fake = await startFakeQiniu({ accounts: [ACCOUNT] });
    ca = await createTestCa();
    cdnCertificate = await issueTestCertificate(ca, ['cdn.example.test']);
    renewedCertificate = await issueTestCertificate(ca, ['cdn.example.test']);
  });

  after(async () => {
    await fake.close();
  });

  test('upload, read and list certificates', async () => {
    const certId = await upload(fake, cdnCertificate, 'listed-cert');
    assert.match(certId, /^[0-9a-f]{24}$/);

    const detail = await call(fake, 'GET', `/sslcert/${certId}`);
    assert.equal(detail.status, 200);
    const cert = detail.body.cert as Record<string, unknown>;
    assert.equal(cert.certid, certId);
    assert.equal(cert.common_name, 'listed-cert');
    assert.deepEqual(cert.dnsnames, ['cdn.example.test']);
    assert.equal(cert.ca, cdnCertificate.chainPem);
    assert.equal(typeof cert.not_after, 'number');

    const listed = await call(fake, 'GET', '/sslcert?marker=&limit=100');
    const ids = (listed.body.certs as Array<Record<string, unknown>>).map((entry) => entry.certid);
    assert.ok(ids.includes(certId));
    assert.equal(listed.body.marker, '');
  });

  test('certificate list pages with marker and limit', async () => {
    const fresh = await startFakeQiniu({ accounts: [ACCOUNT] });
    try {
      const uploaded = [];
      for (const name of ['page-a', 'page-b', 'page-c']) uploaded.push(await upload(fresh, cdnCertificate, name));

      const first = await call(fresh, 'GET', '/sslcert?marker=&limit=2');
      assert.deepEqual(
        (first.body.certs as Array<{ certid: string }>).map((entry) => entry.certid),
        uploaded.slice(0, 2),
      );
      assert.equal(first.body.marker, uploaded[2]);

      const second = await call(fresh, 'GET', `/sslcert?marker=${first.body.marker as string}&limit=2`);
      assert.deepEqual(
        (second.body.certs as Array<{ certid: string }>).map((entry) => entry.certid),
        uploaded.slice(2),
      );
      assert.equal(second.body.marker, '');

      const badLimit = await call(fresh, 'GET', '/sslcert?limit=0');
      assert.equal(badLimit.status, 400);
    } finally {
      await fresh.close();
    }
  });

  test('upload rejects bad input with service codes', async () => {
    const expired = await issueTestCertificate(ca, ['old.example.test'], {
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const nearlyExpired = await issueTestCertificate(ca, ['short.example.test'], {
      notAfter: new Date(Date.now() + 10 * 60 * 1000),
    });
    const cases: Array<[string, Record<string, string>, number, number]> = [
      ['garbage chain', { name: 'x', pri: cdnCertificate.keyPem, ca: 'not a pem' }, 404, 404906],
      ['garbage key', { name: 'x', pri: 'not a key', ca: cdnCertificate.chainPem }, 404, 404906],
      ['foreign key', { name: 'x', pri: renewedCertificate.keyPem, ca: cdnCertificate.chainPem }, 404, 404906],
      ['expired', { name: 'x', pri: expired.keyPem, ca: expired.chainPem }, 400, 400329],
      ['ten minutes left', { name: 'x', pri: nearlyExpired.keyPem, ca: nearlyExpired.chainPem }, 400, 400322],
      ['missing name', { pri: cdnCertificate.keyPem, ca: cdnCertificate.chainPem }, 400, 400],
    ];

    for (const [label, body, status, code] of cases) {
      const reply = await call(fake, 'POST', '/sslcert', body);
      assert.equal(reply.status, status, label);
      assert.equal(reply.body.code, code, label);
      assert.equal(typeof reply.body.error, 'string', label);
    }
  });

  test('unknown certificate returns 400401', async () => {
    const reply = await call(fake, 'GET', '/sslcert/000000000000000000000000');
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, { code: 400401, error: 'no such certificate' });
  });

  test('httpsconf rebinds and edge serves new serial', async () => {
    fake.addDomain({
      name: 'cdn.example.test',
      type: 'normal',
      https: { certPem: cdnCertificate.chainPem, keyPem: cdnCertificate.keyPem },
    });
    assert.deepEqual(await probeEdge(fake.edgePort, 'cdn.example.test'), {
      ok: true,
      serialNumber: cdnCertificate.serialNumber,
    });

    const domain = await call(fake, 'GET', '/domain/cdn.example.test');
    assert.equal(domain.status, 200);
    assert.equal(domain.body.protocol, 'https');
    assert.equal(domain.body.operatingState, 'success');
    const oldCertId = (domain.body.https as { certId: string }).certId;

    const newCertId = await upload(fake, renewedCertificate, 'renewed');
    const bind = await call(fake, 'PUT', '/domain/cdn.example.test/httpsconf', {
      certid: newCertId,
      forceHttps: true,
      http2Enable: true,
    });
    assert.deepEqual(bind, { status: 200, body: { code: 200 } });

    assert.deepEqual(await probeEdge(fake.edgePort, 'cdn.example.test'), {
      ok: true,
      serialNumber: renewedCertificate.serialNumber,
    });
    assert.deepEqual(fake.domain('cdn.example.test').https, { certId: newCertId, forceHttps: true, http2Enable: true });

    const deleteOld = await call(fake, 'DELETE', `/sslcert/${oldCertId}`);
    assert.deepEqual(deleteOld, { status: 200, body: { code: 200 } });
    const deleteBound = await call(fake, 'DELETE', `/sslcert/${newCertId}`);
    assert.equal(deleteBound.status, 400);
    assert.equal(deleteBound.body.code, 400611);
  });

  test('sslize turns HTTP domain into HTTPS', async () => {
    const certificate = await issueTestCertificate(ca, ['plain.example.test']);
    fake.addDomain({ name: 'plain.example.test', type: 'normal' });
    const probe = await probeEdge(fake.edgePort, 'plain.example.test');
    assert.equal(probe.ok, false);

    const certId = await upload(fake, certificate, 'plain');
    const httpsconf = await call(fake, 'PUT', '/domain/plain.example.test/httpsconf', { certId });
    assert.equal(httpsconf.status, 400);
    assert.equal(httpsconf.body.code, 400302);

    const sslize = await call(fake, 'PUT', '/domain/plain.example.test/sslize', {
      certId,
      forceHttps: false,
      http2Enable: false,
    });
    assert.equal(sslize.status, 200);
    assert.equal((await call(fake, 'GET', '/domain/plain.example.test')).body.protocol, 'https');
    assert.deepEqual(await probeEdge(fake.edgePort, 'plain.example.test'), {
      ok: true,
      serialNumber: certificate.serialNumber,
    });
  });

  test('certificate for other names is rejected', async () => {
    fake.addDomain({ name: 'mismatch.example.test', type: 'normal' });
    const certId = await upload(fake, cdnCertificate, 'wrong-name');
    const reply = await call(fake, 'PUT', '/domain/mismatch.example.test/sslize', { certId });
    assert.equal(reply.status, 400);
    assert.equal(fake.domain('mismatch.example.test').protocol, 'http');
  });

  test('wildcard domain serves subdomains', async () => {
    const wildcard = await issueTestCertificate(ca, ['*.wild.example.test']);
    fake.addDomain({ name: '.wild.example.test', type: 'wildcard' });
    const certId = await upload(fake, wildcard, 'wildcard');

    const reply = await call(fake, 'PUT', '/domain/.wild.example.test/sslize', { certId });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal((await call(fake, 'GET', '/domain/.wild.example.test')).body.type, 'wildcard');
    assert.deepEqual(await probeEdge(fake.edgePort, 'img.wild.example.test'), {
      ok: true,
      serialNumber: wildcard.serialNumber,
    });
  });

  test('unknown domain returns 612', async () => {
    const reply = await call(fake, 'GET', '/domain/missing.example.test');
    assert.deepEqual(reply, { status: 612, body: { code: 612, error: 'no such domain' } });
    assert.equal((await probeEdge(fake.edgePort, 'missing.example.test')).ok, false);
  });

  test('Kodo domain needs the Kodo binding', async () => {
    const kodoCertificate = await issueTestCertificate(ca, ['files.example.test']);
    fake.addDomain({ name: 'files.example.test', type: 'kodo' });
    const certId = await upload(fake, kodoCertificate, 'kodo');

    for (const path of ['/domain/files.example.test/httpsconf', '/domain/files.example.test/sslize']) {
      const wrongApi = await call(fake, 'PUT', path, { certId });
      assert.deepEqual(wrongApi, { status: 403, body: { code: 403, error: 'domaintype is not allowed' } }, path);
    }
    assert.equal((await call(fake, 'GET', '/domain/files.example.test')).status, 403);

    const cdnViaKodo = await call(fake, 'PUT', '/cert/bind', { certid: certId, domain: 'cdn.example.test' });
    assert.deepEqual(cdnViaKodo, { status: 403, body: { code: 403, error: 'domaintype is not allowed' } });

    const bind = await call(fake, 'POST', '/cert/bind', { certid: certId, domain: 'files.example.test' });
    assert.deepEqual(bind, { status: 200, body: { code: 200 } });
    assert.deepEqual(await probeEdge(fake.edgePort, 'files.example.test'), {
      ok: true,
      serialNumber: kodoCertificate.serialNumber,
    });

    const rebind = await call(fake, 'PUT', '/cert/bind', { certid: certId, domain: 'files.example.test' });
    assert.equal(rebind.status, 200);
  });

  test('held domain keeps old serial while processing', async () => {
    const first = await issueTestCertificate(ca, ['slow.example.test']);
    const second = await issueTestCertificate(ca, ['slow.example.test']);
    fake.addDomain({
      name: 'slow.example.test',
      type: 'normal',
      https: { certPem: first.chainPem, keyPem: first.keyPem },
    });
    fake.holdProcessing('slow.example.test', 'forever');

    const certId = await upload(fake, second, 'slow');
    assert.equal((await call(fake, 'PUT', '/domain/slow.example.test/httpsconf', { certId })).status, 200);

    const during = await call(fake, 'GET', '/domain/slow.example.test');
    assert.equal(during.body.operatingState, 'processing');
    assert.deepEqual(await probeEdge(fake.edgePort, 'slow.example.test'), {
      ok: true,
      serialNumber: first.serialNumber,
    });

    const again = await call(fake, 'PUT', '/domain/slow.example.test/httpsconf', { certId });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 400030);

    fake.finishProcessing('slow.example.test');
    assert.equal((await call(fake, 'GET', '/domain/slow.example.test')).body.operatingState, 'success');
    assert.deepEqual(await probeEdge(fake.edgePort, 'slow.example.test'), {
      ok: true,
      serialNumber: second.serialNumber,
    });
  });

  test('timed hold ends by itself', async () => {
    const first = await issueTestCertificate(ca, ['timed.example.test']);
    const second = await issueTestCertificate(ca, ['timed.example.test']);
    fake.addDomain({
      name: 'timed.example.test',
      type: 'normal',
      https: { certPem: first.chainPem, keyPem: first.keyPem },
    });
    fake.holdProcessing('timed.example.test', 500);

    const certId = await upload(fake, second, 'timed');
    const boundAt = Date.now();
    await call(fake, 'PUT', '/domain/timed.example.test/httpsconf', { certId });
    assert.equal(fake.domain('timed.example.test').operatingState, 'processing');

    const deadline = Date.now() + 5000;
    while (fake.domain('timed.example.test').operatingState === 'processing' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(fake.domain('timed.example.test').operatingState, 'success');
    assert.ok(Date.now() - boundAt >= 500, 'processing ended before the 500 ms hold');
    assert.deepEqual(await probeEdge(fake.edgePort, 'timed.example.test'), {
      ok: true,
      serialNumber: second.serialNumber,
    });
  });

  test('wrong secret returns bad token', async () => {
    const reply = await call(fake, 'GET', '/sslcert', undefined, { secretKey: 'not-the-secret' });
    assert.deepEqual(reply, { status: 401, body: { code: 401, error: 'bad token' } });
    assert.equal(fake.requests.at(-1)?.signed, false);
  });

  test('tampered query returns bad token', async () => {
    const reply = await call(fake, 'GET', '/sslcert?limit=1', undefined, { sentPathAndQuery: '/sslcert?limit=2' });
    assert.deepEqual(reply, { status: 401, body: { code: 401, error: 'bad token' } });
  });

  test('missing or unknown token returns bad token', async () => {
    for (const authorization of ['', 'Qiniu nobody:AAAA', 'Bearer abc']) {
      const reply = await call(fake, 'GET', '/sslcert', undefined, { authorization });
      assert.equal(reply.status, 401, authorization);
    }
  });

  test('malformed query encoding returns 400', async () => {
    const response = await fetch(`${fake.url}/sslcert?marker=%ZZ`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /percent-encoding/);
  });

  test('npm qiniu V2 token with doubled port accepted', async () => {
    const mac = new qiniu.auth.digest.Mac(ACCOUNT.accessKey, ACCOUNT.secretKey);
    const url = `${fake.url}/sslcert?marker=&limit=5`;
    const authorization = qiniu.util.generateAccessTokenV2(mac, url, 'GET', 'application/json');

    const response = await fetch(url, { headers: { authorization, 'content-type': 'application/json' } });
    assert.equal(response.status, 200);
    assert.deepEqual(fake.requests.at(-1)?.signatureQuirks, ['doubled-port']);
  });

  test('npm qiniu default content type accepted', async () => {
    const mac = new qiniu.auth.digest.Mac(ACCOUNT.accessKey, ACCOUNT.secretKey);
    const url = `${fake.url}/domain/cdn.example.test`;
    const authorization = qiniu.util.generateAccessTokenV2(mac, url, 'GET', '');

    const response = await fetch(url, { headers: { authorization } });
    assert.equal(response.status, 200);
    assert.deepEqual(fake.requests.at(-1)?.signatureQuirks, ['doubled-port', 'default-content-type']);
  });

  test('QBox token signs no JSON body', async () => {
    const body = JSON.stringify({ name: 'qbox-cert', pri: cdnCertificate.keyPem, ca: cdnCertificate.chainPem });
    const request = {
      method: 'POST',
      path: '/sslcert',
      rawQuery: '',
      host: `127.0.0.1:${fake.port}`,
      contentType: 'application/json',
      body,
    };
    const good = await fetch(`${fake.url}/sslcert`, {
      method: 'POST',
      headers: { authorization: signQBox(ACCOUNT, request), 'content-type': 'application/json' },
      body,
    });
    assert.equal(good.status, 200);

    // qiniu's QBox helper signs whatever body it is given; the service ignores JSON bodies.
    const mac = new qiniu.auth.digest.Mac(ACCOUNT.accessKey, ACCOUNT.secretKey);
    const bodySigned = qiniu.util.generateAccessToken(mac, `${fake.url}/sslcert`, body);
    const bad = await fetch(`${fake.url}/sslcert`, {
      method: 'POST',
      headers: { authorization: bodySigned, 'content-type': 'application/json' },
      body,
    });
    assert.equal(bad.status, 401);
  });

  test('throttle and failure controls', async () => {
    fake.throttleNext(1);
    fake.failNext(1, 503);

    const throttled = await call(fake, 'GET', '/sslcert');
    assert.equal(throttled.status, 403);
    assert.equal(throttled.body.code, 403024);

    const failed = await call(fake, 'GET', '/sslcert');
    assert.equal(failed.status, 503);

    const normal = await call(fake, 'GET', '/sslcert');
    assert.equal(normal.status, 200);
    assert.throws(() => fake.failNext(1, 404), RangeError);
  });

  test('skewed X-Qiniu-Date rejected', async () => {
    const stale = '20200101T000000Z';
    const authorization = signQiniuV2(ACCOUNT, {
      method: 'GET',
      path: '/sslcert',
      rawQuery: '',
      host: `127.0.0.1:${fake.port}`,
      contentType: undefined,
      headers: { 'X-Qiniu-Date': stale },
      body: '',
    });
    const response = await fetch(`${fake.url}/sslcert`, { headers: { authorization, 'x-qiniu-date': stale } });
    assert.equal(response.status, 403);
  });

  test('request log records method, path and signature', () => {
    const record = fake.requests.find((entry) => entry.path === '/domain/missing.example.test');
    assert.ok(record);
    assert.equal(record.method, 'GET');
    assert.equal(record.signed, true);
    assert.equal(record.status, 612);
    assert.equal(record.errorCode, '612');
  });
});
