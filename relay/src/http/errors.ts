import { asCertPilotError, CertPilotError } from '@certpilot/core';
import type { Next } from 'koa';
import { describeError, httpStatus } from './messages.js';
import type { RelayContext } from './state.js';
import { InvalidFieldsError } from './validate.js';

/**
 * Turns every thrown error into a JSON body `{ code, message }` in the request's language, plus
 * `fields` for a body that failed validation.
 * Errors a client cannot cause answer 500 with the request id only: their details (paths,
 * driver messages) go to the log, not to the client.
 */
export function errorResponses() {
  return async (ctx: RelayContext, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new CertPilotError('RESOURCE_NOT_FOUND', `Nothing is served at ${ctx.path}`, {
          params: { path: ctx.path },
        });
      }
      // The router's 405 has Koa's plain-text default body; respond in JSON like every other error.
      if (ctx.status === 405 && ctx.body === undefined) {
        throw new CertPilotError('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`, {
          params: { path: ctx.path, method: ctx.method, allowed: ctx.response.get('Allow') },
        });
      }
    } catch (thrown) {
      const error = asCertPilotError(thrown);
      const status = httpStatus(error.code);
      ctx.status = status;
      if (error.retryAfterMs !== undefined) ctx.set('Retry-After', String(Math.ceil(error.retryAfterMs / 1000)));
      // Only unmapped codes are hidden: a mapped 5xx (a provider's rejection) carries its message.
      if (status === 500) {
        ctx.state.logger.error({ err: thrown }, 'request failed');
        const hidden = new CertPilotError('INTERNAL', `see the relay log for request ${ctx.state.requestId}`);
        ctx.body = { code: hidden.code, message: describeError(hidden, ctx.state.locale) };
        return;
      }
      ctx.state.logger.info({ code: error.code }, 'request rejected');
      const body = { code: error.code, message: describeError(error, ctx.state.locale) };
      // A body that failed validation also lists its bad fields, for forms to show under each field.
      ctx.body = error instanceof InvalidFieldsError ? { ...body, fields: error.fields } : body;
    }
  };
}
