import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

import { listenOnLoopback } from './loopback.js';

/** A received request: raw path and query for signature checks, decoded query for handlers. */
export interface ReceivedRequest {
  method: string;
  /** Path without the query, still percent-encoded as sent. */
  path: string;
  /** Query string without the leading `?`, exactly as sent. */
  rawQuery: string;
  /** Decoded query parameters in the order sent; a key sent without `=` has the value `''`. */
  query: Array<[string, string]>;
  /** Node's header map: lowercase names, repeated headers joined. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A running fake HTTP server on 127.0.0.1. */
export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

export type RequestHandler = (request: ReceivedRequest, response: ServerResponse) => Promise<void>;

/** Raised while reading a request whose query string cannot be percent-decoded. */
export class MalformedQueryError extends Error {
  constructor(rawQuery: string) {
    super(`Query string is not valid percent-encoding: ${rawQuery.slice(0, 200)}`);
    this.name = 'MalformedQueryError';
  }
}

/**
 * Starts an HTTP server on 127.0.0.1 with a port the OS picks. `maxHeaderSize` is in bytes;
 * the Aliyun SDKs put whole certificates in the URL, far past Node's 16 KiB default.
 * A query that is not valid percent-encoding gets a plain-text 400. A handler that throws gets
 * a plain-text 500, so a bug in a fake shows up in the test.
 */
export async function startHttpServer(
  handle: RequestHandler,
  options: { maxHeaderSize?: number } = {},
): Promise<RunningHttpServer> {
  const server = http.createServer({ maxHeaderSize: options.maxHeaderSize ?? 1024 * 1024 }, (incoming, response) => {
    void readRequest(incoming)
      .then((request) => handle(request, response))
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (error instanceof MalformedQueryError) {
          sendText(response, 400, error.message);
          return;
        }
        sendText(response, 500, `Fake server failed: ${error instanceof Error ? error.stack : String(error)}`);
      });
  });

  const port = await listenOnLoopback(server);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readRequest(incoming: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);

  const target = incoming.url ?? '/';
  const questionMark = target.indexOf('?');
  const path = questionMark < 0 ? target : target.slice(0, questionMark);
  const rawQuery = questionMark < 0 ? '' : target.slice(questionMark + 1);

  return {
    method: incoming.method ?? 'GET',
    path,
    rawQuery,
    query: parseQuery(rawQuery),
    headers: incoming.headers,
    body: Buffer.concat(chunks),
  };
}

/**
 * Splits and decodes a query string. `+` stays a plus sign: the SDKs driven here encode
 * spaces as `%20`, and signatures are computed over the percent-decoded values.
 */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];

  try {
    return rawQuery
      .split('&')
      .filter((part) => part !== '')
      .map((part) => {
        const equals = part.indexOf('=');
        if (equals < 0) return [decodeURIComponent(part), ''];
        return [decodeURIComponent(part.slice(0, equals)), decodeURIComponent(part.slice(equals + 1))];
      });
  } catch {
    throw new MalformedQueryError(rawQuery);
  }
}

/** Returns the first value of a header, or `undefined` when it is absent. */
export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

export function sendXml(
  response: ServerResponse,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    ...headers,
  });
  response.end(xml);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
