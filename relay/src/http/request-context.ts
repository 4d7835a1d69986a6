import { randomUUID } from 'node:crypto';
import type { Logger } from '@certpilot/core';
import type { Next } from 'koa';
import { localeFromAcceptLanguage } from '../locale.js';
import type { RelayContext } from './state.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (the client's `X-Request-Id` when it is short and plain), a child
 * logger carrying it, and the response language; logs one line per request when it ends.
 */
export function requestContext(logger: Logger) {
  return async (ctx: RelayContext, next: Next): Promise<void> => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ requestId });
    ctx.state.locale = localeFromAcceptLanguage(ctx.get('Accept-Language'));
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.logger.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(performance.now() - started),
          // With --trust-proxy this is the client the proxy saw, else the connection's peer.
          address: ctx.ip,
        },
        'request',
      );
    }
  };
}
