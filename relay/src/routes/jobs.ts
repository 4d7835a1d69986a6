/**
 * Renewal jobs of a site: run one now, and read the history. Scoped to the logged-in user;
 * another user's site returns 404 like a missing one.
 */
import Router from '@koa/router';
import { CertPilotError, isCertPilotError, type SerializedError } from '@certpilot/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { RenewalJobsTable, UserSitesTable } from '../db/schema.js';
import type { RelayDeps } from '../deps.js';
import { describeError } from '../http/messages.js';
import { requireSession } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';
import { makeDueNow } from '../jobs/claims.js';
import { DbJobStore } from '../jobs/job-store.js';
import type { Locale } from '../locale.js';
import { cloudSiteConfigSchema, isCloudOrigin, parseCloudSite } from '../scheduler/cloud-site.js';
import { kickScheduler } from '../scheduler/kick.js';
import { planOrFind } from '../scheduler/planner.js';
import { isHeld } from './site-status.js';
import type { RenewalJob } from '@certpilot/core';

const HISTORY_LIMIT = 50;

/** Routes `POST /sites/:id/renew` and `GET /sites/:id/jobs`. */
export function jobRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  const site = (ctx: RelayContext & { params: Record<string, string> }) =>
    findSite(deps, ctx.state.user!.id, parseInput(idParams, ctx.params, ctx.state.locale).id);
  router.use('/sites/:id/renew', requireSession(deps.db));
  router.use('/sites/:id/jobs', requireSession(deps.db));
  router.post('/sites/:id/renew', async (ctx) => renew(deps, ctx, await site(ctx)));
  router.get('/sites/:id/jobs', async (ctx) => {
    const row = await site(ctx);
    const jobs = await deps.db
      .selectFrom('renewal_jobs')
      .selectAll()
      .where('site_id', '=', row.id)
      .orderBy('create_time', 'desc')
      .limit(HISTORY_LIMIT)
      .execute();
    ctx.body = {
      jobs: jobs.map((job) => ({ ...publicJob(job, ctx.state.locale), held: isHeld(row.status, job.state) })),
    };
  });
  return router;
}

/** Plans a job (or makes the unfinished one due now) and wakes the scheduler to run it. */
async function renew(deps: RelayDeps, ctx: RelayContext, site: Selectable<UserSitesTable>): Promise<void> {
  const named = { id: site.id, domain: site.domain, origin: site.origin };
  if (!isCloudOrigin(site.origin)) {
    throw new CertPilotError('REQUEST_INVALID', `${site.origin} site ${site.domain} is renewed by its agent`, {
      params: { variant: 'agent-site', ...named },
    });
  }
  if (site.status !== 'active') {
    throw new CertPilotError('SITE_PAUSED', `Site ${site.domain} is paused`, { params: named });
  }
  checkStoredConfig(site, ctx.state.locale);
  const job = await planOrFind(deps.db, new DbJobStore(deps.db, deps.sealer), site);
  await makeDueNow(deps.db, job.id, new Date());
  kickScheduler(deps.db);
  ctx.status = 202;
  ctx.body = { job: { id: job.id, state: job.step } };
}

/**
 * Checks the stored settings the renewal will read, so a bad one is reported now, in the
 * request's language, rather than as a failed job.
 *
 * @throws CertPilotError `REQUEST_INVALID` (variant `site-config`) naming each bad key.
 */
function checkStoredConfig(site: Selectable<UserSitesTable>, locale: Locale): void {
  let problems: string | undefined;
  try {
    parseInput(z.object({ config: cloudSiteConfigSchema }), { config: JSON.parse(site.config) as unknown }, locale);
    parseCloudSite(site);
  } catch (error) {
    if (isCertPilotError(error, 'REQUEST_INVALID')) problems = String(error.params.problems);
    // NOTE: parseCloudSite's own checks (aliyun-oss without bucket or ossRegion) are English only;
    // the sites API rejects such settings when they are saved, so only old rows can reach it.
    else if (isCertPilotError(error, 'CONFIG_INVALID')) problems = String(error.params.problems);
    else throw error;
  }
  if (problems === undefined) return;
  throw new CertPilotError('REQUEST_INVALID', `Site ${site.domain} has invalid stored settings: ${problems}`, {
    params: { variant: 'site-config', id: site.id, domain: site.domain, problems },
  });
}

async function findSite(deps: RelayDeps, userId: string, siteId: string): Promise<Selectable<UserSitesTable>> {
  const row = await deps.db
    .selectFrom('user_sites')
    .selectAll()
    .where('id', '=', siteId)
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (row === undefined) {
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No site ${siteId}`, { params: { variant: 'site', id: siteId } });
  }
  return row;
}

function publicJob(row: Selectable<RenewalJobsTable>, locale: Locale) {
  const job = JSON.parse(row.record) as RenewalJob;
  return {
    id: row.id,
    state: row.state,
    names: job.names,
    attempts: row.attempts,
    nextRunAt: job.step === 'waiting-retry' ? (job.nextRunAt ?? null) : null,
    createTime: row.create_time,
    updateTime: row.update_time,
    certificate: job.certificate
      ? { serial: job.certificate.serial, notBefore: job.certificate.notBefore, notAfter: job.certificate.notAfter }
      : null,
    error: job.lastError ? publicError(job.lastError, locale) : null,
    steps: job.history.map((entry) => ({
      step: entry.step,
      at: entry.at,
      ...(entry.error ? { error: publicError(entry.error, locale) } : {}),
    })),
  };
}

function publicError(error: SerializedError, locale: Locale) {
  const typed = new CertPilotError(error.code, error.message, { params: error.params });
  return { code: error.code, message: describeError(typed, locale), retryable: error.retryable };
}
