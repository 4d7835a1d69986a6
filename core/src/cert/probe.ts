import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { CertPilotError } from '../errors.js';
import type { Host } from '../host/host.js';
import { describeCertificate, type CertificateInfo } from './inspect.js';

export interface ProbeOptions {
  /** Where the connection starts from: the server itself for nginx, this machine for CDN edges. */
  host: Host;
  /** IP or host name to connect to. */
  address: string;
  port: number;
  /** SNI name sent in the handshake. */
  servername: string;
  /** Milliseconds for connect + handshake; 10 s by default. */
  timeoutMs?: number;
}

/**
 * Connects with SNI and returns the certificate the endpoint serves. Trust is not checked here:
 * the probe asks "which certificate is live", and callers compare serials and fingerprints.
 */
export async function probeCertificate(options: ProbeOptions): Promise<CertificateInfo> {
  const { host, address, port, servername } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const where = `${address}:${port} (SNI ${servername})`;

  const socket = await withTimeout(host.connect(address, port), timeoutMs, where).catch((error: unknown) => {
    throw probeError(`Could not connect to ${where}: ${(error as Error).message}`, where, error);
  });

  return new Promise<CertificateInfo>((resolve, reject) => {
    const tls = tlsConnect({ socket, servername, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      tls.destroy();
      reject(probeError(`TLS handshake with ${where} timed out after ${timeoutMs} ms.`, where));
    }, timeoutMs);

    tls.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        resolve(readPeerCertificates(tls.getPeerCertificate(true)));
      } catch (error) {
        reject(probeError(`The certificate served by ${where} cannot be read.`, where, error));
      } finally {
        tls.end();
      }
    });
    tls.once('error', (error) => {
      clearTimeout(timer);
      reject(probeError(`TLS handshake with ${where} failed: ${error.message}`, where, error));
    });
  });
}

function readPeerCertificates(peer: DetailedPeerCertificate): CertificateInfo {
  if (!peer.raw) throw new Error('no certificate was presented');
  const leaf = new X509Certificate(peer.raw);
  const chain: X509Certificate[] = [];
  let current: DetailedPeerCertificate | undefined = peer.issuerCertificate;
  // Node links a self-signed root to itself; stop there and after a sane depth.
  while (current?.raw && chain.length < 8 && current !== current.issuerCertificate) {
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return describeCertificate(leaf, chain);
}

function probeError(message: string, where: string, cause?: unknown): CertPilotError {
  return new CertPilotError('PROBE_FAILED', message, { cause, params: { address: where } });
}

function withTimeout<T>(promise: Promise<T>, ms: number, where: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection to ${where} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
