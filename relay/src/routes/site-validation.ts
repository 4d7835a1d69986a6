/**
 * Checks a site's domain and settings when it is created or changed. Cloud settings are parsed
 * with the scheduler's own schema, narrowed per origin, so a typo is rejected by the API at once
 * instead of failing the first renewal days later.
 */
import { CertPilotError, isCertPilotError, normalizeDomainName } from '@certpilot/core';
import { z } from 'zod';
import type { RelayDeps } from '../deps.js';
import { describeError } from '../http/messages.js';
import { parseInput } from '../http/validate.js';
import type { Locale } from '../locale.js';
import { cloudSiteConfigSchema } from '../scheduler/cloud-site.js';
import { findCredential, type Provider } from './credentials.js';
import type { SiteConfig } from './site-config.js';

/** The place a site is served from: one of the cloud targets, or nginx through an agent. */
export type Origin = 'qiniu-cdn' | 'qiniu-kodo' | 'aliyun-oss' | 'aliyun-cdn' | 'aliyun-dcdn' | 'nginx';

// Unknown keys are rejected: the scheduler would silently ignore a misspelt `edge.prot`.
const cloudKeys = z.strictObject(cloudSiteConfigSchema.shape);
const qiniuKeys = cloudKeys.omit({ bucket: true, ossRegion: true, casRegion: true });
const aliyunCdnKeys = cloudKeys.omit({ bucket: true, ossRegion: true, processingWaitSeconds: true });

const CONFIG_SCHEMAS: Record<Origin, z.ZodType> = {
  'qiniu-cdn': qiniuKeys,
  'qiniu-kodo': qiniuKeys,
  'aliyun-oss': cloudKeys.omit({ processingWaitSeconds: true }).required({ bucket: true, ossRegion: true }),
  'aliyun-cdn': aliyunCdnKeys,
  'aliyun-dcdn': aliyunCdnKeys,
  // NOTE: nginx sites are renewed by their agent, which writes their settings from its reports.
  // So the API checks only the generic flat shape of `site-config.ts` for them.
  nginx: z.record(z.string(), z.unknown()),
};

/** Origins whose provider binds exact host names only (bucket custom domains), never a wildcard. */
const EXACT_NAME_ORIGINS: ReadonlySet<Origin> = new Set(['qiniu-kodo', 'aliyun-oss']);

/**
 * Normalizes a site's domain (IDN to punycode, lowercase) and applies the origin's wildcard rule.
 *
 * @throws CertPilotError `REQUEST_INVALID` naming the `domain` field.
 */
export function siteDomain(origin: Origin, value: string, locale: Locale): string {
  let domain: string;
  try {
    domain = normalizeDomainName(value);
  } catch (error) {
    if (!isCertPilotError(error, 'NAME_INVALID')) throw error;
    const problems = `domain${locale === 'zh-CN' ? '：' : ': '}${describeError(error, locale)}`;
    throw new CertPilotError('REQUEST_INVALID', `Invalid request: ${problems}`, { params: { problems }, cause: error });
  }
  if (domain.startsWith('*.') && EXACT_NAME_ORIGINS.has(origin)) {
    throw new CertPilotError('REQUEST_INVALID', `${origin} sites cannot have the wildcard domain ${domain}`, {
      params: { variant: 'wildcard', origin, domain, example: domain.replace('*', 'www') },
    });
  }
  return domain;
}

/**
 * Checks `config` against the settings the origin's renewals read, including that
 * `challenge.credentialId` is one of the user's Aliyun credentials (Alidns serves the dns-01 TXT record).
 *
 * @throws CertPilotError `REQUEST_INVALID` naming each bad `config.` key, or `CREDENTIAL_MISMATCH`.
 */
export async function checkSiteConfig(
  deps: RelayDeps,
  userId: string,
  origin: Origin,
  config: SiteConfig,
  locale: Locale,
): Promise<void> {
  const challengeCredential = config['challenge.credentialId'];
  // The most common gap gets its own message, because zod's message is only "expected string".
  if (origin !== 'nginx' && challengeCredential === undefined) {
    throw new CertPilotError('REQUEST_INVALID', `${origin} sites need config.challenge.credentialId`, {
      params: { variant: 'challenge', origin },
    });
  }
  parseInput(z.object({ config: CONFIG_SCHEMAS[origin] }), { config }, locale);
  if (origin === 'nginx' || typeof challengeCredential !== 'string') return;
  const provider = await credentialProvider(deps, userId, challengeCredential, 'config.challenge.credentialId');
  if (provider !== 'aliyun') {
    throw new CertPilotError('CREDENTIAL_MISMATCH', `Credential ${challengeCredential} cannot be used for dns-01`, {
      params: {
        variant: 'challenge',
        field: 'config.challenge.credentialId',
        credentialId: challengeCredential,
        provider,
      },
    });
  }
}

/**
 * Looks up the provider of one of the user's live credentials, named by request field `field`.
 *
 * @throws CertPilotError `RESOURCE_NOT_FOUND` (variant `field`) naming the field, when the
 *   credential does not exist, is deleted or belongs to another user. The error is the same in
 *   all three cases.
 */
export async function credentialProvider(
  deps: RelayDeps,
  userId: string,
  credentialId: string,
  field: string,
): Promise<Provider> {
  try {
    return (await findCredential(deps, userId, credentialId)).provider as Provider;
  } catch (error) {
    if (!isCertPilotError(error, 'RESOURCE_NOT_FOUND')) throw error;
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No credential ${credentialId} for ${field}`, {
      params: { variant: 'field', field, id: credentialId },
      cause: error,
    });
  }
}
