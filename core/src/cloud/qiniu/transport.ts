import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/** A request as it goes on the wire: every header, the Host header included, is set by the caller. */
export interface WireRequest {
  /** Scheme, host and port to connect to. Its path is ignored. */
  origin: URL;
  /** Path and query exactly as signed, sent without normalization. */
  pathAndQuery: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Maximum reply size, in bytes. A certificate list page of 100 entries is far smaller. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Sends one HTTP(S) request with node:http, so the Host header that was signed is the one sent.
 * Rejects with the socket's error on a network failure, or when no byte arrives for `timeoutMs`.
 */
export function sendWireRequest(request: WireRequest): Promise<WireResponse> {
  const transport = request.origin.protocol === 'https:' ? https : http;
  const options = { method: request.method, headers: request.headers, path: request.pathAndQuery };

  return new Promise((resolve, reject) => {
    const outgoing = transport.request(request.origin, options, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          incoming.destroy(new Error(`response is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('error', reject);
      incoming.on('end', () => {
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });

    outgoing.setTimeout(request.timeoutMs, () => {
      outgoing.destroy(new Error(`no response within ${request.timeoutMs} ms`));
    });
    outgoing.on('error', reject);
    outgoing.end(request.body === '' ? undefined : request.body);
  });
}
