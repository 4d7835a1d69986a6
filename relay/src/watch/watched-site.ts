import type { NotificationLocale, SiteSnapshot } from '@certpilot/core';
import type { SiteWatchResult } from './watch-store.js';

/** One site as a watch run saw it: the result it stores and the snapshot notifications plan from. */
export interface WatchedSite {
  result: SiteWatchResult;
  /** The site's domain, the key of its notified state (as job notifications use it). */
  domain: string;
  /** The site's snapshot for `planNotifications`, its texts in `locale`. */
  snapshot(locale: NotificationLocale): SiteSnapshot;
}

/** Milliseconds a site may stay past its renewal time before the watch reports it as not renewed. */
export const NOT_RENEWED_GRACE_MS = 24 * 3_600_000;
