import {
  decideRenewal,
  inspectCertificatePem,
  isCertPilotError,
  readConfigFromDisk,
  findServerBlocks,
  groupSites,
  parseNginxDump,
  type CertificateInfo,
  type Host,
  type NginxConfig,
  type NginxControl,
  type NginxSite,
  type RenewalDecision,
  type ServerBlock,
} from '@certpilot/core';
import type { AriCacheFile } from './ari.js';

/** A site as `scan` and `renew` see it: what nginx says, what the certificate file says, and the decision. */
export interface SiteState {
  site: NginxSite;
  certificate?: CertificateInfo;
  certificatePem?: string;
  /** Why the certificate file could not be read, when it could not. */
  certificateError?: string;
  decision: RenewalDecision | { due: true; reason: 'certificate-missing'; daysLeft?: undefined; renewAt?: undefined };
}

export interface Discovery {
  config: NginxConfig;
  /** Output of a failed `nginx -t`: the files were then read directly, and nothing may be deployed. */
  configError?: string;
  sites: SiteState[];
  plainHttp: ServerBlock[];
}

/** Reads the configuration with `nginx -T`, groups TLS server blocks into sites and inspects each certificate. */
export async function discover(
  control: NginxControl,
  options: { ari?: AriCacheFile; force?: boolean; now?: Date } = {},
): Promise<Discovery> {
  let dump: string;
  let configError: string | undefined;
  try {
    dump = await control.dump();
  } catch (error) {
    if (!isCertPilotError(error, 'NGINX_CONFIG_INVALID')) throw error;
    configError = String(error.params.output ?? error.message);
    dump = await readConfigFromDisk(control.host, control.location.conf);
  }
  const config = parseNginxDump(dump, { prefix: control.confPrefix });
  const { sites, plainHttp } = groupSites(findServerBlocks(config));
  const states: SiteState[] = [];
  for (const site of sites) states.push(await inspectSite(control.host, site, options));
  return { config, sites: states, plainHttp, ...(configError === undefined ? {} : { configError }) };
}

async function inspectSite(
  host: Host,
  site: NginxSite,
  options: { ari?: AriCacheFile; force?: boolean; now?: Date },
): Promise<SiteState> {
  let pem: string;
  let certificate: CertificateInfo;
  try {
    pem = (await host.readFile(site.certificatePath)).toString('utf8');
    certificate = inspectCertificatePem(pem, site.certificatePath);
  } catch (error) {
    return { site, certificateError: (error as Error).message, decision: { due: true, reason: 'certificate-missing' } };
  }

  const ari = options.ari ? await options.ari.windowFor(pem, options.now) : undefined;
  const decision = decideRenewal(certificate, {
    ...(options.now ? { now: options.now } : {}),
    ...(ari ? { ari } : {}),
    ...(options.force ? { force: true } : {}),
  });
  return { site, certificate, certificatePem: pem, decision };
}

/** True when `state` matches a `--site` value: its id or any of its names, IDN or punycode. */
export function siteMatches(state: SiteState, wanted: string, normalized: string | null): boolean {
  const names = [state.site.id, ...state.site.names];
  return names.includes(wanted) || (normalized !== null && names.includes(normalized));
}
