/**
 * Agents: `POST /agents` and `GET`/`DELETE /agents/...` for the logged-in user; `POST /agent/enroll`
 * (enrollment token) and `POST /agent/reports` (agent token) for the agent itself. Each token appears
 * only in the one response that issues it.
 */
import Router from '@koa/router';
import { CertPilotError } from '@certpilot/core';
import { audit } from '../audit.js';
import { authenticateAgent } from '../agents/auth.js';
import { createAgent, enrollAgent } from '../agents/enrollment.js';
import { listAgents } from '../agents/list.js';
import { ReportLimiter, type ReportLimits } from '../agents/report-limit.js';
import { agentReportSchema, createAgentBody, enrollBody } from '../agents/report-schema.js';
import { storeReport } from '../agents/reports.js';
import type { RelayDeps } from '../deps.js';
import { readJsonBody } from '../http/body.js';
import { requireSession } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';

/** Reports may list hundreds of sites, so they get a larger body limit than other requests. */
export const REPORT_BODY_LIMIT_BYTES = 512 * 1024;

/** Routes under `/agents` and `/agent`. */
export function agentRoutes(deps: RelayDeps, limits?: ReportLimits): Router<RelayState> {
  const router = new Router<RelayState>();
  const limiter = new ReportLimiter(limits);
  router.use('/agents', requireSession(deps.db));
  router.post('/agents', async (ctx) => create(deps, ctx));
  router.get('/agents', async (ctx) => {
    ctx.body = { agents: await listAgents(deps.db, ctx.state.user!.id) };
  });
  router.delete('/agents/:id', async (ctx) => revoke(deps, ctx, parseInput(idParams, ctx.params, ctx.state.locale).id));
  router.post('/agent/enroll', async (ctx) => enroll(deps, ctx));
  router.post('/agent/reports', async (ctx) => report(deps, ctx, limiter));
  return router;
}

async function create(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(createAgentBody, await readJsonBody(ctx), ctx.state.locale);
  const userId = ctx.state.user!.id;
  const created = await createAgent(deps.db, userId, body.name);
  await audit(deps.db, { userId, action: 'agent.create', targetType: 'agent', targetId: created.agentId });
  ctx.status = 201;
  ctx.body = created;
}

async function enroll(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(enrollBody, await readJsonBody(ctx), ctx.state.locale);
  const { enrollmentToken, ...about } = body;
  const enrolled = await enrollAgent(deps.db, enrollmentToken, about);
  await audit(deps.db, {
    userId: enrolled.userId,
    action: 'agent.enroll',
    targetType: 'agent',
    targetId: enrolled.agentId,
    address: ctx.ip,
  });
  ctx.body = {
    agentId: enrolled.agentId,
    agentToken: enrolled.agentToken,
    reportUrl: `${ctx.protocol}://${ctx.host}${ctx.path.replace(/enroll$/, 'reports')}`,
  };
}

async function report(deps: RelayDeps, ctx: RelayContext, limiter: ReportLimiter): Promise<void> {
  const agent = await authenticateAgent(deps.db, ctx);
  const waitMs = limiter.take(agent.id);
  if (waitMs > 0) return tooManyReports(ctx, agent.id, waitMs);
  const body = parseInput(agentReportSchema, await readJsonBody(ctx, REPORT_BODY_LIMIT_BYTES), ctx.state.locale);
  await storeReport(deps.db, agent, body);
  ctx.status = 202;
  ctx.body = { accepted: true };
}

function tooManyReports(ctx: RelayContext, agentId: string, waitMs: number): never {
  const retryAfterSeconds = Math.ceil(waitMs / 1000);
  ctx.state.logger.info({ agentId, retryAfterSeconds }, 'report rejected: rate limit');
  throw new CertPilotError('REPORT_RATE_LIMITED', 'Too many reports', {
    retryAfterMs: waitMs,
    params: { retryAfterSeconds },
  });
}

async function revoke(deps: RelayDeps, ctx: RelayContext, agentId: string): Promise<void> {
  const userId = ctx.state.user!.id;
  const now = new Date().toISOString();
  const result = await deps.db
    .updateTable('agents')
    .set({ status: 'revoked', delete_time: now, update_time: now })
    .where('id', '=', agentId)
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No agent ${agentId}`, {
      params: { variant: 'agent', id: agentId },
    });
  }
  await audit(deps.db, { userId, action: 'agent.revoke', targetType: 'agent', targetId: agentId });
  ctx.status = 204;
}
