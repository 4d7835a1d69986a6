import { CertPilotError } from '../errors.js';
import type { ChannelKind } from './config.js';

/** The channel a failure belongs to, and the secrets its error text must never contain. */
export interface ChannelContext {
  kind: ChannelKind;
  name: string;
  /** Passwords, tokens and signing secrets of the channel, removed from every error text. */
  secrets: readonly string[];
}

export interface NotifyFailureDetails {
  providerCode?: string | number;
  providerMessage?: string;
  httpStatus?: number;
  smtpResponse?: string;
  /** Set to false when the same request can only fail again, e.g. a rejected signature. */
  retryable?: boolean;
}

const REDACTED = '[redacted]';

/** Builds the `NOTIFY_FAILED` error of a channel, with every secret removed from its text. */
export function notifyFailed(
  channel: ChannelContext,
  detail: string,
  details: NotifyFailureDetails = {},
): CertPilotError {
  const clean = (text: string | undefined) => (text === undefined ? undefined : redact(text, channel.secrets));
  const cleanDetail = clean(detail)!;

  return new CertPilotError(
    'NOTIFY_FAILED',
    `Notification channel ${channel.kind} "${channel.name}" failed to send: ${cleanDetail}`,
    {
      params: {
        kind: channel.kind,
        channel: channel.name,
        detail: cleanDetail,
        providerCode: details.providerCode,
        providerMessage: clean(details.providerMessage),
        httpStatus: details.httpStatus,
        smtpResponse: clean(details.smtpResponse),
      },
      ...(details.retryable === undefined ? {} : { retryable: details.retryable }),
    },
  );
}

/**
 * Replaces each non-empty secret in `text`, as written and percent-encoded, with `[redacted]`.
 * A very short secret also hides matching ordinary text, which is better than leaking it.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join(REDACTED);
  }
  return result;
}
