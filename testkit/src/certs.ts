/**
 * Test certificates made locally, without an ACME round trip, for cases such as "a site whose
 * certificate expires in 3 days": an ACME CA sets the validity itself and lets no client choose it.
 */
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** Key algorithm of a test certificate: ECDSA P-256 or RSA 2048, both signed with SHA-256. */
export type TestKeyType = 'ec' | 'rsa';

/** Validity and names of a test certificate. */
export interface TestCertificateOptions {
  /** DNS names, wildcards (`*.example.test`) or IP addresses. The first one is also the subject CN. */
  names: string[];
  /** Start of validity. X.509 stores whole seconds, so milliseconds are dropped. */
  notBefore: Date;
  /** End of validity. X.509 stores whole seconds, so milliseconds are dropped. */
  notAfter: Date;
  /** Default `'ec'`. */
  keyType?: TestKeyType;
}

/** A certificate with its private key, both PEM (the key in PKCS #8). */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** The issuing CA's certificate, for a certificate that a CA signed. */
  chainPem?: string;
}

/** A throwaway CA that signs test certificates. */
export interface TestCertificateAuthority {
  certPem: string;
  keyPem: string;
  /** Distinguished name of the CA, such as `CN=CertPilot Test CA 1a2b3c`. */
  subject: string;
  /** The CA's signing key, kept as a CryptoKey so issuing needs no key import. */
  privateKey: webcrypto.CryptoKey;
  keyType: TestKeyType;
}

/** Options of {@link makeCertificateAuthority}. Every field has a default. */
export interface CertificateAuthorityOptions {
  /** Default `CertPilot Test CA <random hex>`. */
  commonName?: string;
  /** Default one day ago. */
  notBefore?: Date;
  /** Default ten years from now. */
  notAfter?: Date;
  /** Default `'ec'`. */
  keyType?: TestKeyType;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const MAX_COMMON_NAME_LENGTH = 64;

/**
 * Creates a self-signed server certificate with the given names and validity.
 *
 * @throws Error when a name is not a DNS name, wildcard or IP address, or the dates are invalid.
 */
export async function makeSelfSignedCertificate(options: TestCertificateOptions): Promise<TestCertificate> {
  checkCertificateOptions(options);
  const keyType = options.keyType ?? 'ec';
  const keys = await generateKeyPair(keyType);
  const subject = subjectForNames(options.names);

  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: signingAlgorithm(keyType),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: await serverExtensions(options.names, keyType, keys.publicKey),
  });
  return { certPem: certificate.toString('pem') + '\n', keyPem: exportPrivateKey(keys.privateKey) };
}

/** Creates a self-signed CA certificate and key that {@link issueCertificate} signs with. */
export async function makeCertificateAuthority(
  options: CertificateAuthorityOptions = {},
): Promise<TestCertificateAuthority> {
  const keyType = options.keyType ?? 'ec';
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(Date.now() + 3650 * DAY_MS);
  checkValidity(notBefore, notAfter);
  checkKeyType(options.keyType);
  const commonName = options.commonName ?? `CertPilot Test CA ${randomBytes(3).toString('hex')}`;
  if (!/^[\w .-]{1,64}$/.test(commonName)) {
    throw new Error(`Invalid CA common name "${commonName}": use 1 to 64 letters, digits, spaces, dots or dashes.`);
  }

  const keys = await generateKeyPair(keyType);
  const subject = `CN=${commonName}`;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: subject,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(keyType),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: certificate.toString('pem') + '\n',
    keyPem: exportPrivateKey(keys.privateKey),
    subject,
    privateKey: keys.privateKey,
    keyType,
  };
}

/**
 * Issues a server certificate signed by `ca`, with a fresh key of `options.keyType`.
 * `chainPem` is the CA certificate. The validity may reach outside the CA's own validity, as a
 * test of a broken chain may need.
 *
 * @throws Error when a name is not a DNS name, wildcard or IP address, or the dates are invalid.
 */
