import {
  CertificateParseError,
  checkPrivateKey,
  parseCertificateChain,
  type CertificateDetails,
} from './certificate-info.js';
import { aliyunErrors } from './aliyun-errors.js';
import type { CallParameters } from './aliyun-parameters.js';

/** The region every certificate of this fake CAS lives in, as in `<id>-cn-hangzhou`. */
export const CAS_REGION = 'cn-hangzhou';

/** A certificate in the fake CAS (Certificate Management Service). */
export interface CasCertificate {
  id: number;
  name: string;
  certPem: string;
  keyPem: string;
  details: CertificateDetails;
  createdAt: Date;
}

/** The account's uploaded certificates, with unique names. */
export class CasStore {
  readonly #certificates = new Map<number, CasCertificate>();
  #nextId = 14_000_001;

  /** Validates and stores a certificate; throws `ParamRepeat` for a name already used. */
  upload(name: string, certPem: string, keyPem: string): CasCertificate {
    if (this.all().some((certificate) => certificate.name === name)) throw aliyunErrors.casNameRepeat();

    let details: CertificateDetails;
    try {
      details = parseCertificateChain(certPem);
    } catch (error) {
      if (error instanceof CertificateParseError) throw aliyunErrors.casMalformed('Cert is not a PEM certificate.');
      throw error;
    }
    const keyCheck = checkPrivateKey(details, keyPem);
    if (keyCheck !== 'matches')
      throw aliyunErrors.casMalformed(
        `Key ${keyCheck === 'invalid' ? 'is not a PEM private key' : 'does not match Cert'}.`,
      );

    const certificate: CasCertificate = { id: this.#nextId++, name, certPem, keyPem, details, createdAt: new Date() };
    this.#certificates.set(certificate.id, certificate);
    return certificate;
  }

  find(id: number): CasCertificate | undefined {
    return this.#certificates.get(id);
  }

  /** Resolves a `<id>-<region>` identifier as OSS and CDN use it; `null` when unknown. */
  findByIdentifier(identifier: string): CasCertificate | null {
    const parsed = /^(\d+)-([a-z0-9-]+)$/.exec(identifier);
    if (parsed === null || parsed[2] !== CAS_REGION) return null;
    return this.#certificates.get(Number(parsed[1])) ?? null;
  }

  all(): CasCertificate[] {
    return [...this.#certificates.values()];
  }

  delete(id: number): void {
    this.#certificates.delete(id);
  }

  /** Returns a name no certificate has yet, for a certificate the CDN API uploads on the caller's behalf. */
  unusedName(prefix: string): string {
    let index = 1;
    while (this.all().some((certificate) => certificate.name === `${prefix}-${index}`)) index++;
    return `${prefix}-${index}`;
  }
}

/** An RPC action implementation: parameters in, response body (without `RequestId`) out. */
export type RpcHandler = (parameters: CallParameters) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * Builds the CAS 2020-04-07 actions. `isInUse` returns true while a CDN domain serves or rolls
 * out a certificate, and such a certificate cannot be deleted.
 */
export function casHandlers(store: CasStore, isInUse: (id: number) => boolean): Record<string, RpcHandler> {
  const requireCertificate = (parameters: CallParameters): CasCertificate => {
    const id = Number(parameters.required('CertId'));
    const certificate = Number.isInteger(id) ? store.find(id) : undefined;
    if (certificate === undefined) throw aliyunErrors.casNotFound();
    return certificate;
  };

  return {
    UploadUserCertificate: (parameters) => {
      const certificate = store.upload(
        parameters.required('Name'),
        parameters.required('Cert'),
        parameters.required('Key'),
      );
      return { CertId: certificate.id, ResourceId: `cas-upload-${certificate.id}` };
    },

    ListUserCertificateOrder: (parameters) => {
      const orderType = parameters.optional('OrderType') ?? 'UPLOAD';
      const keyword = parameters.optional('Keyword')?.toLowerCase();
      const currentPage = parameters.integer('CurrentPage', 1, { min: 1, max: 100_000 });
      const showSize = parameters.integer('ShowSize', 50, { min: 1, max: 100 });

      const matching =
        orderType === 'UPLOAD' || orderType === 'CERT'
          ? store.all().filter((certificate) => keyword === undefined || matchesKeyword(certificate, keyword))
          : [];
      const page = matching.slice((currentPage - 1) * showSize, currentPage * showSize);
      return {
        TotalCount: matching.length,
        CurrentPage: currentPage,
        ShowSize: showSize,
        CertificateOrderList: page.map(listEntry),
      };
    },

    GetUserCertificateDetail: (parameters) => {
      const certificate = requireCertificate(parameters);
      const withoutContent = parameters.boolean('CertFilter', false);
      return {
        ...detailFields(certificate),
        ...(withoutContent ? {} : { Cert: certificate.certPem, Key: certificate.keyPem }),
      };
    },

    DeleteUserCertificate: (parameters) => {
      const certificate = requireCertificate(parameters);
      if (isInUse(certificate.id)) throw aliyunErrors.casInUse();
      store.delete(certificate.id);
      return {};
    },
  };
}

/**
 * Formats a serial as CAS reports it: lowercase hex, left-padded with zeros. A client must
 * strip the zeros and the case before it compares the serial with one read from TLS.
 * NOTE: how far CAS pads is not documented; this fake pads to 40 digits.
 */
export function casSerialNumber(certificate: CasCertificate): string {
  return certificate.details.serialNumber.toLowerCase().padStart(40, '0');
}

function matchesKeyword(certificate: CasCertificate, keyword: string): boolean {
  const names = [certificate.name, certificate.details.commonName ?? '', ...certificate.details.dnsNames];
  return names.some((name) => name.toLowerCase().includes(keyword));
}

/** Fields that the list entry and the detail reply share, under the same names. */
function sharedFields(certificate: CasCertificate): Record<string, unknown> {
  const { details } = certificate;
  return {
    Name: certificate.name,
    Sans: details.dnsNames.join(','),
    SerialNo: casSerialNumber(certificate),
    Fingerprint: details.sha1Fingerprint.replace(/:/g, '').toLowerCase(),
    Sha2: details.sha256Hex,
    Issuer: details.issuerOrganization ?? details.issuerCommonName ?? '',
    StartDate: details.notBefore.toISOString().slice(0, 10),
    EndDate: details.notAfter.toISOString().slice(0, 10),
    Expired: details.notAfter.getTime() < Date.now(),
  };
}

function listEntry(certificate: CasCertificate): Record<string, unknown> {
  return {
    CertificateId: certificate.id,
    CommonName: certificate.details.commonName ?? '',
    ...sharedFields(certificate),
    CertStartTime: certificate.details.notBefore.getTime(),
    CertEndTime: certificate.details.notAfter.getTime(),
    Upload: true,
    SourceType: 'upload',
    Status: 'ISSUED',
  };
}

function detailFields(certificate: CasCertificate): Record<string, unknown> {
  return {
    Id: certificate.id,
    Common: certificate.details.commonName ?? '',
    ...sharedFields(certificate),
    NotBefore: certificate.details.notBefore.getTime(),
    NotAfter: certificate.details.notAfter.getTime(),
    BuyInAliyun: false,
    CertIdentifier: `${certificate.id}-${CAS_REGION}`,
  };
}
