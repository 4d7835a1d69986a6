import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { ariCertificateId, readAuthorityKeyIdentifier } from '../../src/index.js';
import { issueCertificate, makeCertificateAuthority } from '@certpilot/testkit';

const DAY_MS = 86_400_000;

test('certificate id joins AKI and serial', async () => {
  const ca = await makeCertificateAuthority();
  const issued = await issueCertificate(ca, {
    names: ['id.test'],
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + DAY_MS),
  });
  const reference = new x509.X509Certificate(issued.certPem);
  const aki = reference.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.ok(aki?.keyId);

  const [keyPart, serialPart] = ariCertificateId(issued.certPem).split('.');
  assert.equal(Buffer.from(keyPart!, 'base64url').toString('hex'), aki.keyId.toLowerCase());
  let serial = new X509Certificate(issued.certPem).serialNumber.toLowerCase();
  if (parseInt(serial.slice(0, 2), 16) >= 0x80) serial = `00${serial}`;
  assert.equal(Buffer.from(serialPart!, 'base64url').toString('hex'), serial);
});

test('certificate without AKI has no id', () => {
  assert.equal(readAuthorityKeyIdentifier(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), null);
});
