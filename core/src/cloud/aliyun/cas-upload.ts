import Cas from '@alicloud/cas20200407';

import { normalizeSerial } from '../../cert/inspect.js';
import { isCertPilotError } from '../../errors.js';
import type { IssuedCertificate } from '../../jobs/job.js';
import type { Logger } from '../../log.js';
import { providerError } from '../provider-error.js';
import type { CloudTargetKind, UploadRegistry } from '../types.js';
import type { AliyunCaller } from './call.js';
import type { CasClient } from './clients.js';

/** An uploaded certificate as CAS lists it. */
export interface CasUpload {
  certId: number;
  name: string;
  /** Serial as CAS writes it (lowercase, possibly zero-padded); compare with `normalizeSerial`. */
  serialNo: string;
}

/** The CAS certificate a deploy binds. */
export interface CasUploadResult extends CasUpload {
  /** True when an upload with the same serial existed and no new one was made. */
  reused: boolean;
  /** True when the upload's name shows CertPilot made it; only those are ever deleted. */
  ours: boolean;
}

/** CAS names are unique per account and at most 64 characters long. */
const MAX_NAME_LENGTH = 64;
const NAME_PREFIX = 'certpilot-';
/** Entries per ListUserCertificateOrder page; 50 is the service's default page size. */
const PAGE_SIZE = 50;
/** Stops the listing of an account with more than 10,000 uploads instead of paging forever. */
const MAX_PAGES = 200;

/**
 * Returns the CAS name CertPilot gives an upload: `certpilot-<siteId>-<serial>`, with every
 * character other than ASCII letters, digits, `_` and `-` replaced by `-`, and the site ID
 * shortened so the name fits 64 characters. The serial is kept whole because it is what makes
 * the name unique.
 */
export function casCertificateName(siteId: string, serial: string): string {
  const serialPart = normalizeSerial(serial).toLowerCase();
  const room = Math.max(0, MAX_NAME_LENGTH - NAME_PREFIX.length - serialPart.length - 1);
  const sitePart = siteId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, room);
  return `${NAME_PREFIX}${sitePart}-${serialPart}`.slice(0, MAX_NAME_LENGTH);
}

/** The dependencies of {@link CasCertificates}. */
export interface CasCertificatesOptions {
  client: CasClient;
  caller: AliyunCaller;
  siteId: string;
  target: CloudTargetKind;
  registry: UploadRegistry;
  log: Logger;
}

/**
 * The site's certificates in Aliyun CAS: uploaded once per serial, reused when an upload with
 * the same serial exists, and recorded in the upload registry when CertPilot made them.
 */
export class CasCertificates {
  readonly #options: CasCertificatesOptions;

  constructor(options: CasCertificatesOptions) {
    this.#options = options;
  }

  /**
   * Returns the CAS certificate for `certificate`, uploading it only when no upload with its
   * serial exists. Records CertPilot's uploads in the registry, including one made by an earlier
   * run that stopped before it could record it.
   */
  async ensure(certificate: IssuedCertificate, keyPem: string): Promise<CasUploadResult> {
    const { siteId, log } = this.#options;
    const name = casCertificateName(siteId, certificate.serial);

    const existing = await this.findBySerial(certificate.serial);
    if (existing !== undefined) return this.#reuse(existing, name, certificate);

    const uploaded = await this.#upload(name, certificate, keyPem);
    if (typeof uploaded !== 'number') return this.#reuse(uploaded, name, certificate);

    await this.#record(uploaded, certificate);
    log.info({ certId: uploaded, casName: name, serial: certificate.serial }, 'uploaded the certificate to CAS');
    return { certId: uploaded, name, serialNo: certificate.serial, reused: false, ours: true };
  }

  async #reuse(existing: CasUpload, name: string, certificate: IssuedCertificate): Promise<CasUploadResult> {
    const ours = existing.name === name;
    this.#options.log.info(
      { certId: existing.certId, casName: existing.name, serial: certificate.serial, ours },
      'reusing the CAS certificate with the same serial',
    );
    if (ours) await this.#record(existing.certId, certificate);
    return { ...existing, reused: true, ours };
  }

  /** Returns the upload whose serial equals `serial` once both are normalized, if any. */
  async findBySerial(serial: string): Promise<CasUpload | undefined> {
    const wanted = normalizeSerial(serial);
    for await (const upload of this.#listUploads()) {
      if (normalizeSerial(upload.serialNo) === wanted) return upload;
    }
    return undefined;
  }

  /** Deletes the CAS certificate `certId`. */
  async delete(certId: number): Promise<void> {
    const { client, caller } = this.#options;
    await caller('cas:DeleteUserCertificate', () =>
      client.deleteUserCertificate(new Cas.DeleteUserCertificateRequest({ certId })),
    );
  }

  /**
   * Pages through the account's uploaded certificates. With `OrderType=UPLOAD` and no `Status`,
   * CAS lists the valid ones only (issued or about to expire), which is all a reuse needs.
   */
  async *#listUploads(): AsyncGenerator<CasUpload> {
    const { client, caller, log } = this.#options;
    let seen = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const request = new Cas.ListUserCertificateOrderRequest({
        orderType: 'UPLOAD',
        currentPage: page,
        showSize: PAGE_SIZE,
      });
      const response = await caller('cas:ListUserCertificateOrder', () => client.listUserCertificateOrder(request));
      const entries = response.body?.certificateOrderList ?? [];
      for (const entry of entries) {
        if (entry.certificateId === undefined || entry.serialNo === undefined) continue;
        yield { certId: entry.certificateId, name: entry.name ?? '', serialNo: entry.serialNo };
      }
      seen += entries.length;
      const totalCount = response.body?.totalCount;
      if (entries.length < PAGE_SIZE || (totalCount !== undefined && seen >= totalCount)) return;
    }
    log.warn(
      { pages: MAX_PAGES, pageSize: PAGE_SIZE },
      'stopped listing CAS uploads after the page limit; an existing upload may be missed',
    );
  }

  /**
   * Uploads the chain and key and returns the new CertId. When CAS rejects the name as taken
   * (`ParamRepeat`), another run uploaded the same certificate a moment ago: that upload is
   * returned instead.
   */
  async #upload(name: string, certificate: IssuedCertificate, keyPem: string): Promise<number | CasUpload> {
    const { client, caller, siteId } = this.#options;
    const request = new Cas.UploadUserCertificateRequest({ name, cert: certificate.pem, key: keyPem });
    let response;
    try {
      response = await caller('cas:UploadUserCertificate', () => client.uploadUserCertificate(request));
    } catch (error) {
      if (!isCertPilotError(error) || error.params.providerCode !== 'ParamRepeat') throw error;
      const raced = await this.findBySerial(certificate.serial);
      if (raced === undefined) throw error;
      return raced;
    }

    const certId = response.body?.certId;
    if (typeof certId === 'number') return certId;
    throw providerError('PROVIDER_REQUEST_FAILED', {
      site: siteId,
      provider: 'aliyun',
      call: 'cas:UploadUserCertificate',
      providerMessage: 'the reply has no numeric CertId',
      ...(response.body?.requestId ? { requestId: response.body.requestId } : {}),
    });
  }

  async #record(certId: number, certificate: IssuedCertificate): Promise<void> {
    const { registry, siteId, target } = this.#options;
    const known = await registry.list(siteId);
    if (known.some((record) => record.certId === String(certId))) return;
    await registry.add({
      siteId,
      target,
      certId: String(certId),
      serial: certificate.serial,
      notAfter: certificate.notAfter,
      uploadedAt: new Date().toISOString(),
    });
  }
}
