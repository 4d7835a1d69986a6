/**
 * `GET /sites/:id/watch`: the site's latest expiry watch result. Scoped to the logged-in user;
 * another user's site returns 404 like a missing one.
 */
import Router from '@koa/router';
import { CertPilotError } from '@certpilot/core';
import type { RelayDeps } from '../deps.js';
import { describeError } from '../http/messages.js';
import { requireSession } from '../http/session.js';
import type { RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';
import type { Locale } from '../locale.js';
import { readWatchResults, type SiteWatchResult } from '../watch/watch-store.js';

/** Routes `GET /sites/:id/watch`; `watch` is null until the first watch run checked the site. */
export function siteWatchRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.use('/sites/:id/watch', requireSession(deps.db));
  router.get('/sites/:id/watch', async (ctx) => {
    const userId = ctx.state.user!.id;
    const siteId = parseInput(idParams, ctx.params, ctx.state.locale).id;
    const site = await deps.db
      .selectFrom('user_sites')
      .select('id')
      .where('id', '=', siteId)
      .where('user_id', '=', userId)
      .where('delete_time', 'is', null)
      .executeTakeFirst();
    if (!site) {
      throw new CertPilotError('RESOURCE_NOT_FOUND', `No site ${siteId}`, { params: { variant: 'site', id: siteId } });
    }
    const result = (await readWatchResults(deps.db, userId)).get(siteId);
    ctx.body = { watch: result ? publicWatch(result, ctx.state.locale) : null };
  });
  return router;
}

function publicWatch(result: SiteWatchResult, locale: Locale) {
  const { siteId: _siteId, userId: _userId, error, ...shown } = result;
  if (!error) return { ...shown, error: null };
  // Agents send their own text; the relay's errors are described in the caller's language.
  const message =
    result.source === 'agent-report'
      ? error.message
      : describeError(new CertPilotError(error.code, error.message, { params: error.params }), locale);
  return { ...shown, error: { code: error.code, message } };
}
