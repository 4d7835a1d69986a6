import type { Logger } from '@certpilot/core';
import type { ParameterizedContext } from 'koa';
import type { Locale } from '../locale.js';

/** The logged-in user, as middleware puts it on the request state. */
export interface SessionUser {
  id: string;
  account: string;
  name: string;
  sessionId: string;
}

/** What the relay's middleware keeps on `ctx.state` for the handlers. */
export interface RelayState {
  requestId: string;
  logger: Logger;
  locale: Locale;
  user?: SessionUser;
}

export type RelayContext = ParameterizedContext<RelayState>;
