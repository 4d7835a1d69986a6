/**
 * Loading the relay's sealing key, which is kept outside the database: from an environment
 * variable, or from a key file that only its owner can read and that is created on first use.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CertPilotError } from '../errors.js';
import { SEALING_KEY_LENGTH } from './seal.js';

/** Default name of the environment variable `loadSealingKey` reads. */
export const DEFAULT_SEALING_KEY_ENV = 'CERTPILOT_SEALING_KEY';

export interface LoadSealingKeyOptions {
  /** Key file path, used when the environment variable is unset or empty. */
  file?: string;
  /** Name of the environment variable holding the key; defaults to `DEFAULT_SEALING_KEY_ENV`. */
  env?: string;
  /** Environment to read `env` from; defaults to `process.env`. */
  environment?: NodeJS.ProcessEnv;
}

export interface SealingKey {
  key: Buffer;
  source: 'env' | 'file';
  /** True when the key file did not exist and was created: hosts should tell the user to back it up. */
  created: boolean;
}

/**
 * Loads the 32-byte sealing key. The environment variable wins when set, and contains base64 or 64
 * hex digits. Otherwise the key file is read, which contains 32 raw bytes or the same text forms.
 * A missing key file is created with 32 random bytes and mode 0600, and missing parent folders
 * with mode 0700.
 *
 * @throws CertPilotError `SEAL_KEY_INVALID` (`params.variant` `env`, `file` or `missing`),
 *   `SEAL_KEY_FILE_INSECURE` when group or others have any access to the key file (outside Windows),
 *   `FILE_IO_FAILED` when the file cannot be read or created.
 */
export async function loadSealingKey(options: LoadSealingKeyOptions = {}): Promise<SealingKey> {
  const name = options.env ?? DEFAULT_SEALING_KEY_ENV;
  const value = (options.environment ?? process.env)[name];
  if (value !== undefined && value.trim() !== '') {
    const key = decodeSealingKey(value.trim());
    if (key === undefined) {
      // The value is a secret: the error names the variable only.
      throw new CertPilotError('SEAL_KEY_INVALID', `Sealing key in environment variable ${name} is invalid`, {
        params: { variant: 'env', name },
      });
    }
    return { key, source: 'env', created: false };
  }
  if (options.file === undefined) {
    throw new CertPilotError('SEAL_KEY_INVALID', `No sealing key: set ${name} or a key file`, {
      params: { variant: 'missing', name },
    });
  }
  return readOrCreateKeyFile(options.file);
}

/**
 * Decodes 64 hex digits, or base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
 * Returns undefined for anything else.
 */
export function decodeSealingKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const padded = text.includes('=');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || (padded && text.length % 4 !== 0)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === SEALING_KEY_LENGTH ? key : undefined;
}

async function readOrCreateKeyFile(path: string): Promise<SealingKey> {
  const existing = await openIfExists(path);
  if (existing === undefined) {
    const created = await createKeyFile(path);
    if (created !== undefined) return { key: created, source: 'file', created: true };
  }
  // A file that existed, or that another process created first: read the key it contains.
  const handle = existing ?? (await openIfExists(path));
  if (handle === undefined) throw fileError(path, new Error('key file vanished while being created'));
  try {
    return { key: await readKeyFile(handle, path), source: 'file', created: false };
  } finally {
    await handle.close();
  }
}

async function readKeyFile(handle: FileHandle, path: string): Promise<Buffer> {
  const stats = await handle.stat().catch((error: unknown) => {
    throw fileError(path, error);
  });
  if (!stats.isFile()) throw fileError(path, new Error('not a regular file'));
  const exposedBits = stats.mode & 0o077;
  // On Windows, Node derives the mode from the read-only flag alone (0o666 or 0o444), not from the ACL.
  if (exposedBits !== 0 && process.platform !== 'win32') {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw new CertPilotError(
      'SEAL_KEY_FILE_INSECURE',
      `Sealing key file ${path} has mode ${mode}, so group or other users can access it: run chmod 600 ${path}`,
      { params: { path, mode } },
    );
  }
  const content = await handle.readFile().catch((error: unknown) => {
    throw fileError(path, error);
  });
  const key = content.length === SEALING_KEY_LENGTH ? content : decodeSealingKey(content.toString('latin1').trim());
  if (key === undefined) {
    throw new CertPilotError('SEAL_KEY_INVALID', `Sealing key file ${path} is invalid: expected 32 bytes`, {
      params: { variant: 'file', path },
    });
  }
  return key;
}

/**
 * Writes a new key to a temporary file and links it into place, so no process can read a
 * half-written key. Returns undefined when another process created `path` first.
 */
async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const key = randomBytes(SEALING_KEY_LENGTH);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
    await syncFolder(dirname(path));
    return key;
  } catch (error) {
    if (isErrorCode(error, 'EEXIST')) return undefined;
    throw fileError(path, error);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw fileError(path, error);
  }
}

/** Makes the new directory entry durable: losing the key after a crash loses every sealed secret. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function fileError(path: string, cause: unknown): CertPilotError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CertPilotError('FILE_IO_FAILED', `Cannot read or create sealing key file ${path}: ${message}`, {
    cause,
    params: { path, message },
  });
}
