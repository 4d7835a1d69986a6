import tls from 'node:tls';

/** What a probe of the fake TLS edge saw: the served leaf serial, or the handshake error. */
export type EdgeProbeResult = { ok: true; serialNumber: string } | { ok: false; error: string };

/**
 * Connects to 127.0.0.1:`port` with SNI `servername` and returns the leaf serial it serves.
 * Certificate verification is off: the probe compares serials, the chain is a test CA's.
 */
export function probeEdge(port: number, servername: string): Promise<EdgeProbeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS probe timed out after 5 s')));
    socket.once('secureConnect', () => {
      const serialNumber = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve({ ok: true, serialNumber });
    });
    socket.once('error', (error) => resolve({ ok: false, error: error.message }));
  });
}
