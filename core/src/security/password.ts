/**
 * Password hashes for relay accounts: PBKDF2-HMAC-SM3 with a random 16-byte salt per hash, stored
 * as `pbkdf2-sm3$<iterations>$<salt base64>$<hash base64>` so the iteration count can grow later
 * without breaking existing hashes (see `needsRehash`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CertPilotError } from '../errors.js';
import { pbkdf2Sm3 } from './pbkdf2-sm3.js';

export const PASSWORD_HASH_SCHEME = 'pbkdf2-sm3';

/**
 * Iterations for new hashes, chosen so one hash costs 50 to 100 ms on a small server. Measured with
 * `bench/password-hash.ts` on a 2-core AMD EPYC VM (Node 20.20.2, OpenSSL 3.0.19): 77 ms with
 * node:crypto's SM3 (median of 20), 2.1 s with the sm-crypto fallback (median of 3).
 */
export const DEFAULT_PASSWORD_ITERATIONS = 150_000;

/** Minimum iteration count `hashPassword` accepts, the minimum RFC 8018 (section 4.2) recommends. */
export const MIN_PASSWORD_ITERATIONS = 1000;

/** Maximum iteration count a stored hash may have, so a corrupt row cannot pin a CPU for minutes. */
export const MAX_PASSWORD_ITERATIONS = 10_000_000;

const SALT_LENGTH = 16;
const HASH_LENGTH = 32;

/** The fields of a stored password hash. */
export interface PasswordHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

export interface HashPasswordOptions {
  /** PBKDF2 iteration count; defaults to `DEFAULT_PASSWORD_ITERATIONS`. */
  iterations?: number;
}

/**
 * Hashes `password` with a fresh random salt and returns the string to store.
 *
 * The password is normalized to Unicode NFC first (as RFC 8265 does for passwords), so the same
 * characters typed on different systems match.
 *
 * @throws CertPilotError `CONFIG_INVALID` when `iterations` is not an integer between
 *   `MIN_PASSWORD_ITERATIONS` and `MAX_PASSWORD_ITERATIONS`.
 */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  const iterations = options.iterations ?? DEFAULT_PASSWORD_ITERATIONS;
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_PASSWORD_ITERATIONS ||
    iterations > MAX_PASSWORD_ITERATIONS
  ) {
    throw new CertPilotError(
      'CONFIG_INVALID',
      `Password hash iterations must be an integer from ${MIN_PASSWORD_ITERATIONS} to ${MAX_PASSWORD_ITERATIONS}, got ${iterations}`,
    );
  }
  const salt = randomBytes(SALT_LENGTH);
  const hash = await pbkdf2Sm3(password.normalize('NFC'), salt, iterations, HASH_LENGTH);
  return formatPasswordHash({ iterations, salt, hash });
}

/**
 * Checks `password` against a stored hash, comparing the derived keys in constant time.
 *
 * @returns true when the password matches.
 * @throws CertPilotError `PASSWORD_HASH_INVALID` when `stored` is not a well-formed hash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { iterations, salt, hash } = parsePasswordHash(stored);
  const derived = await pbkdf2Sm3(password.normalize('NFC'), salt, iterations, hash.length);
  return timingSafeEqual(derived, hash);
}

/**
 * Tells whether a stored hash uses fewer iterations than `iterations`, so the caller should
 * store a new hash after the next successful login. A higher stored count is kept.
 *
 * @throws CertPilotError `PASSWORD_HASH_INVALID` when `stored` is not a well-formed hash.
 */
export function needsRehash(stored: string, iterations: number = DEFAULT_PASSWORD_ITERATIONS): boolean {
  return parsePasswordHash(stored).iterations < iterations;
}

/** Formats the stored form `pbkdf2-sm3$<iterations>$<salt base64>$<hash base64>`. */
export function formatPasswordHash({ iterations, salt, hash }: PasswordHash): string {
  return [PASSWORD_HASH_SCHEME, iterations, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Parses a stored hash strictly: the scheme, an iteration count from 1 to
 * `MAX_PASSWORD_ITERATIONS` without leading zeros, a 16-byte salt and a 32-byte hash, both in
 * padded standard base64.
 *
 * @throws CertPilotError `PASSWORD_HASH_INVALID` naming the first bad field in `params.field`.
 */
export function parsePasswordHash(stored: string): PasswordHash {
  const fields = stored.split('$');
  if (fields.length !== 4) throw invalidHash('format');
  const [scheme, iterationsText, saltText, hashText] = fields as [string, string, string, string];
  if (scheme !== PASSWORD_HASH_SCHEME) throw invalidHash('scheme');

  const iterations = Number(iterationsText);
  if (!/^[1-9][0-9]{0,7}$/.test(iterationsText) || iterations > MAX_PASSWORD_ITERATIONS) {
    throw invalidHash('iterations');
  }
  const salt = decodeBase64(saltText, SALT_LENGTH);
  if (salt === undefined) throw invalidHash('salt');
  const hash = decodeBase64(hashText, HASH_LENGTH);
  if (hash === undefined) throw invalidHash('hash');
  return { iterations, salt, hash };
}

/** Decodes canonical base64 of exactly `length` bytes; Buffer.from alone skips invalid characters. */
function decodeBase64(text: string, length: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length || bytes.toString('base64') !== text) return undefined;
  return bytes;
}

function invalidHash(field: string): CertPilotError {
  // The hash itself stays out of the error: hosts log errors, and a hash is material for offline guessing.
  return new CertPilotError('PASSWORD_HASH_INVALID', `Stored password hash is malformed: bad ${field}`, {
    params: { field },
  });
}
