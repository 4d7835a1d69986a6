/**
 * Probing a cloud site's edges over TLS: which certificate each bound domain serves now.
 */
import { lookup } from 'node:dns/promises';
import { CertPilotError, LocalHost, normalizeSerial, probeCertificate, type CertificateInfo } from '@certpilot/core';
import type { CloudSiteSettings } from '../scheduler/cloud-site.js';

/** Milliseconds one handshake of the watch may take; the site's `edge.timeoutSeconds` is for deploys. */
export const WATCH_PROBE_TIMEOUT_MS = 10_000;

/**
 * Probes every domain the site binds and returns what the first one that differs from
 * `deployedSerial` serves, or the first one's certificate when all serve it.
 *
 * @throws CertPilotError `PROBE_FAILED` naming the address, when a name does not resolve or a
 *   handshake fails.
 */
export async function probeEdges(settings: CloudSiteSettings, deployedSerial: string): Promise<CertificateInfo> {
  let first: CertificateInfo | undefined;
  for (const domain of settings.domains ?? settings.names) {
    const servername = probeName(domain);
    const address = settings.edge.address ?? (await resolve(servername));
    const served = await probeCertificate({
      host: new LocalHost(),
      address,
      port: settings.edge.port ?? 443,
      servername,
      timeoutMs: WATCH_PROBE_TIMEOUT_MS,
    });
    if (!sameSerial(served.serial, deployedSerial)) return served;
    first ??= served;
  }
  return first!;
}

/** Returns the SNI name to probe `domain` with: a name under a wildcard (`.example.com` is Qiniu's form). */
function probeName(domain: string): string {
  if (domain.startsWith('*.')) return `certpilot-probe${domain.slice(1)}`;
  if (domain.startsWith('.')) return `certpilot-probe${domain}`;
  return domain;
}

async function resolve(name: string): Promise<string> {
  try {
    return (await lookup(name)).address;
  } catch (error) {
    const message = `Could not resolve ${name} to probe its edge: ${(error as Error).message}`;
    throw new CertPilotError('PROBE_FAILED', message, { cause: error, params: { address: name } });
  }
}

/** True when both serials name the same number, however each tool wrote it (case, leading zeros). */
export function sameSerial(a: string, b: string): boolean {
  return normalizeSerial(a) === normalizeSerial(b);
}
