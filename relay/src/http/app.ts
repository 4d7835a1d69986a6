import Koa from 'koa';
import Router from '@koa/router';
import type { RelayDeps } from '../deps.js';
import { agentRoutes } from '../routes/agents.js';
import { authRoutes } from '../routes/auth.js';
import { credentialRoutes } from '../routes/credentials.js';
import { healthRoutes } from '../routes/health.js';
import { jobRoutes } from '../routes/jobs.js';
import { notificationChannelRoutes } from '../routes/notification-channels.js';
import { siteRoutes } from '../routes/sites.js';
import { errorResponses } from './errors.js';
import { requestContext } from './request-context.js';
import type { RelayState } from './state.js';

/** The API's path prefix; `/healthz` sits outside it for load balancers. */
export const API_PREFIX = '/api/v1';

/** Builds the Koa application: request context, JSON errors, then the routes. */
export function createApp(deps: RelayDeps): Koa<RelayState> {
  const app = new Koa<RelayState>();
  app.silent = true;
  app.use(requestContext(deps.logger));
  app.use(errorResponses());
  const api = new Router<RelayState>({ prefix: API_PREFIX });
  for (const routes of [
    authRoutes(deps),
    credentialRoutes(deps),
    siteRoutes(deps),
    agentRoutes(deps),
    jobRoutes(deps),
    notificationChannelRoutes(deps),
  ]) {
    api.use(routes.routes(), routes.allowedMethods());
  }
  const health = healthRoutes(deps);
  app.use(health.routes());
  app.use(api.routes());
  app.use(api.allowedMethods());
  return app;
}
