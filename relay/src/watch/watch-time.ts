/** Checks of the daily watch's time of day and time zone, shared by the CLI and the schedule. */

/** `HH:MM` on a 24-hour clock, 00:00 to 23:59. */
export const WATCH_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True when `timeZone` is an IANA time zone name this Node.js supports. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
