/**
 * The agents of a user as `GET /agents` shows them: never a token or its hash, and the sites
 * from each agent's latest report.
 */
import type { RelayDb } from '../db/database.js';
import type { AgentRow } from './auth.js';
import type { AgentReport } from './report-schema.js';

/** One agent in the list, with its latest report's time and site states. */
export interface PublicAgent {
  id: string;
  name: string;
  status: string;
  hostname: string | null;
  version: string | null;
  createTime: string;
  lastSeenAt: string | null;
  lastReportAt: string | null;
  sites: AgentReport['sites'];
}

/** Lists the live agents of `userId`, oldest first. */
export async function listAgents(db: RelayDb, userId: string): Promise<PublicAgent[]> {
  const agents = await db
    .selectFrom('agents')
    .selectAll()
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .orderBy('create_time')
    .execute();
  return Promise.all(agents.map(async (agent) => publicAgent(agent, await latestReport(db, agent))));
}

async function latestReport(
  db: RelayDb,
  agent: AgentRow,
): Promise<{ report: string; create_time: string } | undefined> {
  return db
    .selectFrom('agent_reports')
    .select(['report', 'create_time'])
    .where('agent_id', '=', agent.id)
    .where('user_id', '=', agent.user_id)
    .orderBy('create_time', 'desc')
    .limit(1)
    .executeTakeFirst();
}

function publicAgent(agent: AgentRow, latest: { report: string; create_time: string } | undefined): PublicAgent {
  return {
    id: agent.id,
    name: agent.name,
    status: agent.status,
    hostname: agent.hostname,
    version: agent.version,
    createTime: agent.create_time,
    lastSeenAt: agent.last_seen_at,
    lastReportAt: latest?.create_time ?? null,
    sites: latest === undefined ? [] : (JSON.parse(latest.report) as AgentReport).sites,
  };
}
