/**
 * SM3 (GB/T 32905-2016) and HMAC-SM3, from node:crypto where OpenSSL provides SM3 and from the
 * pure-JavaScript `sm-crypto` package elsewhere (Electron's BoringSSL has no SM3). Both give the
 * same bytes; the tests check that on the standard vectors and on random input.
 */
import { createHash, createHmac, getHashes } from 'node:crypto';
import smCrypto from 'sm-crypto';

/** SM3 digest size, in bytes. */
export const SM3_DIGEST_LENGTH = 32;

/** SM3 block size, in bytes: HMAC pads or hashes its key to this length. */
export const SM3_BLOCK_LENGTH = 64;

/** One way to compute SM3 and HMAC-SM3. */
export interface Sm3Implementation {
  readonly name: 'node:crypto' | 'sm-crypto';
  digest(data: Buffer): Buffer;
  hmac(key: Buffer, data: Buffer): Buffer;
}

/** SM3 through OpenSSL; undefined when this runtime's node:crypto has no `sm3` digest. */
export const nativeSm3: Sm3Implementation | undefined = getHashes().includes('sm3')
  ? {
      name: 'node:crypto',
      digest: (data) => createHash('sm3').update(data).digest(),
      hmac: (key, data) => createHmac('sm3', key).update(data).digest(),
    }
  : undefined;

/** SM3 in pure JavaScript (`sm-crypto`): PBKDF2 over it runs about 27 times slower than over `nativeSm3`. */
export const fallbackSm3: Sm3Implementation = {
  name: 'sm-crypto',
  // Bytes go in as plain arrays: sm-crypto reads a string argument as hex (for keys) or with its
  // own UTF-8 encoder, so strings are encoded by Buffer before they get here.
  digest: (data) => Buffer.from(smCrypto.sm3(Array.from(data)), 'hex'),
  hmac: (key, data) => Buffer.from(smCrypto.sm3(Array.from(data), { key: Array.from(key) }), 'hex'),
};

/** The implementation `sm3` and `hmacSm3` use: native when available. */
export const sm3Implementation: Sm3Implementation = nativeSm3 ?? fallbackSm3;

/** Computes the 32-byte SM3 digest of `data`; a string is hashed as its UTF-8 bytes. */
export function sm3(data: Buffer | string): Buffer {
  return sm3Implementation.digest(toBytes(data));
}

/** Computes the 32-byte HMAC-SM3 (RFC 2104) of `data` under `key`; strings are taken as UTF-8. */
export function hmacSm3(key: Buffer | string, data: Buffer | string): Buffer {
  return sm3Implementation.hmac(toBytes(key), toBytes(data));
}

function toBytes(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
