import { CertPilotError, type NotificationLocale, type SerializedError, type SiteSnapshot } from '@certpilot/core';
import { describeError } from '../http/messages.js';

/** Builds a site snapshot's `renewal` for a job that failed with `error`, its text in `locale`. */
export function failingRenewal(
  error: SerializedError,
  locale: NotificationLocale,
  nextRetryAt?: string,
): NonNullable<SiteSnapshot['renewal']> {
  const typed = new CertPilotError(error.code, error.message, { params: error.params });
  return {
    status: 'failing',
    error: { code: error.code, text: describeError(typed, locale) },
    ...(nextRetryAt ? { nextRetryAt } : {}),
  };
}
