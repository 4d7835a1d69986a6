/**
 * Posting run reports to the relay. A report that cannot be delivered (relay down, 5xx, 429,
 * revoked token) waits in the report queue and goes first next time; a run never fails because
 * of reporting.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CertPilotError } from '@certpilot/core';
import type { AgentConfig } from './config.js';
import type { AgentContext } from './context.js';
import { VERSION } from './main.js';
import type { SiteResult } from './state/last-run.js';
import { ReportQueue } from './state/report-queue.js';

/** How long one request to the relay may take. */
export const RELAY_TIMEOUT_MS = 10_000;

/** One site in a report: the `SiteResult` fields the relay keeps, with `due` for a scan. */
export interface ReportSite {
  siteId: string;
  names: string[];
  outcome: SiteResult['outcome'] | 'due';
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  error?: { code: string; message: string };
}

/** What `POST /api/v1/agent/reports` takes. */
export interface RunReport {
  command: 'renew' | 'scan';
  agentVersion: string;
  hostname: string;
  runAt: string;
  sites: ReportSite[];
}

type RelaySettings = NonNullable<AgentConfig['relay']>;

/** The relay's response: status and JSON body (an empty object when the body is not JSON). */
export interface RelayResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Posts JSON to `<relayUrl>/api/v1/<path>`.
 *
 * @throws CertPilotError `RELAY_UNREACHABLE` when the request fails or times out after `RELAY_TIMEOUT_MS`.
 */
export async function postToRelay(
  relayUrl: string,
  path: string,
  body: unknown,
  options: { token?: string; locale: string },
): Promise<RelayResponse> {
  const url = relayEndpoint(relayUrl, path);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Accept-Language': options.locale };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
  } catch (error) {
    const detail = networkDetail(error);
    throw new CertPilotError('RELAY_UNREACHABLE', `Cannot reach ${relayUrl}: ${detail}`, {
      cause: error,
      params: { url: relayUrl, detail },
    });
  }
  const text = await response.text().catch(() => '');
  return { status: response.status, body: parseObject(text) };
}

/** Builds the error for a status outside 2xx, with the relay's message when the body contains one. */
export function relayRejected(relayUrl: string, response: RelayResponse): CertPilotError {
  const detail = typeof response.body.message === 'string' ? response.body.message : `HTTP ${response.status}`;
  return new CertPilotError('RELAY_REJECTED', `${relayUrl} returned HTTP ${response.status}: ${detail}`, {
    params: { url: relayUrl, status: response.status, detail },
  });
}

function relayEndpoint(relayUrl: string, path: string): URL {
  return new URL(`api/v1/${path}`, relayUrl.endsWith('/') ? relayUrl : `${relayUrl}/`);
}

function networkDetail(error: unknown): string {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError') return `timed out after ${RELAY_TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.message ?? message;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Turns a run's results into report sites. */
export function reportSites(results: SiteResult[]): ReportSite[] {
  return results.map((result) => ({
    siteId: result.siteId,
    names: result.names,
    outcome: result.outcome,
    ...(result.serial === undefined ? {} : { serial: result.serial }),
    ...(result.notAfter === undefined ? {} : { notAfter: result.notAfter }),
    ...(result.daysLeft === undefined ? {} : { daysLeft: result.daysLeft }),
    ...(result.error === undefined ? {} : { error: { code: result.error.code, message: result.error.message } }),
  }));
}

/**
 * Sends this run's report, after any queued ones, when the config has a `relay` section.
 * Problems are written to stderr and never thrown.
 */
export async function sendRunReport(
  context: AgentContext,
  command: RunReport['command'],
  sites: ReportSite[],
): Promise<void> {
  const relay = context.config.relay;
  if (relay === undefined) return;
  const report: RunReport = {
    command,
    agentVersion: VERSION,
    hostname: hostname(),
    runAt: new Date().toISOString(),
    // The relay files sites under their first name; a site without one has nothing to show there.
    sites: sites.filter((site) => site.names.length > 0),
  };
  const queue = new ReportQueue<RunReport>(join(context.config.stateDir, 'report-queue.json'));
  try {
    const pending = [...(await queue.load()), report];
    const remaining = await deliver(context, relay, pending, queue.path);
    await queue.save(remaining);
  } catch (error) {
    warn(context, 'report.failed', { error: context.i18n.describeError(error) });
  }
}

/** Posts `pending` in order and returns what is left to queue. */
async function deliver(
  context: AgentContext,
  relay: RelaySettings,
  pending: RunReport[],
  queuePath: string,
): Promise<RunReport[]> {
  for (let index = 0; index < pending.length; index += 1) {
    let response: RelayResponse;
    try {
      response = await postToRelay(relay.url, 'agent/reports', pending[index], {
        token: relay.token,
        locale: context.i18n.locale,
      });
    } catch (error) {
      warn(context, 'report.queued', { error: context.i18n.describeError(error), path: queuePath });
      return pending.slice(index);
    }
    if (response.status >= 200 && response.status < 300) continue;
    const error = context.i18n.describeError(relayRejected(relay.url, response));
    if (response.status === 401) {
      warn(context, 'report.revoked', { error, path: queuePath });
      return pending.slice(index);
    }
    if (response.status === 429 || response.status >= 500) {
      warn(context, 'report.queued', { error, path: queuePath });
      return pending.slice(index);
    }
    // Any other refusal will not change on a retry, so the report is dropped rather than blocking the queue.
    warn(context, 'report.dropped', { error });
  }
  return [];
}

function warn(context: AgentContext, key: string, values: Record<string, string>): void {
  process.stderr.write(`${context.i18n.t(key, values)}\n`);
}
