import { join } from 'node:path';
import {
  CertPilotError,
  EnableHttpsTarget,
  ensureChallengeRoutes,
  findServerBlocks,
  normalizeDomainName,
  parseNginxDump,
  planJob,
  plainBlockFor,
  runJob,
  WebrootSolver,
} from '@certpilot/core';
import { backupDirFor, type AgentContext } from '../context.js';
import { acquireRunLock } from '../lock.js';
import { reviveError } from '../revive-error.js';
import { discover } from '../sites.js';

/** Normalizes the name given to enable-https; wildcards are refused because http-01 cannot prove them. */
export function validateEnableHttpsName(value: string): string {
  const name = normalizeDomainName(value);
  if (name.startsWith('*.')) {
    throw new CertPilotError(
      'NAME_INVALID',
      `Wildcard name ${name} needs dns-01; enable-https proves names with http-01.`,
      {
        params: { name, problem: 'wildcard-http01', reason: 'is a wildcard, which http-01 cannot prove' },
      },
    );
  }
  return name;
}

/**
 * Obtains a certificate for a plain-HTTP site and adds its HTTPS server block. Certificates are
 * kept under `<stateDir>/certs/<name>/`; later `renew` runs find the new block like any other.
 */
export async function enableHttpsCommand(
  context: AgentContext,
  options: { name: string; port: number },
): Promise<number> {
  const { t, describeError } = context.i18n;
  const name = validateEnableHttpsName(options.name);
  const release = await acquireRunLock(context.config.stateDir);
  try {
    const control = await context.nginx();
    const discovery = await discover(control, {});
    const existing = discovery.sites.find((state) => state.site.names.includes(name));
    if (existing) {
      context.print(t('enableHttps.already', { name, id: existing.site.id }));
      return 0;
    }

    const block =
      plainBlockFor(name, discovery.plainHttp, context.config.acme.http01Port) ??
      discovery.plainHttp.find((candidate) => candidate.names.includes(name));
    if (!block)
      throw new CertPilotError('SITE_NOT_FOUND', `No plain-HTTP server block serves ${name}.`, {
        params: { site: name },
      });

    const names = [name, ...block.names.filter((other) => other !== name && !other.startsWith('*.'))];
    const rediscover = async () => {
      const config = parseNginxDump(await control.dump(), { prefix: control.confPrefix });
      return { config, blocks: findServerBlocks(config) };
    };
    const siteId = `enable-https:${name}`;
    let job = (await context.jobs.findActive(siteId)) ?? (await planJob(context.jobs, { siteId, names }));

    const roots = await ensureChallengeRoutes(job.names, block, {
      control,
      port: context.config.acme.http01Port,
      webroot: context.config.webroot,
      backupDir: backupDirFor(context, `config-${job.id}`),
      logger: context.logger,
      rediscover,
    });
    const certDir = join(context.config.stateDir, 'certs', name);
    job = await runJob(
      {
        store: context.jobs,
        keys: context.keys,
        issuer: () => context.issuer(),
        events: context.events,
        logger: context.logger,
      },
      job,
      {
        solver: new WebrootSolver({
          host: context.host,
          webroot: (identifier) => roots.get(identifier) ?? context.config.webroot,
          selfCheck: { address: '127.0.0.1', port: context.config.acme.http01Port },
        }),
        target: new EnableHttpsTarget({
          control,
          block,
          rediscover,
          port: options.port,
          certificatePath: join(certDir, 'fullchain.pem'),
          keyPath: join(certDir, 'privkey.pem'),
          backupRoot: context.state.backupsDir,
          events: context.events,
          logger: context.logger,
          probeTimeoutMs: context.config.probe.timeoutSeconds * 1000,
        }),
        keyType: context.config.acme.keyType,
      },
    );

    if (job.step !== 'done') {
      context.print(
        t('renew.failed', { id: name, error: job.lastError ? describeError(reviveError(job.lastError)) : job.step }),
      );
      return 1;
    }
    context.print(
      t('enableHttps.done', {
        name,
        port: options.port,
        serial: job.certificate!.serial,
        notAfter: job.certificate!.notAfter,
      }),
    );
    return 0;
  } finally {
    await release();
  }
}
