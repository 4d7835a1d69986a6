/**
 * Notifying each user of what a watch run found, through core's state-change policy: a channel
 * hears about a state once, and a run that changes nothing sends nothing. When one run has more
 * than {@link DIGEST_AFTER_MESSAGES} messages for a channel, the channel gets one digest instead.
 */
import {
  composeNotification,
  planNotifications,
  subjectOf,
  type AgentSnapshot,
  type Logger,
  type NotificationEvent,
  type NotifiedState,
  type Sealer,
} from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { activeChannels, parseNotifiedState, saveNotifiedState } from '../notify/channel-state.js';
import { channelLocale, openChannel } from '../notify/channel-store.js';
import { notificationRenderOptions } from '../notify/time-zone.js';
import { withUserLock } from '../notify/user-lock.js';
import type { WatchedSite } from './watched-site.js';

/**
 * Messages (one per site or agent) a channel gets from one run before they become one digest.
 * Three still reads as separate alerts; a fourth is where a chat group starts to scroll.
 */
export const DIGEST_AFTER_MESSAGES = 3;

export interface WatchNotifyDeps {
  db: RelayDb;
  sealer: Sealer;
  logger: Logger;
}

/** Deliveries to one user's channels in one run. */
export interface UserNotifyOutcome {
  /** Messages delivered, over all channels. */
  sent: number;
  /** Channels whose delivery failed; they get the same events at the next run. */
  failedChannels: number;
}

/** Plans and sends `userId`'s notifications for the sites and agents the run watched. */
export function notifyWatchResults(
  deps: WatchNotifyDeps,
  userId: string,
  sites: WatchedSite[],
  agents: AgentSnapshot[],
  now: Date,
): Promise<UserNotifyOutcome> {
  return withUserLock(userId, async () => {
    const outcome: UserNotifyOutcome = { sent: 0, failedChannels: 0 };
    for (const { notified, ...channel } of await activeChannels(deps.db, userId)) {
      const log = deps.logger.child({ channelId: channel.id });
      const locale = channelLocale(channel);
      const previous = parseNotifiedState(notified);
      const plan = planNotifications({
        previous,
        sites: sites.map((site) => site.snapshot(locale)),
        agents,
        now,
      });
      const messages = groupMessages(plan.events);
      try {
        for (const events of messages)
          await openChannel(deps.sealer, channel, log).send(
            composeNotification(events, locale, notificationRenderOptions(locale)),
          );
        outcome.sent += messages.length;
      } catch (error) {
        // NOTE: messages sent before the failure are sent again at the next run, because the
        // channel's state is saved only after every message went out.
        log.warn({ err: error }, 'watch notification not sent; it is retried at the next watch run');
        outcome.failedChannels += 1;
        continue;
      }
      await saveNotifiedState(deps.db, channel.id, userId, merge(previous, plan.next));
    }
    return outcome;
  });
}

/** Groups events into one message per site or agent, or into a single digest above the limit. */
export function groupMessages(events: NotificationEvent[]): NotificationEvent[][] {
  if (events.length === 0) return [];
  const bySubject = new Map<string, NotificationEvent[]>();
  for (const event of events) {
    const key = `${event.kind === 'agent-silent' ? 'agent' : 'site'}:${subjectOf(event)}`;
    bySubject.set(key, [...(bySubject.get(key) ?? []), event]);
  }
  const messages = [...bySubject.values()];
  return messages.length > DIGEST_AFTER_MESSAGES ? [events] : messages;
}

/**
 * Keeps the stored state of sites and agents this run did not watch (a site without a deployed
 * certificate yet, an agent site missing from the latest report), since the policy drops them.
 */
function merge(previous: NotifiedState, next: NotifiedState): NotifiedState {
  return { sites: { ...previous.sites, ...next.sites }, agents: { ...previous.agents, ...next.agents } };
}
