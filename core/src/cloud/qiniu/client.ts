import type { z } from 'zod';
import { CertPilotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CloudCredential } from '../types.js';
import {
  certificateDetailReplySchema,
  certificateListReplySchema,
  domainReplySchema,
  toCertificateSummary,
  toDomainInfo,
  uploadReplySchema,
  type QiniuCertificateDetail,
  type QiniuCertificateSummary,
  type QiniuDomainInfo,
  type QiniuHttpsSettings,
} from './api-types.js';
import {
  qiniuNetworkError,
  qiniuResponseError,
  qiniuUnexpectedReply,
  type QiniuCallContext,
} from './response-errors.js';
import { qiniuAuthorization } from './signature.js';
import { sendWireRequest, type WireResponse } from './transport.js';

/** The production API host. Tests always pass their own `endpoint`. */
export const QINIU_API_ENDPOINT = 'https://api.qiniu.com';

export interface QiniuClientOptions {
  credential: CloudCredential;
  /** The site the calls are made for; every error names it. */
  site: string;
  /** Base URL of the API. Default {@link QINIU_API_ENDPOINT}. */
  endpoint?: string;
  logger: Logger;
  /** Milliseconds a call may stay silent before it fails as unavailable. Default 30 s. */
  requestTimeoutMs?: number;
}

/** Certificate and private key for {@link QiniuClient.uploadCertificate}. */
export interface QiniuCertificateUpload {
  name: string;
  commonName: string;
  privateKeyPem: string;
  /** Leaf first, then the intermediates. */
  chainPem: string;
}

interface CallOptions {
  query?: Array<[string, string]>;
  body?: unknown;
  domain?: string;
  api?: 'cdn' | 'kodo';
}

const LIST_PAGE_SIZE = 100;
const MAX_LIST_PAGES = 1000;
// Every request declares a JSON Content-Type, bodiless ones too, so the signed Content-Type line
// then always matches a header the service received, whatever type it assumes for a request without one.
const JSON_TYPE = 'application/json';

/**
 * A client for Qiniu's certificate (`/sslcert`), CDN domain (`/domain`) and Kodo domain
 * certificate (`/cert/bind`) APIs. Each request carries a `Qiniu` (v2) token computed over the
 * Host header exactly as sent. Failures are thrown as `CertPilotError`s that name the site,
 * the call and Qiniu's code and message; the client never retries.
 */
export class QiniuClient {
  readonly #credential: CloudCredential;
  readonly #site: string;
  readonly #endpoint: URL;
  readonly #log: Logger;
  readonly #timeoutMs: number;

