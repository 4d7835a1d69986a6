/**
 * Notification events: the state changes CertPilot tells people about. Hosts build them with
 * `planNotifications`, render them with `renderNotification` and pass the result to each
 * notification channel.
 */

/** A site's certificate was replaced by a new one. */
export interface RenewedEvent {
  kind: 'renewed';
  /** The site's name as people know it, usually its first domain. */
  site: string;
  names: string[];
  serial: string;
  /** ISO 8601 time the new certificate expires. */
  notAfter: string;
}

/** Renewal of a site fails; sent once per failure streak. */
export interface RenewalFailingEvent {
  kind: 'renewal-failing';
  site: string;
  /** The error code (an `ErrorCode` for CertPilot errors) and its text, already translated. */
  error: { code: string; text: string };
  /** ISO 8601 time of the next attempt; absent when the error is terminal. */
  nextRetryAt?: string;
}

/** A site's certificate crossed an expiry threshold (14, 7, 3 or 1 days left, or expired). */
export interface ExpiringEvent {
  kind: 'expiring';
  site: string;
  /**
   * Whole days left, rounded up: 7 means the certificate expires within 7 days, 1 within a day;
   * 0 or less means it has expired.
   */
  daysLeft: number;
  notAfter: string;
}

/** An agent has not reported for more than two of its run intervals. */
export interface AgentSilentEvent {
  kind: 'agent-silent';
  agent: string;
  /** ISO 8601 time of the agent's last report. */
  lastSeenAt: string;
}

/** The live endpoint of a site serves another certificate than the one CertPilot deployed. */
export interface ServedMismatchEvent {
  kind: 'served-mismatch';
  site: string;
  expectedSerial: string;
  servedSerial: string;
}

export type NotificationEvent =
  RenewedEvent | RenewalFailingEvent | ExpiringEvent | AgentSilentEvent | ServedMismatchEvent;

export type NotificationEventKind = NotificationEvent['kind'];

export type NotificationSeverity = 'critical' | 'warning' | 'info';

/** Days left at or below which an expiring certificate counts as critical. */
const CRITICAL_DAYS_LEFT = 3;

/** The order kinds are listed in when their severity is equal: the most urgent first. */
export const EVENT_KIND_ORDER: readonly NotificationEventKind[] = [
  'renewal-failing',
  'served-mismatch',
  'expiring',
  'agent-silent',
  'renewed',
];

const SEVERITY_ORDER: readonly NotificationSeverity[] = ['critical', 'warning', 'info'];

/** Classifies an event: failures, wrong served certificates and expiry within 3 days are critical. */
export function severityOf(event: NotificationEvent): NotificationSeverity {
  switch (event.kind) {
    case 'renewal-failing':
    case 'served-mismatch':
      return 'critical';
    case 'expiring':
      return event.daysLeft <= CRITICAL_DAYS_LEFT ? 'critical' : 'warning';
    case 'agent-silent':
      return 'warning';
    case 'renewed':
      return 'info';
  }
}

/** Returns the site or agent an event is about. */
export function subjectOf(event: NotificationEvent): string {
  return event.kind === 'agent-silent' ? event.agent : event.site;
}

/**
 * Returns the events sorted most severe first: by severity, then kind, then fewer days left,
 * then site or agent name. The input array is not changed.
 */
export function sortBySeverity(events: readonly NotificationEvent[]): NotificationEvent[] {
  return [...events].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(severityOf(a)) - SEVERITY_ORDER.indexOf(severityOf(b)) ||
      EVENT_KIND_ORDER.indexOf(a.kind) - EVENT_KIND_ORDER.indexOf(b.kind) ||
      daysLeftOf(a) - daysLeftOf(b) ||
      subjectOf(a).localeCompare(subjectOf(b)),
  );
}

function daysLeftOf(event: NotificationEvent): number {
  return event.kind === 'expiring' ? event.daysLeft : 0;
}
