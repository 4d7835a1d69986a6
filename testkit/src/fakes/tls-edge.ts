import type { Socket } from 'node:net';
import tls, { type SecureContext } from 'node:tls';

import { listenOnLoopback } from './loopback.js';

/** A certificate chain and its private key, both PEM. */
export interface EdgeCertificate {
  certPem: string;
  keyPem: string;
}

/** Returns what the edge should serve for an SNI name (lowercase), or `null` to fail the handshake. */
export type EdgeCertificateLookup = (servername: string) => EdgeCertificate | null;

/** A running TLS edge on 127.0.0.1. */
export interface RunningTlsEdge {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a TLS listener on 127.0.0.1 that picks its certificate per SNI name through
 * `lookup`, the way a CDN edge serves each domain's bound certificate. A handshake without
 * SNI, or for a name with nothing bound, fails. After the handshake the edge closes the
 * connection: probes only read the served certificate.
 */
export async function startTlsEdge(lookup: EdgeCertificateLookup): Promise<RunningTlsEdge> {
  const contexts = new Map<string, SecureContext>();
  const sockets = new Set<Socket>();

  const server = tls.createServer(
    {
      SNICallback: (servername, callback) => {
        const certificate = lookup(servername.toLowerCase());
        if (certificate === null) {
          callback(new Error(`No certificate is bound to ${servername}`));
          return;
        }
        callback(null, secureContextFor(contexts, certificate));
      },
    },
    (socket) => socket.end(),
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A failed handshake is the expected outcome for an unbound name, not an error of the edge.
  server.on('tlsClientError', () => undefined);

  const port = await listenOnLoopback(server);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function secureContextFor(contexts: Map<string, SecureContext>, certificate: EdgeCertificate): SecureContext {
  const cacheKey = `${certificate.certPem}\n${certificate.keyPem}`;
  let context = contexts.get(cacheKey);
  if (context === undefined) {
    context = tls.createSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
    contexts.set(cacheKey, context);
  }
  return context;
}
