import type { Logger } from '../log.js';
import type { ChannelKind } from './config.js';
import type { NotificationMessage } from './message.js';

/** One configured place notifications go to: an SMTP mailbox list, a robot in a group chat, a URL. */
export interface NotificationChannel {
  readonly kind: ChannelKind;
  /** The name the user gave the channel; every error and log line names it. */
  readonly name: string;
  /**
   * Delivers one message.
   *
   * @throws CertPilotError `NOTIFY_FAILED` naming the channel, with the HTTP status, the provider's
   *   code and message or the SMTP response. Never contains a password, token or signing secret.
   */
  send(message: NotificationMessage): Promise<void>;
}

/** Options every channel takes besides its config. */
export interface ChannelOptions {
  logger?: Logger;
  /** Milliseconds one delivery may take, connection included. Default {@link DEFAULT_NOTIFY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Clock for signing timestamps, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;
