/**
 * Bearer tokens for relay sessions (`cps`), agents (`cpa`) and agent enrollment (`cpe`). The
 * database stores only a token's SHA-256: a token carries 256 random bits, far too many to guess,
 * so a plain hash protects it without salt or PBKDF2, and a leaked table grants no access.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Token kind: `cps` session, `cpa` agent, `cpe` enrollment. The prefix shows a leaked token's kind at a glance. */
export type TokenPrefix = 'cps' | 'cpa' | 'cpe';

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^(cps|cpa|cpe)_[A-Za-z0-9_-]{43}$/;

export interface CreatedToken {
  /** `<prefix>_` and 32 random bytes in base64url: give it to the client once, never store it. */
  token: string;
  /** Lowercase hex SHA-256 of `token`: what the database stores. */
  hash: string;
}

/** Creates a new random token of the given kind with its hash. */
export function createToken(prefix: TokenPrefix): CreatedToken {
  const token = `${prefix}_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** Computes the lowercase hex SHA-256 of a token's UTF-8 bytes, for lookup by hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Reads the kind of a token that has the exact shape `createToken` makes.
 *
 * @returns the prefix, or undefined for anything else (so a caller can reject it before a lookup).
 */
export function tokenPrefix(token: string): TokenPrefix | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? (match[1] as TokenPrefix) : undefined;
}

/**
 * Compares two hex strings, such as token hashes, in time that does not depend on where they
 * differ. Case is ignored. Strings of different lengths, empty or not hex give false at once:
 * those early returns reveal lengths and malformed input, never the value of a well-formed hash.
 */
export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || !isHex(a) || !isHex(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function isHex(text: string): boolean {
  return text.length > 0 && text.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(text);
}
