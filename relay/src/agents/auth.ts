/**
 * Agent bearer tokens: `cpa_...`, stored as their hash, valid while the agent is active.
 */
import { CertPilotError, hashToken, tokenPrefix } from '@certpilot/core';
import type { Selectable } from 'kysely';
import type { RelayDb } from '../db/database.js';
import type { AgentsTable } from '../db/schema.js';
import type { RelayContext } from '../http/state.js';

export type AgentRow = Selectable<AgentsTable>;

/**
 * Finds the active agent whose token the request carries as `Authorization: Bearer cpa_...`.
 *
 * @throws CertPilotError `AUTH_REQUIRED` (variant `agent`) for a missing, malformed, unknown or revoked token.
 */
export async function authenticateAgent(db: RelayDb, ctx: RelayContext): Promise<AgentRow> {
  const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];
  const agent =
    token === undefined || tokenPrefix(token) !== 'cpa'
      ? undefined
      : await db
          .selectFrom('agents')
          .innerJoin('users', 'users.id', 'agents.user_id')
          .selectAll('agents')
          .where('agents.token_hash', '=', hashToken(token))
          .where('agents.status', '=', 'active')
          .where('agents.delete_time', 'is', null)
          .where('users.delete_time', 'is', null)
          .where('users.status', '=', 'active')
          .executeTakeFirst();
  if (agent === undefined) {
    throw new CertPilotError('AUTH_REQUIRED', 'No valid agent token', { params: { variant: 'agent' } });
  }
  return agent;
}
