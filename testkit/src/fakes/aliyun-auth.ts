import { createHash } from 'node:crypto';

import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  ACS3_REQUIRED_SIGNED_HEADERS,
  parseAcs3Authorization,
  sameSignature,
  type Acs3SignedRequest,
} from './aliyun-acs3-signature.js';
import { aliyunErrors } from './aliyun-errors.js';
import { MAX_CLOCK_SKEW_MS, withinClockSkew } from './clock-skew.js';
import { rpcStringToSign, verifyRpcSignature } from './aliyun-rpc-signature.js';
import { headerValue, parseQuery, type ReceivedRequest } from './http-server.js';

/** An Aliyun AccessKey pair. */
export interface AliyunAccount {
  accessKeyId: string;
  accessKeySecret: string;
}

/** A request whose signature verified: who sent it, what it calls, and its parameters. */
export interface AuthenticatedCall {
  accessKeyId: string;
  action: string;
  version: string;
  scheme: 'ACS3' | 'RPC-V1';
  parameters: Array<[string, string]>;
}

const RPC_SIGNATURE_PARAMETERS = new Set([
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'Format',
  'Action',
  'Version',
]);

/**
 * Signature nonces seen in the last 15 minutes, per AccessKey. Aliyun rejects a reused
 * nonce inside the window in which it accepts the timestamp.
 */
export class NonceRegistry {
  readonly #seen = new Map<string, number>();

  /** Records the nonce; returns false when it was already used within the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    for (const [key, time] of this.#seen) {
      if (now - time > MAX_CLOCK_SKEW_MS) this.#seen.delete(key);
    }

    const key = `${accessKeyId}\n${nonce}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    return true;
  }
}

/** Returns the action a request names, before any check, for the request log. */
export function requestedAction(request: ReceivedRequest): string | undefined {
  return headerValue(request.headers, 'x-acs-action') ?? request.query.find(([key]) => key === 'Action')?.[1];
}

/**
 * Verifies an ACS3-HMAC-SHA256 (V3) or RPC V1 (HMAC-SHA1, `Signature` in the query) request
 * and returns the call. Throws `AliyunError` with the service's code on any failure.
 */
export function authenticateAliyunRequest(
  request: ReceivedRequest,
  secrets: ReadonlyMap<string, string>,
  nonces: NonceRegistry,
  now = Date.now(),
): AuthenticatedCall {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization !== undefined) return authenticateAcs3(request, authorization, secrets, nonces, now);
  if (request.query.some(([key]) => key === 'Signature')) return authenticateRpc(request, secrets, nonces, now);
  throw aliyunErrors.missingParameter('AccessKeyId');
}

function authenticateAcs3(
  request: ReceivedRequest,
  authorization: string,
  secrets: ReadonlyMap<string, string>,
  nonces: NonceRegistry,
  now: number,
): AuthenticatedCall {
  const parsed = parseAcs3Authorization(authorization);
  if (parsed === null)
    throw aliyunErrors.incompleteSignature(
      'Authorization is not ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...',
    );
  for (const name of ACS3_REQUIRED_SIGNED_HEADERS) {
    if (!parsed.signedHeaders.includes(name))
      throw aliyunErrors.incompleteSignature(`SignedHeaders must include ${name}.`);
    if (headerValue(request.headers, name) === undefined)
      throw aliyunErrors.incompleteSignature(`Header ${name} is missing.`);
  }

  const secret = secrets.get(parsed.accessKeyId);
  if (secret === undefined) throw aliyunErrors.accessKeyNotFound();
  checkTimestamp(headerValue(request.headers, 'x-acs-date') as string, now);

  const payloadHash = headerValue(request.headers, 'x-acs-content-sha256') as string;
  const signed: Acs3SignedRequest = {
    method: request.method,
    path: request.path,
    query: request.query,
    headers: request.headers,
    payloadHash,
  };
  const stringToSign = acs3StringToSign(acs3CanonicalRequest(signed, parsed.signedHeaders));
  if (!sameSignature(acs3Signature(secret, signed, parsed.signedHeaders), parsed.signature)) {
    throw aliyunErrors.signatureMismatchAcs3(stringToSign);
  }
  if (createHash('sha256').update(request.body).digest('hex') !== payloadHash.toLowerCase()) {
    throw aliyunErrors.incompleteSignature('x-acs-content-sha256 does not match the request body.');
  }
  if (!nonces.use(parsed.accessKeyId, headerValue(request.headers, 'x-acs-signature-nonce') as string, now)) {
    throw aliyunErrors.nonceUsed();
  }

  return {
    accessKeyId: parsed.accessKeyId,
    action: headerValue(request.headers, 'x-acs-action') as string,
    version: headerValue(request.headers, 'x-acs-version') as string,
    scheme: 'ACS3',
    parameters: [...request.query, ...formParameters(request)],
  };
}

function authenticateRpc(
  request: ReceivedRequest,
  secrets: ReadonlyMap<string, string>,
  nonces: NonceRegistry,
  now: number,
): AuthenticatedCall {
  const parameters = [...request.query, ...formParameters(request)];
  const value = (name: string): string => {
    const found = parameters.find(([key]) => key === name)?.[1];
    if (found === undefined || found === '') throw aliyunErrors.missingParameter(name);
    return found;
  };

  const accessKeyId = value('AccessKeyId');
  for (const name of ['Signature', 'SignatureNonce', 'Timestamp', 'Action', 'Version', 'SignatureVersion']) value(name);
  if (value('SignatureMethod') !== 'HMAC-SHA1') throw aliyunErrors.invalidSignatureMethod();

  const secret = secrets.get(accessKeyId);
  if (secret === undefined) throw aliyunErrors.accessKeyNotFound();
  checkTimestamp(value('Timestamp'), now);

  if (!verifyRpcSignature(secret, request.method, parameters)) {
    throw aliyunErrors.signatureMismatchRpc(rpcStringToSign(request.method, parameters));
  }
  if (!nonces.use(accessKeyId, value('SignatureNonce'), now)) throw aliyunErrors.nonceUsed();

  return {
    accessKeyId,
    action: value('Action'),
    version: value('Version'),
    scheme: 'RPC-V1',
    parameters: parameters.filter(([key]) => !RPC_SIGNATURE_PARAMETERS.has(key)),
  };
}

/** Accepts `YYYY-MM-DDTHH:mm:ssZ` within 15 minutes of `now`. */
function checkTimestamp(text: string, now: number): void {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) throw aliyunErrors.timestampFormat();

  const time = Date.parse(text);
  if (Number.isNaN(time)) throw aliyunErrors.timestampFormat();
  if (!withinClockSkew(time, now)) throw aliyunErrors.timestampExpired();
}

function formParameters(request: ReceivedRequest): Array<[string, string]> {
  const contentType = headerValue(request.headers, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return [];
  return parseQuery(request.body.toString('utf8').replace(/\+/g, '%20'));
}
