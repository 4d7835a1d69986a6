/** Reading and writing a channel's `NotifiedState` in `notification_states`. */
import type { NotifiedState } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

/** Parses a channel's stored state, as its `notified` column came from a join (null before the first send). */
export function parseNotifiedState(stored: string | null | undefined): NotifiedState {
  return stored ? (JSON.parse(stored) as NotifiedState) : { sites: {}, agents: {} };
}

/** Lists the active channels of `userId`, each with its stored state (`notified`, null before the first send). */
export function activeChannels(db: RelayDb, userId: string) {
  return db
    .selectFrom('notification_channels')
    .leftJoin('notification_states', 'notification_states.channel_id', 'notification_channels.id')
    .selectAll('notification_channels')
    .select('notification_states.state as notified')
    .where('notification_channels.user_id', '=', userId)
    .where('notification_channels.status', '=', 'active')
    .where('notification_channels.delete_time', 'is', null)
    .execute();
}

export async function saveNotifiedState(
  db: RelayDb,
  channelId: string,
  userId: string,
  state: NotifiedState,
): Promise<void> {
  const row = { state: JSON.stringify(state), update_time: new Date().toISOString() };
  await db
    .insertInto('notification_states')
    .values({ channel_id: channelId, user_id: userId, ...row })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet(row))
    .execute();
}
