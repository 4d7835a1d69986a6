import type { AgentContext } from '../context.js';
import { sendRunReport, type ReportSite } from '../report.js';
import { discover, type SiteState } from '../sites.js';

/** Lists every TLS site with its certificate and renewal decision. Exit status 0 unless discovery fails. */
export async function scanCommand(context: AgentContext, options: { json: boolean }): Promise<number> {
  const control = await context.nginx();
  const discovery = await discover(control, { ari: context.ari });
  await sendRunReport(context, 'scan', discovery.sites.map(reportSiteOf));

  if (options.json) {
    const plainHttp = discovery.plainHttp.map((block) => ({ names: block.names, file: block.file, line: block.line }));
    const configError = discovery.configError ?? null;
    context.print(
      JSON.stringify(
        { conf: control.location.conf, configError, sites: discovery.sites.map(siteToJson), plainHttp },
        null,
        2,
      ),
    );
    return 0;
  }

  const { t } = context.i18n;
  if (discovery.configError !== undefined)
    process.stderr.write(`${t('scan.configError', { output: discovery.configError })}\n`);
  if (discovery.sites.length === 0) context.print(t('scan.none', { conf: control.location.conf }));
  for (const state of discovery.sites) context.print(describeSite(context, state));
  const tlsNames = new Set(discovery.sites.flatMap((state) => state.site.names));
  const plainNames = [...new Set(discovery.plainHttp.flatMap((block) => block.names))].filter(
    (name) => !tlsNames.has(name),
  );
  if (plainNames.length > 0) context.print(t('scan.plainHttp', { names: plainNames.join(', ') }));
  return 0;
}

function describeSite(context: AgentContext, state: SiteState): string {
  const { t } = context.i18n;
  const { site, certificate, decision } = state;
  const field = (label: string, value: string) => t('scan.field', { label: t(label), value });
  const listens = [...new Set(site.blocks.flatMap((block) => block.listens.map((listen) => listen.raw)))];
  const lines = [
    t('scan.site', { id: site.id }),
    field('scan.names', site.names.join(', ')),
    field('scan.listen', listens.join(' | ')),
    field('scan.certificate', site.certificatePath),
    field('scan.key', site.certificateKeyPath),
  ];
  if (certificate) {
    lines.push(field('scan.notAfter', t('scan.expiry', { date: certificate.notAfter, count: decision.daysLeft ?? 0 })));
  }
  lines.push(
    field(
      'scan.due',
      decision.due
        ? t('scan.dueYes', { reason: describeReason(context, state) })
        : t('scan.dueNo', { date: decision.renewAt }),
    ),
  );

  const skipped = site.blocks.flatMap((block) => block.skippedNames);
  if (skipped.length > 0) {
    const listed = skipped.map((entry) =>
      t('scan.skippedEntry', {
        value: entry.value,
        reason: t(`scan.skippedReason.${entry.reason}`, { defaultValue: entry.reason }),
      }),
    );
    lines.push(field('scan.skippedName', listed.join(', ')));
  }
  if (state.certificateError) {
    lines.push(
      field(
        'scan.problem',
        t('problem.certificate-unreadable', { path: site.certificatePath, detail: state.certificateError }),
      ),
    );
  }
  for (const problem of site.problems) {
    lines.push(
      field('scan.problem', t(`problem.${problem.code}`, { detail: problem.detail, defaultValue: problem.detail })),
    );
  }
  return lines.join('\n');
}

function describeReason(context: AgentContext, state: SiteState): string {
  const { decision } = state;
  if (decision.reason === 'lifetime-remaining' && decision.shortLived)
    return context.i18n.t('reason.lifetime-remaining-short');
  return context.i18n.t(`reason.${decision.reason}`);
}

function siteToJson(state: SiteState) {
  const { site, certificate, decision } = state;
  return {
    id: site.id,
    names: site.names,
    listen: site.blocks.flatMap((block) => block.listens.map(({ address, port, ssl }) => ({ address, port, ssl }))),
    certificatePath: site.certificatePath,
    keyPath: site.certificateKeyPath,
    blocks: site.blocks.map((block) => ({ file: block.file, line: block.line })),
    certificate: certificate ?? null,
    certificateError: state.certificateError ?? null,
    notAfter: certificate?.notAfter ?? null,
    daysLeft: decision.daysLeft ?? null,
    due: decision.due,
    reason: decision.reason,
    renewAt: decision.renewAt ?? null,
    problems: site.problems,
  };
}

/** The scan's decision for one site, as the relay report carries it. */
function reportSiteOf(state: SiteState): ReportSite {
  const { site, certificate, decision } = state;
  return {
    siteId: site.id,
    names: site.names,
    outcome: decision.due ? 'due' : 'not-due',
    ...(certificate ? { serial: certificate.serial, notAfter: certificate.notAfter } : {}),
    ...(decision.daysLeft === undefined ? {} : { daysLeft: decision.daysLeft }),
    ...(state.certificateError ? { error: { code: 'CERT_INVALID', message: state.certificateError } } : {}),
  };
}
