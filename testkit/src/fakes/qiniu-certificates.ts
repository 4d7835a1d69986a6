import { randomBytes } from 'node:crypto';

import {
  CertificateParseError,
  chainIsConsistent,
  checkPrivateKey,
  parseCertificateChain,
  type CertificateDetails,
} from './certificate-info.js';
import { qiniuErrors } from './qiniu-errors.js';

/** A certificate uploaded to the fake Qiniu certificate store (`/sslcert`). */
export interface QiniuCertificate {
  /** 24 hex digits, like the IDs the service returns. */
  certId: string;
  name: string;
  /** The `common_name` the client sent, kept as sent. */
  commonName: string;
  /** Private key PEM. */
  pri: string;
  /** Full chain PEM, leaf first. */
  ca: string;
  details: CertificateDetails;
  /** Upload time, Unix seconds. */
  createTime: number;
}

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

/** The uploaded certificates, in upload order. */
export class QiniuCertificateStore {
  readonly #certificates = new Map<string, QiniuCertificate>();
  readonly #minRemainingValidityMs: number;

  /** `minRemainingValidityMs`: an upload with less validity left is rejected with 400322. */
  constructor(minRemainingValidityMs: number) {
    this.#minRemainingValidityMs = minRemainingValidityMs;
  }

  /** Validates and stores an upload body `{name, common_name, pri, ca}`; throws `QiniuError`. */
  upload(body: Record<string, unknown>): QiniuCertificate {
    const name = requireText(body, 'name');
    const commonName = optionalText(body, 'common_name') ?? optionalText(body, 'commonName') ?? '';
    const pri = requireText(body, 'pri');
    const ca = requireText(body, 'ca');
    const details = this.#validate(ca, pri);

    const certificate: QiniuCertificate = {
      certId: randomBytes(12).toString('hex'),
      name,
      commonName,
      pri,
      ca,
      details,
      createTime: Math.floor(Date.now() / 1000),
    };
    this.#certificates.set(certificate.certId, certificate);
    return certificate;
  }

  /** Returns the certificate or throws 400401. */
  get(certId: string): QiniuCertificate {
    const certificate = this.#certificates.get(certId);
    if (certificate === undefined) throw qiniuErrors.noSuchCertificate();
    return certificate;
  }

  find(certId: string): QiniuCertificate | undefined {
    return this.#certificates.get(certId);
  }

  all(): QiniuCertificate[] {
    return [...this.#certificates.values()];
  }

  /** Deletes a certificate. It fails with 400611 while `isBound` returns true for it. */
  delete(certId: string, isBound: (certId: string) => boolean): void {
    this.get(certId);
    if (isBound(certId)) throw qiniuErrors.certificateInUse();
    this.#certificates.delete(certId);
  }

  /**
   * Returns one page starting at `marker` (a certificate ID; empty for the first page) and the
   * marker of the next page, which is empty on the last page.
   */
  page(marker: string, limitText: string): { certificates: QiniuCertificate[]; marker: string } {
    const limit = limitText === '' ? DEFAULT_PAGE_SIZE : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw qiniuErrors.invalidArgument(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limitText}`);
    }

    const all = this.all();
    const start = marker === '' ? 0 : all.findIndex((certificate) => certificate.certId === marker);
    if (start < 0) throw qiniuErrors.invalidArgument(`invalid marker ${marker}`);

    const certificates = all.slice(start, start + limit);
    const next = all[start + limit];
    return { certificates, marker: next === undefined ? '' : next.certId };
  }

  #validate(ca: string, pri: string): CertificateDetails {
    let details: CertificateDetails;
    try {
      details = parseCertificateChain(ca);
    } catch (error) {
      if (error instanceof CertificateParseError)
        throw qiniuErrors.certificateDecodeFailed('ca is not a PEM certificate chain');
      throw error;
    }

    const keyCheck = checkPrivateKey(details, pri);
    if (keyCheck === 'invalid') throw qiniuErrors.certificateDecodeFailed('pri is not a PEM private key');
    if (keyCheck === 'mismatch') throw qiniuErrors.certificateDecodeFailed('pri does not match the certificate');
    if (!chainIsConsistent(details)) throw qiniuErrors.chainVerificationFailed();

    const remainingMs = details.notAfter.getTime() - Date.now();
    if (remainingMs <= 0) throw qiniuErrors.certificateExpired();
    if (remainingMs < this.#minRemainingValidityMs) throw qiniuErrors.validityTooShort();
    return details;
  }
}

/** Builds one entry of the `GET /sslcert` list. */
export function certificateListView(certificate: QiniuCertificate): Record<string, unknown> {
  return {
    certid: certificate.certId,
    name: certificate.name,
    uid: 0,
    common_name: certificate.commonName,
    dnsnames: certificate.details.dnsNames,
    create_time: certificate.createTime,
    not_before: Math.floor(certificate.details.notBefore.getTime() / 1000),
    not_after: Math.floor(certificate.details.notAfter.getTime() / 1000),
    orderid: '',
    product_short_name: '',
    product_type: '',
    cert_type: '',
    encrypt: '',
    encryptParameter: '',
    enable: true,
  };
}

/** Builds the `GET /sslcert/<id>` certificate: the list entry plus the key and chain. */
export function certificateDetailView(certificate: QiniuCertificate): Record<string, unknown> {
  return { ...certificateListView(certificate), pri: certificate.pri, ca: certificate.ca };
}

function requireText(body: Record<string, unknown>, field: string): string {
  const value = optionalText(body, field);
  if (value === undefined || value === '') throw qiniuErrors.invalidArgument(`${field} is required`);
  return value;
}

function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw qiniuErrors.invalidArgument(`${field} must be a string`);
  return value;
}
