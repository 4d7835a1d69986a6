/**
 * Notifying a user when one of their renewal jobs ends: renewed (`done`), or failing (`failed`,
 * or `waiting-retry` with an error). Core's `planNotifications` decides per channel, from the
 * channel's stored `NotifiedState`, so each state is sent once. A channel whose send fails keeps
 * its old state and gets the event again the next time a job of that site ends.
 */
import {
  CertPilotError,
  composeNotification,
  planNotifications,
  type Logger,
  type NotifiedState,
  type RenewalJob,
  type Sealer,
  type SiteSnapshot,
} from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { describeError } from '../http/messages.js';
import { channelLocale, openChannel } from './channel-store.js';

export interface JobNotifyDeps {
  db: RelayDb;
  sealer: Sealer;
  logger: Logger;
}

/** Per user, the notification run in progress, so two jobs ending at once do not race on the stored state. */
const runs = new Map<string, Promise<void>>();

/** Sends what `job`'s end is worth telling its user. Never throws; failures are logged. */
export async function notifyJobEnd(deps: JobNotifyDeps, job: RenewalJob): Promise<void> {
  if (!isNotifiable(job)) return;
  const site = await deps.db
    .selectFrom('user_sites')
    .select(['user_id', 'domain'])
    .where('id', '=', job.siteId)
    .executeTakeFirst();
  if (!site) return;
  const previous = runs.get(site.user_id) ?? Promise.resolve();
  const run = previous.then(() => notifyChannels(deps, job, site.user_id, site.domain));
  runs.set(site.user_id, run);
  try {
    await run;
  } finally {
    if (runs.get(site.user_id) === run) runs.delete(site.user_id);
  }
}

function isNotifiable(job: RenewalJob): boolean {
  if (job.step === 'done') return job.certificate !== undefined;
  return (job.step === 'failed' || job.step === 'waiting-retry') && job.lastError !== undefined;
}

async function notifyChannels(deps: JobNotifyDeps, job: RenewalJob, userId: string, domain: string): Promise<void> {
  const log = deps.logger.child({ jobId: job.id });
  const channels = await deps.db
    .selectFrom('notification_channels')
    .leftJoin('notification_states', 'notification_states.channel_id', 'notification_channels.id')
    .selectAll('notification_channels')
    .select('notification_states.state as notified')
    .where('notification_channels.user_id', '=', userId)
    .where('notification_channels.status', '=', 'active')
    .where('notification_channels.delete_time', 'is', null)
    .execute();

  for (const { notified, ...channel } of channels) {
    try {
      const locale = channelLocale(channel);
      const previous: NotifiedState = notified ? (JSON.parse(notified) as NotifiedState) : { sites: {}, agents: {} };
      // The relay knows the site, so its first renewal is news too: start from an empty record.
      const before = { ...previous, sites: { ...previous.sites, [domain]: previous.sites[domain] ?? {} } };
      const plan = planNotifications({
        previous: before,
        sites: [snapshot(job, domain, locale)],
        agents: [],
        now: new Date(),
      });
      if (plan.events.length > 0) {
        await openChannel(deps.sealer, channel, log).send(composeNotification(plan.events, locale));
      }
      // The plan covers this site only; keep the channel's state of the other sites.
      const next: NotifiedState = { ...previous, sites: { ...previous.sites, ...plan.next.sites } };
      await saveState(deps.db, channel.id, userId, next);
    } catch (error) {
      log.warn(
        { err: error, channelId: channel.id },
        'notification not sent; it is retried when the site next changes',
      );
    }
  }
}

function snapshot(job: RenewalJob, domain: string, locale: 'zh-CN' | 'en'): SiteSnapshot {
  if (job.step === 'done' && job.certificate) {
    const { serial, notAfter, notBefore } = job.certificate;
    return { site: domain, certificate: { serial, names: job.names, notAfter, notBefore }, renewal: { status: 'ok' } };
  }
  const error = job.lastError!;
  const typed = new CertPilotError(error.code, error.message, { params: error.params });
  return {
    site: domain,
    renewal: {
      status: 'failing',
      error: { code: error.code, text: describeError(typed, locale) },
      ...(job.step === 'waiting-retry' && job.nextRunAt ? { nextRetryAt: job.nextRunAt } : {}),
    },
  };
}

async function saveState(db: RelayDb, channelId: string, userId: string, state: NotifiedState): Promise<void> {
  const row = { state: JSON.stringify(state), update_time: new Date().toISOString() };
  await db
    .insertInto('notification_states')
    .values({ channel_id: channelId, user_id: userId, ...row })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet(row))
    .execute();
}
