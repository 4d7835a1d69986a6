/**
 * Sealing secrets at rest (cloud AccessKey secrets, SMTP passwords, robot secrets) with
 * AES-256-GCM. A sealed value reads `v1:<key id>:<iv base64>:<ciphertext and tag base64>`; the
 * key id lets `open` tell a wrong key apart from altered data.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CertPilotError } from '../errors.js';

/** Size of a sealing key, in bytes. */
export const SEALING_KEY_LENGTH = 32;

const FORMAT_VERSION = 'v1';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Seals and opens strings with one key. */
export interface Sealer {
  /** First 8 hex digits of the key's SHA-256: safe to log, and written into every sealed value. */
  readonly keyId: string;
  /**
   * Encrypts `plaintext` (UTF-8) with a fresh random IV. `aad` (additional authenticated data) is
   * not stored, so `open` needs the same value: pass the record's id to bind the secret to it.
   * An empty `aad` is the same as none.
   */
  seal(plaintext: string, aad?: string): string;
  /**
   * Decrypts a value from `seal` made with the same key and `aad`.
   *
   * @throws CertPilotError `SEAL_KEY_MISMATCH` when another key sealed it, `SEAL_OPEN_FAILED`
   *   when it was altered, `aad` differs or it is not a sealed value (`params.variant`
   *   `malformed` or `version`).
   */
  open(sealed: string, aad?: string): string;
}

/** Returns the key id `createSealer(key).keyId` would have. */
export function sealingKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Creates a sealer for a 32-byte AES-256 key (see `loadSealingKey`).
 *
 * @throws CertPilotError `SEAL_KEY_INVALID` when `key` is not 32 bytes.
 */
export function createSealer(key: Buffer): Sealer {
  if (key.length !== SEALING_KEY_LENGTH) {
    throw new CertPilotError('SEAL_KEY_INVALID', `Sealing key must be 32 bytes, got ${key.length}`, {
      params: { length: key.length },
    });
  }
  // A private copy, so a caller that zeroes or reuses its buffer cannot change this sealer's key.
  const ownKey = Buffer.from(key);
  const keyId = sealingKeyId(ownKey);
  return {
    keyId,
    seal: (plaintext, aad) => sealValue(ownKey, keyId, plaintext, aad),
    open: (sealed, aad) => openValue(ownKey, keyId, sealed, aad),
  };
}

function sealValue(key: Buffer, keyId: string, plaintext: string, aad: string | undefined): string {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [FORMAT_VERSION, keyId, iv.toString('base64'), ciphertext.toString('base64')].join(':');
}

function openValue(key: Buffer, keyId: string, sealed: string, aad: string | undefined): string {
  const { sealedKeyId, iv, ciphertext, tag } = parseSealed(sealed);
  if (sealedKeyId !== keyId) {
    throw new CertPilotError(
      'SEAL_KEY_MISMATCH',
      `Value was sealed with key ${sealedKeyId}, but the loaded sealing key is ${keyId}`,
      { params: { sealedKeyId, keyId } },
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    const message = 'Sealed value failed authentication: it was altered, or the aad differs';
    throw new CertPilotError('SEAL_OPEN_FAILED', message, { cause: error });
  }
}

interface SealedParts {
  sealedKeyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parseSealed(sealed: string): SealedParts {
  const fields = sealed.split(':');
  const version = fields[0] ?? '';
  if (fields.length === 4 && version !== FORMAT_VERSION && /^v\d+$/.test(version)) {
    throw new CertPilotError('SEAL_OPEN_FAILED', `Sealed value has unsupported format ${version}`, {
      params: { variant: 'version', version },
    });
  }
  const [, sealedKeyId = '', ivText = '', bodyText = ''] = fields;
  const iv = Buffer.from(ivText, 'base64');
  const body = Buffer.from(bodyText, 'base64');
  const wellFormed =
    fields.length === 4 &&
    version === FORMAT_VERSION &&
    KEY_ID_PATTERN.test(sealedKeyId) &&
    BASE64_PATTERN.test(ivText) &&
    BASE64_PATTERN.test(bodyText) &&
    iv.length === IV_LENGTH &&
    body.length >= TAG_LENGTH;
  if (!wellFormed) {
    const message = 'Value is not a sealed value (expected v1:<key id>:<iv>:<ciphertext>)';
    throw new CertPilotError('SEAL_OPEN_FAILED', message, { params: { variant: 'malformed' } });
  }
  return {
    sealedKeyId,
    iv,
    ciphertext: body.subarray(0, body.length - TAG_LENGTH),
    tag: body.subarray(body.length - TAG_LENGTH),
  };
}
