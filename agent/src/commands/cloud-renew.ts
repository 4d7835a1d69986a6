import { mkdir } from 'node:fs/promises';
import { AlidnsSolver, createCloudTarget } from '@certpilot/core/cloud/index';
import {
  createLogger,
  decideRenewal,
  LifecycleEmitter,
  LocalHost,
  planJob,
  probeCertificate,
  runJob,
  serializeError,
  type RenewalDecision,
} from '@certpilot/core';
import { loadCloudConfig, type CloudConfig, type CloudSiteConfig } from '../cloud-config.js';
import { createIssuer } from '../context.js';
import type { Translator } from '../i18n/index.js';
import { acquireRunLock } from '../lock.js';
import { describeResult, resultOfJob, settleActiveJob } from '../results.js';
import { recordResults, type SiteResult } from '../state/last-run.js';
import { FileJobStore, FileKeyStore, StateDir } from '../state/stores.js';
import { FileUploadRegistry } from '../state/upload-registry.js';

export interface CloudRenewOptions {
  configPath?: string;
  site?: string;
  force: boolean;
  dryRun: boolean;
  verbose: boolean;
}

/**
 * Renews Qiniu and Aliyun sites from the cloud config once: dns-01 through Aliyun DNS, upload and
 * bind through the provider's API, then a probe of the edge. Returns 1 when any site failed.
 */
export async function cloudRenewCommand(i18n: Translator, options: CloudRenewOptions): Promise<number> {
  const config = await loadCloudConfig(options.configPath);
  await mkdir(config.stateDir, { recursive: true, mode: 0o711 });
  const release = await acquireRunLock(config.stateDir);
  try {
    const sites = config.sites.filter(
      (site) => options.site === undefined || site.id === options.site || site.names.includes(options.site),
    );
    if (sites.length === 0) {
      const { CertPilotError } = await import('@certpilot/core');
      throw new CertPilotError('SITE_NOT_FOUND', `No site ${options.site} in ${config.configPath}.`, {
        params: { site: options.site },
      });
    }
    const runner = new CloudRunner(config, options.verbose);
    const results: SiteResult[] = [];
    for (const site of sites) {
      const result = await runner.renew(site, options);
      results.push(result);
      process.stdout.write(`${describeResult(i18n, result)}\n`);
    }
    if (!options.dryRun) await recordResults(new StateDir(config.stateDir).lastRunFile, results);
    const failed = results.filter((result) => result.outcome === 'failed' || result.outcome === 'waiting-retry').length;
    const done = results.filter((result) => result.outcome === 'renewed').length;
    const skipped = results.filter((result) => result.outcome === 'not-due').length;
    process.stdout.write(`${i18n.t('renew.summary', { done, failed, skipped })}\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await release();
  }
}

class CloudRunner {
  readonly #state: StateDir;
  readonly #jobs: FileJobStore;
  readonly #keys: FileKeyStore;
  readonly #registry: FileUploadRegistry;
  readonly #events = new LifecycleEmitter();
  readonly #logger;

  constructor(
    private readonly config: CloudConfig,
    verbose: boolean,
  ) {
    this.#state = new StateDir(config.stateDir);
    this.#jobs = new FileJobStore(this.#state);
    this.#keys = new FileKeyStore(this.#state);
    this.#registry = new FileUploadRegistry(config.stateDir);
    this.#logger = createLogger({ level: verbose ? 'debug' : 'silent' }).child({
      app: 'certpilot-agent',
      command: 'cloud-renew',
    });
  }

  async renew(site: CloudSiteConfig, options: CloudRenewOptions): Promise<SiteResult> {
    const base = { siteId: site.id, names: site.names, at: new Date().toISOString() };
    let job = await this.#jobs.findActive(site.id);

    const current = await this.#currentCertificate(site);
    const decision: RenewalDecision | null = current ? decideRenewal(current, { force: options.force }) : null;
    const settled = await settleActiveJob(
      this.#jobs,
      job,
      { id: site.id, due: decision?.due ?? true, ...(decision ? { daysLeft: decision.daysLeft } : {}) },
      options,
      base,
    );
    if (settled.result) return settled.result;
    job = settled.job;
    if (!job && decision && !decision.due) {
      return {
        ...base,
        outcome: 'not-due',
        daysLeft: decision.daysLeft,
        renewAt: decision.renewAt,
        reason: decision.reason,
        serial: current!.serial,
        notAfter: current!.notAfter,
      };
    }
    if (options.dryRun)
      return {
        ...base,
        outcome: 'dry-run',
        reason: job ? 'unfinished-job' : (decision?.reason ?? 'certificate-missing'),
      };

    try {
      job ??= await planJob(this.#jobs, {
        siteId: site.id,
        names: site.names,
        ...(current
          ? { previous: { serial: current.serial, fingerprint: current.fingerprint, notAfter: current.notAfter } }
          : {}),
      });
      job = await runJob(
        {
          store: this.#jobs,
          keys: this.#keys,
          issuer: () => createIssuer(this.config.acme, this.#state, this.#logger),
          events: this.#events,
          logger: this.#logger,
        },
        job,
        {
          solver: this.#solver(site),
          target: this.#target(site),
          keyType: this.config.acme.keyType,
          ...(this.config.acme.profile ? { profile: this.config.acme.profile } : {}),
        },
      );
    } catch (error) {
      return { ...base, outcome: 'failed', error: serializeError(error), ...(job ? { jobId: job.id } : {}) };
    }
    return resultOfJob(base, job);
  }

  /** What the edge serves now for the site's first name, or null when nothing answers. */
  async #currentCertificate(site: CloudSiteConfig) {
    const servername = site.names[0]!.replace(/^\*\./, 'certpilot-probe.');
    try {
      const address = site.edge.address ?? servername;
      return await probeCertificate({
        host: new LocalHost(),
        address,
        port: site.edge.port ?? 443,
        servername,
        timeoutMs: 10_000,
      });
    } catch (error) {
      this.#logger.warn({ site: site.id, err: error }, 'could not read the certificate the edge serves; renewing');
      return null;
    }
  }

  #solver(site: CloudSiteConfig) {
    const credential = this.config.credentials[site.challenge.credential]!;
    return new AlidnsSolver({
      credential,
      siteId: site.id,
      ...(this.config.endpoints.alidns
        ? { endpoint: this.config.endpoints.alidns, protocol: this.config.endpoints.aliyunProtocol }
        : {}),
      ...(site.challenge.resolvers ? { resolvers: site.challenge.resolvers } : {}),
      ...(site.challenge.propagationTimeoutSeconds
        ? { propagationTimeoutMs: site.challenge.propagationTimeoutSeconds * 1000 }
        : {}),
      logger: this.#logger,
    });
  }

  #target(site: CloudSiteConfig) {
    return createCloudTarget(
      {
        siteId: site.id,
        target: site.target,
        names: site.names,
        ...(site.domains ? { domains: site.domains } : {}),
        ...(site.bucket ? { bucket: site.bucket } : {}),
        ...(site.ossRegion ? { ossRegion: site.ossRegion } : {}),
        casRegion: site.casRegion,
        processingWaitMs: site.processingWaitSeconds * 1000,
        edge: {
          ...(site.edge.address ? { address: site.edge.address } : {}),
          ...(site.edge.port ? { port: site.edge.port } : {}),
          timeoutMs: site.edge.timeoutSeconds * 1000,
          intervalMs: site.edge.intervalSeconds * 1000,
        },
      },
      {
        credential: this.config.credentials[site.credential]!,
        registry: this.#registry,
        endpoints: this.config.endpoints,
        logger: this.#logger,
      },
    );
  }
}
