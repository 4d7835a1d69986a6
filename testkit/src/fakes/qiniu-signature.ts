import { createHmac } from 'node:crypto';

import { equalInConstantTime } from './canonical-text.js';

/** A Qiniu AccessKey pair. */
export interface QiniuCredentials {
  accessKey: string;
  secretKey: string;
}

/** The parts of an HTTP request that Qiniu's management signatures cover. */
export interface QiniuSignedRequest {
  method: string;
  /** Path as sent, percent-encoded. */
  path: string;
  /** Query string as sent, without `?`; empty when there is none. */
  rawQuery: string;
  /** Host header value, with the port when the client sent one. */
  host: string;
  /** Content-Type header, or undefined when the request had none. */
  contentType: string | undefined;
  /** Request headers; only `X-Qiniu-*` ones are signed (V2). Names in any case. */
  headers?: Record<string, string | string[] | undefined>;
  body: string | Buffer;
}

/** A client quirk that verification tolerated to make a signature match. */
export type QiniuSignatureQuirk = 'doubled-port' | 'default-content-type';

export type QiniuVerification =
  | { ok: true; accessKey: string; scheme: 'Qiniu' | 'QBox'; quirks: QiniuSignatureQuirk[] }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown-access-key' | 'mismatch'; accessKey?: string };

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const OCTET_STREAM = 'application/octet-stream';

/**
 * Builds the V2 (`Qiniu` scheme) string to sign: `METHOD path[?query]`, `Host:`, an optional
 * `Content-Type:` line, the `X-Qiniu-*` headers sorted in canonical case, a blank line, and
 * the body unless it is empty, has no Content-Type, or is `application/octet-stream`.
 */
export function qiniuV2StringToSign(request: QiniuSignedRequest): string {
  let text = `${request.method.toUpperCase()} ${request.path}`;
  if (request.rawQuery !== '') text += `?${request.rawQuery}`;
  text += `\nHost: ${request.host}`;
  if (request.contentType !== undefined && request.contentType !== '') {
    text += `\nContent-Type: ${request.contentType}`;
  }

  const qiniuHeaders = canonicalQiniuHeaders(request.headers ?? {});
  if (qiniuHeaders !== '') text += `\n${qiniuHeaders}`;
  text += '\n\n';

  const body = bodyText(request.body);
  const mediaType = mediaTypeOf(request.contentType);
  if (body !== '' && mediaType !== undefined && mediaType !== OCTET_STREAM) text += body;
  return text;
}

/** Builds the QBox string to sign: `path[?query]\n`, then the body only for form-encoded requests. */
export function qboxStringToSign(request: QiniuSignedRequest): string {
  let text = request.path;
  if (request.rawQuery !== '') text += `?${request.rawQuery}`;
  text += '\n';

  if (mediaTypeOf(request.contentType) === FORM_CONTENT_TYPE) text += bodyText(request.body);
  return text;
}

/** Returns an `Authorization` value `Qiniu <AK>:<sig>` for the request. */
export function signQiniuV2(credentials: QiniuCredentials, request: QiniuSignedRequest): string {
  return `Qiniu ${credentials.accessKey}:${qiniuDigest(credentials.secretKey, qiniuV2StringToSign(request))}`;
}

/** Returns an `Authorization` value `QBox <AK>:<sig>` for the request. */
export function signQBox(credentials: QiniuCredentials, request: QiniuSignedRequest): string {
  return `QBox ${credentials.accessKey}:${qiniuDigest(credentials.secretKey, qboxStringToSign(request))}`;
}

/**
 * Checks an `Authorization` header against the request, looking secrets up by AccessKey.
 *
 * Beyond the documented V2 form, two client quirks are accepted and reported in `quirks`:
 * - `doubled-port`: npm `qiniu` 7.15 `util.generateAccessTokenV2` signs
 *   `Host: 127.0.0.1:PORT:PORT` for a URL with an explicit port.
 * - `default-content-type`: a request sent without Content-Type but signed as
 *   `application/x-www-form-urlencoded`. That helper signs this type when given none.
 *   NOTE: whether Qiniu itself assumes this type for a bare request is unconfirmed.
 */
export function verifyQiniuAuthorization(
  authorization: string | undefined,
  request: QiniuSignedRequest,
  secretFor: (accessKey: string) => string | undefined,
): QiniuVerification {
  if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };

  const parsed = /^(Qiniu|QBox) ([^:\s]+):([A-Za-z0-9_=-]+)$/.exec(authorization.trim());
  if (parsed === null) return { ok: false, reason: 'malformed' };
  const [, scheme, accessKey, signature] = parsed as unknown as [string, 'Qiniu' | 'QBox', string, string];

  const secretKey = secretFor(accessKey);
  if (secretKey === undefined) return { ok: false, reason: 'unknown-access-key', accessKey };

  const candidates = scheme === 'QBox' ? [{ text: qboxStringToSign(request), quirks: [] }] : qiniuV2Candidates(request);
  for (const candidate of candidates) {
    if (equalInConstantTime(qiniuDigest(secretKey, candidate.text), signature)) {
      return { ok: true, accessKey, scheme, quirks: candidate.quirks };
    }
  }
  return { ok: false, reason: 'mismatch', accessKey };
}

function qiniuV2Candidates(request: QiniuSignedRequest): Array<{ text: string; quirks: QiniuSignatureQuirk[] }> {
  const hosts: Array<{ host: string; quirks: QiniuSignatureQuirk[] }> = [{ host: request.host, quirks: [] }];
  const port = /:(\d+)$/.exec(request.host)?.[1];
  if (port !== undefined) hosts.push({ host: `${request.host}:${port}`, quirks: ['doubled-port'] });

  const contentTypes: Array<{ contentType: string | undefined; quirks: QiniuSignatureQuirk[] }> = [
    { contentType: request.contentType, quirks: [] },
  ];
  if (request.contentType === undefined || request.contentType === '') {
    contentTypes.push({ contentType: FORM_CONTENT_TYPE, quirks: ['default-content-type'] });
  }

  return hosts.flatMap((host) =>
    contentTypes.map((type) => ({
      text: qiniuV2StringToSign({ ...request, host: host.host, contentType: type.contentType }),
      quirks: [...host.quirks, ...type.quirks],
    })),
  );
}

function qiniuDigest(secretKey: string, text: string): string {
  return createHmac('sha1', secretKey).update(text).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function canonicalQiniuHeaders(headers: Record<string, string | string[] | undefined>): string {
  const prefix = 'X-Qiniu-';
  const canonical = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = canonicalHeaderName(name);
    if (key.startsWith(prefix) && key.length > prefix.length) {
      canonical.set(key, Array.isArray(value) ? value.join(',') : value);
    }
  }
  return [...canonical.keys()]
    .sort()
    .map((key) => `${key}: ${canonical.get(key)}`)
    .join('\n');
}

/** Go's `CanonicalMIMEHeaderKey`: upper-case the first letter and every letter after a hyphen. */
function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-');
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.trim() === '') return undefined;
  return (contentType.split(';')[0] as string).trim().toLowerCase();
}

function bodyText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}
