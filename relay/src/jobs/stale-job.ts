/**
 * Closing a job whose site now names other domains than the job was planned for. The ACME
 * order uses the job's names while the deploy target is rebuilt from the site each attempt, so
 * going on would bind a certificate for the old names to the new domain.
 */
import { CertPilotError, type Logger, type RenewalJob } from '@certpilot/core';
import type { Selectable } from 'kysely';
import type { RelayDb } from '../db/database.js';
import type { UserSitesTable } from '../db/schema.js';
import { parseCloudSite } from '../scheduler/cloud-site.js';
import { planOrFind, sameNames } from '../scheduler/planner.js';
import { closeJob } from './close-job.js';
import type { DbJobStore } from './job-store.js';

/**
 * Closes `job` as cancelled when `site` names other domains, and plans a fresh job from the
 * site's current settings. Returns the closed job, or null when the names still match. The
 * caller has already parsed `site` without error.
 *
 * A job holding an issued certificate is closed too, because that certificate is for the old
 * names and must not be deployed to the changed site.
 */
export async function closeIfSiteChanged(
  deps: { db: RelayDb; store: DbJobStore; logger: Logger },
  job: RenewalJob,
  site: Selectable<UserSitesTable>,
): Promise<RenewalJob | null> {
  const names = parseCloudSite(site).names;
  if (sameNames(names, job.names)) return null;
  const reason = `Site ${site.id} now names ${names.join(', ')} instead of ${job.names.join(', ')}`;
  const closed = await closeJob(
    deps.store,
    job,
    new CertPilotError('JOB_CANCELLED', reason, { params: { jobId: job.id } }),
  );
  const fresh = await planOrFind(deps.db, deps.store, site);
  deps.logger.info({ siteId: site.id, jobId: job.id, freshJobId: fresh.id }, 'site names changed; re-planned its job');
  return closed;
}
