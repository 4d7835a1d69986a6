/**
 * When a certificate should be replaced.
 *
 * With ACME Renewal Information (RFC 9773) the CA's `suggestedWindow` decides; otherwise a
 * certificate is renewed when one third of its lifetime remains, or one half for certificates
 * shorter than 10 days. A fixed "30 days before expiry" is wrong for 45-, 64- and 6-day
 * certificates, which Let's Encrypt issues or will issue.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const SHORT_LIVED_MS = 10 * DAY_MS;

/** The CA's suggested window from ARI, with the time CertPilot picked inside it. */
export interface AriWindow {
  start: string;
  end: string;
  /** A uniformly random time inside the window, picked once and kept until the window changes. */
  selectedTime: string;
  explanationUrl?: string;
}

export type RenewalReason = 'ari-window' | 'lifetime-remaining' | 'expired' | 'forced';

export interface RenewalDecision {
  due: boolean;
  /** When the certificate becomes (or became) due, ISO 8601. */
  renewAt: string;
  reason: RenewalReason;
  /** Whole days until notAfter, negative once expired. */
  daysLeft: number;
  explanationUrl?: string;
  /** True when the half-lifetime rule for certificates shorter than 10 days applied. */
  shortLived?: boolean;
}

export interface CertificateValidity {
  notBefore: string;
  notAfter: string;
}

/** Returns the time at which `certificate` should be renewed, without ARI. */
export function lifetimeRenewalTime(certificate: CertificateValidity): Date {
  const notBefore = Date.parse(certificate.notBefore);
  const notAfter = Date.parse(certificate.notAfter);
  const lifetime = notAfter - notBefore;
  const fraction = lifetime < SHORT_LIVED_MS ? 1 / 2 : 1 / 3;
  return new Date(notAfter - lifetime * fraction);
}

/** Decides whether `certificate` is due at `now`, preferring the CA's ARI window when known. */
export function decideRenewal(
  certificate: CertificateValidity,
  options: { now?: Date; ari?: AriWindow; force?: boolean } = {},
): RenewalDecision {
  const now = options.now ?? new Date();
  const notAfter = Date.parse(certificate.notAfter);
  const daysLeft = Math.floor((notAfter - now.getTime()) / DAY_MS);

  if (options.force) return { due: true, renewAt: now.toISOString(), reason: 'forced', daysLeft };
  if (notAfter <= now.getTime()) return { due: true, renewAt: certificate.notAfter, reason: 'expired', daysLeft };

  if (options.ari) {
    const renewAt = options.ari.selectedTime;
    return {
      due: Date.parse(renewAt) <= now.getTime(),
      renewAt,
      reason: 'ari-window',
      daysLeft,
      ...(options.ari.explanationUrl ? { explanationUrl: options.ari.explanationUrl } : {}),
    };
  }

  const renewAt = lifetimeRenewalTime(certificate);
  const shortLived = Date.parse(certificate.notAfter) - Date.parse(certificate.notBefore) < SHORT_LIVED_MS;
  return {
    ...(shortLived ? { shortLived } : {}),
    due: renewAt.getTime() <= now.getTime(),
    renewAt: renewAt.toISOString(),
    reason: 'lifetime-remaining',
    daysLeft,
  };
}

/** Picks a uniformly random time in `[start, end)`; a window in the past yields `now`. */
export function pickTimeInWindow(
  start: string,
  end: string,
  random: () => number = Math.random,
  now = new Date(),
): string {
  const from = Date.parse(start);
  const to = Date.parse(end);
  if (to <= now.getTime()) return now.toISOString();
  return new Date(from + Math.floor(random() * Math.max(0, to - from))).toISOString();
}
