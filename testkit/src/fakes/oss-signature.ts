import { createHash, createHmac } from 'node:crypto';

import {
  canonicalHeaderValue,
  canonicalQueryString,
  compareOrdinal,
  encodeRfc3986,
  equalInConstantTime,
  parseAuthorizationFields,
} from './canonical-text.js';

/** The parts of an OSS request that V1 and V4 signatures cover. */
export interface OssSignedRequest {
  method: string;
  bucket: string;
  /** Object key, decoded; empty for bucket-level calls such as the CNAME API. */
  objectKey: string;
  /** Decoded query parameters; a parameter sent without a value has `''`. */
  query: Array<[string, string]>;
  /** Request headers with lowercase names. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Query names that V1 signs as sub-resources; other parameters are left out of the string
 * to sign. NOTE: this is the part of OSS's documented list that bucket, CNAME and common
 * object calls use, not the whole list.
 */
export const OSS_V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'append',
  'bucketInfo',
  'callback',
  'callback-var',
  'cname',
  'comp',
  'cors',
  'delete',
  'encryption',
  'lifecycle',
  'location',
  'logging',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'referer',
  'replication',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'stat',
  'symlink',
  'tagging',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'x-oss-process',
  'x-oss-traffic-limit',
]);

/**
 * Builds the V1 string to sign: verb, Content-MD5, Content-Type, the date (`x-oss-date`
 * when present, else `Date`), the `x-oss-*` headers sorted, and `/bucket/key` with the
 * sorted sub-resources. A sub-resource without a value is written as the bare name.
 */
export function ossV1StringToSign(request: OssSignedRequest): string {
  const headers = request.headers;
  const ossHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort(compareOrdinal)
    .map((name) => `${name}:${canonicalHeaderValue(headers[name])}`);

  const subResources = request.query
    .filter(([name]) => OSS_V1_SUB_RESOURCES.has(name))
    .sort(([nameA], [nameB]) => compareOrdinal(nameA, nameB))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  let resource = `/${request.bucket}/${request.objectKey}`;
  if (subResources.length > 0) resource += `?${subResources.join('&')}`;

  return [
    request.method.toUpperCase(),
    canonicalHeaderValue(headers['content-md5']),
    canonicalHeaderValue(headers['content-type']),
    canonicalHeaderValue(headers['x-oss-date'] ?? headers.date),
    ...ossHeaders,
    resource,
  ].join('\n');
}

/** Returns an `Authorization` value `OSS <AK>:<base64 HMAC-SHA1>`. */
export function signOssV1(credentials: OssCredentials, request: OssSignedRequest): string {
  const signature = createHmac('sha1', credentials.accessKeySecret).update(ossV1StringToSign(request)).digest('base64');
  return `OSS ${credentials.accessKeyId}:${signature}`;
}

/** Parses `OSS <AK>:<signature>`; returns `null` for any other form. */
export function parseOssV1Authorization(authorization: string): { accessKeyId: string; signature: string } | null {
  const parsed = /^OSS ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (parsed === null) return null;
  return { accessKeyId: parsed[1] as string, signature: parsed[2] as string };
}

/** An AccessKey pair for OSS. */
export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The fields of an `Authorization: OSS4-HMAC-SHA256 ...` header. */
export interface OssV4Authorization {
  accessKeyId: string;
  /** `yyyymmdd` from the credential scope. */
  date: string;
  /** Region from the scope, without the `oss-` prefix, e.g. `cn-hangzhou`. */
  region: string;
  product: string;
  /** Extra signed header names, lowercase, as listed in `AdditionalHeaders`. */
  additionalHeaders: string[];
  signature: string;
}

export const OSS_V4_ALGORITHM = 'OSS4-HMAC-SHA256';

