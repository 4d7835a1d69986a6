import type { Logger } from '../../log.js';
import { providerError } from '../provider-error.js';
import type { QiniuDomainInfo } from './api-types.js';
import type { QiniuClient } from './client.js';

export interface ProcessingWait {
  site: string;
  /** Total time to wait, in milliseconds. */
  maxWaitMs: number;
  /** Pause between reads of the domain, in milliseconds. */
  pollIntervalMs: number;
  log: Logger;
}

/**
 * Reads the CDN domain until its `operatingState` is no longer `processing` and returns the last
 * read. Qiniu rejects a new certificate binding while an earlier change is still processing.
 *
 * @throws CertPilotError `PROVIDER_DOMAIN_PROCESSING` (retryable) when the wait runs out.
 */
export async function waitWhileProcessing(
  client: QiniuClient,
  domain: string,
  wait: ProcessingWait,
  current?: QiniuDomainInfo,
): Promise<QiniuDomainInfo> {
  const started = Date.now();
  const deadline = started + wait.maxWaitMs;
  let info = current ?? (await client.getDomain(domain));
  if (info.operatingState === 'processing')
    wait.log.info({ domain, maxWaitMs: wait.maxWaitMs }, 'waiting while the Qiniu domain is processing');

  while (info.operatingState === 'processing') {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      throw providerError('PROVIDER_DOMAIN_PROCESSING', {
        site: wait.site,
        provider: 'qiniu',
        call: `GET /domain/${domain}`,
        providerMessage: `operatingState is still processing after ${Date.now() - started} ms${info.operatingStateDesc ? ` (${info.operatingStateDesc})` : ''}`,
        domain,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait.pollIntervalMs, remainingMs)));
    info = await client.getDomain(domain);
  }
  return info;
}
