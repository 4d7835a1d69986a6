import { webcrypto, X509Certificate } from 'node:crypto';

import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A throwaway certificate authority that signs test leaf certificates. */
export interface TestCa {
  certPem: string;
  keyPair: CryptoKeyPair;
  name: string;
}

/** A leaf certificate for tests: `chainPem` is leaf then CA; `serialNumber` as Node's X509Certificate reports it. */
export interface TestCertificate {
  certPem: string;
  chainPem: string;
  keyPem: string;
  serialNumber: string;
}

/** Creates a self-signed ECDSA P-256 CA valid for a year. */
export async function createTestCa(name = 'CertPilot Fake Test CA'): Promise<TestCa> {
  const keyPair = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys: keyPair,
    signingAlgorithm: SIGNING,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPair, name };
}

/**
 * Issues a leaf for `names` (the first is the CN). Validity defaults to one day ago until
 * 90 days ahead; pass `notAfter` in the past or near future to test expiry checks.
 */
export async function issueTestCertificate(
  ca: TestCa,
  names: string[],
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCertificate> {
  const keyPair = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notAfter = validity.notAfter ?? new Date(Date.now() + 90 * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${names[0]}`,
    issuer: `CN=${ca.name}`,
    publicKey: keyPair.publicKey,
    signingKey: ca.keyPair.privateKey,
    signingAlgorithm: SIGNING,
    notBefore: validity.notBefore ?? new Date(Math.min(Date.now() - DAY_MS, notAfter.getTime() - DAY_MS)),
    notAfter,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: 'dns' as const, value: name }))),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });

  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keyPair.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  const certPem = certificate.toString('pem');
  return {
    certPem,
    chainPem: `${certPem}\n${ca.certPem}\n`,
    keyPem,
    serialNumber: new X509Certificate(certPem).serialNumber,
  };
}
