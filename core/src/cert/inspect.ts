import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { CertPilotError } from '../errors.js';
import { splitCertificateChain } from './pem.js';

/** What CertPilot needs to know about a certificate. Times are ISO 8601 strings. */
export interface CertificateInfo {
  /** Subject common name, when present. */
  commonName?: string;
  /** DNS names from the SAN extension (the CN when there is no SAN). */
  names: string[];
  issuer: string;
  /** Upper-case hex without separators, leading zeros removed. */
  serial: string;
  notBefore: string;
  notAfter: string;
  /** `ec-P-256`, `rsa-2048`, ... */
  keyType: string;
  /** SHA-256 of the DER, upper-case hex with colons (as openssl prints it). */
  fingerprint: string;
  /** Number of chain certificates after the leaf. */
  chainLength: number;
  /** Problems with the chain's order or completeness, empty when fine. */
  chainProblems: string[];
}

/** Inspects a PEM bundle (leaf first). `source` names where it came from, for errors. */
export function inspectCertificatePem(pem: string, source: string): CertificateInfo {
  const { leaf, chain } = splitCertificateChain(pem, source);
  const certificates = [leaf, ...chain].map((block) => parseCertificate(block, source));
  return describeCertificate(certificates[0]!, certificates.slice(1));
}

/** Describes a parsed leaf and its chain; used for PEM files and for certificates read from a probe. */
export function describeCertificate(leaf: X509Certificate, chain: X509Certificate[]): CertificateInfo {
  const commonName = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  const sanNames = parseSubjectAltNames(leaf.subjectAltName);
  return {
    ...(commonName === undefined ? {} : { commonName }),
    names: sanNames.length > 0 ? sanNames : commonName ? [commonName] : [],
    issuer: leaf.issuer.replace(/\n/g, ', '),
    serial: normalizeSerial(leaf.serialNumber),
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    keyType: describeKeyType(leaf.publicKey),
    fingerprint: leaf.fingerprint256,
    chainLength: chain.length,
    chainProblems: checkChainOrder(leaf, chain),
  };
}

/**
 * Upper-case hex of whole bytes without leading zero bytes, as openssl prints serials. CAs and
 * providers pad serials differently (Aliyun CAS left-pads with zeros), so all are compared this way.
 */
export function normalizeSerial(serial: string): string {
  const hex = serial
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase()
    .replace(/^0+/, '');
  if (hex === '') return '00';
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** Returns one message per certificate that does not sign the one before it. */
export function checkChainOrder(leaf: X509Certificate, chain: X509Certificate[]): string[] {
  const problems: string[] = [];
  let child = leaf;
  for (const [index, parent] of chain.entries()) {
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      problems.push(
        `chain certificate ${index + 1} (${parent.subject.replace(/\n/g, ', ')}) did not issue the one before it`,
      );
    }
    child = parent;
  }
  return problems;
}

/** True when the private key in `keyPem` belongs to the leaf of `certPem`. */
export function certificateMatchesKey(certPem: string, keyPem: string, source: string): boolean {
  const { leaf } = splitCertificateChain(certPem, source);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new CertPilotError(
      'CERT_INVALID',
      `The private key in ${source} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
        params: { source },
      },
    );
  }
  return parseCertificate(leaf, source).checkPrivateKey(key);
}

export function parseCertificate(pem: string | Buffer, source: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new CertPilotError(
      'CERT_INVALID',
      `The certificate in ${source} cannot be parsed: ${(error as Error).message}`,
      {
        cause: error,
        params: { source },
      },
    );
  }
}

function parseSubjectAltNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

function describeKeyType(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec')
    return `ec-${details?.namedCurve === 'prime256v1' ? 'P-256' : details?.namedCurve === 'secp384r1' ? 'P-384' : (details?.namedCurve ?? 'unknown')}`;
  if (key.asymmetricKeyType === 'rsa') return `rsa-${details?.modulusLength ?? 'unknown'}`;
  return key.asymmetricKeyType ?? 'unknown';
}
