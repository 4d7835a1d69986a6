/**
 * The one retry schedule for failed renewals: 1 min, 10 min, 100 min, then daily. A server's
 * `Retry-After` is honored, clamped to [1 min, 1 day] so a bad header can neither hammer the CA
 * nor park a site for weeks.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Delay before retry number n (1-based), in milliseconds; the last entry repeats. */
export const BACKOFF_SCHEDULE_MS: readonly number[] = [MINUTE_MS, 10 * MINUTE_MS, 100 * MINUTE_MS, DAY_MS];

export const RETRY_AFTER_MIN_MS = MINUTE_MS;
export const RETRY_AFTER_MAX_MS = DAY_MS;

/** Delay before the retry that follows failed attempt `attempt` (1 for the first failure). */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number {
  const index = Math.min(Math.max(attempt, 1), BACKOFF_SCHEDULE_MS.length) - 1;
  const scheduled = BACKOFF_SCHEDULE_MS[index]!;
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return scheduled;
  const clamped = Math.min(Math.max(retryAfterMs, RETRY_AFTER_MIN_MS), RETRY_AFTER_MAX_MS);
  return Math.max(scheduled, clamped);
}

/**
 * Parses an HTTP `Retry-After` value (seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = new Date()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** A random delay in `[0, maxMs)` so scheduled runs of many servers do not all start on the hour. */
export function jitterDelayMs(maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.max(0, maxMs));
}
