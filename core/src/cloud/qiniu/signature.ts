import { createHmac } from 'node:crypto';

/** The parts of a request that a `Qiniu` (v2) management token covers. */
export interface QiniuRequestToSign {
  method: string;
  /** The Host header value exactly as sent, with the port when the URL names one. */
  host: string;
  /** Path and query exactly as sent, percent-encoded, e.g. `/sslcert?marker=&limit=100`. */
  pathAndQuery: string;
  /** The Content-Type header as sent, or undefined when the request has none. */
  contentType?: string;
  body: string;
}

const OCTET_STREAM = 'application/octet-stream';

/**
 * Builds the v2 string to sign: `METHOD path[?query]`, a `Host:` line, a `Content-Type:` line when
 * the request has one, a blank line, then the body unless the type is `application/octet-stream`.
 * CertPilot sends no `X-Qiniu-*` headers, so none are listed.
 */
export function qiniuStringToSign(request: QiniuRequestToSign): string {
  let text = `${request.method.toUpperCase()} ${request.pathAndQuery}\nHost: ${request.host}\n`;
  if (request.contentType) text += `Content-Type: ${request.contentType}\n`;
  text += '\n';

  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (request.body !== '' && mediaType !== undefined && mediaType !== '' && mediaType !== OCTET_STREAM) {
    text += request.body;
  }
  return text;
}

/**
 * Returns the `Authorization` value `Qiniu <AccessKey>:<signature>`, where the signature is the
 * URL-safe base64 HMAC-SHA1 of the string to sign, keyed with the secret key.
 */
export function qiniuAuthorization(
  credential: { accessKeyId: string; accessKeySecret: string },
  request: QiniuRequestToSign,
): string {
  const digest = createHmac('sha1', credential.accessKeySecret).update(qiniuStringToSign(request)).digest('base64');
  const urlSafe = digest.replace(/\+/g, '-').replace(/\//g, '_');
  return `Qiniu ${credential.accessKeyId}:${urlSafe}`;
}
