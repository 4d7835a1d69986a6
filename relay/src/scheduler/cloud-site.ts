/**
 * What a cloud site needs beyond its origin, domain and credential, read from the site's flat
 * key/value config (`user_sites.config` takes no nested values, so groups use dotted keys and
 * lists are comma-separated):
 *
 *   names                         certificate names, default the site's domain
 *   domains                       provider domains to bind, default the names
 *   bucket, ossRegion, casRegion  Aliyun OSS bucket and regions
 *   challenge.credentialId        the user's aliyun credential for Alidns dns-01 (required)
 *   challenge.resolvers           resolvers to check the TXT record on, `ip[:port]`
 *   challenge.propagationTimeoutSeconds
 *   processingWaitSeconds         Qiniu: wait for a processing domain
 *   edge.address, edge.port, edge.timeoutSeconds, edge.intervalSeconds
 */
import { CertPilotError, CLOUD_TARGETS, normalizeDomainName, type CloudTargetKind } from '@certpilot/core';
import { z } from 'zod';

const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item).min(1));

const domainName = z.string().transform((value, context) => {
  try {
    return normalizeDomainName(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const providerDomain = z
  .string()
  .regex(/^\.?[a-z0-9*-]+(\.[a-z0-9-]+)+$/i, 'expected a domain such as cdn.example.com');
const resolver = z.string().regex(/^[0-9a-f.:[\]]+$/i, 'expected an IP address, optionally with :port');
const seconds = (max: number) => z.number().positive().max(max);

/** The cloud settings keys every cloud origin reads; the sites API narrows it per origin. */
export const cloudSiteConfigSchema = z.object({
  names: list(domainName).optional(),
  domains: list(providerDomain).optional(),
  bucket: z.string().min(3).max(63).optional(),
  ossRegion: z
    .string()
    .regex(/^oss-[a-z0-9-]+$/, 'expected a region such as oss-cn-hangzhou')
    .optional(),
  casRegion: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .optional(),
  'challenge.credentialId': z.uuid(),
  'challenge.resolvers': list(resolver).optional(),
  'challenge.propagationTimeoutSeconds': seconds(3600).optional(),
  processingWaitSeconds: z.number().min(0).max(3600).optional(),
  'edge.address': z.string().min(1).max(253).optional(),
  'edge.port': z.number().int().min(1).max(65535).optional(),
  'edge.timeoutSeconds': seconds(3600).optional(),
  'edge.intervalSeconds': seconds(600).optional(),
});

/** A cloud site's settings, checked and with defaults applied. */
export interface CloudSiteSettings {
  target: CloudTargetKind;
  names: string[];
  domains?: string[];
  bucket?: string;
  ossRegion?: string;
  casRegion?: string;
  challenge: { credentialId: string; resolvers?: string[]; propagationTimeoutMs?: number };
  processingWaitMs?: number;
  edge: { address?: string; port?: number; timeoutMs?: number; intervalMs?: number };
}

/** True for origins the relay renews itself. */
export function isCloudOrigin(origin: string): origin is CloudTargetKind {
  return (CLOUD_TARGETS as readonly string[]).includes(origin);
}

/**
 * Reads the settings of a cloud site from its stored config JSON.
 *
 * @throws CertPilotError `CONFIG_INVALID` (variant `site`) naming each bad or missing key.
 */
export function parseCloudSite(site: {
  id: string;
  origin: string;
  domain: string;
  config: string;
}): CloudSiteSettings {
  if (!isCloudOrigin(site.origin)) {
    throw invalid(site.id, `origin: ${site.origin} is not a cloud origin`);
  }
  const parsed = cloudSiteConfigSchema.safeParse(JSON.parse(site.config));
  if (!parsed.success) {
    throw invalid(site.id, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  const c = parsed.data;
  if (site.origin === 'aliyun-oss' && (!c.bucket || !c.ossRegion)) {
    throw invalid(site.id, 'bucket, ossRegion: aliyun-oss sites need both');
  }
  const ms = (value: number | undefined) => (value === undefined ? undefined : value * 1000);
  return prune({
    target: site.origin,
    names: c.names ?? [site.domain],
    domains: c.domains,
    bucket: c.bucket,
    ossRegion: c.ossRegion,
    casRegion: c.casRegion,
    challenge: prune({
      credentialId: c['challenge.credentialId'],
      resolvers: c['challenge.resolvers'],
      propagationTimeoutMs: ms(c['challenge.propagationTimeoutSeconds']),
    }),
    processingWaitMs: ms(c.processingWaitSeconds),
    edge: prune({
      address: c['edge.address'],
      port: c['edge.port'],
      timeoutMs: ms(c['edge.timeoutSeconds']),
      intervalMs: ms(c['edge.intervalSeconds']),
    }),
  }) as CloudSiteSettings;
}

function invalid(siteId: string, problems: string): CertPilotError {
  return new CertPilotError('CONFIG_INVALID', `Site ${siteId} has invalid settings: ${problems}`, {
    params: { variant: 'site', site: siteId, problems },
  });
}

/** Drops undefined values, for `exactOptionalPropertyTypes`. */
function prune<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
