/**
 * Watching agent-managed (nginx) sites and their agents from what the agents reported: the relay
 * cannot reach origin servers, so each site's latest report entry stands for a probe.
 */
import type { AgentSnapshot, ErrorCode, NotificationLocale, SerializedError, SiteSnapshot } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import type { AgentReport, ReportSite } from '../agents/report-schema.js';
import { notRenewed } from './not-renewed.js';
import { pickState } from './watch-store.js';
import type { WatchedSite } from './watched-site.js';

/**
 * Run interval assumed for an agent with fewer than {@link MIN_REPORTS_FOR_INTERVAL} reports:
 * the README's cron example runs the agent every 6 hours.
 */
export const DEFAULT_AGENT_INTERVAL_MS = 6 * 3_600_000;
const MIN_REPORTS_FOR_INTERVAL = 3;
const REPORTS_FOR_INTERVAL = 10;

/** A watched agent: its owner and its snapshot for `planNotifications`. */
export interface WatchedAgent {
  userId: string;
  snapshot: AgentSnapshot;
}

/** Watches every active nginx site an agent reported, from its agent's latest report. */
export async function watchAgentSites(db: RelayDb, now: Date): Promise<WatchedSite[]> {
  const links = await db
    .selectFrom('agent_sites')
    .innerJoin('user_sites', 'user_sites.id', 'agent_sites.site_id')
    .select([
      'agent_sites.agent_id',
      'agent_sites.site_key',
      'user_sites.id',
      'user_sites.user_id',
      'user_sites.domain',
    ])
    .where('user_sites.status', '=', 'active')
    .where('user_sites.delete_time', 'is', null)
    .where('user_sites.origin', '=', 'nginx')
    .execute();
  const reports = new Map<string, { report: AgentReport; at: string } | undefined>();
  const watched: WatchedSite[] = [];
  for (const link of links) {
    if (!reports.has(link.agent_id)) reports.set(link.agent_id, await latestReport(db, link.agent_id));
    const latest = reports.get(link.agent_id);
    const entry = latest?.report.sites.find((site) => site.siteId === link.site_key);
    if (!latest || !entry) continue;
    watched.push(watchedAgentSite(link, entry, latest.at, now));
  }
  return watched;
}

function watchedAgentSite(
  link: { id: string; user_id: string; domain: string },
  entry: ReportSite,
  reportedAt: string,
  now: Date,
): WatchedSite {
  const failing = entry.error !== undefined && (entry.outcome === 'failed' || entry.outcome === 'waiting-retry');
  // `due` comes from a scan that found the site due and did not renew it.
  const overdue = entry.outcome === 'due';
  const expired = entry.notAfter !== undefined && Date.parse(entry.notAfter) <= now.getTime();
  const snapshot = (locale: NotificationLocale): SiteSnapshot => ({
    site: link.domain,
    ...(entry.serial && entry.notAfter
      ? { certificate: { serial: entry.serial, names: entry.names, notAfter: entry.notAfter } }
      : {}),
    renewal: failing
      ? { status: 'failing', error: { code: entry.error!.code, text: entry.error!.message } }
      : overdue
        ? notRenewed(reportedAt, locale)
        : { status: 'ok' },
  });
  return {
    domain: link.domain,
    snapshot,
    result: {
      siteId: link.id,
      userId: link.user_id,
      source: 'agent-report',
      state: pickState({ expired, 'renewal-failing': failing, 'not-renewed': overdue }),
      ...(entry.serial ? { servedSerial: entry.serial } : {}),
      ...(entry.notAfter ? { notAfter: entry.notAfter } : {}),
      ...(failing ? { error: reportedError(entry) } : {}),
      checkedAt: reportedAt,
    },
  };
}

/** Converts the reported error to the stored form; agents send core's error codes. */
function reportedError(entry: ReportSite): SerializedError {
  const { code, message } = entry.error!;
  return { code: code as ErrorCode, message, params: {}, retryable: entry.outcome === 'waiting-retry' };
}

async function latestReport(db: RelayDb, agentId: string): Promise<{ report: AgentReport; at: string } | undefined> {
  const row = await db
    .selectFrom('agent_reports')
    .select(['report', 'create_time'])
    .where('agent_id', '=', agentId)
    .orderBy('create_time', 'desc')
    .executeTakeFirst();
  return row && { report: JSON.parse(row.report) as AgentReport, at: row.create_time };
}

/** Lists every active agent that reported at least once, with its run interval estimated from its reports. */
export async function watchAgents(db: RelayDb): Promise<WatchedAgent[]> {
  const agents = await db
    .selectFrom('agents')
    .select(['id', 'user_id', 'name', 'last_seen_at'])
    .where('status', '=', 'active')
    .where('delete_time', 'is', null)
    .where('last_seen_at', 'is not', null)
    .execute();
  const watched: WatchedAgent[] = [];
  for (const agent of agents) {
    watched.push({
      userId: agent.user_id,
      snapshot: { agent: agent.name, lastSeenAt: agent.last_seen_at!, intervalMs: await agentInterval(db, agent.id) },
    });
  }
  return watched;
}

/**
 * Returns the median gap between the agent's recent reports. Agents run from cron or a timer, so
 * most gaps are one interval, and the median ignores a manual run in between.
 */
async function agentInterval(db: RelayDb, agentId: string): Promise<number> {
  const rows = await db
    .selectFrom('agent_reports')
    .select('create_time')
    .where('agent_id', '=', agentId)
    .orderBy('create_time', 'desc')
    .limit(REPORTS_FOR_INTERVAL)
    .execute();
  if (rows.length < MIN_REPORTS_FOR_INTERVAL) return DEFAULT_AGENT_INTERVAL_MS;
  const times = rows.map((row) => Date.parse(row.create_time));
  const gaps = times
    .slice(1)
    .map((time, index) => times[index]! - time)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}
