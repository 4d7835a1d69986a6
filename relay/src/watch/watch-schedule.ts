/**
 * The daily expiry watch on node-schedule: a recurrence rule at a set time of day, plus a random
 * delay so many relays do not probe and send at the same minute.
 *
 * NOTE: each relay process runs its own watch. Relays sharing one database each probe every site,
 * and a change found by two of them at once can be notified twice.
 */
import { CertPilotError, jitterDelayMs } from '@certpilot/core';
import { Job, RecurrenceRule } from 'node-schedule';
import { runWatch, type WatchDeps, type WatchSummary } from './run-watch.js';
import { isTimeZone, WATCH_TIME } from './watch-time.js';

export interface WatchScheduleOptions {
  /** Time of day the watch runs, `HH:MM` (24 hours). Default `09:00`. */
  time: string;
  /** IANA time zone of `time`. Default `Asia/Shanghai`. */
  timeZone: string;
  /** Up to this many milliseconds are added to each run at random. Default 10 min. */
  jitterMs: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchScheduleOptions = {
  time: '09:00',
  timeZone: 'Asia/Shanghai',
  jitterMs: 10 * 60_000,
};

/** A scheduled expiry watch. */
export interface ExpiryWatch {
  /** When the next scheduled run starts, jitter not included. */
  nextRunAt(): Date | null;
  /** Runs the watch now, after any run in progress; tests call it directly. */
  runNow(): Promise<WatchSummary>;
  /** Cancels the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Schedules the daily watch.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a `time` that is not `HH:MM` or an unknown time zone.
 */
export function startWatch(deps: WatchDeps, options: Partial<WatchScheduleOptions> = {}): ExpiryWatch {
  const settings = { ...DEFAULT_WATCH_OPTIONS, ...options };
  const rule = dailyRule(settings.time, settings.timeZone);
  const log = deps.logger.child({ subsystem: 'watch' });
  let running: Promise<WatchSummary> | undefined;
  let delay: NodeJS.Timeout | undefined;

  const run = (): Promise<WatchSummary> => {
    const previous = running ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => runWatch(deps));
    running = next;
    void next.finally(() => {
      if (running === next) running = undefined;
    });
    return next;
  };
  const job = new Job(() => {
    delay = setTimeout(() => {
      run().catch((error: unknown) => log.error({ err: error }, 'expiry watch run failed; it runs again tomorrow'));
    }, jitterDelayMs(settings.jitterMs));
  });
  job.schedule(rule);
  log.info({ next: job.nextInvocation()?.toISOString() }, 'expiry watch scheduled');

  return {
    nextRunAt: () => job.nextInvocation(),
    runNow: run,
    async stop() {
      job.cancel();
      clearTimeout(delay);
      await running?.catch(() => undefined);
    },
  };
}

function dailyRule(time: string, timeZone: string): RecurrenceRule {
  const match = WATCH_TIME.exec(time);
  if (!match) throw invalid(`watch time "${time}" is not HH:MM (00:00 to 23:59)`);
  if (!isTimeZone(timeZone))
    throw invalid(`watch time zone "${timeZone}" is unknown: use an IANA name such as Asia/Shanghai`);
  const rule = new RecurrenceRule();
  rule.hour = Number(match[1]);
  rule.minute = Number(match[2]);
  rule.second = 0;
  rule.tz = timeZone;
  return rule;
}

function invalid(message: string): CertPilotError {
  return new CertPilotError('CONFIG_INVALID', message, { params: { message } });
}
