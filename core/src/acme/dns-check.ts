import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CertPilotError } from '../errors.js';
import type { Logger } from '../log.js';

/** Public resolvers in mainland China (AliDNS, DNSPod): the defaults of dns-01 solvers. */
export const DEFAULT_DNS_RESOLVERS: readonly string[] = ['223.5.5.5', '119.29.29.29'];

export interface WaitForTxtOptions {
  /** Resolver addresses: an IP, `ip:port` or `[ipv6]:port`. Host names are rejected. */
  resolvers: readonly string[];
  /** Total wait in milliseconds. With 0 each resolver is queried once. */
  timeoutMs: number;
  /** Pause between rounds of queries, in milliseconds. */
  intervalMs: number;
  /** Time one query may take before it counts as unanswered, in milliseconds. Default 2000. */
  queryTimeoutMs?: number;
  /** The site the record belongs to, named in the timeout error. */
  site?: string;
  logger?: Logger;
}

interface ResolverCheck {
  address: string;
  resolver: Resolver;
  /** Result of the last query, for the timeout message. */
  lastResult: string;
}

/**
 * Queries the TXT records of `name` at every resolver until each one returns `value`. A resolver
 * that returned it once is not asked again.
 *
 * NOTE: a caching resolver asked before the record reached the zone's authoritative servers keeps
 * that negative answer for the zone's SOA negative TTL, which can exceed `timeoutMs`.
 *
 * @throws CertPilotError `DNS_PROPAGATION_TIMEOUT` (retryable) naming the resolvers that still
 *   lack the value after `timeoutMs`, or `CONFIG_INVALID` for an empty or invalid resolver list.
 */
export async function waitForTxt(name: string, value: string, options: WaitForTxtOptions): Promise<void> {
  checkWaitForTxtOptions(options);
  const fqdn = name.replace(/\.$/, '');
  const queryTimeoutMs = options.queryTimeoutMs ?? 2_000;
  let pending: ResolverCheck[] = options.resolvers.map((address) => ({
    address,
    resolver: createResolver(address, queryTimeoutMs),
    lastResult: 'not queried',
  }));

  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  for (let round = 1; ; round++) {
    const found = await Promise.all(pending.map((check) => queryTxt(check, fqdn, value)));
    pending = pending.filter((_, index) => !found[index]);
    if (pending.length === 0) {
      options.logger?.debug({ name: fqdn, rounds: round, elapsedMs: Date.now() - startedAt }, 'TXT record visible');
      return;
    }

    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw propagationTimeout(fqdn, options, pending);
    await sleep(Math.min(options.intervalMs, remainingMs));
  }
}

async function queryTxt(check: ResolverCheck, name: string, value: string): Promise<boolean> {
  try {
    // A TXT record may consist of several strings of up to 255 bytes, and its value is their concatenation.
    const records = (await check.resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    check.lastResult = records.length === 0 ? 'no TXT records' : `${records.length} other TXT value(s)`;
    return records.includes(value);
  } catch (error) {
    const code = (error as { code?: string }).code;
    check.lastResult =
      code === 'ENODATA' || code === 'ENOTFOUND' ? 'no TXT records' : `query failed (${code ?? String(error)})`;
    return false;
  }
}

function createResolver(address: string, timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([address]);
  return resolver;
}

/**
 * Validates the options of {@link waitForTxt}, so callers can reject a bad configuration before
 * they publish anything.
 *
 * @throws CertPilotError `CONFIG_INVALID` naming the invalid resolver or option.
 */
export function checkWaitForTxtOptions(options: WaitForTxtOptions): void {
  if (options.resolvers.length === 0) {
    throw new CertPilotError('CONFIG_INVALID', 'No DNS resolvers given to check the TXT record with.', {
      params: { resolvers: '' },
    });
  }
  for (const address of options.resolvers) {
    if (!isResolverAddress(address)) {
      throw new CertPilotError(
        'CONFIG_INVALID',
        `Invalid DNS resolver "${address}": expected an IP address, ip:port or [ipv6]:port, such as 223.5.5.5.`,
        { params: { resolver: address } },
      );
    }
  }
  checkMilliseconds('timeoutMs', options.timeoutMs, 0);
  checkMilliseconds('intervalMs', options.intervalMs, 1);
  if (options.queryTimeoutMs !== undefined) checkMilliseconds('queryTimeoutMs', options.queryTimeoutMs, 1);
}

function checkMilliseconds(option: string, value: number, minimum: number): void {
  if (Number.isFinite(value) && value >= minimum) return;
  throw new CertPilotError(
    'CONFIG_INVALID',
    `Invalid ${option} ${String(value)}: expected a number of milliseconds of at least ${minimum}.`,
    { params: { option, value } },
  );
}

/** True for the forms `Resolver.setServers` accepts: `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]:53`. */
export function isResolverAddress(address: string): boolean {
  if (isIP(address) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  if (!match) return false;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  const family = isIP(host);
  return port >= 1 && port <= 65_535 && (match[1] === undefined ? family === 4 : family === 6);
}

function propagationTimeout(name: string, options: WaitForTxtOptions, pending: ResolverCheck[]): CertPilotError {
  const resolvers = options.resolvers.join(', ');
  const detail = pending.map((check) => `${check.address}: ${check.lastResult}`).join('; ');
  const site = options.site === undefined ? '' : ` (site ${options.site})`;
  return new CertPilotError(
    'DNS_PROPAGATION_TIMEOUT',
    `Timed out after ${options.timeoutMs} ms waiting for the TXT record of ${name}${site} on ${resolvers}. Still missing at ${detail}.`,
    {
      params: {
        name,
        resolvers,
        missingAt: pending.map((check) => check.address).join(', '),
        ...(options.site === undefined ? {} : { site: options.site }),
      },
    },
  );
}
