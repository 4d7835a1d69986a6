import { createHmac } from 'node:crypto';

import { canonicalQueryString, encodeRfc3986, equalInConstantTime } from './canonical-text.js';

/**
 * Builds the RPC V1 string to sign: `METHOD&%2F&` followed by the encoded, key-sorted
 * `key=value&...` list of every parameter except `Signature`. The Aliyun SDKs use this form
 * only with `signatureAlgorithm: 'v2'`.
 */
export function rpcStringToSign(method: string, parameters: Array<[string, string]>): string {
  const canonical = canonicalQueryString(parameters.filter(([key]) => key !== 'Signature'));

  return `${method.toUpperCase()}&${encodeRfc3986('/')}&${encodeRfc3986(canonical)}`;
}

/** Returns the base64 HMAC-SHA1 signature; the HMAC key is the secret followed by `&`. */
export function signRpc(accessKeySecret: string, method: string, parameters: Array<[string, string]>): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(rpcStringToSign(method, parameters)).digest('base64');
}

/** Checks the `Signature` parameter in constant time. */
export function verifyRpcSignature(
  accessKeySecret: string,
  method: string,
  parameters: Array<[string, string]>,
): boolean {
  const provided = parameters.find(([key]) => key === 'Signature')?.[1];
  if (provided === undefined) return false;

  return equalInConstantTime(signRpc(accessKeySecret, method, parameters), provided);
}