/** Parses a V4 `Authorization` value; returns `null` when it is malformed. */
export function parseOssV4Authorization(authorization: string): OssV4Authorization | null {
  const prefix = `${OSS_V4_ALGORITHM} `;
  if (!authorization.startsWith(prefix)) return null;

  const fields = parseAuthorizationFields(authorization.slice(prefix.length));

  const credential = fields.get('Credential')?.split('/');
  const signature = fields.get('Signature');
  if (credential?.length !== 5 || credential[4] !== 'aliyun_v4_request' || !signature) return null;

  const [accessKeyId, date, region, product] = credential as [string, string, string, string, string];
  const additional = fields.get('AdditionalHeaders');
  return {
    accessKeyId,
    date,
    region,
    product,
    additionalHeaders: additional ? additional.split(';').map((name) => name.toLowerCase()) : [],
    signature,
  };
}

/**
 * Builds the V4 canonical request: verb, encoded `/bucket/key`, the whole query sorted
 * (empty values as bare names), `content-type`, `content-md5`, `x-oss-*` and additional
 * headers as `name:value` lines, the additional header list, and `x-oss-content-sha256`.
 */
export function ossV4CanonicalRequest(request: OssSignedRequest, additionalHeaders: readonly string[]): string {
  const headers = request.headers;
  const additional = [...new Set(additionalHeaders.map((name) => name.toLowerCase()))].sort(compareOrdinal);
  const signedNames = new Set(additional);
  for (const name of Object.keys(headers)) {
    if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) signedNames.add(name);
  }

  const canonicalHeaders = [...signedNames]
    .sort(compareOrdinal)
    .map((name) => `${name}:${canonicalHeaderValue(headers[name])}\n`)
    .join('');
  const path = `/${request.bucket}/${request.objectKey}`;

  return [
    request.method.toUpperCase(),
    encodeRfc3986(path).replace(/%2F/g, '/'),
    canonicalQueryString(request.query, { bareEmptyValues: true }),
    canonicalHeaders,
    additional.join(';'),
    canonicalHeaderValue(headers['x-oss-content-sha256']) || 'UNSIGNED-PAYLOAD',
  ].join('\n');
}

/** Returns the V4 string to sign for a request stamped `timestamp` (`yyyymmddTHHMMSSZ`). */
export function ossV4StringToSign(
  timestamp: string,
  region: string,
  canonicalRequest: string,
  product = 'oss',
): string {
  const scope = `${timestamp.slice(0, 8)}/${region}/${product}/aliyun_v4_request`;
  return [OSS_V4_ALGORITHM, timestamp, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
}

/** Returns the hex V4 signature; the key is derived from `aliyun_v4` + secret, date, region, product. */
export function ossV4Signature(accessKeySecret: string, region: string, stringToSign: string, product = 'oss'): string {
  const date = stringToSign.split('\n')[1]?.slice(0, 8) ?? '';
  let key = createHmac('sha256', `aliyun_v4${accessKeySecret}`).update(date).digest();
  for (const part of [region, product, 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Returns a complete V4 `Authorization` value; the request must carry `x-oss-date`. */
export function signOssV4(
  credentials: OssCredentials,
  region: string,
  request: OssSignedRequest,
  additionalHeaders: readonly string[] = [],
): string {
  const timestamp = canonicalHeaderValue(request.headers['x-oss-date']);
  const stringToSign = ossV4StringToSign(timestamp, region, ossV4CanonicalRequest(request, additionalHeaders));
  const signature = ossV4Signature(credentials.accessKeySecret, region, stringToSign);
  const additional = [...new Set(additionalHeaders.map((name) => name.toLowerCase()))].sort(compareOrdinal);
  const additionalField = additional.length > 0 ? `AdditionalHeaders=${additional.join(';')},` : '';
  return `${OSS_V4_ALGORITHM} Credential=${credentials.accessKeyId}/${timestamp.slice(0, 8)}/${region}/oss/aliyun_v4_request,${additionalField}Signature=${signature}`;
}

/** Compares two signatures in constant time. */
export function sameOssSignature(expected: string, provided: string): boolean {
  return equalInConstantTime(expected, provided);
}
