/**
 * Closing the unfinished renewal job of a deleted or changed site, so the jobs list does not
 * show it waiting forever and no relay resumes it with settings it was not planned from.
 */
import { cancelJob, isCertPilotError, type Logger, type Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { DbJobStore } from './job-store.js';

/**
 * Cancels the unfinished job of `siteId`, if any (a partial unique index allows one per site);
 * returns whether one was cancelled. Core refuses to cancel a job that already has an issued
 * certificate, because it keeps that certificate for redeploying. Such a job stays unfinished:
 * the claim query skips it when its site is deleted, and its next attempt closes it when the
 * site's names changed (see closeIfSiteChanged in ./stale-job.ts).
 *
 * NOTE: a job running at this moment saves its own step when its attempt ends, which can
 * overwrite the cancellation. It is then left unfinished, like the case above.
 */
export async function cancelSiteJob(
  deps: { db: RelayDb; sealer: Sealer; logger: Logger },
  siteId: string,
  reason: string,
): Promise<boolean> {
  const store = new DbJobStore(deps.db, deps.sealer);
  const job = await store.findActive(siteId);
  if (job === null) return false;
  try {
    await cancelJob(store, job, reason);
    return true;
  } catch (error) {
    if (!isCertPilotError(error, 'JOB_STATE_INVALID')) throw error;
    deps.logger.info(
      { siteId, jobId: job.id },
      'kept the unfinished job of a deleted or changed site because it has an issued certificate',
    );
    return false;
  }
}
