import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

import { startHttpServer, type ReceivedRequest } from './fakes/http-server.js';

// ---------------------------------------------------------------------------------------------
// SMTP

/** A mail the SMTP receiver accepted, with the parts tests check decoded to text. */
export interface ReceivedMail {
  /** The `From` header, encoded words decoded. */
  from: string;
  /** The envelope recipients (`RCPT TO`), which is where the mail was really sent. */
  to: string[];
  subject: string;
  /** The `text/plain` part, transfer encoding undone. Empty when the mail has none. */
  text: string;
  /** The `text/html` part, when there is one. */
  html?: string;
  /** The user name the client logged in with, when it logged in. */
  user?: string;
  /** The mail as received, for checks this parser does not cover. */
  raw: string;
}

export interface SmtpReceiver {
  host: '127.0.0.1';
  port: number;
  /** Mails accepted so far, oldest first. */
  messages: ReceivedMail[];
  /** Login attempts rejected so far, by user name. */
  rejectedLogins: string[];
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** When set, login is required and only this user name and password are accepted. */
  user?: string;
  password?: string;
}

/**
 * Starts an SMTP server on 127.0.0.1 with a port the OS picks. Without `user` it accepts mail
 * with or without login, and any login. It offers no STARTTLS, so clients must be allowed to
 * send in clear text (and to log in without TLS).
 */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const rejectedLogins: string[] = [];
  const checkLogin = options.user !== undefined;

  const server = new SMTPServer({
    authOptional: !checkLogin,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (checkLogin && (auth.username !== options.user || auth.password !== options.password)) {
        rejectedLogins.push(auth.username ?? '');
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
        return;
      }
      callback(null, { user: auth.username });
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push(parseMail(raw, session));
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    messages,
    rejectedLogins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const mail = parseEntity(raw);
  const parts = leafParts(mail);
  const html = parts.find((part) => part.type === 'text/html');

  return {
    from: decodeWords(mail.headers.get('from') ?? ''),
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: decodeWords(mail.headers.get('subject') ?? ''),
    text: parts.find((part) => part.type === 'text/plain')?.body ?? '',
    ...(html === undefined ? {} : { html: html.body }),
    ...(typeof session.user === 'string' ? { user: session.user } : {}),
    raw,
  };
}

/** One MIME entity: headers by lowercase name (first value kept), and its raw body. */
interface MimeEntity {
  headers: Map<string, string>;
  body: string;
}

function parseEntity(text: string): MimeEntity {
  const normalized = text.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split < 0 ? normalized : normalized.slice(0, split);
  const body = split < 0 ? '' : normalized.slice(split + 2);

  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** Returns the non-multipart parts of an entity, depth first, with bodies decoded to text. */
function leafParts(entity: MimeEntity): Array<{ type: string; body: string }> {
  const contentType = entity.headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0]!.trim().toLowerCase();

  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (boundary === undefined) return [];
    const sections = entity.body.split(`--${boundary}`).slice(1);
    return sections
      .filter((section) => !section.startsWith('--'))
      .flatMap((section) => leafParts(parseEntity(section.replace(/^\n/, ''))));
  }

  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  return [{ type, body: decodeBody(entity.body, encoding).replace(/\n$/, '') }];
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes RFC 2047 encoded words (UTF-8 only, which is what nodemailer writes). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_word, _charset: string, encoding: string, encoded: string) => {
      if (encoding.toUpperCase() === 'B') return Buffer.from(encoded, 'base64').toString('utf8');
      return decodeQuotedPrintable(encoded.replace(/_/g, ' '));
    });
}

// ---------------------------------------------------------------------------------------------
// HTTP webhooks

/** A request the webhook receiver got. */
export interface ReceivedWebhook {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  path: string;
  /** Decoded query parameters; a repeated key keeps its last value. */
  query: Record<string, string>;
  /** Node's header map: lowercase names. */
  headers: ReceivedRequest['headers'];
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** The receiver's reply: a status, a body (objects are sent as JSON), and a delay. */
export interface WebhookReply {
  /** Default 200. */
  status?: number;
  /** Default `{}`. A string is sent as plain text. */
  body?: unknown;
  /** Milliseconds to wait before replying, to make clients time out. */
  delayMs?: number;
  /** Extra response headers, e.g. `location` for a redirect. */
  headers?: Record<string, string>;
}

export interface WebhookReceiver {
  port: number;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  baseUrl: string;
  /** Requests received so far, oldest first. */
  requests: ReceivedWebhook[];
  /** Changes the reply for the requests that follow. */
  setReply(reply: WebhookReply | ((request: ReceivedWebhook) => WebhookReply)): void;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 that records every request and replies with `reply`. */
export async function startWebhookReceiver(
  options: { reply?: WebhookReply | ((request: ReceivedWebhook) => WebhookReply) } = {},
): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let reply = options.reply ?? {};

  const server = await startHttpServer(async (request, response) => {
    const received = toReceivedWebhook(request);
    requests.push(received);
    const chosen = typeof reply === 'function' ? reply(received) : reply;
    if (chosen.delayMs !== undefined) await delay(chosen.delayMs, timers);
    if (!response.destroyed) respond(response, chosen);
  });

  return {
    port: server.port,
    baseUrl: `http://127.0.0.1:${server.port}`,
    requests,
    setReply(next) {
      reply = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
  };
}

function toReceivedWebhook(request: ReceivedRequest): ReceivedWebhook {
  const rawBody = request.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    json = undefined;
  }
  return {
    method: request.method,
    url: request.rawQuery === '' ? request.path : `${request.path}?${request.rawQuery}`,
    path: request.path,
    query: Object.fromEntries(request.query),
    headers: request.headers,
    rawBody,
    json,
  };
}

function respond(response: ServerResponse, reply: WebhookReply): void {
  const text = typeof reply.body === 'string';
  const body = text ? (reply.body as string) : JSON.stringify(reply.body ?? {});
  response.writeHead(reply.status ?? 200, {
    'content-type': text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
  });
  response.end(body);
}

/** Waits `ms`; `close()` clears the timer, so a pending delay never keeps the process alive. */
function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
