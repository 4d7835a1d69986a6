import { lifetimeRenewalTime } from '../policy/renewal-window.js';
import type {
  AgentSilentEvent,
  ExpiringEvent,
  NotificationEvent,
  RenewalFailingEvent,
  ServedMismatchEvent,
} from './events.js';

/**
 * Days-left thresholds that each notify once per certificate, the last (0) meaning expired.
 * A certificate first seen with 5 days left notifies once for 7, then again at 3 and 1.
 * Thresholds at or above the time left when the certificate is normally renewed are skipped:
 * a 6-day certificate renewed with 3 days left would otherwise warn at every renewal.
 */
export const EXPIRY_THRESHOLDS_DAYS: readonly number[] = [14, 7, 3, 1, 0];

/** An agent counts as silent when its last report is older than this many run intervals. */
export const SILENT_AFTER_INTERVALS = 2;

const DAY_MS = 86_400_000;

/** A site as it is now. */
export interface SiteSnapshot {
  site: string;
  /** The certificate deployed now; absent before the first one is issued. */
  certificate?: { serial: string; names: string[]; notAfter: string; notBefore?: string };
  /** Absent or `ok` while renewals succeed or are not due. */
  renewal?: { status: 'ok' } | { status: 'failing'; error: RenewalFailingEvent['error']; nextRetryAt?: string };
  /** Serial the last probe of the live endpoint saw, when there was a probe. */
  servedSerial?: string;
}

/** An agent as it is now. */
export interface AgentSnapshot {
  agent: string;
  /** ISO 8601 time of its last report. */
  lastSeenAt: string;
  /** Milliseconds between its scheduled runs. */
  intervalMs: number;
}

/** The notifications already sent about one site. */
export interface SiteNotifiedState {
  /** Serial of the certificate last seen; a different one is a renewal. */
  serial?: string;
  /** True once the current failure streak was notified. */
  failingNotified?: boolean;
  /** Lowest threshold notified for the certificate `serial`. */
  expiryThresholdDays?: number;
  /** Served serial last notified as a mismatch. */
  mismatchServedSerial?: string;
}

/** The notifications already sent, which hosts store between runs. Before the first run, both maps are empty. */
export interface NotifiedState {
  sites: Record<string, SiteNotifiedState>;
  agents: Record<string, { silentSinceLastSeenAt?: string }>;
}

export interface NotificationPlanInput {
  previous: NotifiedState;
  sites: readonly SiteSnapshot[];
  agents: readonly AgentSnapshot[];
  now: Date;
}

export interface NotificationPlan {
  /** Events to send now, in input order; render them as one message for a digest. */
  events: NotificationEvent[];
  /**
   * The state after these events. Store it once they were delivered; keeping the previous state
   * after a failed delivery sends the same events on the next run. Sites and agents missing from
   * the input are dropped from it.
   */
  next: NotifiedState;
}

/**
 * Decides what to notify, from state changes only. A renewal notifies once per new serial, and a
 * failing renewal once per failure streak. Each expiry threshold notifies once per certificate,
 * a served-serial mismatch once per served serial, and a silent agent once until it reports
 * again. When nothing changed, there are no events. A site seen for the first time gives no
 * renewal event for its current certificate, but its failure, expiry and mismatch are notified.
 */
export function planNotifications(input: NotificationPlanInput): NotificationPlan {
  const events: NotificationEvent[] = [];
  const next: NotifiedState = { sites: {}, agents: {} };

  for (const site of input.sites) {
    const planned = planSite(site, input.previous.sites[site.site], input.now);
    events.push(...planned.events);
    next.sites[site.site] = planned.state;
  }
  for (const agent of input.agents) {
    const previous = input.previous.agents[agent.agent]?.silentSinceLastSeenAt;
    const planned = planAgent(agent, previous, input.now);
    if (planned.event !== undefined) events.push(planned.event);
    const silentSince = planned.silentSinceLastSeenAt;
    next.agents[agent.agent] = silentSince === undefined ? {} : { silentSinceLastSeenAt: silentSince };
  }
  return { events, next };
}

