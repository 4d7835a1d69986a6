import type { IssuedCertificate, RenewalJob } from '../../jobs/job.js';
import type { DeployTarget } from '../../jobs/target.js';
import type { Logger } from '../../log.js';
import { verifyEdges } from '../edge.js';
import type { EdgeProbeOptions } from '../types.js';
import { createAliyunCaller } from './call.js';
import { deleteUnusedUploads } from './cas-cleanup.js';
import { CasCertificates } from './cas-upload.js';
import { createCdnCertificateApi, type AliyunCdnProduct, type CdnCertificateApi } from './cdn-api.js';
import { createCasClient } from './clients.js';
import { checkTargetOptions, requireCoverage, type AliyunTargetOptions } from './target-options.js';

/** Options of {@link AliyunCdnTarget}. */
export interface AliyunCdnTargetOptions extends AliyunTargetOptions {
  /** Product that serves the domains. Default `cdn`. */
  product?: AliyunCdnProduct;
}

/**
 * Deploys a certificate to Aliyun CDN or DCDN domains: uploads it to CAS once, binds it with
 * `Set(Cdn|Dcdn)DomainSSLCertificate` (`CertType=cas`), and probes the edge until it serves the
 * new serial. Every domain is read before anything is uploaded, so an unknown domain fails the
 * deploy with nothing changed.
 */
export class AliyunCdnTarget implements DeployTarget {
  readonly kind: 'aliyun-cdn' | 'aliyun-dcdn';
  readonly #siteId: string;
  readonly #domains: string[];
  readonly #region: string;
  readonly #edge: EdgeProbeOptions | undefined;
  readonly #log: Logger;
  readonly #cdn: CdnCertificateApi;
  readonly #cas: CasCertificates;
  readonly #options: AliyunCdnTargetOptions;

  /** @throws CertPilotError `CONFIG_INVALID` or `NAME_INVALID` for invalid options; nothing is sent. */
  constructor(options: AliyunCdnTargetOptions) {
    const product = options.product ?? 'cdn';
    const { siteId, domains, region } = checkTargetOptions(options);
    this.kind = product === 'cdn' ? 'aliyun-cdn' : 'aliyun-dcdn';
    this.#siteId = siteId;
    this.#domains = domains;
    this.#region = region;
    this.#edge = options.edge;
    this.#options = options;
    this.#log = options.logger.child({ subsystem: 'aliyun', target: this.kind, siteId });

    const caller = createAliyunCaller(siteId, this.#log, options.throttleRetry);
    this.#cdn = createCdnCertificateApi(product, options.credential, options.endpoints, caller);
    this.#cas = new CasCertificates({
      client: createCasClient(options.credential, options.endpoints),
      caller,
      siteId,
      target: this.kind,
      registry: options.registry,
      log: this.#log,
    });
  }

  async deploy(job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void> {
    requireCoverage(certificate, this.#domains, this.#siteId);
    const bound = await this.#boundCertIds();
    const upload = await this.#cas.ensure(certificate, keyPem);

    for (const domain of this.#domains) {
      const fields = { jobId: job.id, domain, certId: upload.certId };
      if (bound.get(domain) === String(upload.certId)) {
        this.#log.info(fields, 'domain already uses this CAS certificate; not binding it again');
        continue;
      }
      await this.#cdn.bindCasCertificate(domain, upload.certId, this.#region);
      this.#log.info(
        { ...fields, previousCertId: bound.get(domain) ?? null },
        'bound the CAS certificate to the domain',
      );
    }
  }

  verify(_job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    return verifyEdges(this.#domains, certificate.serial, this.#edge);
  }

  /** Deletes the site's earlier CAS uploads that no domain of the site is bound to any more. */
  async afterDone(_job: RenewalJob, certificate: IssuedCertificate): Promise<void> {
    await deleteUnusedUploads({
      siteId: this.#siteId,
      target: this.kind,
      currentSerial: certificate.serial,
      registry: this.#options.registry,
      cas: this.#cas,
      certIdsInUse: async () => new Set((await this.#boundCertIds()).values()),
      log: this.#log,
    });
  }

  /** Reads each domain's current CAS ID; fails on the first unknown domain. */
  async #boundCertIds(): Promise<Map<string, string>> {
    const bound = new Map<string, string>();
    for (const domain of this.#domains) {
      const binding = await this.#cdn.describe(domain);
      if (binding.certId !== null) bound.set(domain, binding.certId);
    }
    return bound;
  }
}
