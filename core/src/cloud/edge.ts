import { lookup } from 'node:dns/promises';
import { waitForServedSerial } from '../cert/wait-for-serial.js';
import { CertPilotError, isCertPilotError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local.js';
import type { EdgeProbeOptions } from './types.js';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_INTERVAL_MS = 10_000;

/**
 * Probes each domain's edge with SNI until it serves `serial`. A bound certificate that the edge
 * does not serve within the wait is reported as `EDGE_NOT_YET_LIVE` (retryable, and distinct from
 * a failure): CDN changes take minutes to reach every node.
 */
export async function verifyEdges(
  domains: string[],
  serial: string,
  probe: EdgeProbeOptions = {},
  host: Host = new LocalHost(),
): Promise<{ address: string }> {
  const addresses: string[] = [];
  for (const domain of domains) {
    // A wildcard binding is probed with a name under it; `.example.com` is Qiniu's wildcard form.
    const servername = domain.startsWith('*.')
      ? `certpilot-probe${domain.slice(1)}`
      : domain.startsWith('.')
        ? `certpilot-probe${domain}`
        : domain;
    const address = probe.address ?? (await resolve(servername));
    const port = probe.port ?? 443;
    try {
      await waitForServedSerial({
        host,
        address,
        port,
        servername,
        serial,
        timeoutMs: probe.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        intervalMs: probe.intervalMs ?? DEFAULT_INTERVAL_MS,
      });
    } catch (error) {
      if (!isCertPilotError(error)) throw error;
      throw new CertPilotError(
        'EDGE_NOT_YET_LIVE',
        `${domain} is bound to certificate ${serial}, but ${address}:${port} does not serve it yet: ${error.message}`,
        {
          cause: error,
          params: {
            domain,
            address: `${address}:${port}`,
            expectedSerial: serial,
            servedSerial: error.params.servedSerial,
          },
        },
      );
    }
    addresses.push(`${address}:${port}`);
  }
  return { address: addresses.join(', ') };
}

async function resolve(name: string): Promise<string> {
  try {
    return (await lookup(name)).address;
  } catch (error) {
    throw new CertPilotError(
      'PROBE_FAILED',
      `Could not resolve ${name} to probe its edge: ${(error as Error).message}`,
      { cause: error, params: { address: name } },
    );
  }
}
