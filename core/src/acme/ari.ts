import { X509Certificate } from 'node:crypto';
import { CertPilotError } from '../errors.js';
import { parseRetryAfter } from '../policy/backoff.js';
import { getJson } from './http.js';

/**
 * ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate.
 */

const AKI_OID_DER = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]);

export interface RenewalInfo {
  start: string;
  end: string;
  explanationUrl?: string;
  /** How long to wait before asking again (the response's Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Returns the ARI certificate identifier: base64url(authority key identifier) "." base64url(serial
 * as DER INTEGER content). The same string goes into a new order's `replaces` field.
 */
export function ariCertificateId(certPem: string): string {
  const certificate = new X509Certificate(certPem);
  const keyIdentifier = readAuthorityKeyIdentifier(certificate.raw);
  if (!keyIdentifier) {
    throw new CertPilotError('CERT_INVALID', 'The certificate has no authority key identifier, so ARI cannot name it.');
  }
  let serial = Buffer.from(
    certificate.serialNumber.length % 2 ? `0${certificate.serialNumber}` : certificate.serialNumber,
    'hex',
  );
  // DER INTEGERs are signed: a serial whose first bit is set carries a leading zero byte.
  if ((serial[0] ?? 0) & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${keyIdentifier.toString('base64url')}.${serial.toString('base64url')}`;
}

/** Fetches the suggested window from the directory's `renewalInfo` URL. */
export async function fetchRenewalInfo(
  renewalInfoUrl: string,
  certId: string,
  options: { ca?: string[] } = {},
): Promise<RenewalInfo> {
  const url = `${renewalInfoUrl.replace(/\/$/, '')}/${certId}`;
  let response;
  try {
    response = await getJson<{ suggestedWindow?: { start?: string; end?: string }; explanationURL?: string }>(
      url,
      options,
    );
  } catch (error) {
    throw new CertPilotError(
      'ACME_CA_UNREACHABLE',
      `Could not fetch renewal information from ${url}: ${(error as Error).message}`,
      {
        cause: error,
        params: { url },
      },
    );
  }

  const window = response.body?.suggestedWindow;
  if (
    response.status !== 200 ||
    !window?.start ||
    !window.end ||
    Number.isNaN(Date.parse(window.start)) ||
    Number.isNaN(Date.parse(window.end))
  ) {
    throw new CertPilotError(
      'ACME_ORDER_FAILED',
      `Renewal information from ${url} is unusable (HTTP ${response.status}).`,
      {
        params: { url, status: response.status },
      },
    );
  }

  const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined);
  return {
    start: new Date(window.start).toISOString(),
    end: new Date(window.end).toISOString(),
    ...(response.body.explanationURL ? { explanationUrl: response.body.explanationURL } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/**
 * Finds the keyIdentifier of the authority key identifier extension in a certificate's DER.
 * Node's X509Certificate does not expose extensions, and this one lookup does not justify an
 * ASN.1 library on the agent's daily path.
 */
export function readAuthorityKeyIdentifier(der: Buffer): Buffer | null {
  const oidAt = der.indexOf(AKI_OID_DER);
  if (oidAt < 0) return null;

  let offset = oidAt + AKI_OID_DER.length;
  // An optional BOOLEAN `critical` may sit between the OID and the OCTET STRING.
  if (der[offset] === 0x01) offset += 2 + (der[offset + 1] ?? 0);
  if (der[offset] !== 0x04) return null;
  const octets = readLength(der, offset + 1);
  const sequenceAt = octets.contentStart;
  if (der[sequenceAt] !== 0x30) return null;
  const sequence = readLength(der, sequenceAt + 1);
  // keyIdentifier is [0] IMPLICIT OCTET STRING, tag 0x80.
  if (der[sequence.contentStart] !== 0x80) return null;
  const keyId = readLength(der, sequence.contentStart + 1);
  return der.subarray(keyId.contentStart, keyId.contentStart + keyId.length);
}

function readLength(der: Buffer, at: number): { length: number; contentStart: number } {
  const first = der[at] ?? 0;
  if (first < 0x80) return { length: first, contentStart: at + 1 };
  const byteCount = first & 0x7f;
  let length = 0;
  for (let i = 1; i <= byteCount; i++) length = length * 256 + (der[at + i] ?? 0);
  return { length, contentStart: at + 1 + byteCount };
}
