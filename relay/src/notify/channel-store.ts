/**
 * Notification channels as the relay stores them. The `config` column holds
 * `{ locale, settings }`: the settings `parseChannelConfig` returned, without `kind`, with each
 * secret field sealed and bound to the row id and the field name.
 */
import {
  createNotificationChannel,
  parseChannelConfig,
  type ChannelConfig,
  type ChannelKind,
  type NotificationChannel,
  type NotificationLocale,
  type Logger,
  type Sealer,
} from '@certpilot/core';
import type { Selectable } from 'kysely';
import type { NotificationChannelsTable } from '../db/schema.js';

/** The fields of each kind that are secrets: sealed at rest, masked in responses. */
export const SECRET_FIELDS: Record<ChannelKind, readonly string[]> = {
  email: ['password'],
  dingtalk: ['accessToken', 'secret'],
  wecom: ['key'],
  feishu: ['token', 'secret'],
  webhook: ['secret'],
};

/** What responses show instead of a secret. */
export const MASK = '********';

interface StoredConfig {
  locale: NotificationLocale;
  settings: Record<string, unknown>;
}

/** Additional data binding one sealed secret to its row and field. */
const secretAad = (channelId: string, field: string) => `notification-channel:${channelId}:${field}`;

/** Returns the `config` column for a parsed config, its secrets sealed. */
export function sealChannelConfig(
  sealer: Sealer,
  channelId: string,
  config: ChannelConfig,
  locale: NotificationLocale,
): string {
  const { kind, ...settings } = config;
  const sealed: Record<string, unknown> = { ...settings };
  for (const field of SECRET_FIELDS[kind]) {
    const value = sealed[field];
    if (typeof value === 'string') sealed[field] = sealer.seal(value, secretAad(channelId, field));
  }
  return JSON.stringify({ locale, settings: sealed } satisfies StoredConfig);
}

function readStored(row: Selectable<NotificationChannelsTable>): StoredConfig {
  return JSON.parse(row.config) as StoredConfig;
}

/** The language the channel's messages are written in. */
export function channelLocale(row: Selectable<NotificationChannelsTable>): NotificationLocale {
  return readStored(row).locale;
}

/** The channel's settings with every secret replaced by {@link MASK}. */
export function maskedSettings(row: Selectable<NotificationChannelsTable>): Record<string, unknown> {
  const settings = { ...readStored(row).settings };
  for (const field of SECRET_FIELDS[row.kind as ChannelKind] ?? []) {
    if (settings[field] !== undefined) settings[field] = MASK;
  }
  return settings;
}

/**
 * Opens the row's secrets and creates the channel that sends through it.
 *
 * @throws CertPilotError `NOTIFY_CONFIG_INVALID` when the stored settings no longer parse, or the
 *   sealer's error when a secret cannot be opened.
 */
export function openChannel(
  sealer: Sealer,
  row: Selectable<NotificationChannelsTable>,
  logger: Logger,
): NotificationChannel {
  const kind = row.kind as ChannelKind;
  const settings = { ...readStored(row).settings };
  for (const field of SECRET_FIELDS[kind] ?? []) {
    const value = settings[field];
    if (typeof value === 'string') settings[field] = sealer.open(value, secretAad(row.id, field));
  }
  return createNotificationChannel(parseChannelConfig(kind, settings), { logger });
}
