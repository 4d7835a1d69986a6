import { inspectCertificatePem } from '../../cert/inspect.js';
import { CertPilotError } from '../../errors.js';
import type { IssuedCertificate } from '../../jobs/job.js';
import type { Logger } from '../../log.js';
import { nameMatches, normalizeDomainNames } from '../../names.js';
import type { CloudCredential, EdgeProbeOptions, UploadRegistry } from '../types.js';
import type { ThrottleRetryOptions } from './call.js';
import type { AliyunEndpoints } from './endpoints.js';

/** Options every Aliyun deploy target takes. */
export interface AliyunTargetOptions {
  credential: CloudCredential;
  siteId: string;
  /** Domains to bind; `*.example.com` is a wildcard CDN domain. */
  domains: string[];
  /** Endpoint overrides; the public Aliyun hosts are the defaults. */
  endpoints?: AliyunEndpoints;
  /** CAS region the certificate is uploaded to and bound from. Default `cn-hangzhou`. */
  region?: string;
  /** Record of the certificates CertPilot uploaded; only those are ever deleted. */
  registry: UploadRegistry;
  /** Address, port and wait of the edge probe after binding. */
  edge?: EdgeProbeOptions;
  /** Retries of throttled calls before the target throws `PROVIDER_THROTTLED`. */
  throttleRetry?: ThrottleRetryOptions;
  logger: Logger;
}

/** The CAS region CDN and OSS use when the caller names none. */
export const DEFAULT_CAS_REGION = 'cn-hangzhou';

/** Validated site fields shared by the targets. */
export interface CheckedTargetOptions {
  siteId: string;
  domains: string[];
  region: string;
}

/**
 * Checks the site fields before any network call.
 *
 * @throws CertPilotError `CONFIG_INVALID` for an empty site ID, no domains or an invalid region,
 *   `NAME_INVALID` for an invalid domain.
 */
export function checkTargetOptions(options: AliyunTargetOptions): CheckedTargetOptions {
  if (options.siteId.trim() === '') throw configInvalid('The Aliyun target needs a site ID.', { field: 'siteId' });
  if (options.domains.length === 0) {
    throw configInvalid(`Site ${options.siteId} has no domains to bind the certificate to.`, {
      site: options.siteId,
      field: 'domains',
    });
  }
  const region = options.region ?? DEFAULT_CAS_REGION;
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(region)) {
    throw configInvalid(
      `Invalid CAS region "${region}" for site ${options.siteId}: expected a region such as cn-hangzhou.`,
      {
        site: options.siteId,
        region,
      },
    );
  }
  return { siteId: options.siteId, domains: normalizeDomainNames(options.domains), region };
}

/**
 * Checks that `certificate` covers every domain, so a certificate for the wrong names fails
 * before anything is uploaded or bound.
 *
 * @throws CertPilotError `CONFIG_INVALID` naming the first domain the certificate does not cover.
 */
export function requireCoverage(certificate: IssuedCertificate, domains: string[], siteId: string): void {
  const { names } = inspectCertificatePem(certificate.pem, `the certificate of site ${siteId}`);
  for (const domain of domains) {
    if (names.some((name) => name === domain || nameMatches(name, domain))) continue;
    throw configInvalid(
      `The certificate of site ${siteId} is for ${names.join(', ')} and does not cover the domain ${domain}; add ${domain} to the site's names or remove it from its domains.`,
      { site: siteId, domain, names: names.join(',') },
    );
  }
}

function configInvalid(message: string, params: Record<string, string>): CertPilotError {
  return new CertPilotError('CONFIG_INVALID', message, { params });
}
