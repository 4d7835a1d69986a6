import { createHash, createHmac } from 'node:crypto';

import { parseCompactUtc, withinClockSkew } from './clock-skew.js';
import { headerValue, type ReceivedRequest } from './http-server.js';
import { ossErrors } from './oss-errors.js';
import {
  ossV1StringToSign,
  ossV4CanonicalRequest,
  ossV4Signature,
  ossV4StringToSign,
  parseOssV1Authorization,
  parseOssV4Authorization,
  sameOssSignature,
  type OssSignedRequest,
} from './oss-signature.js';

/**
 * Verifies an `OSS` (V1) or `OSS4-HMAC-SHA256` (V4) request for `bucket` in `region`
 * (`cn-hangzhou`, without `oss-`). Returns the AccessKey ID and the scheme, or throws `OssError`.
 */
export function authenticateOssRequest(
  request: ReceivedRequest,
  bucket: string,
  region: string,
  secrets: ReadonlyMap<string, string>,
  now = Date.now(),
): { accessKeyId: string; scheme: 'V1' | 'V4' } {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) throw ossErrors.anonymousDenied();

  const signed: OssSignedRequest = {
    method: request.method,
    bucket,
    objectKey: '',
    query: request.query,
    headers: request.headers,
  };
  const result = authorization.startsWith('OSS4-HMAC-SHA256 ')
    ? verifyV4(authorization, signed, region, secrets, now)
    : verifyV1(authorization, signed, secrets, now);

  const contentMd5 = headerValue(request.headers, 'content-md5');
  if (contentMd5 !== undefined && createHash('md5').update(request.body).digest('base64') !== contentMd5) {
    throw ossErrors.invalidDigest();
  }
  return result;
}

function verifyV1(
  authorization: string,
  signed: OssSignedRequest,
  secrets: ReadonlyMap<string, string>,
  now: number,
): { accessKeyId: string; scheme: 'V1' } {
  const parsed = parseOssV1Authorization(authorization);
  if (parsed === null) throw ossErrors.malformedAuthorization();
  const secret = secrets.get(parsed.accessKeyId);
  if (secret === undefined) throw ossErrors.invalidAccessKeyId(parsed.accessKeyId);

  const date = headerValue(signed.headers, 'x-oss-date') ?? headerValue(signed.headers, 'date');
  checkSkew(date === undefined ? NaN : Date.parse(date), now);

  const stringToSign = ossV1StringToSign(signed);
  const expected = createHmac('sha1', secret).update(stringToSign).digest('base64');
  if (!sameOssSignature(expected, parsed.signature)) {
    throw ossErrors.signatureMismatch(stringToSign, parsed.signature, parsed.accessKeyId);
  }
  return { accessKeyId: parsed.accessKeyId, scheme: 'V1' };
}

function verifyV4(
  authorization: string,
  signed: OssSignedRequest,
  region: string,
  secrets: ReadonlyMap<string, string>,
  now: number,
): { accessKeyId: string; scheme: 'V4' } {
  const parsed = parseOssV4Authorization(authorization);
  if (parsed === null) throw ossErrors.malformedAuthorization();
  const secret = secrets.get(parsed.accessKeyId);
  if (secret === undefined) throw ossErrors.invalidAccessKeyId(parsed.accessKeyId);

  const timestamp = headerValue(signed.headers, 'x-oss-date') ?? '';
  checkSkew(parseCompactUtc(timestamp), now);
  if (parsed.date !== timestamp.slice(0, 8) || parsed.region !== region || parsed.product !== 'oss') {
    throw ossErrors.malformedAuthorization();
  }
  if (headerValue(signed.headers, 'x-oss-content-sha256') === undefined) {
    throw ossErrors.malformedAuthorization();
  }

  const stringToSign = ossV4StringToSign(timestamp, region, ossV4CanonicalRequest(signed, parsed.additionalHeaders));
  if (!sameOssSignature(ossV4Signature(secret, region, stringToSign), parsed.signature)) {
    throw ossErrors.signatureMismatch(stringToSign, parsed.signature, parsed.accessKeyId);
  }
  return { accessKeyId: parsed.accessKeyId, scheme: 'V4' };
}

function checkSkew(time: number, now: number): void {
  if (!withinClockSkew(time, now)) throw ossErrors.timeTooSkewed();
}
