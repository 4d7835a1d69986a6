import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCertPilotError } from '../../src/errors.js';
import {
  DEFAULT_PASSWORD_ITERATIONS,
  formatPasswordHash,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../../src/security/password.js';
import { pbkdf2Sm3 } from '../../src/security/pbkdf2-sm3.js';
import { fallbackSm3 } from '../../src/security/sm3.js';

// Low counts keep the suite fast; one test covers the default.
const FAST = { iterations: 1000 };
const STORED_PATTERN = /^pbkdf2-sm3\$(\d+)\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/;

test('hashPassword writes the stored format', async () => {
  const stored = await hashPassword('Secret-123', FAST);
  const match = STORED_PATTERN.exec(stored);
  assert.ok(match, stored);
  assert.equal(match[1], '1000');
  const parsed = parsePasswordHash(stored);
  assert.equal(parsed.salt.length, 16);
  assert.equal(parsed.hash.length, 32);
  assert.equal(formatPasswordHash(parsed), stored);
});

test('hashPassword uses the default iterations', async () => {
  const stored = await hashPassword('Secret-123');
  assert.equal(parsePasswordHash(stored).iterations, DEFAULT_PASSWORD_ITERATIONS);
  assert.equal(await verifyPassword('Secret-123', stored), true);
});

test('hashPassword salts every hash', async () => {
  const first = parsePasswordHash(await hashPassword('same password', FAST));
  const second = parsePasswordHash(await hashPassword('same password', FAST));
  assert.notDeepEqual(first.salt, second.salt);
  assert.notDeepEqual(first.hash, second.hash);
});

test('hashPassword stores PBKDF2-HMAC-SM3', async () => {
  const stored = await hashPassword('Secret-123', FAST);
  const { iterations, salt, hash } = parsePasswordHash(stored);
  assert.deepEqual(await pbkdf2Sm3('Secret-123', salt, iterations, 32, fallbackSm3), hash);
});

test('hashPassword rejects bad iteration counts', async () => {
  for (const iterations of [0, 999, 1000.5, 10_000_001, Number.NaN]) {
    await assert.rejects(
      hashPassword('Secret-123', { iterations }),
      (error: unknown) => isCertPilotError(error, 'CONFIG_INVALID'),
      `iterations ${iterations}`,
    );
  }
});

test('verifyPassword accepts only the password', async () => {
  const stored = await hashPassword('Secret-123', FAST);
  assert.equal(await verifyPassword('Secret-123', stored), true);
  for (const wrong of ['secret-123', 'Secret-12', 'Secret-1234', ' Secret-123', '']) {
    assert.equal(await verifyPassword(wrong, stored), false, wrong);
  }
});

test('verifyPassword handles Chinese and NFC', async () => {
  const stored = await hashPassword('证书领航-Café', FAST);
  assert.equal(await verifyPassword('证书领航-Café', stored), true);
  const decomposed = '证书领航-Cafe\u0301';
  assert.equal(await verifyPassword(decomposed, stored), true);
  assert.equal(await verifyPassword('证书领航-Cafe', stored), false);
});

test('verifyPassword reads hashes made elsewhere', async () => {
  const salt = Buffer.alloc(16, 7);
  const hash = await pbkdf2Sm3('hunter2hunter2', salt, 2, 32, fallbackSm3);
  const stored = formatPasswordHash({ iterations: 2, salt, hash });
  assert.equal(await verifyPassword('hunter2hunter2', stored), true);
  assert.equal(needsRehash(stored), true);
});

const GOOD = 'pbkdf2-sm3$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

test('parsePasswordHash accepts the good sample', () => {
  assert.equal(parsePasswordHash(GOOD).iterations, 1000);
});

test('parsePasswordHash rejects malformed hashes', async () => {
  const [, , salt, hash] = GOOD.split('$');
  const cases: Array<[string, string]> = [
    ['', 'format'],
    ['pbkdf2-sm3', 'format'],
    [GOOD + '$extra', 'format'],
    [GOOD.replace('pbkdf2-sm3', 'pbkdf2-sha256'), 'scheme'],
    [GOOD.replace('pbkdf2-sm3', 'PBKDF2-SM3'), 'scheme'],
    [`pbkdf2-sm3$0$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$01000$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$-5$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$1e3$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$10000001$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$$${salt}$${hash}`, 'iterations'],
    [`pbkdf2-sm3$1000$$${hash}`, 'salt'],
    [`pbkdf2-sm3$1000$AAAAAAAAAAAAAAAAAAAAAA$${hash}`, 'salt'],
    [`pbkdf2-sm3$1000$AAAAAAAAAAAAAAAAAAAA!!==$${hash}`, 'salt'],
    [`pbkdf2-sm3$1000$AAAAAAAAAAAAAAAAAAAAAAAA$${hash}`, 'salt'],
    [`pbkdf2-sm3$1000$${salt}$AAAA`, 'hash'],
    [`pbkdf2-sm3$1000$${salt}$${hash!.replace('=', '')}`, 'hash'],
    [`pbkdf2-sm3$1000$${salt}$${hash!.replace(/A/g, '-')}`, 'hash'],
  ];
  for (const [stored, field] of cases) {
    const isInvalid = (error: unknown) =>
      isCertPilotError(error, 'PASSWORD_HASH_INVALID') &&
      error.params.field === field &&
      !error.message.includes(stored || '\0');
    assert.throws(() => parsePasswordHash(stored), isInvalid, stored);
    assert.throws(() => needsRehash(stored), isInvalid, stored);
    await assert.rejects(verifyPassword('Secret-123', stored), isInvalid, stored);
  }
});

test('needsRehash compares iteration counts', () => {
  const stored = GOOD;
  assert.equal(needsRehash(stored, 1001), true);
  assert.equal(needsRehash(stored, 1000), false);
  assert.equal(needsRehash(stored, 999), false);
  assert.equal(needsRehash(stored), DEFAULT_PASSWORD_ITERATIONS > 1000);
});
