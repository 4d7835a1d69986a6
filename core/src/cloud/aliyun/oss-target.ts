import { isCertPilotError } from '../../errors.js';
import type { IssuedCertificate, RenewalJob } from '../../jobs/job.js';
import type { DeployTarget } from '../../jobs/target.js';
import type { Logger } from '../../log.js';
import { verifyEdges } from '../edge.js';
import type { EdgeProbeOptions } from '../types.js';
import { createAliyunCaller } from './call.js';
import { deleteUnusedUploads } from './cas-cleanup.js';
import { CasCertificates } from './cas-upload.js';
import { createCasClient, createOssClient } from './clients.js';
import { withOwnershipStep } from './map-error.js';
import { OssCnameApi, type OssCname } from './oss-api.js';
import { checkTargetOptions, requireCoverage, type AliyunTargetOptions } from './target-options.js';

/** Options of {@link AliyunOssTarget}. */
export interface AliyunOssTargetOptions extends AliyunTargetOptions {
  bucket: string;
  /** Region of the bucket, with or without the `oss-` prefix: `oss-cn-hangzhou` or `cn-hangzhou`. */
  ossRegion: string;
}

/**
 * Deploys a certificate to the custom domains of an Aliyun OSS bucket: uploads it to CAS once,
 * binds it with PutCname (`CertId` as `<casId>-<region>`, `Force=true`), and probes the edge
 * until it serves the new serial. PutCname also adds a domain the bucket does not have yet,
 * which OSS allows only after the domain's ownership is verified.
 */
export class AliyunOssTarget implements DeployTarget {
  readonly kind = 'aliyun-oss' as const;
  readonly #siteId: string;
  readonly #domains: string[];
  readonly #region: string;
  readonly #edge: EdgeProbeOptions | undefined;
  readonly #log: Logger;
  readonly #oss: OssCnameApi;
  readonly #cas: CasCertificates;
  readonly #options: AliyunOssTargetOptions;

  /** @throws CertPilotError `CONFIG_INVALID` or `NAME_INVALID` for invalid options; nothing is sent. */
  constructor(options: AliyunOssTargetOptions) {
    const { siteId, domains, region } = checkTargetOptions(options);
    this.#siteId = siteId;
    this.#domains = domains;
    this.#region = region;
    this.#edge = options.edge;
    this.#options = options;
    this.#log = options.logger.child({ subsystem: 'aliyun', target: this.kind, siteId, bucket: options.bucket });

    const caller = createAliyunCaller(siteId, this.#log, options.throttleRetry);
    const ossClient = createOssClient(options.credential, {
      bucket: options.bucket,
      region: options.ossRegion,
      endpoints: options.endpoints,
    });
    this.#oss = new OssCnameApi(ossClient, options.bucket, caller);
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
    const cnames = await this.#oss.list();
    const upload = await this.#cas.ensure(certificate, keyPem);
    const certIdentifier = `${upload.certId}-${this.#region}`;

    for (const domain of this.#domains) {
      const fields = { jobId: job.id, domain, certId: certIdentifier };
      const current = cnames.find((cname) => cname.domain === domain);
      if (current?.certId === certIdentifier) {
        this.#log.info(fields, 'domain already uses this CAS certificate; not binding it again');
        continue;
      }
      await this.#bind(domain, certIdentifier);
      this.#log.info(
        { ...fields, previousCertId: current?.certId ?? null, added: current === undefined },
        'bound the CAS certificate to the bucket domain',
      );
    }
  }

  verify(_job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    return verifyEdges(this.#domains, certificate.serial, this.#edge);
  }

  /**
   * Deletes the site's earlier CAS uploads that no custom domain of the bucket uses any more.
   * Every custom domain of the bucket counts, not only the site's, so an upload that another
   * domain of the bucket shares stays.
   */
  async afterDone(_job: RenewalJob, certificate: IssuedCertificate): Promise<void> {
    await deleteUnusedUploads({
      siteId: this.#siteId,
      target: this.kind,
      currentSerial: certificate.serial,
      registry: this.#options.registry,
      cas: this.#cas,
      certIdsInUse: async () => casIdsOf(await this.#oss.list()),
      log: this.#log,
    });
  }

  /**
   * Binds one domain. When OSS wants the domain's ownership proved first, the error gets the
   * token to publish, so the user can act on it without another tool.
   */
  async #bind(domain: string, certIdentifier: string): Promise<void> {
    try {
      await this.#oss.bindCasCertificate(domain, certIdentifier);
    } catch (error) {
      if (!isCertPilotError(error, 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED')) throw error;
      let token;
      try {
        token = await this.#oss.createToken(domain);
      } catch (tokenError) {
        this.#log.warn({ domain, err: tokenError }, 'could not get the CNAME token to put in the ownership error');
        throw error;
      }
      throw withOwnershipStep(error, domain, token);
    }
  }
}

/** Returns the CAS IDs of `<casId>-<region>` certificate IDs; uploaded (non-CAS) certificates are skipped. */
function casIdsOf(cnames: OssCname[]): Set<string> {
  const ids = new Set<string>();
  for (const { certId } of cnames) {
    const casId = certId === null ? undefined : /^(\d+)-[a-z0-9-]+$/.exec(certId)?.[1];
    if (casId !== undefined) ids.add(casId);
  }
  return ids;
}
