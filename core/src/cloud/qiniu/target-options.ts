import { CertPilotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CloudCredential, EdgeProbeOptions, UploadRegistry } from '../types.js';
import { QiniuClient } from './client.js';
import { toQiniuDomain } from './names.js';

/** Options shared by the `qiniu-cdn` and `qiniu-kodo` deploy targets. */
export interface QiniuTargetOptions {
  credential: CloudCredential;
  siteId: string;
  /**
   * Domains to bind, as added in the Qiniu console. A wildcard domain may be written
   * `.example.com` (Qiniu's form) or `*.example.com`.
   */
  domains: string[];
  /** Base URL of the Qiniu API. Default `https://api.qiniu.com`. */
  endpoint?: string;
  /** Record of the certificates CertPilot uploaded, so retries reuse them and cleanup finds them. */
  registry: UploadRegistry;
  /** Edge probe settings for `verify`. */
  edge?: EdgeProbeOptions;
  /** Maximum wait for a CDN domain to finish processing, in milliseconds. Default 5 min. */
  processingWaitMs?: number;
  /** Pause between reads of a processing CDN domain, in milliseconds. Default 5 s. */
  pollIntervalMs?: number;
  /** Milliseconds one API call may stay silent. Default 30 s. */
  requestTimeoutMs?: number;
  logger: Logger;
}

/** The checked form of {@link QiniuTargetOptions} that the deploy steps work with. */
export interface QiniuTargetContext {
  client: QiniuClient;
  siteId: string;
  /** Qiniu's form, lowercase, duplicates removed, in the configured order. */
  domains: string[];
  registry: UploadRegistry;
  edge: EdgeProbeOptions;
  processingWaitMs: number;
  pollIntervalMs: number;
  log: Logger;
}

const DEFAULT_PROCESSING_WAIT_MS = 5 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 5_000;
// The site ID goes into certificate names, so it is limited to characters that are safe in any name field.
const SITE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Checks the options and builds the API client.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a bad site ID, an empty domain list, bad timings, a
 *   credential of another provider or a bad endpoint, and `NAME_INVALID` for a bad domain.
 */
export function resolveTargetOptions(
  options: QiniuTargetOptions,
  kind: 'qiniu-cdn' | 'qiniu-kodo',
): QiniuTargetContext {
  const { siteId } = options;
  if (typeof siteId !== 'string' || !SITE_ID.test(siteId)) {
    throw configError(
      `The site ID "${String(siteId)}" of a ${kind} target is invalid: use 1 to 64 letters, digits, dots, underscores or dashes.`,
      { site: String(siteId) },
    );
  }
  if (!Array.isArray(options.domains) || options.domains.length === 0) {
    throw configError(`Site ${siteId} has no domains for its ${kind} target: list at least one Qiniu domain.`, {
      site: siteId,
    });
  }

  return {
    client: new QiniuClient({
      credential: options.credential,
      site: siteId,
      logger: options.logger,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: checkMs(options.requestTimeoutMs, 'requestTimeoutMs', siteId, 1) }),
    }),
    siteId,
    domains: [...new Set(options.domains.map(toQiniuDomain))],
    registry: options.registry,
    edge: options.edge ?? {},
    processingWaitMs: checkMs(options.processingWaitMs ?? DEFAULT_PROCESSING_WAIT_MS, 'processingWaitMs', siteId, 0),
    pollIntervalMs: checkMs(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs', siteId, 1),
    log: options.logger.child({ subsystem: 'qiniu', siteId, target: kind }),
  };
}

function checkMs(value: number, name: string, site: string, minimum: number): number {
  if (!Number.isFinite(value) || value < minimum) {
    throw configError(
      `${name} of site ${site} must be a number of milliseconds of at least ${minimum}, got ${value}.`,
      { site, [name]: value },
    );
  }
  return value;
}

function configError(message: string, params: Record<string, string | number>): CertPilotError {
  return new CertPilotError('CONFIG_INVALID', message, { params });
}
