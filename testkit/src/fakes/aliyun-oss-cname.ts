import { randomBytes } from 'node:crypto';

import {
  CertificateParseError,
  certificateNameCovers,
  checkPrivateKey,
  parseCertificateChain,
  type CertificateDetails,
} from './certificate-info.js';
import { EdgeDeployment, type ProcessingHold } from './edge-deployment.js';
import { ossErrors } from './oss-errors.js';
import { readXmlText, type XmlElement } from './oss-xml.js';
import type { EdgeCertificate } from './tls-edge.js';

/** Resolves a CAS `<id>-<region>` identifier to its chain and key, or `null` when unknown. */
export type CasLookup = (certId: string) => EdgeCertificate | null;

/** Returns the TXT values published at a name, used to check `_dnsauth.<domain>` tokens. */
export type TxtLookup = (fqdn: string) => string[];

/** A certificate attached to a bucket CNAME. */
interface CnameCertificate {
  type: 'CAS' | 'Upload';
  certId: string;
  certPem: string;
  keyPem: string;
  details: CertificateDetails;
  attachedAt: Date;
}

interface BucketCname {
  bucket: string;
  domain: string;
  lastModified: Date;
  edge: EdgeDeployment<CnameCertificate>;
}

/** A snapshot of one CNAME, for assertions. */
export interface OssCnameSnapshot {
  bucket: string;
  domain: string;
  /** Certificate ID configured on the CNAME (`<id>-<region>` for CAS). */
  certId: string | null;
  /** Certificate ID the edge serves now. */
  servedCertId: string | null;
  processing: boolean;
}

const TOKEN_LIFETIME_MS = 72 * 60 * 60 * 1000;

/**
 * Custom domains of all buckets, their ownership tokens and certificates. A domain maps to
 * at most one bucket. It can be bound after `verifyDomain` or once `_dnsauth.<domain>`
 * publishes the bucket's current CNAME token through `txtLookup`.
 */
export class OssCnameStore {
  readonly #cnames = new Map<string, BucketCname>();
  readonly #tokens = new Map<string, { token: string; expiresAt: Date }>();
  readonly #verified = new Set<string>();
  readonly #casLookup: CasLookup;
  readonly #txtLookup: TxtLookup | undefined;

  constructor(casLookup: CasLookup, txtLookup: TxtLookup | undefined) {
    this.#casLookup = casLookup;
    this.#txtLookup = txtLookup;
  }

  verifyDomain(domain: string): void {
    this.#verified.add(domain.toLowerCase());
  }

