import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, test } from 'node:test';
import {
  issueCertificate,
  makeCertificateAuthority,
  makeSelfSignedCertificate,
  type TestCertificate,
} from '../src/certs.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** X.509 keeps whole seconds: the date a certificate stores for `date`. */
function toWholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function validity(certPem: string): { notBefore: Date; notAfter: Date } {
  const certificate = new X509Certificate(certPem);
  return { notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

/** Serves `served` on 127.0.0.1 and returns the certificate a client trusting `caPem` receives for `servername`. */
async function handshake(served: TestCertificate, caPem: string, servername: string): Promise<X509Certificate> {
  const cert = served.chainPem ? served.certPem + served.chainPem : served.certPem;
  const server = createServer({ cert, key: served.keyPem });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: caPem, servername });
    await once(socket, 'secureConnect');
    const peer = socket.getPeerX509Certificate();
    socket.destroy();
    assert.ok(peer, 'the server sent no certificate');
    return peer;
  } finally {
    server.close();
  }
}

describe('makeSelfSignedCertificate', () => {
  test('sets the exact validity asked for', async () => {
    const notBefore = new Date(Date.now() - 87 * DAY_MS);
    const notAfter = new Date(Date.now() + 3 * DAY_MS);

    const { certPem } = await makeSelfSignedCertificate({ names: ['expiring.example.test'], notBefore, notAfter });

    assert.deepEqual(validity(certPem).notAfter, toWholeSeconds(notAfter));
    assert.deepEqual(validity(certPem).notBefore, toWholeSeconds(notBefore));
  });

  test('makes an already expired certificate', async () => {
    const notBefore = new Date('2024-01-01T00:00:00Z');
    const notAfter = new Date('2024-03-31T00:00:00Z');

    const { certPem } = await makeSelfSignedCertificate({ names: ['expired.example.test'], notBefore, notAfter });

    assert.deepEqual(validity(certPem).notAfter, notAfter);
    assert.deepEqual(validity(certPem).notBefore, notBefore);
  });

  test('keeps dates after 2049 (GeneralizedTime)', async () => {
    const notAfter = new Date('2061-05-06T07:08:09Z');

    const { certPem } = await makeSelfSignedCertificate({
      names: ['far.example.test'],
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter,
    });

    assert.deepEqual(validity(certPem).notAfter, notAfter);
    assert.deepEqual(validity(certPem).notBefore, new Date('2049-12-31T23:59:59Z'));
  });

  test('puts DNS names, wildcards and IPs in the SAN', async () => {
    const { certPem } = await makeSelfSignedCertificate({
      names: ['example.test', '*.example.test', '127.0.0.1', '::1'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    });
    const certificate = new X509Certificate(certPem);

    assert.equal(
      certificate.subjectAltName,
      'DNS:example.test, DNS:*.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    assert.equal(certificate.subject, 'CN=example.test');
    assert.equal(certificate.checkHost('www.example.test'), '*.example.test');
    assert.equal(certificate.checkIP('127.0.0.1'), '127.0.0.1');
  });

  test('makes an ECDSA P-256 key by default', async () => {
    const { certPem, keyPem } = await makeSelfSignedCertificate({
      names: ['ec.example.test'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    });
    const certificate = new X509Certificate(certPem);
    const privateKey = createPrivateKey(keyPem);

    assert.equal(privateKey.asymmetricKeyType, 'ec');
    assert.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(certificate.checkPrivateKey(privateKey), 'the key does not match the certificate');
    assert.ok(certificate.verify(certificate.publicKey), 'the certificate is not self-signed');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(certificate.ca, false);
  });

  test('makes an RSA 2048 key on request', async () => {
    const { certPem, keyPem } = await makeSelfSignedCertificate({
      names: ['rsa.example.test'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
      keyType: 'rsa',
    });
    const certificate = new X509Certificate(certPem);
    const privateKey = createPrivateKey(keyPem);

    assert.equal(privateKey.asymmetricKeyType, 'rsa');
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(certificate.checkPrivateKey(privateKey), 'the key does not match the certificate');
    assert.ok(certificate.verify(certificate.publicKey), 'the certificate is not self-signed');
  });

  test('leaves the subject empty for a name over 64 characters', async () => {
    const longName = `${'a'.repeat(60)}.example.test`;

    const { certPem } = await makeSelfSignedCertificate({
      names: [longName],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    });
    const certificate = new X509Certificate(certPem);

    // node:crypto returns undefined, not '', for an empty subject, though its declared type is string.
    assert.equal(certificate.subject || undefined, undefined);
    assert.equal(certificate.subjectAltName, `DNS:${longName}`);
  });

  test('is trusted for its own name in a TLS handshake', async () => {
    const served = await makeSelfSignedCertificate({
      names: ['self.example.test'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    });

    const peer = await handshake(served, served.certPem, 'self.example.test');

    assert.equal(peer.fingerprint256, new X509Certificate(served.certPem).fingerprint256);
  });
});

describe('makeSelfSignedCertificate input checks', () => {
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + DAY_MS);

  test('rejects an empty name list', async () => {
    await assert.rejects(makeSelfSignedCertificate({ names: [], notBefore, notAfter }), /Missing certificate names/);
  });

  for (const name of [
    '',
    'has space.test',
    '-leading.test',
    'double..dot.test',
    'a.*.test',
    'x'.repeat(64) + '.test',
  ]) {
    test(`rejects the name ${JSON.stringify(name.length > 20 ? name.slice(0, 20) + '…' : name)}`, async () => {
      await assert.rejects(
        makeSelfSignedCertificate({ names: ['ok.example.test', name], notBefore, notAfter }),
        /Invalid certificate name/,
      );
    });
  }

  test('rejects notAfter before notBefore', async () => {
    await assert.rejects(
      makeSelfSignedCertificate({ names: ['a.test'], notBefore: notAfter, notAfter: notBefore }),
      /notAfter .* is not after notBefore/,
    );
  });

  test('rejects equal notBefore and notAfter', async () => {
    await assert.rejects(
      makeSelfSignedCertificate({ names: ['a.test'], notBefore, notAfter: new Date(notBefore) }),
      /is not after notBefore/,
    );
  });

  test('rejects an unknown key type', async () => {
    await assert.rejects(
      makeSelfSignedCertificate({ names: ['a.test'], notBefore, notAfter, keyType: 'dsa' as unknown as 'ec' }),
      /Invalid keyType "dsa": expected 'ec' or 'rsa'/,
    );
  });

  test('rejects an invalid date', async () => {
    await assert.rejects(
      makeSelfSignedCertificate({ names: ['a.test'], notBefore, notAfter: new Date('not a date') }),
      /Invalid notAfter/,
    );
  });
});

describe('issueCertificate', () => {
  test('signs with the CA and sets the exact validity', async () => {
    const ca = await makeCertificateAuthority();
    const notBefore = new Date(Date.now() - 60 * DAY_MS);
    const notAfter = new Date(Date.now() + 3 * DAY_MS);

    const issued = await issueCertificate(ca, { names: ['site.example.test'], notBefore, notAfter });
    const certificate = new X509Certificate(issued.certPem);
    const caCertificate = new X509Certificate(ca.certPem);

    assert.deepEqual(validity(issued.certPem).notAfter, toWholeSeconds(notAfter));
    assert.deepEqual(validity(issued.certPem).notBefore, toWholeSeconds(notBefore));
    assert.ok(certificate.checkIssued(caCertificate), 'the CA is not named as issuer');
    assert.ok(certificate.verify(caCertificate.publicKey), 'the CA did not sign the certificate');
    assert.ok(certificate.checkPrivateKey(createPrivateKey(issued.keyPem)), 'the key does not match');
    assert.equal(issued.chainPem, ca.certPem);
    assert.equal(caCertificate.ca, true);
  });

  test('is trusted through the CA in a TLS handshake', async () => {
    const ca = await makeCertificateAuthority({ commonName: 'Handshake Test CA' });
    const issued = await issueCertificate(ca, {
      names: ['www.example.test', '127.0.0.1'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 3 * DAY_MS),
    });

    const peer = await handshake(issued, ca.certPem, 'www.example.test');

    assert.equal(peer.issuer, 'CN=Handshake Test CA');
    assert.equal(peer.subject, 'CN=www.example.test');
  });

  test('signs an RSA key with an RSA CA', async () => {
    const ca = await makeCertificateAuthority({ keyType: 'rsa' });

    const issued = await issueCertificate(ca, {
      names: ['rsa.example.test'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
      keyType: 'rsa',
    });

    assert.ok(new X509Certificate(issued.certPem).verify(new X509Certificate(ca.certPem).publicKey));
    assert.equal(createPrivateKey(issued.keyPem).asymmetricKeyType, 'rsa');
  });

  test('gives every certificate its own key and serial', async () => {
    const ca = await makeCertificateAuthority();
    const options = {
      names: ['twice.example.test'],
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    };

    const first = await issueCertificate(ca, options);
    const second = await issueCertificate(ca, options);

    assert.notEqual(first.keyPem, second.keyPem);
    assert.notEqual(new X509Certificate(first.certPem).serialNumber, new X509Certificate(second.certPem).serialNumber);
  });

  test('rejects an invalid name', async () => {
    const ca = await makeCertificateAuthority();

    await assert.rejects(
      issueCertificate(ca, { names: ['bad_name!'], notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date() }),
      /Invalid certificate name "bad_name!"/,
    );
  });
});

describe('makeCertificateAuthority', () => {
  test('uses the validity and common name asked for', async () => {
    const notBefore = new Date('2025-01-01T00:00:00Z');
    const notAfter = new Date('2035-01-01T00:00:00Z');

    const ca = await makeCertificateAuthority({ commonName: 'My Test CA', notBefore, notAfter });
    const certificate = new X509Certificate(ca.certPem);

    assert.equal(certificate.subject, 'CN=My Test CA');
    assert.equal(ca.subject, 'CN=My Test CA');
    assert.deepEqual(validity(ca.certPem), { notBefore, notAfter });
    assert.ok(certificate.checkPrivateKey(createPrivateKey(ca.keyPem)));
  });

  test('rejects a common name that would break the DN', async () => {
    await assert.rejects(makeCertificateAuthority({ commonName: 'A, O=Evil' }), /Invalid CA common name/);
  });
});