  /** @throws CertPilotError `CONFIG_INVALID` for a credential of another provider, an empty key or a bad endpoint. */
  constructor(options: QiniuClientOptions) {
    this.#credential = checkCredential(options.credential, options.site);
    this.#site = options.site;
    this.#endpoint = parseEndpoint(options.endpoint ?? QINIU_API_ENDPOINT, options.site);
    this.#log = options.logger.child({ subsystem: 'qiniu' });
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Uploads a certificate and its private key (`POST /sslcert`) and returns Qiniu's certificate ID. */
  async uploadCertificate(upload: QiniuCertificateUpload): Promise<string> {
    const body = { name: upload.name, common_name: upload.commonName, pri: upload.privateKeyPem, ca: upload.chainPem };
    const reply = await this.#call('POST', '/sslcert', { body });
    const certId = this.#parse(uploadReplySchema, reply, 'POST /sslcert');
    if (certId === '')
      throw qiniuUnexpectedReply('no certID in the reply', reply.status, this.#context('POST /sslcert'));
    return certId;
  }

  /** Lists every certificate of the account, following `marker` from page to page. */
  async listCertificates(): Promise<QiniuCertificateSummary[]> {
    const certificates: QiniuCertificateSummary[] = [];
    const seenMarkers = new Set<string>();
    let marker = '';

    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query: Array<[string, string]> = [
        ['marker', marker],
        ['limit', String(LIST_PAGE_SIZE)],
      ];
      const reply = await this.#call('GET', '/sslcert', { query });
      const parsed = this.#parse(certificateListReplySchema, reply, 'GET /sslcert');
      certificates.push(...(parsed.certs ?? []).map(toCertificateSummary));

      marker = parsed.marker ?? '';
      if (marker === '') return certificates;
      if (seenMarkers.has(marker))
        throw qiniuUnexpectedReply(`marker ${marker} repeated`, reply.status, this.#context('GET /sslcert'));
      seenMarkers.add(marker);
    }
    throw qiniuUnexpectedReply(`more than ${MAX_LIST_PAGES} pages of certificates`, 200, this.#context('GET /sslcert'));
  }

  /** Reads one certificate (`GET /sslcert/<id>`). The private key in the reply is discarded. */
  async getCertificate(certId: string): Promise<QiniuCertificateDetail> {
    const path = `/sslcert/${encodeURIComponent(certId)}`;
    const reply = await this.#call('GET', path);
    const { cert } = this.#parse(certificateDetailReplySchema, reply, `GET ${path}`);
    return { ...toCertificateSummary(cert), chainPem: cert.ca };
  }

  /** Deletes a certificate (`DELETE /sslcert/<id>`). Qiniu rejects it with 400611 while a domain uses it. */
  async deleteCertificate(certId: string): Promise<void> {
    await this.#call('DELETE', `/sslcert/${encodeURIComponent(certId)}`);
  }

  /** Reads a CDN domain (`GET /domain/<name>`). A wildcard domain is named `.example.com`. */
  async getDomain(name: string): Promise<QiniuDomainInfo> {
    const path = `/domain/${encodeURIComponent(name)}`;
    const reply = await this.#call('GET', path, { domain: name, api: 'cdn' });
    return toDomainInfo(this.#parse(domainReplySchema, reply, `GET ${path}`, name));
  }

  /** Changes the certificate of a domain that already serves HTTPS (`PUT /domain/<name>/httpsconf`). */
  async setHttpsConf(name: string, settings: QiniuHttpsSettings): Promise<void> {
    await this.#call('PUT', `/domain/${encodeURIComponent(name)}/httpsconf`, {
      body: settings,
      domain: name,
      api: 'cdn',
    });
  }

  /** Turns an HTTP domain into an HTTPS one with the certificate (`PUT /domain/<name>/sslize`). */
  async sslize(name: string, settings: QiniuHttpsSettings): Promise<void> {
    await this.#call('PUT', `/domain/${encodeURIComponent(name)}/sslize`, { body: settings, domain: name, api: 'cdn' });
  }

  /**
   * Binds a certificate to a Kodo bucket's custom domain (`PUT /cert/bind`).
   * NOTE: Qiniu does not document the method. Most clients send POST and one sends PUT.
   */
  async bindKodoCertificate(binding: { certId: string; domain: string }): Promise<void> {
    const body = { certid: binding.certId, domain: binding.domain };
    await this.#call('PUT', '/cert/bind', { body, domain: binding.domain, api: 'kodo' });
  }

  async #call(method: string, path: string, options: CallOptions = {}): Promise<WireResponse> {
    const call = `${method} ${path}`;
    const context = this.#context(call, options);
    const rawQuery = (options.query ?? [])
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&');
    const pathAndQuery = `${this.#endpoint.pathname.replace(/\/$/, '')}${path}${rawQuery === '' ? '' : `?${rawQuery}`}`;
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    const host = this.#endpoint.host;
    const authorization = qiniuAuthorization(this.#credential, {
      method,
      host,
      pathAndQuery,
      contentType: JSON_TYPE,
      body,
    });

    const started = Date.now();
    let response: WireResponse;
    try {
      response = await sendWireRequest({
        origin: this.#endpoint,
        pathAndQuery,
        method,
        headers: {
          host,
          authorization,
          'content-type': JSON_TYPE,
          accept: JSON_TYPE,
          'user-agent': 'certpilot',
          ...(body === '' ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
        body,
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      throw qiniuNetworkError(error, context);
    }

    const requestId = headerText(response.headers['x-reqid']);
    this.#log.debug(
      { call, status: response.status, requestId, durationMs: Date.now() - started },
      'qiniu call finished',
    );
    throwIfFailed(response, requestId, context);
    return response;
  }

  #parse<T extends z.ZodType>(schema: T, response: WireResponse, call: string, domain?: string): z.output<T> {
    const context = this.#context(call, domain === undefined ? {} : { domain });
    const json = parseJson(response.body);
    if (json === undefined)
      throw qiniuUnexpectedReply(`body is not JSON: ${response.body.slice(0, 120)}`, response.status, context);

    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw qiniuUnexpectedReply(
        `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        response.status,
        context,
      );
    }
    return parsed.data;
  }

  #context(call: string, options: Pick<CallOptions, 'domain' | 'api'> = {}): QiniuCallContext {
    return {
      site: this.#site,
      call,
      ...(options.domain === undefined ? {} : { domain: options.domain }),
      ...(options.api === undefined ? {} : { api: options.api }),
    };
  }
}

/** Throws the mapped error for a non-2xx reply, or a 2xx reply whose body carries an error code. */
function throwIfFailed(response: WireResponse, requestId: string | undefined, context: QiniuCallContext): void {
  const json = parseJson(response.body);
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const code = typeof fields.code === 'number' ? fields.code : undefined;
  const message = typeof fields.error === 'string' && fields.error !== '' ? fields.error : undefined;

  const ok = response.status >= 200 && response.status < 300;
  if (ok && (code === undefined || code === 200 || message === undefined)) return;

  const retryAfter = headerText(response.headers['retry-after']);
  throw qiniuResponseError(
    {
      status: response.status,
      ...(code === undefined ? {} : { code }),
      ...failureMessage(message, json, response.body),
      ...(requestId === undefined ? {} : { requestId }),
      ...(retryAfter === undefined ? {} : { retryAfter }),
    },
    context,
  );
}

/** Returns Qiniu's `error` text, or the start of a body that is not JSON (an HTML error page, say). */
function failureMessage(message: string | undefined, json: unknown, body: string): { message?: string } {
  if (message !== undefined) return { message };
  if (json === undefined && body !== '') return { message: body.slice(0, 200) };
  return {};
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function checkCredential(credential: CloudCredential, site: string): CloudCredential {
  if (credential.provider !== 'qiniu') {
    throw new CertPilotError(
      'CONFIG_INVALID',
      `Site ${site} deploys to Qiniu but its credential is for ${credential.provider}.`,
      {
        params: { site, provider: credential.provider },
      },
    );
  }
  if (credential.accessKeyId.trim() === '' || credential.accessKeySecret.trim() === '') {
    throw new CertPilotError(
      'CONFIG_INVALID',
      `The Qiniu credential of site ${site} has an empty AccessKey or SecretKey.`,
      {
        params: { site },
      },
    );
  }
  return credential;
}

function parseEndpoint(endpoint: string, site: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (
    url &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  ) {
    return url;
  }

  // A URL with user info may carry a password, so the message shows only its origin and path.
  const displayedEndpoint =
    url && (url.username !== '' || url.password !== '') ? `${url.origin}${url.pathname}` : endpoint;
  throw new CertPilotError(
    'CONFIG_INVALID',
    `The Qiniu endpoint "${displayedEndpoint}" of site ${site} is invalid: use an http(s) URL without user info, query or fragment.`,
    {
      params: { site, endpoint: displayedEndpoint },
    },
  );
}
