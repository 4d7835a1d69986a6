import { cancelJob, type JobStore, type RenewalJob } from '@certpilot/core';
import type { Translator } from './i18n/index.js';
import { reviveError } from './revive-error.js';
import type { SiteResult } from './state/last-run.js';

/** Turns a renewal job's final state into the site's result line. */
export function resultOfJob(base: Pick<SiteResult, 'siteId' | 'names' | 'at'>, job: RenewalJob): SiteResult {
  const common = { ...base, jobId: job.id, ...(job.lastError ? { error: job.lastError } : {}) };
  if (job.step === 'done') {
    return { ...common, outcome: 'renewed', serial: job.certificate!.serial, notAfter: job.certificate!.notAfter };
  }
  if (job.step === 'waiting-retry')
    return { ...common, outcome: 'waiting-retry', ...(job.nextRunAt ? { nextRunAt: job.nextRunAt } : {}) };
  return { ...common, outcome: 'failed' };
}

/**
 * Decides what to do with a site's unfinished job before anything is ordered: a job without a
 * certificate for a site no longer due is closed (unless forced or a dry run), and a job still
 * waiting out its backoff yields a `waiting-retry` result. Returns the job to resume, or the result.
 */
export async function settleActiveJob(
  store: JobStore,
  job: RenewalJob | null,
  site: { id: string; due: boolean; daysLeft?: number },
  options: { force: boolean; dryRun: boolean },
  base: Pick<SiteResult, 'siteId' | 'names' | 'at'>,
): Promise<{ job: RenewalJob | null; result?: SiteResult }> {
  if (job && !job.certificate && !site.due && !options.force && !options.dryRun) {
    await cancelJob(store, job, `site ${site.id} is no longer due (${site.daysLeft ?? '?'} days left)`);
    return { job: null };
  }
  if (job?.step === 'waiting-retry' && !options.force && Date.parse(job.nextRunAt ?? '') > Date.now()) {
    const result: SiteResult = {
      ...base,
      outcome: 'waiting-retry',
      jobId: job.id,
      ...(job.nextRunAt ? { nextRunAt: job.nextRunAt } : {}),
      ...(job.lastError ? { error: job.lastError } : {}),
    };
    return { job, result };
  }
  return { job };
}

/** One line for people per site result, in the user's language. */
export function describeResult(i18n: Translator, result: SiteResult): string {
  const { t, describeError } = i18n;
  const error = result.error ? describeError(reviveError(result.error)) : '';
  switch (result.outcome) {
    case 'renewed':
      return t('renew.done', {
        id: result.siteId,
        serial: result.serial,
        notAfter: result.notAfter,
        names: result.names.join(', '),
      });
    case 'not-due':
      return t('renew.skipped', { id: result.siteId, daysLeft: result.daysLeft, renewAt: result.renewAt });
    case 'dry-run':
      return t('renew.dryRun', { id: result.siteId, reason: t(`reason.${result.reason ?? 'forced'}`) });
    case 'waiting-retry':
      return t(result.jobId && result.error ? 'renew.willRetry' : 'renew.retryLater', {
        id: result.siteId,
        at: result.nextRunAt,
        error,
      });
    default:
      return t('renew.failed', { id: result.siteId, error });
  }
}
