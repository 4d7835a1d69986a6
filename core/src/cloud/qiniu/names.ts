import { nameMatches, normalizeDomainName } from '../../names.js';

/**
 * Converts a configured domain to the form Qiniu's domain API uses: lowercase ASCII, with a
 * wildcard written `.example.com` whether it was given as `.example.com` or `*.example.com`.
 *
 * @throws CertPilotError `NAME_INVALID` naming the value when it is not a valid domain.
 */
export function toQiniuDomain(domain: string): string {
  const trimmed = domain.trim();
  const wildcard = trimmed.startsWith('.') ? `*${trimmed}` : trimmed;
  const normalized = normalizeDomainName(wildcard);
  return normalized.startsWith('*.') ? normalized.slice(1) : normalized;
}

/** Returns the certificate name that a Qiniu domain needs: `.example.com` needs `*.example.com`. */
export function certificateNameFor(qiniuDomain: string): string {
  return qiniuDomain.startsWith('.') ? `*${qiniuDomain}` : qiniuDomain;
}

/** Returns the domains that none of the certificate's names cover. */
export function uncoveredDomains(certificateNames: readonly string[], qiniuDomains: readonly string[]): string[] {
  return qiniuDomains.filter((domain) => {
    const needed = certificateNameFor(domain);
    return !certificateNames.some((name) => nameMatches(name.toLowerCase(), needed));
  });
}

/**
 * Returns the name CertPilot gives its uploads: `certpilot-<siteId>-<serial>`. A retried deploy
 * finds its earlier upload by this name, and cleanup deletes only certificates named so.
 */
export function uploadName(siteId: string, serial: string): string {
  return `certpilot-${siteId}-${serial}`;
}
