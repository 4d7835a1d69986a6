/**
 * Notification channels of the logged-in user. Settings are validated with core's
 * `parseChannelConfig`; secrets are sealed before they are stored and masked in every response.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { CHANNEL_KINDS, CertPilotError } from '@certpilot/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit.js';
import type { NotificationChannelsTable } from '../db/schema.js';
import type { RelayDeps } from '../deps.js';
import { readJsonBody } from '../http/body.js';
import { requireSession } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';
import { channelLocale, maskedSettings, openChannel, sealChannelConfig } from '../notify/channel-store.js';
import { parseChannelBody } from '../notify/parse.js';
import { testMessage } from '../notify/test-message.js';

const channelBody = z.strictObject({
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().trim().min(1).max(100),
  config: z.record(z.string(), z.unknown()),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
});

function publicChannel(row: Selectable<NotificationChannelsTable>) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    locale: channelLocale(row),
    config: maskedSettings(row),
    status: row.status,
    createTime: row.create_time,
  };
}

/** Routes under `/notification-channels`. */
export function notificationChannelRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.use('/notification-channels', requireSession(deps.db));
  router.post('/notification-channels', async (ctx) => create(deps, ctx));
  router.get('/notification-channels', async (ctx) => {
    const rows = await deps.db
      .selectFrom('notification_channels')
      .selectAll()
      .where('user_id', '=', ctx.state.user!.id)
      .where('delete_time', 'is', null)
      .orderBy('create_time')
      .execute();
    ctx.body = { channels: rows.map(publicChannel) };
  });
  router.delete('/notification-channels/:id', async (ctx) => remove(deps, ctx));
  router.post('/notification-channels/:id/test', async (ctx) => sendTest(deps, ctx));
  return router;
}

async function create(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(channelBody, await readJsonBody(ctx), ctx.state.locale);
  const config = parseChannelBody(body.kind, { ...body.config, name: body.name }, ctx.state.locale);
  if (config instanceof CertPilotError) throw config;
  const id = randomUUID();
  const now = new Date().toISOString();
  const row = {
    id,
    user_id: ctx.state.user!.id,
    kind: body.kind,
    name: config.name,
    config: sealChannelConfig(deps.sealer, id, config, body.locale),
    status: 'active',
    create_time: now,
    update_time: now,
    delete_time: null,
  };
  await deps.db.insertInto('notification_channels').values(row).execute();
  await audit(deps.db, {
    userId: row.user_id,
    action: 'notification-channel.create',
    targetType: 'notification-channel',
    targetId: id,
  });
  ctx.status = 201;
  ctx.body = { channel: publicChannel(row) };
}

async function remove(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const userId = ctx.state.user!.id;
  const row = await findChannel(deps, userId, parseInput(idParams, ctx.params, ctx.state.locale).id);
  const now = new Date().toISOString();
  await deps.db
    .updateTable('notification_channels')
    .set({ delete_time: now, update_time: now, status: 'deleted' })
    .where('id', '=', row.id)
    .where('user_id', '=', userId)
    .execute();
  await audit(deps.db, {
    userId,
    action: 'notification-channel.delete',
    targetType: 'notification-channel',
    targetId: row.id,
  });
  ctx.status = 204;
}

/** Sends the test message; a provider's rejection becomes a 502 carrying its message. */
async function sendTest(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const row = await findChannel(deps, ctx.state.user!.id, parseInput(idParams, ctx.params, ctx.state.locale).id);
  const channel = openChannel(deps.sealer, row, ctx.state.logger);
  try {
    await channel.send(testMessage(row.name, channelLocale(row)));
  } catch (error) {
    ctx.state.logger.info({ err: error, channelId: row.id }, 'test notification failed');
    throw error;
  }
  ctx.body = { sent: true };
}

/**
 * Reads one of the user's live channels.
 *
 * @throws CertPilotError `RESOURCE_NOT_FOUND` when it does not exist, is deleted or belongs to
 *   another user: the three look the same to the client.
 */
async function findChannel(
  deps: RelayDeps,
  userId: string,
  id: string,
): Promise<Selectable<NotificationChannelsTable>> {
  const row = await deps.db
    .selectFrom('notification_channels')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (row === undefined) {
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No notification channel ${id}`, {
      params: { variant: 'channel', id },
    });
  }
  return row;
}
