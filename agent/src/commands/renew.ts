import {
  ariCertificateId,
  jitterDelayMs,
  NginxTarget,
  normalizeDomainNames,
  planJob,
  runJob,
  serializeError,
  tryNormalizeDomainName,
  WebrootSolver,
  ensureChallengeRoutes,
  findServerBlocks,
  parseNginxDump,
  CertPilotError,
  type RenewalJob,
} from '@certpilot/core';
import { backupDirFor, type AgentContext } from '../context.js';
import { acquireRunLock } from '../lock.js';
import { standInForBrokenCertificates } from '../placeholders.js';
import { discover, siteMatches, type SiteState } from '../sites.js';
import { describeResult, resultOfJob, settleActiveJob } from '../results.js';
import { recordResults, type SiteResult } from '../state/last-run.js';
import { reportSites, sendRunReport } from '../report.js';

export interface RenewOptions {
  dryRun: boolean;
  force: boolean;
  site?: string;
  jitterSeconds: number;
}

/** Renews every due site once. Returns the process exit status: 1 when any site failed. */
export async function renewCommand(context: AgentContext, options: RenewOptions): Promise<number> {
  const { t } = context.i18n;
  if (options.jitterSeconds > 0) {
    const delay = jitterDelayMs(options.jitterSeconds * 1000);
    context.print(t('renew.jitter', { seconds: Math.round(delay / 1000) }));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  const release = await acquireRunLock(context.config.stateDir);
  try {
    return await renewSites(context, options);
  } finally {
    await release();
  }
}

async function renewSites(context: AgentContext, options: RenewOptions): Promise<number> {
  const { t } = context.i18n;
  const control = await context.nginx();
  let discovery = await discover(control, { ari: context.ari, force: options.force });
  const standIns = new Set<string>();
  if (discovery.configError !== undefined && !options.dryRun) {
    const replaced = await standInForBrokenCertificates(
      control,
      discovery,
      backupDirFor(context, `stand-in-${Date.now()}`),
      context.logger,
    );
    for (const state of replaced) standIns.add(state.site.id);
    discovery = await discover(control, { ari: context.ari, force: options.force });
  }
  const states = selectSites(discovery.sites, options.site);
  const results: SiteResult[] = [];

  for (const state of states) {
    const result = await renewSite(context, state, { ...options, force: options.force || standIns.has(state.site.id) });
    results.push(result);
    context.print(describeResult(context.i18n, result));
  }

  if (!options.dryRun) await recordResults(context.state.lastRunFile, results);
  if (!options.dryRun) await sendRunReport(context, 'renew', reportSites(results));
  const count = (outcome: SiteResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  const failed = count('failed') + count('waiting-retry');
  if (results.every((result) => result.outcome === 'not-due')) {
    context.print(t('renew.nothingDue', { count: results.length }));
  } else if (options.dryRun) {
    context.print(
      t('renew.dryRunSummary', { due: count('dry-run'), skipped: count('not-due'), waiting: count('waiting-retry') }),
    );
  } else {
    context.print(t('renew.summary', { done: count('renewed'), failed, skipped: count('not-due') }));
  }
  return failed > 0 ? 1 : 0;
}

function selectSites(sites: SiteState[], wanted: string | undefined): SiteState[] {
  if (wanted === undefined) return sites;
  const normalized = tryNormalizeDomainName(wanted);
  const selected = sites.filter((state) => siteMatches(state, wanted, normalized));
  if (selected.length === 0) {
    throw new CertPilotError('SITE_NOT_FOUND', `No TLS site named ${wanted} was found in the nginx configuration.`, {
      params: { site: wanted },
    });
  }
  return selected;
}

async function renewSite(context: AgentContext, state: SiteState, options: RenewOptions): Promise<SiteResult> {
  const { site, decision } = state;
  const base = { siteId: site.id, names: site.names, at: new Date().toISOString() };
  let job = await context.jobs.findActive(site.id);

  const settled = await settleActiveJob(
    context.jobs,
    job,
    { id: site.id, due: decision.due, daysLeft: decision.daysLeft },
    options,
    base,
  );
  if (settled.result) return settled.result;
  job = settled.job;
  // An unfinished job holding a certificate is resumed regardless of the renewal decision.
  if (!job && !decision.due && !options.force) {
    return {
      ...base,
      outcome: 'not-due',
      daysLeft: decision.daysLeft,
      renewAt: decision.renewAt,
      reason: decision.reason,
      ...(state.certificate ? { serial: state.certificate.serial, notAfter: state.certificate.notAfter } : {}),
    };
  }
  if (options.dryRun) return { ...base, outcome: 'dry-run', reason: job ? 'unfinished-job' : decision.reason };

  try {
    const blocking = site.problems.filter((problem) => problem.code !== 'shared-certificate-file');
    if (blocking.length > 0) {
      throw new CertPilotError(
        'CONFIG_INVALID',
        `Site ${site.id} cannot be renewed: ${blocking.map((problem) => problem.detail).join('; ')}`,
        {
          params: { site: site.id },
        },
      );
    }
    job ??= await planJob(context.jobs, {
      siteId: site.id,
      names: normalizeDomainNames(site.names),
      ...previousOf(state),
    });
    job = await runJob(
      {
        store: context.jobs,
        keys: context.keys,
        issuer: () => context.issuer(),
        events: context.events,
        logger: context.logger,
      },
      job,
      await jobContext(context, state, job),
    );
  } catch (error) {
    return { ...base, outcome: 'failed', error: serializeError(error), ...(job ? { jobId: job.id } : {}) };
  }
  return resultOfJob(base, job);
}

function previousOf(state: SiteState): { previous?: RenewalJob['previous'] } {
  const certificate = state.certificate;
  if (!certificate) return {};
  return {
    previous: { serial: certificate.serial, fingerprint: certificate.fingerprint, notAfter: certificate.notAfter },
  };
}

async function jobContext(context: AgentContext, state: SiteState, job: RenewalJob) {
  const control = await context.nginx();
  const { config } = context;
  const needsOrder =
    job.step === 'planned' || job.step === 'issuing' || (job.step === 'waiting-retry' && !job.certificate);
  const anchor = state.site.blocks[0]!;

  let roots = new Map<string, string>();
  if (needsOrder) {
    roots = await ensureChallengeRoutes(job.names, anchor, {
      control,
      port: config.acme.http01Port,
      webroot: config.webroot,
      backupDir: backupDirFor(context, `config-${job.id}`),
      logger: context.logger,
      rediscover: async () => {
        const parsed = parseNginxDump(await control.dump(), { prefix: control.confPrefix });
        return { config: parsed, blocks: findServerBlocks(parsed) };
      },
    });
  }

  return {
    solver: new WebrootSolver({
      host: context.host,
      webroot: (name: string) => roots.get(name) ?? config.webroot,
      selfCheck: { address: '127.0.0.1', port: config.acme.http01Port },
    }),
    target: new NginxTarget({
      control,
      site: state.site,
      backupRoot: context.state.backupsDir,
      events: context.events,
      logger: context.logger,
      probeTimeoutMs: config.probe.timeoutSeconds * 1000,
    }),
    keyType: config.acme.keyType,
    ...(config.acme.profile ? { profile: config.acme.profile } : {}),
    ...(state.certificatePem ? replacesOf(state.certificatePem) : {}),
  };
}

/** Returns the ARI id of the current certificate, when it has one (self-signed certificates do not). */
function replacesOf(pem: string): { replaces?: string } {
  try {
    return { replaces: ariCertificateId(pem) };
  } catch {
    return {};
  }
}
