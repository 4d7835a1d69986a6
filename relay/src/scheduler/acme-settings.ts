import { readFile } from 'node:fs/promises';
import { CertPilotError, LETS_ENCRYPT_DIRECTORY } from '@certpilot/core';
import type { AcmeSettings } from './scheduler.js';

/** The relay's ACME options as the command line gives them. */
export interface AcmeOptions {
  directoryUrl?: string | undefined;
  /** PEM file of an extra CA to trust for the directory's TLS (private or test CAs). */
  caFile?: string | undefined;
  email?: string | undefined;
}

/**
 * Resolves the ACME options, reading the CA file now so a bad path stops the start.
 *
 * @throws CertPilotError `CONFIG_INVALID` when the CA file cannot be read or contains no certificate.
 */
export async function readAcmeSettings(options: AcmeOptions = {}): Promise<AcmeSettings> {
  let caCertPem: string | undefined;
  if (options.caFile !== undefined) {
    try {
      caCertPem = await readFile(options.caFile, 'utf8');
    } catch (error) {
      const message = `cannot read --acme-ca-file ${options.caFile}: ${(error as Error).message}`;
      throw new CertPilotError('CONFIG_INVALID', message, { cause: error, params: { message } });
    }
    if (!caCertPem.includes('-----BEGIN CERTIFICATE-----')) {
      const message = `--acme-ca-file ${options.caFile} contains no PEM certificate`;
      throw new CertPilotError('CONFIG_INVALID', message, { params: { message } });
    }
  }
  return {
    directoryUrl: options.directoryUrl ?? LETS_ENCRYPT_DIRECTORY,
    ...(caCertPem ? { caCertPem } : {}),
    ...(options.email ? { email: options.email } : {}),
  };
}
