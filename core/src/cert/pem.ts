import { CertPilotError } from '../errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** Splits a PEM bundle into its blocks of one type, each with a trailing newline. */
export function splitPemBlocks(pem: string, type = 'CERTIFICATE'): string[] {
  return [...pem.matchAll(PEM_BLOCK)].filter((match) => match[1] === type).map((match) => `${match[0]}\n`);
}

/** Splits a certificate bundle into leaf and chain; throws `CERT_INVALID` when it holds none. */
export function splitCertificateChain(pem: string, source: string): { leaf: string; chain: string[] } {
  const blocks = splitPemBlocks(pem);
  const [leaf, ...chain] = blocks;
  if (leaf === undefined) {
    throw new CertPilotError('CERT_INVALID', `No PEM certificate found in ${source}.`, { params: { source } });
  }
  return { leaf, chain };
}
