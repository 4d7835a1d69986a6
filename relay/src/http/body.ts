import { CertPilotError } from '@certpilot/core';
import type { RelayContext } from './state.js';

/** Largest JSON body the API reads; the biggest legitimate one (a site config) is far smaller. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads the request body as JSON. Requiring the JSON content type also keeps plain HTML forms
 * on other sites from posting to the API with the session cookie.
 *
 * @throws CertPilotError `REQUEST_INVALID` (variants `content-type`, `json`, `json-position`) or
 *   `REQUEST_TOO_LARGE`.
 */
export async function readJsonBody(ctx: RelayContext, limit = BODY_LIMIT_BYTES): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new CertPilotError('REQUEST_INVALID', 'Request body must be application/json', {
      params: { variant: 'content-type' },
    });
  }
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // The parser's text is English; the response names only where parsing stopped.
    const detail = (error as Error).message;
    const position = /at position (\d+)/.exec(detail)?.[1];
    throw new CertPilotError('REQUEST_INVALID', `Request body is not valid JSON: ${detail}`, {
      cause: error,
      params:
        position === undefined ? { variant: 'json' } : { variant: 'json-position', character: Number(position) + 1 },
    });
  }
}

function tooLarge(limit: number): CertPilotError {
  return new CertPilotError('REQUEST_TOO_LARGE', `Request body exceeds ${limit} bytes`, { params: { limit } });
}
