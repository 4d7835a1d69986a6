import {
  asCertPilotError,
  parseChannelConfig,
  type ChannelConfig,
  type ChannelKind,
  type CertPilotError,
} from '@certpilot/core';

/** Parses a channel's settings, returning the `NOTIFY_CONFIG_INVALID` error instead of throwing it. */
export function parseChannelBody(kind: ChannelKind, raw: unknown): ChannelConfig | CertPilotError {
  try {
    return parseChannelConfig(kind, raw);
  } catch (thrown) {
    const error = asCertPilotError(thrown);
    if (error.code !== 'NOTIFY_CONFIG_INVALID') throw thrown;
    return error;
  }
}