  /** CreateCnameToken: returns the valid token for the pair, or a new one valid for 72 hours. */
  createToken(bucket: string, body: string): XmlElement {
    const domain = requireDomain(body);
    const key = `${bucket}\n${domain}`;
    let token = this.#tokens.get(key);
    if (token === undefined || token.expiresAt.getTime() <= Date.now()) {
      token = { token: randomBytes(16).toString('hex'), expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS) };
      this.#tokens.set(key, token);
    }
    return tokenElement(bucket, domain, token);
  }

  /** GetCnameToken: the valid token for the pair, or `CnameTokenNotFound`. */
  getToken(bucket: string, domain: string): XmlElement {
    const token = this.#tokens.get(`${bucket}\n${domain.toLowerCase()}`);
    if (token === undefined || token.expiresAt.getTime() <= Date.now()) throw ossErrors.cnameTokenNotFound();
    return tokenElement(bucket, domain.toLowerCase(), token);
  }

  /** PutCname: binds the domain, then attaches, replaces or deletes its certificate. */
  put(bucket: string, body: string): void {
    const domain = requireDomain(body);
    const existing = this.#cnames.get(domain);
    if (existing !== undefined && existing.bucket !== bucket) throw ossErrors.cnameAlreadyExists();
    if (existing === undefined && !this.#ownershipVerified(bucket, domain)) throw ossErrors.needVerifyDomainOwnership();

    const cname = existing ?? {
      bucket,
      domain,
      lastModified: new Date(),
      edge: new EdgeDeployment<CnameCertificate>(),
    };
    const change = this.#certificateChange(body, domain, cname.edge.latest);
    this.#cnames.set(domain, cname);
    if (change !== undefined) cname.edge.deploy(change);
    cname.lastModified = new Date();
  }

  /** DeleteCname: unbinds the domain from the bucket. */
  delete(bucket: string, body: string): void {
    const domain = requireDomain(body);
    const cname = this.#cnames.get(domain);
    if (cname === undefined || cname.bucket !== bucket) throw ossErrors.noSuchCname();
    cname.edge.dispose();
    this.#cnames.delete(domain);
  }

  /** ListCname result for one bucket. */
  list(bucket: string, owner: string): XmlElement {
    const cnames = [...this.#cnames.values()].filter((cname) => cname.bucket === bucket);
    return ['ListCnameResult', [['Bucket', bucket], ['Owner', owner], ...cnames.map(cnameElement)]];
  }

  snapshot(domain: string): OssCnameSnapshot {
    const cname = this.#requireForControl(domain);
    return {
      bucket: cname.bucket,
      domain: cname.domain,
      certId: cname.edge.latest?.certId ?? null,
      servedCertId: cname.edge.served?.certId ?? null,
      processing: cname.edge.processing,
    };
  }

  holdProcessing(domain: string, hold: ProcessingHold): void {
    this.#requireForControl(domain).edge.setHold(hold);
  }

  finishProcessing(domain: string): void {
    this.#requireForControl(domain).edge.finish();
  }

  /** Returns what the edge serves for an SNI name. Standard buckets have no wildcard CNAMEs. */
  servedCertificate(servername: string): EdgeCertificate | null {
    const served = this.#cnames.get(servername)?.edge.served;
    return served ? { certPem: served.certPem, keyPem: served.keyPem } : null;
  }

  dispose(): void {
    for (const cname of this.#cnames.values()) cname.edge.dispose();
  }

  #ownershipVerified(bucket: string, domain: string): boolean {
    if (this.#verified.has(domain)) return true;

    const token = this.#tokens.get(`${bucket}\n${domain}`);
    if (token === undefined || token.expiresAt.getTime() <= Date.now() || this.#txtLookup === undefined) return false;
    return this.#txtLookup(`_dnsauth.${domain}`).includes(token.token);
  }

  /**
   * Reads `CertificateConfiguration`. Returns `undefined` for no change, `null` to remove the
   * certificate, or the new certificate. Replacing a different certificate needs `Force` true
   * or a `PreviousCertId` equal to the current one.
   */
  #certificateChange(
    body: string,
    domain: string,
    current: CnameCertificate | null,
  ): CnameCertificate | null | undefined {
    const section = readXmlText(body, 'BucketCnameConfiguration', 'Cname', 'CertificateConfiguration');
    if (section === undefined) return undefined;
    if (readXmlText(section, 'DeleteCertificate') === 'true') return null;

    const next = this.#certificateFrom(section, domain);
    const force = readXmlText(section, 'Force') === 'true';
    const previous = readXmlText(section, 'PreviousCertId');
    if (current !== null && current.certId !== next.certId && !force && previous !== current.certId) {
      throw ossErrors.previousCertIdMismatch();
    }
    return next;
  }

  #certificateFrom(section: string, domain: string): CnameCertificate {
    const certId = readXmlText(section, 'CertId');
    let material: EdgeCertificate;
    let type: CnameCertificate['type'];
    if (certId !== undefined && certId !== '') {
      const found = this.#casLookup(certId);
      if (found === null) throw ossErrors.invalidCasId();
      material = found;
      type = 'CAS';
    } else {
      const certPem = readXmlText(section, 'Certificate');
      const keyPem = readXmlText(section, 'PrivateKey');
      if (!certPem || !keyPem) throw ossErrors.invalidCertificate('CertId, or Certificate and PrivateKey, is missing');
      material = { certPem, keyPem };
      type = 'Upload';
    }

    const details = parseMaterial(material);
    if (!details.dnsNames.some((name) => certificateNameCovers(name, domain))) {
      throw ossErrors.invalidCertificate(`it does not cover ${domain}`);
    }
    return {
      type,
      certId: certId || `upload-${details.sha256Hex.slice(0, 16)}`,
      ...material,
      details,
      attachedAt: new Date(),
    };
  }

  #requireForControl(domain: string): BucketCname {
    const cname = this.#cnames.get(domain.toLowerCase());
    if (cname === undefined) throw new Error(`No bucket CNAME ${domain} exists in the fake`);
    return cname;
  }
}

function requireDomain(body: string): string {
  if (!/<BucketCnameConfiguration[\s>]/.test(body)) throw ossErrors.malformedXml();
  const domain = readXmlText(body, 'BucketCnameConfiguration', 'Cname', 'Domain')?.trim().toLowerCase();
  if (!domain) throw ossErrors.malformedXml();
  return domain;
}

function parseMaterial(material: EdgeCertificate): CertificateDetails {
  let details: CertificateDetails;
  try {
    details = parseCertificateChain(material.certPem);
  } catch (error) {
    if (error instanceof CertificateParseError) throw ossErrors.invalidCertificate('Certificate is not PEM');
    throw error;
  }
  if (checkPrivateKey(details, material.keyPem) !== 'matches') {
    throw ossErrors.invalidCertificate('PrivateKey does not match Certificate');
  }
  return details;
}

function tokenElement(bucket: string, domain: string, token: { token: string; expiresAt: Date }): XmlElement {
  return [
    'CnameToken',
    [
      ['Bucket', bucket],
      ['Cname', domain],
      ['Token', token.token],
      ['ExpireTime', token.expiresAt.toUTCString()],
    ],
  ];
}

function cnameElement(cname: BucketCname): XmlElement {
  const children: XmlElement[] = [
    ['Domain', cname.domain],
    ['LastModified', cname.lastModified.toISOString()],
    ['Status', 'Enabled'],
  ];
  const certificate = cname.edge.latest;
  if (certificate !== null) {
    children.push([
      'Certificate',
      [
        ['Type', certificate.type],
        ['CertId', certificate.certId],
        ['Status', 'Enabled'],
        ['CreationDate', certificate.attachedAt.toUTCString()],
        ['Fingerprint', certificate.details.sha1Fingerprint],
        ['ValidStartDate', certificate.details.notBefore.toUTCString()],
        ['ValidEndDate', certificate.details.notAfter.toUTCString()],
      ],
    ]);
  }
  return ['Cname', children];
}
