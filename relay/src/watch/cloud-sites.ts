/**
 * Watching cloud sites: each active site with a certificate the relay deployed has its edges
 * probed, and the served serial is compared with the deployed one.
 */
import {
  asCertPilotError,
  CLOUD_TARGETS,
  lifetimeRenewalTime,
  serializeError,
  type Logger,
  type SerializedError,
  type SiteSnapshot,
} from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { FINAL_STATES } from '../jobs/job-store.js';
import { failingRenewal } from '../notify/failing-renewal.js';
import { parseCloudSite } from '../scheduler/cloud-site.js';
import { latestCertificate } from '../scheduler/planner.js';
import { probeEdges, sameSerial } from './edge-probe.js';
import { notRenewed } from './not-renewed.js';
import { NOT_RENEWED_GRACE_MS, type WatchedSite } from './watched-site.js';
import { pickState } from './watch-store.js';

type SiteRow = { id: string; user_id: string; origin: string; domain: string; config: string };

/** Watches every active cloud site that has a deployed certificate. */
export async function watchCloudSites(db: RelayDb, logger: Logger, now: Date): Promise<WatchedSite[]> {
  const sites = await db
    .selectFrom('user_sites')
    .select(['id', 'user_id', 'origin', 'domain', 'config'])
    .where('status', '=', 'active')
    .where('delete_time', 'is', null)
    .where('origin', 'in', CLOUD_TARGETS)
    .execute();
  const watched: WatchedSite[] = [];
  for (const site of sites) {
    const result = await watchCloudSite(db, site, now);
    if (result) watched.push(result);
    if (result?.result.state === 'probe-failed') {
      logger.warn({ siteId: site.id, err: result.result.error }, 'watch could not probe the edge of a site');
    }
  }
  return watched;
}

async function watchCloudSite(db: RelayDb, site: SiteRow, now: Date): Promise<WatchedSite | undefined> {
  const deployed = await latestCertificate(db, site.id);
  if (!deployed) return undefined;
  const names = await certificateNames(db, site.id, site.domain);
  const job = await lastJob(db, site.id);

  let served: { serial: string; notAfter: string } | undefined;
  let probeError: SerializedError | undefined;
  try {
    served = await probeEdges(parseCloudSite(site), deployed.serial);
  } catch (error) {
    probeError = serializeError(asCertPilotError(error));
  }

  const renewing = job !== undefined && !(FINAL_STATES as readonly string[]).includes(job.state);
  const failing = job?.lastError !== undefined && (job.state === 'failed' || job.state === 'waiting-retry');
  const renewAt = lifetimeRenewalTime(deployed).toISOString();
  const overdue = now.getTime() - Date.parse(renewAt) > NOT_RENEWED_GRACE_MS;
  // While a job runs, the edge may still serve the old certificate: no mismatch then.
  const mismatch = served !== undefined && !renewing && !sameSerial(served.serial, deployed.serial);
  const notAfter = served?.notAfter ?? deployed.notAfter;

  const state = pickState({
    'probe-failed': probeError !== undefined,
    expired: Date.parse(notAfter) <= now.getTime(),
    'served-mismatch': mismatch,
    'renewal-failing': failing,
    'not-renewed': overdue,
    renewing,
  });

  const snapshot = (locale: 'zh-CN' | 'en'): SiteSnapshot => ({
    site: site.domain,
    certificate: { serial: deployed.serial, names, notAfter: deployed.notAfter, notBefore: deployed.notBefore },
    renewal: failing
      ? failingRenewal(job.lastError!, locale, job.state === 'waiting-retry' ? job.nextRunAt : undefined)
      : overdue
        ? notRenewed(renewAt, locale)
        : { status: 'ok' },
    ...(mismatch ? { servedSerial: served!.serial } : {}),
  });
  return {
    domain: site.domain,
    snapshot,
    result: {
      siteId: site.id,
      userId: site.user_id,
      source: 'probe',
      state,
      deployedSerial: deployed.serial,
      ...(served ? { servedSerial: served.serial, notAfter: served.notAfter } : { notAfter: deployed.notAfter }),
      ...(probeError ? { error: probeError } : job && failing ? { error: job.lastError! } : {}),
      checkedAt: now.toISOString(),
    },
  };
}

async function certificateNames(db: RelayDb, siteId: string, domain: string): Promise<string[]> {
  const row = await db
    .selectFrom('certificates')
    .select('names')
    .where('site_id', '=', siteId)
    .where('delete_time', 'is', null)
    .orderBy('not_after', 'desc')
    .executeTakeFirst();
  return row ? (JSON.parse(row.names) as string[]) : [domain];
}

/** Reads the site's most recent job, with its error and next run. */
async function lastJob(
  db: RelayDb,
  siteId: string,
): Promise<{ state: string; lastError?: SerializedError; nextRunAt: string } | undefined> {
  const row = await db
    .selectFrom('renewal_jobs')
    .select(['state', 'last_error', 'next_run_at'])
    .where('site_id', '=', siteId)
    .orderBy('update_time', 'desc')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    state: row.state,
    nextRunAt: row.next_run_at,
    ...(row.last_error ? { lastError: JSON.parse(row.last_error) as SerializedError } : {}),
  };
}
