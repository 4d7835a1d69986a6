import type { AliyunCaller } from './call.js';
import type { OssClient } from './clients.js';

/** A custom domain of the bucket and the certificate configured on it. */
export interface OssCname {
  domain: string;
  /** `<casId>-<region>` for a CAS certificate; `null` when the domain has no certificate. */
  certId: string | null;
}

/** The ownership token OSS wants published at `_dnsauth.<domain>`. */
export interface OssCnameToken {
  value: string;
  /** As OSS writes it, e.g. `Mon, 07 Dec 2026 21:05:18 GMT`. */
  expiresAt?: string;
}

/**
 * The bucket CNAME calls: ListCname, PutCname with a CAS certificate, and CreateCnameToken.
 * ali-oss parses XML replies with xml2js without arrays for single elements, so a list of one
 * CNAME arrives as an object.
 */
export class OssCnameApi {
  readonly #client: OssClient;
  readonly #bucket: string;
  readonly #caller: AliyunCaller;

  constructor(client: OssClient, bucket: string, caller: AliyunCaller) {
    this.#client = client;
    this.#bucket = bucket;
    this.#caller = caller;
  }

  /** Lists the bucket's custom domains (ListCname, `GET /?cname`). */
  async list(): Promise<OssCname[]> {
    const reply = await this.#caller('oss:ListCname', () =>
      this.#client.request({
        method: 'GET',
        bucket: this.#bucket,
        subres: { cname: '' },
        successStatuses: [200],
        xmlResponse: true,
      }),
    );
    const result = asRecord(reply.data);
    const entries = result.Cname === undefined ? [] : Array.isArray(result.Cname) ? result.Cname : [result.Cname];
    return entries.map(asRecord).flatMap((entry) => {
      const domain = text(entry.Domain)?.toLowerCase();
      if (domain === undefined) return [];
      return [{ domain, certId: text(asRecord(entry.Certificate).CertId) ?? null }];
    });
  }

  /**
   * Binds `domain` to the bucket with the CAS certificate `certIdentifier` (`<casId>-<region>`),
   * replacing any certificate it has (PutCname, `POST /?cname&comp=add`, with `Force`).
   */
  async bindCasCertificate(domain: string, certIdentifier: string): Promise<void> {
    const content =
      '<BucketCnameConfiguration><Cname>' +
      `<Domain>${escapeXml(domain)}</Domain>` +
      `<CertificateConfiguration><CertId>${escapeXml(certIdentifier)}</CertId><Force>true</Force></CertificateConfiguration>` +
      '</Cname></BucketCnameConfiguration>';
    await this.#caller(
      'oss:PutCname',
      () =>
        this.#client.request({
          method: 'POST',
          bucket: this.#bucket,
          subres: { cname: '', comp: 'add' },
          content,
          mime: 'xml',
          successStatuses: [200],
        }),
      domain,
    );
  }

  /**
   * Returns the ownership token for `domain` (CreateCnameToken, `POST /?cname&comp=token`). OSS
   * returns the token still valid for the pair or makes a new one, valid for 72 hours.
   */
  async createToken(domain: string): Promise<OssCnameToken> {
    const content = `<BucketCnameConfiguration><Cname><Domain>${escapeXml(domain)}</Domain></Cname></BucketCnameConfiguration>`;
    const reply = await this.#caller(
      'oss:CreateCnameToken',
      () =>
        this.#client.request({
          method: 'POST',
          bucket: this.#bucket,
          subres: { cname: '', comp: 'token' },
          content,
          mime: 'xml',
          successStatuses: [200],
          xmlResponse: true,
        }),
      domain,
    );
    const token = asRecord(reply.data);
    const value = text(token.Token);
    if (value === undefined) throw new Error('OSS CreateCnameToken replied without a Token');
    const expiresAt = text(token.ExpireTime);
    return { value, ...(expiresAt === undefined ? {} : { expiresAt }) };
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
