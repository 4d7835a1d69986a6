import {
  asCertPilotError,
  parseChannelConfig,
  type ChannelConfig,
  type ChannelKind,
  type CertPilotError,
} from '@certpilot/core';
import type { Locale } from '../locale.js';

/**
 * Parses a channel's settings, returning the `NOTIFY_CONFIG_INVALID` error, its problems in
 * `locale`, instead of throwing it.
 */
export function parseChannelBody(kind: ChannelKind, raw: unknown, locale: Locale): ChannelConfig | CertPilotError {
  try {
    return parseChannelConfig(kind, raw, locale);
  } catch (thrown) {
    const error = asCertPilotError(thrown);
    if (error.code !== 'NOTIFY_CONFIG_INVALID') throw thrown;
    return error;
  }
}
