/**
 * The relay's own TLS certificate on disk: `<dir>/<name>/fullchain.pem` and the private key sealed
 * with the relay's sealing key in `<dir>/<name>/privkey.sealed`, both mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertPilotError, type Sealer } from '@certpilot/core';

export interface StoredCertificate {
  /** Leaf first, then the chain. */
  certPem: string;
  keyPem: string;
}

// The name binds the sealed key to its certificate directory: a key file copied elsewhere fails to open.
const aad = (name: string) => `relay-tls:${name}`;

/** Reads and writes the certificate of one name under `dir`. */
export class RelayCertificateStore {
  constructor(
    private readonly dir: string,
    private readonly sealer: Sealer,
  ) {}

  /**
   * Returns the stored certificate of `name`, or null when none was stored.
   *
   * @throws CertPilotError `FILE_IO_FAILED` when a file exists but cannot be read, or a sealing
   *   error when the key was sealed with another sealing key.
   */
  async load(name: string): Promise<StoredCertificate | null> {
    const folder = join(this.dir, name);
    let certPem: string;
    let sealedKey: string;
    try {
      certPem = await readFile(join(folder, 'fullchain.pem'), 'utf8');
      sealedKey = (await readFile(join(folder, 'privkey.sealed'), 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(folder, error);
    }
    return { certPem, keyPem: this.sealer.open(sealedKey, aad(name)) };
  }

  /** Stores the certificate of `name`, replacing each file atomically. */
  async save(name: string, certificate: StoredCertificate): Promise<void> {
    const folder = join(this.dir, name);
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      // The key first: a crash between the two renames leaves the old certificate with a new key,
      // which load's caller rejects as a mismatch and orders again, never serving a wrong pair.
      await writeAtomic(join(folder, 'privkey.sealed'), `${this.sealer.seal(certificate.keyPem, aad(name))}\n`);
      await writeAtomic(join(folder, 'fullchain.pem'), certificate.certPem);
    } catch (error) {
      throw ioError(folder, error);
    }
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flush: true });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function ioError(path: string, cause: unknown): CertPilotError {
  return new CertPilotError('FILE_IO_FAILED', `Cannot read or write the relay certificate in ${path}`, {
    cause,
    params: { path, message: (cause as Error).message },
  });
}
