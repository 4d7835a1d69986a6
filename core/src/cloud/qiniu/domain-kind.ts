import { CertPilotError, isCertPilotError } from '../../errors.js';
import type { QiniuDomainInfo } from './api-types.js';
import type { QiniuClient } from './client.js';

/**
 * Classification of a domain by the CDN domain API: a CDN domain with its settings, a domain that
 * the API rejects as another type (a Kodo custom domain), or a domain the API does not know.
 */
export type QiniuDomainKind =
  { kind: 'cdn'; info: QiniuDomainInfo } | { kind: 'kodo' } | { kind: 'unknown'; error: CertPilotError };

/**
 * Reads `domain` through the CDN domain API and classifies it. Only the CDN API is asked, since
 * it rejects a Kodo custom domain with `domaintype is not allowed`.
 * NOTE: that reply to `GET /domain/<name>` is what the test fake sends; Qiniu does not document
 * what the call returns for a Kodo custom domain.
 */
export async function detectDomainKind(client: QiniuClient, domain: string): Promise<QiniuDomainKind> {
  try {
    return { kind: 'cdn', info: await client.getDomain(domain) };
  } catch (error) {
    if (
      isCertPilotError(error, 'PROVIDER_REQUEST_FAILED') &&
      /domaintype is not allowed/i.test(String(error.params.providerMessage))
    ) {
      return { kind: 'kodo' };
    }
    if (isCertPilotError(error, 'PROVIDER_DOMAIN_NOT_FOUND')) return { kind: 'unknown', error };
    throw error;
  }
}

/** Builds the error for a domain of the other kind than the site's target binds. Nothing was sent for it yet. */
export function domainKindMismatch(site: string, domain: string, target: 'qiniu-cdn' | 'qiniu-kodo'): CertPilotError {
  const message =
    target === 'qiniu-cdn'
      ? `Site ${site} deploys with the qiniu-cdn target, but ${domain} is a Qiniu Kodo custom domain, which only the Kodo API can bind (the CDN API rejects it with "domaintype is not allowed"). Set the site's target to qiniu-kodo. Nothing was uploaded or bound.`
      : `Site ${site} deploys with the qiniu-kodo target, but ${domain} is a Qiniu CDN domain, which only the CDN API can bind (the Kodo API rejects it with "domaintype is not allowed"). Set the site's target to qiniu-cdn. Nothing was uploaded or bound.`;
  return new CertPilotError('CONFIG_INVALID', message, {
    params: { site, provider: 'qiniu', domain, target, domainType: target === 'qiniu-cdn' ? 'kodo' : 'cdn' },
  });
}
