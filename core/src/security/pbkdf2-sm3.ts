/**
 * PBKDF2 (RFC 8018, section 5.2) with HMAC-SM3 as the pseudorandom function. OpenSSL computes it
 * in the libuv thread pool where node:crypto has SM3; elsewhere the RFC's loop runs here over
 * `sm-crypto`, giving the same bytes.
 */
import { pbkdf2 } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SM3_BLOCK_LENGTH, SM3_DIGEST_LENGTH, sm3Implementation, type Sm3Implementation } from './sm3.js';

const pbkdf2Async = promisify(pbkdf2);

/** HMAC iterations the JavaScript loop runs between yields to the event loop (about 15 ms with sm-crypto). */
const ITERATIONS_PER_SLICE = 1000;

/**
 * Derives `keyLength` bytes from `password` and `salt` with PBKDF2-HMAC-SM3.
 *
 * `implementation` picks the HMAC-SM3 code: node:crypto runs OpenSSL's PBKDF2 off the main
 * thread, and any other runs the RFC 8018 loop in JavaScript, yielding to the event loop every
 * 1000 iterations so a server stays responsive. Strings are taken as UTF-8.
 *
 * @throws RangeError when `iterations` or `keyLength` is not a positive safe integer.
 */
export async function pbkdf2Sm3(
  password: Buffer | string,
  salt: Buffer,
  iterations: number,
  keyLength: number,
  implementation: Sm3Implementation = sm3Implementation,
): Promise<Buffer> {
  assertPositiveInteger('iterations', iterations);
  assertPositiveInteger('keyLength', keyLength);
  const passwordBytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  if (implementation.name === 'node:crypto') {
    return pbkdf2Async(passwordBytes, salt, iterations, keyLength, 'sm3');
  }
  return pbkdf2Loop(passwordBytes, salt, iterations, keyLength, implementation);
}

/** DK = T_1 || T_2 || ... truncated to `keyLength`, where T_i = F(P, S, c, i). */
async function pbkdf2Loop(
  password: Buffer,
  salt: Buffer,
  iterations: number,
  keyLength: number,
  implementation: Sm3Implementation,
): Promise<Buffer> {
  // HMAC replaces a key longer than one block by its hash. Doing that once here gives the same
  // output, so sm-crypto does not rehash a long password on every iteration.
  const key = password.length > SM3_BLOCK_LENGTH ? implementation.digest(password) : password;
  const blocks: Buffer[] = [];
  const blockCount = Math.ceil(keyLength / SM3_DIGEST_LENGTH);
  for (let index = 1; index <= blockCount; index++) {
    blocks.push(await pbkdf2Block(key, salt, iterations, index, implementation));
  }
  return Buffer.concat(blocks).subarray(0, keyLength);
}

/** F(P, S, c, i) = U_1 ^ U_2 ^ ... ^ U_c, with U_1 = PRF(P, S || INT(i)) and U_j = PRF(P, U_{j-1}). */
async function pbkdf2Block(
  key: Buffer,
  salt: Buffer,
  iterations: number,
  index: number,
  implementation: Sm3Implementation,
): Promise<Buffer> {
  const blockIndex = Buffer.alloc(4);
  blockIndex.writeUInt32BE(index);
  let u = implementation.hmac(key, Buffer.concat([salt, blockIndex]));
  const result = Buffer.from(u);
  for (let j = 2; j <= iterations; j++) {
    if (j % ITERATIONS_PER_SLICE === 0) await yieldToEventLoop();
    u = implementation.hmac(key, u);
    for (let byte = 0; byte < result.length; byte++) result[byte]! ^= u[byte]!;
  }
  return result;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`PBKDF2 ${name} must be a positive integer, got ${value}`);
  }
}
