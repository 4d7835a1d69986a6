import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateMatchesKey, inspectCertificatePem, isCertPilotError, normalizeSerial } from '../../src/index.js';
import { issueCertificate, makeCertificateAuthority, makeSelfSignedCertificate } from '@certpilot/testkit';

const DAY_MS = 86_400_000;
const validity = () => ({ notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 30 * DAY_MS) });

test('inspect reads names, dates, key type and chain', async () => {
  const ca = await makeCertificateAuthority({ commonName: 'Inspect Test CA' });
  const issued = await issueCertificate(ca, { names: ['a.test', 'www.a.test'], ...validity() });
  const info = inspectCertificatePem(issued.certPem + issued.chainPem!, 'a.pem');
  assert.deepEqual(info.names, ['a.test', 'www.a.test']);
  assert.equal(info.commonName, 'a.test');
  assert.match(info.issuer, /CN=Inspect Test CA/);
  assert.equal(info.keyType, 'ec-P-256');
  assert.equal(info.chainLength, 1);
  assert.deepEqual(info.chainProblems, []);
  assert.match(info.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(info.serial, /^[0-9A-F]+$/);
});

test('inspect flags a chain in the wrong order', async () => {
  const ca = await makeCertificateAuthority();
  const other = await makeCertificateAuthority();
  const issued = await issueCertificate(ca, { names: ['b.test'], ...validity() });
  const info = inspectCertificatePem(issued.certPem + other.certPem, 'b.pem');
  assert.equal(info.chainProblems.length, 1);
  assert.match(info.chainProblems[0]!, /did not issue the one before it/);
});

test('RSA key type is reported with its size', async () => {
  const rsa = await makeSelfSignedCertificate({ names: ['rsa.test'], keyType: 'rsa', ...validity() });
  assert.equal(inspectCertificatePem(rsa.certPem, 'rsa.pem').keyType, 'rsa-2048');
});

test('key match detects a foreign key', async () => {
  const one = await makeSelfSignedCertificate({ names: ['one.test'], ...validity() });
  const two = await makeSelfSignedCertificate({ names: ['two.test'], ...validity() });
  assert.equal(certificateMatchesKey(one.certPem, one.keyPem, 'one'), true);
  assert.equal(certificateMatchesKey(one.certPem, two.keyPem, 'one'), false);
  assert.throws(
    () => certificateMatchesKey(one.certPem, 'not a key', 'one.key'),
    (error: unknown) => isCertPilotError(error, 'CERT_INVALID') && /one\.key/.test(error.message),
  );
});

test('garbage input names its source', () => {
  assert.throws(
    () => inspectCertificatePem('hello', '/etc/ssl/x.pem'),
    (error: unknown) => isCertPilotError(error, 'CERT_INVALID') && error.message.includes('/etc/ssl/x.pem'),
  );
  assert.throws(
    () => inspectCertificatePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'broken.pem'),
    (error: unknown) => isCertPilotError(error, 'CERT_INVALID') && error.message.includes('broken.pem'),
  );
});

test('serials compare without padding', () => {
  assert.equal(normalizeSerial('00:0a:FF'), '0AFF');
  assert.equal(normalizeSerial('000000064F74D36A152807'), '064F74D36A152807');
  assert.equal(normalizeSerial('000'), '00');
});
