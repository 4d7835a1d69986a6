import type { IssuedCertificate, RenewalJob } from '../../jobs/job.js';
import type { DeployTarget } from '../../jobs/target.js';
import { verifyEdges } from '../edge.js';
import { providerError } from '../provider-error.js';
import type { QiniuDomainInfo } from './api-types.js';
import { deleteUnusedUploads } from './cleanup.js';
import { checkCertificateForDomains } from './deploy-checks.js';
import { detectDomainKind, domainKindMismatch } from './domain-kind.js';
import { waitWhileProcessing, type ProcessingWait } from './processing.js';
import { resolveTargetOptions, type QiniuTargetContext, type QiniuTargetOptions } from './target-options.js';
import { ensureUploaded } from './upload.js';

export interface QiniuCdnTargetOptions extends QiniuTargetOptions {
  /**
   * HTTPS flags for a domain that CertPilot turns from HTTP into HTTPS (`sslize`). Both default
   * to false. A domain already on HTTPS keeps its own flags.
   */
  sslizeFlags?: { forceHttps?: boolean; http2Enable?: boolean };
}

/**
 * The `qiniu-cdn` deploy target: uploads the certificate once, then binds it to each CDN domain
 * with `httpsconf` (already HTTPS) or `sslize` (still HTTP), waiting while a domain is processing.
 * It rejects a Kodo custom domain before anything is uploaded or bound.
 */
export class QiniuCdnTarget implements DeployTarget {
  readonly kind = 'qiniu-cdn';
  readonly #context: QiniuTargetContext;
  readonly #sslizeFlags: { forceHttps: boolean; http2Enable: boolean };

  /** @throws CertPilotError `CONFIG_INVALID` or `NAME_INVALID` for bad options (see `resolveTargetOptions`). */
  constructor(options: QiniuCdnTargetOptions) {
    this.#context = resolveTargetOptions(options, 'qiniu-cdn');
    this.#sslizeFlags = {
      forceHttps: options.sslizeFlags?.forceHttps ?? false,
      http2Enable: options.sslizeFlags?.http2Enable ?? false,
    };
  }

  /** Qiniu domains this target binds, in Qiniu's form (`.example.com` for a wildcard). */
  get domains(): readonly string[] {
    return this.#context.domains;
  }

  async deploy(_job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void> {
    const context = this.#context;
    const { commonName } = checkCertificateForDomains(context.siteId, certificate, keyPem, context.domains);
    await this.#requireCdnDomains();

    const certId = await ensureUploaded(context, 'qiniu-cdn', certificate, { keyPem, commonName });
    for (const domain of context.domains) await this.#bind(domain, certId);

    // Every domain processes its change at the same time, so the waits run in parallel.
    const results = await Promise.allSettled(
      context.domains.map((domain) => waitWhileProcessing(context.client, domain, this.#wait())),
    );
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
      this.#requireSucceeded(result.value);
    }
  }

  async verify(_job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    return verifyEdges(this.#context.domains, certificate.serial, this.#context.edge);
  }

  async afterDone(_job: RenewalJob, certificate: IssuedCertificate): Promise<void> {
    await deleteUnusedUploads(this.#context, certificate.serial, await this.#boundCertIds());
  }

  async #requireCdnDomains(): Promise<void> {
    for (const domain of this.#context.domains) {
      const detected = await detectDomainKind(this.#context.client, domain);
      if (detected.kind === 'kodo') throw domainKindMismatch(this.#context.siteId, domain, 'qiniu-cdn');
      if (detected.kind === 'unknown') throw detected.error;
    }
  }

  async #bind(domain: string, certId: string): Promise<void> {
    const { client, log } = this.#context;
    const info = await waitWhileProcessing(client, domain, this.#wait());

    if (info.protocol === 'https' && info.https?.certId === certId) {
      log.info({ domain, certId }, 'the Qiniu domain already uses the certificate');
      return;
    }
    if (info.protocol === 'https') {
      const settings = {
        certId,
        forceHttps: info.https?.forceHttps ?? false,
        http2Enable: info.https?.http2Enable ?? false,
      };
      await client.setHttpsConf(domain, settings);
      log.info(
        { domain, ...settings, previousCertId: info.https?.certId },
        'changed the certificate of the Qiniu domain',
      );
      return;
    }
    await client.sslize(domain, { certId, ...this.#sslizeFlags });
    log.info({ domain, certId, ...this.#sslizeFlags }, 'turned the Qiniu domain from HTTP to HTTPS');
  }

  #requireSucceeded(info: QiniuDomainInfo): void {
    if (info.operatingState !== 'failed') return;
    throw providerError('PROVIDER_REQUEST_FAILED', {
      site: this.#context.siteId,
      provider: 'qiniu',
      call: `GET /domain/${info.name}`,
      providerMessage: `operatingState failed after the certificate change${info.operatingStateDesc ? `: ${info.operatingStateDesc}` : ''}`,
      domain: info.name,
    });
  }

  /** Certificate IDs the site's domains use now. A domain that cannot be read is skipped, since Qiniu rejects deleting a bound certificate anyway. */
  async #boundCertIds(): Promise<Set<string>> {
    const bound = new Set<string>();
    for (const domain of this.#context.domains) {
      try {
        const certId = (await this.#context.client.getDomain(domain)).https?.certId;
        if (certId) bound.add(certId);
      } catch (error) {
        this.#context.log.warn({ err: error, domain }, 'could not read the Qiniu domain before cleanup');
      }
    }
    return bound;
  }

  #wait(): ProcessingWait {
    const { siteId, processingWaitMs, pollIntervalMs, log } = this.#context;
    return { site: siteId, maxWaitMs: processingWaitMs, pollIntervalMs, log };
  }
}
