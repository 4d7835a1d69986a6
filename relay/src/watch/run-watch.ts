/**
 * One expiry watch run: watch every cloud and agent site and every agent, store each site's
 * result, then notify each user of what changed.
 */
import type { AgentSnapshot, Logger, Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { watchAgents, watchAgentSites } from './agent-sites.js';
import { watchCloudSites } from './cloud-sites.js';
import { notifyWatchResults } from './watch-notify.js';
import { saveWatchResult, type WatchState } from './watch-store.js';
import type { WatchedSite } from './watched-site.js';

export interface WatchDeps {
  db: RelayDb;
  sealer: Sealer;
  logger: Logger;
  /** The time the run takes as now; tests move it forward. Default the clock. */
  now?: () => Date;
}

/** Counts of one run, for logs and tests. */
export interface WatchSummary {
  sites: number;
  agents: number;
  /** Sites per state found. */
  states: Partial<Record<WatchState, number>>;
  /** Messages delivered, over all users and channels. */
  sent: number;
  /** Channels whose delivery failed. */
  failedChannels: number;
}

/** Runs the watch once. Per-user notification failures are logged and counted, not thrown. */
export async function runWatch(deps: WatchDeps): Promise<WatchSummary> {
  const now = deps.now?.() ?? new Date();
  const log = deps.logger.child({ subsystem: 'watch' });
  log.info('expiry watch started');

  const sites = [...(await watchCloudSites(deps.db, log, now)), ...(await watchAgentSites(deps.db, now))];
  const agents = await watchAgents(deps.db);
  const summary: WatchSummary = { sites: sites.length, agents: agents.length, states: {}, sent: 0, failedChannels: 0 };
  for (const site of sites) {
    await saveWatchResult(deps.db, site.result);
    summary.states[site.result.state] = (summary.states[site.result.state] ?? 0) + 1;
  }

  for (const [userId, owned] of groupByUser(sites, agents)) {
    try {
      const outcome = await notifyWatchResults({ ...deps, logger: log }, userId, owned.sites, owned.agents, now);
      summary.sent += outcome.sent;
      summary.failedChannels += outcome.failedChannels;
    } catch (error) {
      log.error({ err: error, userId }, 'watch notifications failed for a user; retried at the next run');
    }
  }
  log.info(summary, 'expiry watch finished');
  return summary;
}

function groupByUser(
  sites: WatchedSite[],
  agents: Array<{ userId: string; snapshot: AgentSnapshot }>,
): Map<string, { sites: WatchedSite[]; agents: AgentSnapshot[] }> {
  const users = new Map<string, { sites: WatchedSite[]; agents: AgentSnapshot[] }>();
  const of = (userId: string) => {
    let owned = users.get(userId);
    if (!owned) users.set(userId, (owned = { sites: [], agents: [] }));
    return owned;
  };
  for (const site of sites) of(site.result.userId).sites.push(site);
  for (const agent of agents) of(agent.userId).agents.push(agent.snapshot);
  return users;
}
