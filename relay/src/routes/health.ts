import Router from '@koa/router';
import { sql } from 'kysely';
import type { RelayDeps } from '../deps.js';
import type { RelayState } from '../http/state.js';

/** `GET /healthz`: the process answers and the database runs a query. */
export function healthRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.get('/healthz', async (ctx) => {
    try {
      await sql`select 1`.execute(deps.db);
      ctx.body = { status: 'ok', database: 'ok' };
    } catch (error) {
      ctx.state.logger.error({ err: error }, 'health check: database failed');
      ctx.status = 503;
      ctx.body = { status: 'error', database: 'error' };
    }
  });
  return router;
}