function planSite(
  site: SiteSnapshot,
  previous: SiteNotifiedState | undefined,
  now: Date,
): { events: NotificationEvent[]; state: SiteNotifiedState } {
  const events: NotificationEvent[] = [];
  const certificate = site.certificate;
  const renewed = previous !== undefined && certificate !== undefined && certificate.serial !== previous.serial;
  if (renewed) {
    const { serial, names, notAfter } = certificate;
    events.push({ kind: 'renewed', site: site.site, names, serial, notAfter });
  }

  // A new certificate starts its thresholds afresh; the same one keeps what was notified.
  const sameCertificate = certificate !== undefined && certificate.serial === previous?.serial;
  const expiry = planExpiry(site.site, certificate, sameCertificate ? previous?.expiryThresholdDays : undefined, now);
  if (expiry.event !== undefined) events.push(expiry.event);

  const failing = planFailing(site, previous?.failingNotified ?? false, renewed);
  if (failing.event !== undefined) events.push(failing.event);

  const mismatch = planMismatch(site, previous?.mismatchServedSerial);
  if (mismatch.event !== undefined) events.push(mismatch.event);

  const state: SiteNotifiedState = {
    ...(certificate === undefined ? {} : { serial: certificate.serial }),
    ...(failing.notified ? { failingNotified: true } : {}),
    ...(expiry.thresholdDays === undefined ? {} : { expiryThresholdDays: expiry.thresholdDays }),
    ...(mismatch.servedSerial === undefined ? {} : { mismatchServedSerial: mismatch.servedSerial }),
  };
  return { events, state };
}

function planExpiry(
  site: string,
  certificate: SiteSnapshot['certificate'],
  notifiedThreshold: number | undefined,
  now: Date,
): { event?: ExpiringEvent; thresholdDays?: number } {
  if (certificate === undefined) return {};
  const notAfter = Date.parse(certificate.notAfter);
  if (Number.isNaN(notAfter)) return { thresholdDays: notifiedThreshold };

  const daysLeft = Math.ceil((notAfter - now.getTime()) / DAY_MS);
  const crossed = thresholdsFor(certificate)
    .filter((threshold) => daysLeft <= threshold)
    .at(-1);
  if (crossed === undefined) return {};
  if (notifiedThreshold !== undefined && notifiedThreshold <= crossed) return { thresholdDays: notifiedThreshold };

  return { event: { kind: 'expiring', site, daysLeft, notAfter: certificate.notAfter }, thresholdDays: crossed };
}

function thresholdsFor(certificate: NonNullable<SiteSnapshot['certificate']>): readonly number[] {
  if (certificate.notBefore === undefined || Number.isNaN(Date.parse(certificate.notBefore))) {
    return EXPIRY_THRESHOLDS_DAYS;
  }
  const validity = { notBefore: certificate.notBefore, notAfter: certificate.notAfter };
  const leftAtRenewal = Date.parse(certificate.notAfter) - lifetimeRenewalTime(validity).getTime();
  return EXPIRY_THRESHOLDS_DAYS.filter((threshold) => threshold * DAY_MS < leftAtRenewal);
}

/** Plans the failure event. A streak ends when renewal is ok again or a new certificate arrived. */
function planFailing(
  site: SiteSnapshot,
  alreadyNotified: boolean,
  renewed: boolean,
): { event?: RenewalFailingEvent; notified: boolean } {
  const renewal = site.renewal;
  if (renewal === undefined || renewal.status !== 'failing') return { notified: false };
  if (alreadyNotified && !renewed) return { notified: true };

  const event: RenewalFailingEvent = { kind: 'renewal-failing', site: site.site, error: renewal.error };
  if (renewal.nextRetryAt !== undefined) event.nextRetryAt = renewal.nextRetryAt;
  return { event, notified: true };
}

function planMismatch(
  site: SiteSnapshot,
  notifiedServedSerial: string | undefined,
): { event?: ServedMismatchEvent; servedSerial?: string } {
  const expected = site.certificate?.serial;
  const served = site.servedSerial;
  if (expected === undefined || served === undefined || sameSerial(expected, served)) return {};
  if (notifiedServedSerial !== undefined && sameSerial(notifiedServedSerial, served)) return { servedSerial: served };

  return {
    event: { kind: 'served-mismatch', site: site.site, expectedSerial: expected, servedSerial: served },
    servedSerial: served,
  };
}

function planAgent(
  agent: AgentSnapshot,
  notifiedForLastSeenAt: string | undefined,
  now: Date,
): { event?: AgentSilentEvent; silentSinceLastSeenAt?: string } {
  const lastSeen = Date.parse(agent.lastSeenAt);
  const silent = !Number.isNaN(lastSeen) && now.getTime() - lastSeen > SILENT_AFTER_INTERVALS * agent.intervalMs;
  if (!silent) return {};
  if (notifiedForLastSeenAt === agent.lastSeenAt) return { silentSinceLastSeenAt: agent.lastSeenAt };

  return {
    event: { kind: 'agent-silent', agent: agent.agent, lastSeenAt: agent.lastSeenAt },
    silentSinceLastSeenAt: agent.lastSeenAt,
  };
}

/** Serials are hex; tools differ in case and leading zeros. */
function sameSerial(a: string, b: string): boolean {
  const normalize = (serial: string) =>
    serial
      .replace(/[^0-9a-f]/gi, '')
      .toLowerCase()
      .replace(/^0+/, '');
  return normalize(a) === normalize(b);
}
