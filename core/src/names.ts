import { domainToASCII } from 'node:url';
import { CertPilotError } from './errors.js';

/**
 * Domain name checks. Every name passes through `normalizeDomainName` before it reaches a config
 * file, a CSR or a command line, so those places can treat names as plain safe ASCII.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_NAME_LENGTH = 253;

/**
 * Returns the ASCII (punycode) form of `name`, lowercased, with a leading `*.` kept for wildcards.
 * Throws `NAME_INVALID` naming the value when it is not a valid DNS host name.
 */
export function normalizeDomainName(name: string): string {
  const trimmed = name.trim().replace(/\.$/, '');
  const wildcard = trimmed.startsWith('*.');
  const base = wildcard ? trimmed.slice(2) : trimmed;

  if (base === '' || /[\s/\\;{}'"`$]/.test(base))
    throw invalidName(name, 'characters', 'contains characters a domain name cannot have');
  const ascii = domainToASCII(base);
  if (ascii === '') throw invalidName(name, 'idn', 'is not a valid internationalized domain name');
  if (ascii.length > MAX_NAME_LENGTH)
    throw invalidName(name, 'too-long', `is longer than ${MAX_NAME_LENGTH} characters`);

  const labels = ascii.split('.');
  if (labels.length < 2) throw invalidName(name, 'one-label', 'needs at least two labels, such as example.com');
  for (const label of labels) {
    if (!LABEL.test(label))
      throw invalidName(
        name,
        'label',
        `has an invalid label "${label}" (1 to 63 letters, digits or hyphens, no hyphen at either end)`,
        { label },
      );
  }
  if (/^\d+$/.test(labels.at(-1) ?? ''))
    throw invalidName(name, 'ip-address', 'looks like an IP address; certificates here are for domain names');

  return wildcard ? `*.${ascii}` : ascii;
}

/** Like `normalizeDomainName`, but returns null instead of throwing. */
export function tryNormalizeDomainName(name: string): string | null {
  try {
    return normalizeDomainName(name);
  } catch {
    return null;
  }
}

/** Normalizes, removes duplicates and keeps the caller's order (the first name is the CSR's CN). */
export function normalizeDomainNames(names: readonly string[]): string[] {
  return [...new Set(names.map(normalizeDomainName))];
}

/** True when certificate name `pattern` (possibly `*.x`) covers host name `name`. */
export function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === name;
  const suffix = pattern.slice(1);
  return name.endsWith(suffix) && !name.slice(0, -suffix.length).includes('.');
}

/** Why a name is invalid, as a code hosts translate (see `NAME_REASON_MESSAGES`). */
export type NameProblem = 'characters' | 'idn' | 'too-long' | 'one-label' | 'label' | 'ip-address';

function invalidName(
  name: string,
  problem: NameProblem,
  reason: string,
  extra: Record<string, string> = {},
): CertPilotError {
  return new CertPilotError('NAME_INVALID', `Domain name "${name}" ${reason}.`, {
    params: { name, reason, problem, ...extra },
  });
}
