/**
 * The status columns of the sites list: days left on its newest certificate and its
 * latest renewal job, read in two queries for the whole list rather than two per site.
 */
import { CertPilotError, type SerializedError } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { describeError } from '../http/messages.js';
import { FINAL_STATES } from '../jobs/job-store.js';
import type { Locale } from '../locale.js';

const DAY_MS = 24 * 60 * 60_000;

/** A site's certificate expiry and latest renewal job. */
export interface SiteStatus {
  /** Whole days until `notAfter`, rounded down. Negative once expired, null with no certificate. */
  daysLeft: number | null;
  notAfter: string | null;
  lastJob: {
    id: string;
    state: string;
    /** True while the site is paused and the job unfinished: the scheduler skips it until the site is resumed. */
    held: boolean;
    createTime: string;
    updateTime: string;
    error: { code: string; message: string } | null;
  } | null;
}

/**
 * Reads the status of each of `userId`'s sites in `siteIds`. Sites with no certificate and no job
 * get nulls.
 */
export async function readSiteStatuses(
  db: RelayDb,
  userId: string,
  siteIds: string[],
  locale: Locale,
  now = new Date(),
): Promise<Map<string, SiteStatus>> {
  const statuses = new Map<string, SiteStatus>(
    siteIds.map((id) => [id, { daysLeft: null, notAfter: null, lastJob: null }]),
  );
  if (siteIds.length === 0) return statuses;

  const certificates = await db
    .selectFrom('certificates')
    .select(['site_id', (eb) => eb.fn.max('not_after').as('not_after')])
    .where('user_id', '=', userId)
    .where('site_id', 'in', siteIds)
    .where('delete_time', 'is', null)
    .groupBy('site_id')
    .execute();
  for (const row of certificates) {
    const status = statuses.get(row.site_id);
    if (status === undefined || row.not_after === null) continue;
    status.notAfter = row.not_after;
    status.daysLeft = Math.floor((Date.parse(row.not_after) - now.getTime()) / DAY_MS);
  }

  const jobs = await db
    .selectFrom('renewal_jobs as job')
    .innerJoin('user_sites as site', 'site.id', 'job.site_id')
    .select(['job.id', 'job.site_id', 'job.state', 'job.last_error', 'job.create_time', 'job.update_time'])
    .select('site.status as site_status')
    .where('job.user_id', '=', userId)
    .where('job.site_id', 'in', siteIds)
    .where('job.create_time', '=', (eb) =>
      eb
        .selectFrom('renewal_jobs as newer')
        .select((inner) => inner.fn.max('newer.create_time').as('latest'))
        .whereRef('newer.site_id', '=', 'job.site_id'),
    )
    .execute();
  for (const row of jobs) {
    const status = statuses.get(row.site_id);
    if (status === undefined) continue;
    status.lastJob = {
      id: row.id,
      state: row.state,
      held: isHeld(row.site_status, row.state),
      createTime: row.create_time,
      updateTime: row.update_time,
      error: row.last_error === null ? null : describeJobError(row.last_error, locale),
    };
  }
  return statuses;
}

/**
 * Checks whether a job waits on its site's pause rather than on its own schedule. The scheduler
 * claims only jobs of active sites, so a paused site's unfinished job keeps its state and its
 * `nextRunAt` (possibly in the past) until the site is resumed.
 */
export function isHeld(siteStatus: string, jobState: string): boolean {
  return siteStatus === 'paused' && !(FINAL_STATES as readonly string[]).includes(jobState);
}

function describeJobError(stored: string, locale: Locale): { code: string; message: string } {
  const error = JSON.parse(stored) as SerializedError;
  const typed = new CertPilotError(error.code, error.message, { params: error.params });
  return { code: error.code, message: describeError(typed, locale) };
}
