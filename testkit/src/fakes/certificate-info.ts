import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';

/** What the fakes read from an uploaded certificate chain (leaf first). */
export interface CertificateDetails {
  leaf: X509Certificate;
  chain: X509Certificate[];
  /** Leaf serial as Node reports it: uppercase hex, as `tls` `getPeerCertificate().serialNumber` does. */
  serialNumber: string;
  commonName: string | undefined;
  /** DNS names from the subjectAltName extension, in certificate order. */
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  /** Colon-separated uppercase SHA-1 fingerprint of the leaf. */
  sha1Fingerprint: string;
  /** Lowercase hex SHA-256 of the leaf's DER, without separators. */
  sha256Hex: string;
  issuerCommonName: string | undefined;
  issuerOrganization: string | undefined;
}

/** Raised when a PEM text holds no certificate or a certificate that does not parse. */
export class CertificateParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateParseError';
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Parses a PEM chain, leaf first. Throws `CertificateParseError` on empty or undecodable input. */
export function parseCertificateChain(pem: string): CertificateDetails {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new CertificateParseError('No PEM certificate block found');

  let chain: X509Certificate[];
  try {
    chain = blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new CertificateParseError('A PEM certificate block does not decode', { cause: error });
  }

  const leaf = chain[0] as X509Certificate;
  return {
    leaf,
    chain,
    serialNumber: leaf.serialNumber,
    commonName: distinguishedNameField(leaf.subject, 'CN'),
    dnsNames: subjectAltDnsNames(leaf),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    sha1Fingerprint: leaf.fingerprint,
    sha256Hex: createHash('sha256').update(leaf.raw).digest('hex'),
    issuerCommonName: distinguishedNameField(leaf.issuer, 'CN'),
    issuerOrganization: distinguishedNameField(leaf.issuer, 'O'),
  };
}

/** Result of checking an uploaded private key against the leaf certificate. */
export type PrivateKeyCheck = 'matches' | 'invalid' | 'mismatch';

export function checkPrivateKey(details: CertificateDetails, keyPem: string): PrivateKeyCheck {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return 'invalid';
  }
  return details.leaf.checkPrivateKey(key) ? 'matches' : 'mismatch';
}

/**
 * Tells whether each certificate in the chain is issued and signed by the next one.
 * A chain of one certificate is consistent: the fakes cannot know the issuer a real
 * service would fetch, so they check only what was uploaded.
 */
export function chainIsConsistent(details: CertificateDetails): boolean {
  for (let index = 0; index + 1 < details.chain.length; index++) {
    const child = details.chain[index] as X509Certificate;
    const parent = details.chain[index + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return false;
  }
  return true;
}

/** Tells whether a certificate name (possibly `*.example.com`) covers `hostname`. */
export function certificateNameCovers(name: string, hostname: string): boolean {
  const pattern = name.toLowerCase();
  const host = hostname.toLowerCase();
  if (!pattern.startsWith('*.')) return pattern === host;

  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2);
}

function distinguishedNameField(distinguishedName: string, field: string): string | undefined {
  const prefix = `${field}=`;
  const line = distinguishedName.split('\n').find((entry) => entry.startsWith(prefix));
  return line?.slice(prefix.length);
}

function subjectAltDnsNames(certificate: X509Certificate): string[] {
  const subjectAltName = certificate.subjectAltName;
  if (subjectAltName === undefined) return [];

  return subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice('DNS:'.length));
}
