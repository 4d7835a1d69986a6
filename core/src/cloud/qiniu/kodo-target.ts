import type { IssuedCertificate, RenewalJob } from '../../jobs/job.js';
import type { DeployTarget } from '../../jobs/target.js';
import { verifyEdges } from '../edge.js';
import { deleteUnusedUploads } from './cleanup.js';
import { checkCertificateForDomains } from './deploy-checks.js';
import { detectDomainKind, domainKindMismatch } from './domain-kind.js';
import { resolveTargetOptions, type QiniuTargetContext, type QiniuTargetOptions } from './target-options.js';
import { ensureUploaded } from './upload.js';

/** Options of {@link QiniuKodoTarget}, the same as the CDN target's without the `sslize` flags. */
export type QiniuKodoTargetOptions = QiniuTargetOptions;

/**
 * The `qiniu-kodo` deploy target: uploads the certificate once, then binds it to each Kodo bucket
 * custom domain through the Kodo API (`/cert/bind`). It rejects a CDN domain before anything is
 * uploaded or bound.
 */
export class QiniuKodoTarget implements DeployTarget {
  readonly kind = 'qiniu-kodo';
  readonly #context: QiniuTargetContext;

  /** @throws CertPilotError `CONFIG_INVALID` or `NAME_INVALID` for bad options (see `resolveTargetOptions`). */
  constructor(options: QiniuKodoTargetOptions) {
    this.#context = resolveTargetOptions(options, 'qiniu-kodo');
  }

  /** Qiniu domains this target binds. */
  get domains(): readonly string[] {
    return this.#context.domains;
  }

  async deploy(_job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void> {
    const context = this.#context;
    const { commonName } = checkCertificateForDomains(context.siteId, certificate, keyPem, context.domains);
    await this.#rejectCdnDomains();

    const certId = await ensureUploaded(context, 'qiniu-kodo', certificate, { keyPem, commonName });
    for (const domain of context.domains) {
      await context.client.bindKodoCertificate({ certId, domain });
      context.log.info({ domain, certId }, 'bound the certificate to the Kodo custom domain');
    }
  }

  async verify(_job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    return verifyEdges(this.#context.domains, certificate.serial, this.#context.edge);
  }

  /** Deletes unused earlier uploads. Qiniu's 400611 rejection is what keeps a certificate that a Kodo domain still uses. */
  async afterDone(_job: RenewalJob, certificate: IssuedCertificate): Promise<void> {
    await deleteUnusedUploads(this.#context, certificate.serial, new Set());
  }

  async #rejectCdnDomains(): Promise<void> {
    for (const domain of this.#context.domains) {
      const detected = await detectDomainKind(this.#context.client, domain);
      if (detected.kind === 'cdn') throw domainKindMismatch(this.#context.siteId, domain, 'qiniu-kodo');
      // NOTE: a domain the CDN API does not know may still be a Kodo custom domain, because Qiniu does
      // not document how that API treats them; the Kodo bind below decides (612 when Qiniu has no such domain).
      if (detected.kind === 'unknown')
        this.#context.log.debug({ domain }, 'binding the domain as a Kodo domain because the CDN API does not know it');
    }
  }
}
