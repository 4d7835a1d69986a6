import { generateKeyPair } from 'node:crypto';
import { CertPilotError } from '../errors.js';

/** Private key types CertPilot generates; `ec-p256` is the default (small and fast for TLS). */
export const KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const DEFAULT_KEY_TYPE: KeyType = 'ec-p256';

/** Generates a private key locally and returns it as PKCS#8 PEM. The CA never sees it. */
export async function generatePrivateKey(type: KeyType = DEFAULT_KEY_TYPE): Promise<string> {
  if (!KEY_TYPES.includes(type)) {
    throw new CertPilotError('CONFIG_INVALID', `Unknown key type "${type}"; use one of ${KEY_TYPES.join(', ')}.`, {
      params: { keyType: type },
    });
  }
  const encoding = {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  } as const;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string) =>
      error ? reject(error) : resolve(privateKey);
    if (type === 'ec-p256' || type === 'ec-p384') {
      generateKeyPair('ec', { namedCurve: type === 'ec-p256' ? 'prime256v1' : 'secp384r1', ...encoding }, done);
    } else {
      generateKeyPair('rsa', { modulusLength: Number(type.slice(4)), ...encoding }, done);
    }
  });
}

/**
 * Builds a CSR for `names` (the first becomes the common name, all go into the SAN) signed with
 * `keyPem`. acme-client is loaded here, not at startup, so runs with nothing due never load it.
 */
export async function createCsr(names: readonly string[], keyPem: string): Promise<Buffer> {
  const [commonName] = names;
  if (commonName === undefined) throw new CertPilotError('NAME_INVALID', 'A CSR needs at least one name.');
  const { crypto } = await import('acme-client');
  const [, csr] = await crypto.createCsr({ commonName, altNames: [...names] }, keyPem);
  return csr;
}
