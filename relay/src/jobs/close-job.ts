/** Ending a job as failed with the error that ended it, outside core's runner. */
import { asCertPilotError, serializeError, type RenewalJob } from '@certpilot/core';
import type { DbJobStore } from './job-store.js';

/**
 * Saves `job` as failed with `thrown` as its last error and returns it. Unlike core's cancelJob
 * this also ends a job holding an issued certificate.
 */
export async function closeJob(store: DbJobStore, job: RenewalJob, thrown: unknown): Promise<RenewalJob> {
  const at = new Date().toISOString();
  const lastError = serializeError(asCertPilotError(thrown));
  const failed: RenewalJob = {
    ...job,
    step: 'failed',
    updatedAt: at,
    lastError,
    history: [...job.history, { step: 'failed', at, error: lastError }],
  };
  await store.save(failed);
  return failed;
}
