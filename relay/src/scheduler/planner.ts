/**
 * Planning renewal jobs for cloud sites that are due, from the certificates the relay recorded.
 */
import { CLOUD_TARGETS, decideRenewal, planJob, type JobStore, type Logger, type RenewalJob } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { FINAL_STATES } from '../jobs/job-store.js';
import { parseCloudSite } from './cloud-site.js';

type PlannedSite = { id: string; origin: string; domain: string; config: string };

/** The newest certificate the relay recorded for `siteId`, as a job's `previous`. */
export async function latestCertificate(
  db: RelayDb,
  siteId: string,
): Promise<(RenewalJob['previous'] & { notBefore: string; names: string[] }) | undefined> {
  const row = await db
    .selectFrom('certificates')
    .select(['serial', 'fingerprint', 'not_before', 'not_after', 'names'])
    .where('site_id', '=', siteId)
    .where('delete_time', 'is', null)
    .orderBy('not_after', 'desc')
    .executeTakeFirst();
  return (
    row && {
      serial: row.serial,
      fingerprint: row.fingerprint,
      notBefore: row.not_before,
      notAfter: row.not_after,
      names: JSON.parse(row.names) as string[],
    }
  );
}

/**
 * Plans a job for `siteId`, or returns the unfinished one when another relay (or request)
 * planned first: the partial unique index allows one unfinished job per site.
 */
export async function planOrFind(db: RelayDb, store: JobStore, site: PlannedSite): Promise<RenewalJob> {
  const previous = await latestCertificate(db, site.id);
  try {
    return await planJob(store, {
      siteId: site.id,
      names: namesOf(site),
      ...(previous
        ? { previous: { serial: previous.serial, fingerprint: previous.fingerprint, notAfter: previous.notAfter } }
        : {}),
    });
  } catch (error) {
    const active = await store.findActive(site.id);
    if (active) return active;
    throw error;
  }
}

/**
 * Plans jobs for active cloud sites without an unfinished job whose latest certificate is due
 * (or that have none). A site whose last job failed terminally is left alone until the site is
 * changed or renewed by hand, so a wrong secret does not fail again every tick.
 */
export async function planDueSites(db: RelayDb, store: JobStore, logger: Logger, now = new Date()): Promise<number> {
  const sites = await db
    .selectFrom('user_sites')
    .select(['id', 'origin', 'domain', 'config', 'update_time'])
    .where('status', '=', 'active')
    .where('delete_time', 'is', null)
    .where('origin', 'in', CLOUD_TARGETS)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('renewal_jobs')
            .select('renewal_jobs.id')
            .whereRef('renewal_jobs.site_id', '=', 'user_sites.id')
            .where('renewal_jobs.state', 'not in', FINAL_STATES),
        ),
      ),
    )
    .execute();
  let planned = 0;
  for (const site of sites) {
    if (!(await isDue(db, site, now))) continue;
    const job = await planOrFind(db, store, site);
    logger.info({ siteId: site.id, jobId: job.id }, 'planned renewal job');
    planned += 1;
  }
  return planned;
}

async function isDue(db: RelayDb, site: PlannedSite & { update_time: string }, now: Date): Promise<boolean> {
  const last = await db
    .selectFrom('renewal_jobs')
    .select(['state', 'update_time', 'last_error'])
    .where('site_id', '=', site.id)
    .orderBy('update_time', 'desc')
    .executeTakeFirst();
  // A job cancelled because the site changed is no verdict on the new settings, and it may
  // carry the same update time as the change.
  const cancelled = last?.last_error
    ? (JSON.parse(last.last_error) as { code?: string }).code === 'JOB_CANCELLED'
    : false;
  if (last?.state === 'failed' && !cancelled && last.update_time >= site.update_time) return false;
  const current = await latestCertificate(db, site.id);
  if (current === undefined) return true;
  // A certificate for other names (the site's domain or names changed) is due at once.
  return !sameNames(current.names, namesOf(site)) || decideRenewal(current, { now }).due;
}

/** Tells whether two lists name the same domains, in any order. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const sorted = (names: readonly string[]) => [...new Set(names)].sort().join(',');
  return sorted(a) === sorted(b);
}

/** The certificate names from the site's settings; bad settings fail the job when it runs. */
function namesOf(site: PlannedSite): string[] {
  try {
    return parseCloudSite(site).names;
  } catch {
    return [site.domain];
  }
}
