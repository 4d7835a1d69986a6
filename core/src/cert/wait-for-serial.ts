import { CertPilotError } from '../errors.js';
import type { Host } from '../host/host.js';
import { probeCertificate } from './probe.js';

export interface WaitForSerialOptions {
  host: Host;
  address: string;
  port: number;
  servername: string;
  serial: string;
  timeoutMs: number;
  intervalMs: number;
  /** Handshakes in a row that must show `serial`; see the nginx deploy for why more than one. */
  confirmations?: number;
}

/**
 * Probes until the endpoint serves `serial` on `confirmations` handshakes in a row. Throws
 * `PROBE_OLD_CERTIFICATE` when it kept serving another certificate, `PROBE_FAILED` when no
 * handshake succeeded.
 */
export async function waitForServedSerial(options: WaitForSerialOptions): Promise<void> {
  const { host, address, port, servername, serial } = options;
  const required = options.confirmations ?? 1;
  const deadline = Date.now() + options.timeoutMs;
  const where = `${address}:${port} (SNI ${servername})`;
  let lastSeen: string | undefined;
  let lastError: unknown;
  let confirmed = 0;

  for (;;) {
    try {
      const served = await probeCertificate({
        host,
        address,
        port,
        servername,
        timeoutMs: Math.min(5_000, options.timeoutMs),
      });
      confirmed = served.serial === serial ? confirmed + 1 : 0;
      if (confirmed >= required) return;
      if (served.serial !== serial) lastSeen = served.serial;
    } catch (error) {
      confirmed = 0;
      lastError = error;
    }
    if (Date.now() + options.intervalMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }

  if (lastSeen !== undefined) {
    throw new CertPilotError(
      'PROBE_OLD_CERTIFICATE',
      `${where} still serves certificate ${lastSeen} instead of the new ${serial}.`,
      {
        params: { address: where, servedSerial: lastSeen, expectedSerial: serial },
      },
    );
  }
  throw new CertPilotError('PROBE_FAILED', `No TLS handshake with ${where} succeeded.`, {
    cause: lastError,
    params: { address: where },
  });
}
