import Koa from 'koa';
import Router from '@koa/router';
import type { RelayDeps } from '../deps.js';
import { agentInstallRoutes } from '../routes/agent-install.js';
import { agentRoutes } from '../routes/agents.js';
import { authRoutes } from '../routes/auth.js';
import { credentialRoutes } from '../routes/credentials.js';
import { healthRoutes } from '../routes/health.js';
import { jobRoutes } from '../routes/jobs.js';
import { notificationChannelRoutes } from '../routes/notification-channels.js';
import { siteRoutes } from '../routes/sites.js';
import { siteWatchRoutes } from '../routes/site-watch.js';
import { consoleFiles } from './console.js';
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
    siteWatchRoutes(deps),
    notificationChannelRoutes(deps),
  ]) {
    api.use(routes.routes(), routes.allowedMethods());
  }
  const health = healthRoutes(deps);
  app.use(health.routes());
  app.use(agentInstallRoutes(deps).routes());
  app.use(api.routes());
  app.use(api.allowedMethods());
  // Last, so the API, /healthz and the install script win over the console's page fallback.
  app.use(consoleFiles());
  return app;
}
