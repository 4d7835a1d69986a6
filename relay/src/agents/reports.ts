/**
 * Storing an agent's report: the report row, the agent's `last_seen_at`, and one `nginx` row in
 * `user_sites` per reported site. Every write is scoped by the agent's own user, and a site row
 * is only ever updated through the agent's own `agent_sites` link.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { RelayDatabase } from '../db/schema.js';
import type { RelayDb } from '../db/database.js';
import type { AgentRow } from './auth.js';
import type { AgentReport, ReportSite } from './report-schema.js';

/** Reports kept per agent; older ones are dropped, since sites carry the current state. */
export const KEPT_REPORTS = 100;

type Trx = Transaction<RelayDatabase>;

/** Stores `report` for `agent` in one transaction. */
export async function storeReport(db: RelayDb, agent: AgentRow, report: AgentReport, now = new Date()): Promise<void> {
  const time = now.toISOString();
  await db.transaction().execute(async (trx) => {
    // Updating the agent row first locks it on PostgreSQL until commit, so two reports of one
    // agent cannot both find a site unlinked and insert it twice. SQLite runs one writer anyway.
    await trx.updateTable('agents').set({ last_seen_at: time }).where('id', '=', agent.id).execute();
    await trx
      .insertInto('agent_reports')
      .values({
        id: randomUUID(),
        agent_id: agent.id,
        user_id: agent.user_id,
        report: JSON.stringify(report),
        create_time: time,
      })
      .execute();
    await pruneReports(trx, agent.id);
    for (const site of report.sites) await upsertSite(trx, agent, site, time);
  });
}

async function pruneReports(trx: Trx, agentId: string): Promise<void> {
  const keep = trx
    .selectFrom('agent_reports')
    .select('id')
    .where('agent_id', '=', agentId)
    .orderBy('create_time', 'desc')
    .limit(KEPT_REPORTS);
  await trx.deleteFrom('agent_reports').where('agent_id', '=', agentId).where('id', 'not in', keep).execute();
}

async function upsertSite(trx: Trx, agent: AgentRow, site: ReportSite, time: string): Promise<void> {
  const config = JSON.stringify(siteConfig(site, time));
  const domain = site.names[0]!.toLowerCase();
  const link = await trx
    .selectFrom('agent_sites')
    .select('site_id')
    .where('agent_id', '=', agent.id)
    .where('site_key', '=', site.siteId)
    .where('user_id', '=', agent.user_id)
    .executeTakeFirst();
  if (link !== undefined) {
    await trx
      .updateTable('user_sites')
      .set({ domain, config, update_time: time, delete_time: null })
      .where('id', '=', link.site_id)
      .where('user_id', '=', agent.user_id)
      .where('origin', '=', 'nginx')
      .execute();
    return;
  }
  const siteId = randomUUID();
  await trx
    .insertInto('user_sites')
    .values({
      id: siteId,
      user_id: agent.user_id,
      origin: 'nginx',
      domain,
      credential_id: null,
      config,
      status: 'active',
      create_time: time,
      update_time: time,
      delete_time: null,
    })
    .execute();
  await trx
    .insertInto('agent_sites')
    .values({ agent_id: agent.id, site_key: site.siteId, site_id: siteId, user_id: agent.user_id, create_time: time })
    .execute();
}

/** The site's settings as `/sites` shows them: flat values only, per `site-config.ts`. */
function siteConfig(site: ReportSite, time: string): Record<string, string | number> {
  return {
    agentSiteId: site.siteId,
    names: site.names.join(' '),
    outcome: site.outcome,
    reportedAt: time,
    ...(site.serial === undefined ? {} : { serial: site.serial }),
    ...(site.notAfter === undefined ? {} : { notAfter: site.notAfter }),
    ...(site.daysLeft === undefined ? {} : { daysLeft: site.daysLeft }),
    ...(site.error === undefined ? {} : { errorCode: site.error.code }),
  };
}
