/**
 * Running one claimed job: keeping the claim alive while it runs, then releasing it with the
 * time the job may run again.
 */
import {
  asCertPilotError,
  CertPilotError,
  LifecycleEmitter,
  runJob,
  type AcmeIssuer,
  type Logger,
  type RenewalJob,
} from '@certpilot/core';
import { extendClaim, releaseClaim } from '../jobs/claims.js';
import { closeJob } from '../jobs/close-job.js';
import type { DbJobStore } from '../jobs/job-store.js';
import type { DbKeyStore } from '../jobs/key-store.js';
import { closeIfSiteChanged } from '../jobs/stale-job.js';
import { notifyJobEnd } from '../notify/job-notify.js';
import { buildJobContext, type JobContextDeps } from './job-context.js';
import { kickScheduler } from './kick.js';

export interface ClaimedRunDeps extends JobContextDeps {
  store: DbJobStore;
  keys: DbKeyStore;
  issuer: () => Promise<AcmeIssuer>;
  owner: string;
  leaseMs: number;
}

/** Runs job `jobId`, which `deps.owner` has claimed. Errors are logged, not thrown (see the catch blocks). */
export async function runClaimedJob(deps: ClaimedRunDeps, jobId: string): Promise<void> {
  const log = deps.logger.child({ jobId });
  const heartbeat = setInterval(() => void keepClaim(deps, jobId, log), Math.max(100, deps.leaseMs / 3));
  let job: RenewalJob | null = null;
  try {
    job = await deps.store.get(jobId);
    if (job) job = await runOnce(deps, job, log);
  } catch (error) {
    log.error({ err: error }, 'renewal job stopped unexpectedly; it resumes once its claim expires');
    return;
  } finally {
    clearInterval(heartbeat);
  }
  try {
    await releaseClaim(deps.db, jobId, deps.owner, job?.step === 'waiting-retry' ? job.nextRunAt : undefined);
  } catch (error) {
    log.warn({ err: error }, 'failed to release the claim; it expires after the lease');
  }
  // A job closed because its site changed is no news: the fresh job reports how the renewal went.
  if (job && job.lastError?.code !== 'JOB_CANCELLED')
    await notifyJobEnd({ ...deps, logger: log }, job).catch((error) => log.warn({ err: error }, 'notify failed'));
}

async function runOnce(deps: ClaimedRunDeps, job: RenewalJob, log: Logger): Promise<RenewalJob> {
  const site = await deps.db.selectFrom('user_sites').selectAll().where('id', '=', job.siteId).executeTakeFirst();
  let context;
  try {
    if (!site) {
      throw new CertPilotError('RESOURCE_NOT_FOUND', `No site ${job.siteId}`, {
        params: { variant: 'site', id: job.siteId },
      });
    }
    context = await buildJobContext(deps, site);
  } catch (error) {
    if (asCertPilotError(error).retryable) throw error;
    return failTerminally(deps.store, job, error, log);
  }
  // The context is built from the site as it is now; a job planned for other names stops here.
  const closed = await closeIfSiteChanged({ db: deps.db, store: deps.store, logger: log }, job, site);
  if (closed) {
    kickScheduler(deps.db);
    return closed;
  }
  return runJob(
    { store: deps.store, keys: deps.keys, issuer: deps.issuer, events: new LifecycleEmitter(), logger: log },
    job,
    context,
  );
}

/** Settings the job cannot run with end it at once; retrying would not help. */
async function failTerminally(store: DbJobStore, job: RenewalJob, thrown: unknown, log: Logger): Promise<RenewalJob> {
  log.warn({ code: asCertPilotError(thrown).code }, 'renewal job cannot run with these settings');
  return closeJob(store, job, thrown);
}

async function keepClaim(deps: ClaimedRunDeps, jobId: string, log: Logger): Promise<void> {
  try {
    const kept = await extendClaim(deps.db, jobId, deps.owner, new Date(Date.now() + deps.leaseMs));
    if (!kept) log.warn('lost the claim on a running job; another relay may resume it');
  } catch (error) {
    log.warn({ err: error }, 'failed to extend the claim');
  }
}