export async function issueCertificate(
  ca: TestCertificateAuthority,
  options: TestCertificateOptions,
): Promise<TestCertificate> {
  checkCertificateOptions(options);
  const keyType = options.keyType ?? 'ec';
  const keys = await generateKeyPair(keyType);
  const caCertificate = new x509.X509Certificate(ca.certPem);

  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: subjectForNames(options.names),
    issuer: ca.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      ...(await serverExtensions(options.names, keyType, keys.publicKey)),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    ],
  });
  return {
    certPem: certificate.toString('pem') + '\n',
    keyPem: exportPrivateKey(keys.privateKey),
    chainPem: ca.certPem,
  };
}

function checkCertificateOptions(options: TestCertificateOptions): void {
  if (!Array.isArray(options.names) || options.names.length === 0) {
    throw new Error('Missing certificate names: pass at least one DNS name or IP address in `names`.');
  }
  for (const name of options.names) checkName(name);
  checkValidity(options.notBefore, options.notAfter);
  checkKeyType(options.keyType);
}

function checkKeyType(keyType: unknown): void {
  if (keyType !== undefined && keyType !== 'ec' && keyType !== 'rsa') {
    throw new Error(`Invalid keyType ${JSON.stringify(keyType)}: expected 'ec' or 'rsa'.`);
  }
}

function checkName(name: unknown): void {
  if (typeof name === 'string' && isIP(name) !== 0) return;
  if (typeof name !== 'string' || !isDnsName(name)) {
    throw new Error(
      `Invalid certificate name "${String(name)}": expected a DNS name, a wildcard such as *.example.test, or an IP address.`,
    );
  }
}

function isDnsName(name: string): boolean {
  const labels = name.split('.');
  const hostLabels = labels[0] === '*' ? labels.slice(1) : labels;
  return name.length <= 253 && hostLabels.length > 0 && hostLabels.every((label) => DNS_LABEL.test(label));
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  if (!(notBefore instanceof Date) || Number.isNaN(notBefore.getTime())) {
    throw new Error(`Invalid notBefore ${String(notBefore)}: pass a valid Date.`);
  }
  if (!(notAfter instanceof Date) || Number.isNaN(notAfter.getTime())) {
    throw new Error(`Invalid notAfter ${String(notAfter)}: pass a valid Date.`);
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new Error(
      `Invalid validity: notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}.`,
    );
  }
}

async function generateKeyPair(keyType: TestKeyType): Promise<webcrypto.CryptoKeyPair> {
  const algorithm =
    keyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

function signingAlgorithm(keyType: TestKeyType): { name: string; hash: string } {
  return keyType === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

async function serverExtensions(
  names: string[],
  keyType: TestKeyType,
  publicKey: webcrypto.CryptoKey,
): Promise<x509.Extension[]> {
  // RSA key exchange (TLS 1.2 without forward secrecy) needs keyEncipherment, which ECDSA keys cannot do.
  const keyUsage =
    keyType === 'rsa'
      ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
      : x509.KeyUsageFlags.digitalSignature;
  const alternativeNames = names.map((name) => ({
    type: isIP(name) !== 0 ? ('ip' as const) : ('dns' as const),
    value: name,
  }));
  // RFC 5280 4.2.1.6: the SAN extension is critical when the subject is empty.
  const subjectIsEmpty = subjectForNames(names) === '';

  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(alternativeNames, subjectIsEmpty),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
}

// RFC 5280 limits the CN to 64 characters. A longer first name leaves the subject empty, which
// RFC 5280 allows when the SAN extension contains the names.
function subjectForNames(names: string[]): string {
  const first = names[0] ?? '';
  return first.length <= MAX_COMMON_NAME_LENGTH ? `CN=${first}` : '';
}

function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  // A positive serial without a leading zero byte: clear the sign bit, set the next one.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function exportPrivateKey(privateKey: webcrypto.CryptoKey): string {
  return KeyObject.from(privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
}
