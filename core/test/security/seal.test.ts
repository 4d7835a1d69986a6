import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isCertPilotError, type CertPilotError, type ErrorCode } from '../../src/errors.js';
import { ERROR_MESSAGES } from '../../src/i18n/errors.js';
import { createSealer, sealingKeyId } from '../../src/security/seal.js';

const SEALED_PATTERN = /^v1:([0-9a-f]{8}):([A-Za-z0-9+/]{16}):([A-Za-z0-9+/]+={0,2})$/;

function failsWith(code: ErrorCode, variant?: string) {
  return (error: unknown): error is CertPilotError => isCertPilotError(error, code) && error.params.variant === variant;
}

/** Replaces the byte at `index` of the base64 field `field` (2 = IV, 3 = ciphertext and tag). */
function flipByte(sealed: string, field: number, index: number): string {
  const fields = sealed.split(':');
  const bytes = Buffer.from(fields[field]!, 'base64');
  bytes[index]! ^= 0x01;
  fields[field] = bytes.toString('base64');
  return fields.join(':');
}

test('sealer round-trips strings', () => {
  const sealer = createSealer(randomBytes(32));
  for (const plaintext of ['', 'LTAI5tAccessKeySecret', '七牛云 SK：密钥🔑', 'x'.repeat(100_000)]) {
    assert.equal(sealer.open(sealer.seal(plaintext)), plaintext);
    assert.equal(sealer.open(sealer.seal(plaintext, 'credentials/42'), 'credentials/42'), plaintext);
  }
});

test('sealer writes the v1 format', () => {
  const key = randomBytes(32);
  const sealer = createSealer(key);
  const sealed = sealer.seal('secret');
  const match = SEALED_PATTERN.exec(sealed);
  assert.ok(match, sealed);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  assert.equal(match[1], keyId);
  assert.equal(sealer.keyId, keyId);
  assert.equal(sealingKeyId(key), keyId);
  // 6 bytes of plaintext and a 16-byte GCM tag.
  assert.equal(Buffer.from(match[3]!, 'base64').length, 6 + 16);
  assert.ok(!sealed.includes('secret'));
});

test('sealer uses a fresh IV each time', () => {
  const sealer = createSealer(randomBytes(32));
  const first = sealer.seal('same secret');
  const second = sealer.seal('same secret');
  assert.notEqual(first.split(':')[2], second.split(':')[2]);
  assert.notEqual(first, second);
});

test('open rejects another key by id', () => {
  const sealed = createSealer(randomBytes(32)).seal('secret');
  const other = createSealer(randomBytes(32));
  assert.throws(
    () => other.open(sealed),
    (error: unknown) =>
      failsWith('SEAL_KEY_MISMATCH')(error) &&
      error.params.sealedKeyId === sealed.split(':')[1] &&
      error.params.keyId === other.keyId,
  );
});

test('open rejects another key with a forged id', () => {
  const sealed = createSealer(randomBytes(32)).seal('secret');
  const other = createSealer(randomBytes(32));
  const forged = sealed.replace(/^v1:[0-9a-f]{8}:/, `v1:${other.keyId}:`);
  assert.throws(() => other.open(forged), failsWith('SEAL_OPEN_FAILED'));
});

test('open rejects altered data', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('secret value');
  const tagStart = 'secret value'.length;
  for (const [label, altered] of [
    ['ciphertext', flipByte(sealed, 3, 0)],
    ['tag', flipByte(sealed, 3, tagStart + 5)],
    ['iv', flipByte(sealed, 2, 3)],
  ] as const) {
    assert.throws(() => sealer.open(altered), failsWith('SEAL_OPEN_FAILED'), label);
  }
});

test('open rejects a different aad', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('secret', 'credentials/1');
  assert.throws(() => sealer.open(sealed, 'credentials/2'), failsWith('SEAL_OPEN_FAILED'));
  assert.throws(() => sealer.open(sealed), failsWith('SEAL_OPEN_FAILED'));
  assert.throws(() => sealer.open(sealer.seal('secret'), 'credentials/1'), failsWith('SEAL_OPEN_FAILED'));
});

test('open rejects malformed values', () => {
  const sealer = createSealer(randomBytes(32));
  const [, keyId, iv, body] = sealer.seal('secret').split(':');
  const cases = [
    '',
    'secret',
    `v1:${keyId}:${iv}`,
    `v1:${keyId}:${iv}:${body}:extra`,
    `V1:${keyId}:${iv}:${body}`,
    `v1:${keyId!.toUpperCase()}:${iv}:${body}`,
    `v1:${keyId}0:${iv}:${body}`,
    `v1:${keyId}:${iv!.slice(4)}:${body}`,
    `v1:${keyId}:${iv}:${body!.slice(0, 8)}`,
    `v1:${keyId}:${iv}:`,
    `v1:${keyId}:${iv}:${body}!`,
    `v1:${keyId}:${iv!.replace(/[A-Za-z]/, '.')}:${body}`,
  ];
  for (const sealed of cases) {
    assert.throws(() => sealer.open(sealed), failsWith('SEAL_OPEN_FAILED', 'malformed'), sealed);
  }
});

test('open names an unknown format version', () => {
  const sealer = createSealer(randomBytes(32));
  const sealed = sealer.seal('secret').replace(/^v1:/, 'v2:');
  assert.throws(
    () => sealer.open(sealed),
    (error: unknown) => failsWith('SEAL_OPEN_FAILED', 'version')(error) && error.params.version === 'v2',
  );
});

test('createSealer rejects keys of other sizes', () => {
  for (const size of [0, 16, 31, 33, 64]) {
    assert.throws(
      () => createSealer(randomBytes(size)),
      (error: unknown) => failsWith('SEAL_KEY_INVALID')(error) && error.params.length === size,
      `${size} bytes`,
    );
  }
});

test('createSealer copies the key', () => {
  const key = randomBytes(32);
  const sealer = createSealer(key);
  const sealed = sealer.seal('secret');
  key.fill(0);
  assert.equal(sealer.open(sealed), 'secret');
});

test('seal errors have messages in both languages', () => {
  const keys = [
    'SEAL_KEY_INVALID',
    'SEAL_KEY_INVALID_env',
    'SEAL_KEY_INVALID_file',
    'SEAL_KEY_INVALID_missing',
    'SEAL_KEY_FILE_INSECURE',
    'SEAL_KEY_MISMATCH',
    'SEAL_OPEN_FAILED',
    'SEAL_OPEN_FAILED_malformed',
    'SEAL_OPEN_FAILED_version',
  ];
  for (const language of ['zh-CN', 'en'] as const) {
    for (const key of keys) assert.ok(ERROR_MESSAGES[language][key], `${language} ${key}`);
  }
});
