/**
 * Notifying a user when one of their renewal jobs ends: renewed (`done`), or failing (`failed`,
 * or `waiting-retry` with an error). Core's `planNotifications` decides per channel, from the
 * channel's stored `NotifiedState`, so each state is sent once. A channel whose send fails keeps
 * its old state and gets the event again the next time a job of that site ends, or at the next
 * expiry watch run.
 */
import {
  composeNotification,
  planNotifications,
  type Logger,
  type NotificationLocale,
  type NotifiedState,
  type RenewalJob,
  type Sealer,
  type SiteSnapshot,
} from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { latestCertificate } from '../scheduler/planner.js';
import { activeChannels, parseNotifiedState, saveNotifiedState } from './channel-state.js';
import { channelLocale, openChannel } from './channel-store.js';
import { failingRenewal } from './failing-renewal.js';
import { withUserLock } from './user-lock.js';

export interface JobNotifyDeps {
  db: RelayDb;
  sealer: Sealer;
  logger: Logger;
}

/** Sends what `job`'s end is worth telling its user. Never throws; failures are logged. */
export async function notifyJobEnd(deps: JobNotifyDeps, job: RenewalJob): Promise<void> {
  if (!isNotifiable(job)) return;
  const site = await deps.db
    .selectFrom('user_sites')
    .select(['user_id', 'domain'])
    .where('id', '=', job.siteId)
    // A paused or deleted site is out of the user's attention: its last attempt ends silently.
    .where('status', '=', 'active')
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (!site) return;
  // A failing job keeps the deployed certificate in the snapshot, so the stored serial and
  // expiry thresholds survive and the next watch run does not take it for a renewal.
  const current = job.step === 'done' ? undefined : await latestCertificate(deps.db, job.siteId);
  await withUserLock(site.user_id, () => notifyChannels(deps, job, site.user_id, site.domain, current));
}

// NOTE: the first failed attempt already sends "failing", even when the next retry succeeds (a
// slow edge under load, say). Waiting for a second failure would delay real alerts by the backoff.
function isNotifiable(job: RenewalJob): boolean {
  if (job.step === 'done') return job.certificate !== undefined;
  return (job.step === 'failed' || job.step === 'waiting-retry') && job.lastError !== undefined;
}

type Deployed = Awaited<ReturnType<typeof latestCertificate>>;

async function notifyChannels(
  deps: JobNotifyDeps,
  job: RenewalJob,
  userId: string,
  domain: string,
  current: Deployed,
): Promise<void> {
  const log = deps.logger.child({ jobId: job.id });
  for (const { notified, ...channel } of await activeChannels(deps.db, userId)) {
    try {
      const locale = channelLocale(channel);
      const previous = parseNotifiedState(notified);
      // The relay knows the site, so its first renewal is news too: start from an empty record.
      const before = { ...previous, sites: { ...previous.sites, [domain]: previous.sites[domain] ?? {} } };
      const plan = planNotifications({
        previous: before,
        sites: [snapshot(job, domain, current, locale)],
        agents: [],
        now: new Date(),
      });
      if (plan.events.length > 0) {
        await openChannel(deps.sealer, channel, log).send(composeNotification(plan.events, locale));
      }
      // The plan covers this site only; keep the channel's state of the other sites.
      const next: NotifiedState = { ...previous, sites: { ...previous.sites, ...plan.next.sites } };
      await saveNotifiedState(deps.db, channel.id, userId, next);
    } catch (error) {
      log.warn(
        { err: error, channelId: channel.id },
        'notification not sent; it is retried when the site next changes',
      );
    }
  }
}

function snapshot(job: RenewalJob, domain: string, current: Deployed, locale: NotificationLocale): SiteSnapshot {
  if (job.step === 'done' && job.certificate) {
    const { serial, notAfter, notBefore } = job.certificate;
    return { site: domain, certificate: { serial, names: job.names, notAfter, notBefore }, renewal: { status: 'ok' } };
  }
  return {
    site: domain,
    ...(current
      ? {
          certificate: {
            serial: current.serial,
            names: job.names,
            notAfter: current.notAfter,
            notBefore: current.notBefore,
          },
        }
      : {}),
    renewal: failingRenewal(job.lastError!, locale, job.step === 'waiting-retry' ? job.nextRunAt : undefined),
  };
}
