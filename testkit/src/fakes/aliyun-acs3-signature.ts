import { createHash, createHmac } from 'node:crypto';

import {
  canonicalHeaderValue,
  canonicalQueryString,
  compareOrdinal,
  equalInConstantTime,
  parseAuthorizationFields,
} from './canonical-text.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Headers every ACS3 request must sign, whatever else the client adds to `SignedHeaders`. */
export const ACS3_REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const;

/** The parts of a request that an ACS3 signature covers. */
export interface Acs3SignedRequest {
  method: string;
  /** Canonical URI: the path as sent (`/` for RPC-style calls). */
  path: string;
  /** Decoded query parameters. */
  query: Array<[string, string]>;
  /** Request headers with lowercase names. */
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body, as carried in `x-acs-content-sha256`. */
  payloadHash: string;
}

/** The fields of an `Authorization: ACS3-HMAC-SHA256 ...` header. */
export interface Acs3Authorization {
  accessKeyId: string;
  /** Lowercase header names in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

/**
 * Builds the canonical request: method, path, sorted RFC 3986-encoded query, one
 * `name:value` line per signed header, the signed header list, and the payload hash.
 */
export function acs3CanonicalRequest(request: Acs3SignedRequest, signedHeaders: readonly string[]): string {
  const canonicalQuery = canonicalQueryString(request.query);

  const headerNames = [...signedHeaders].map((name) => name.toLowerCase()).sort(compareOrdinal);
  const canonicalHeaders = headerNames
    .map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`)
    .join('');

  return [
    request.method.toUpperCase(),
    request.path,
    canonicalQuery,
    canonicalHeaders,
    headerNames.join(';'),
    request.payloadHash,
  ].join('\n');
}

/** Returns `ACS3-HMAC-SHA256\n<hex SHA-256 of the canonical request>`. */
export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
}

/** Returns the hex HMAC-SHA256 signature of a request under `accessKeySecret`. */
export function acs3Signature(
  accessKeySecret: string,
  request: Acs3SignedRequest,
  signedHeaders: readonly string[],
): string {
  const stringToSign = acs3StringToSign(acs3CanonicalRequest(request, signedHeaders));
  return createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
}

/** Returns a complete `Authorization` header value for the request. */
export function signAcs3(
  credentials: { accessKeyId: string; accessKeySecret: string },
  request: Acs3SignedRequest,
  signedHeaders: readonly string[] = ACS3_REQUIRED_SIGNED_HEADERS,
): string {
  const names = [...signedHeaders].map((name) => name.toLowerCase()).sort(compareOrdinal);
  const signature = acs3Signature(credentials.accessKeySecret, request, names);
  return `${ACS3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
}

/** Parses an ACS3 `Authorization` value; returns `null` when it is not one. */
export function parseAcs3Authorization(authorization: string): Acs3Authorization | null {
  const prefix = `${ACS3_ALGORITHM} `;
  if (!authorization.startsWith(prefix)) return null;

  const fields = parseAuthorizationFields(authorization.slice(prefix.length));

  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return null;

  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((name) => name.toLowerCase()), signature };
}

/** Compares two hex signatures in constant time. */
export function sameSignature(expected: string, provided: string): boolean {
  return equalInConstantTime(expected, provided.toLowerCase());
}
