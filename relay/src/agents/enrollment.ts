/**
 * Creating agents and enrolling them. `POST /agents` makes a pending agent and a one-time
 * `cpe_` token; the agent trades that token for its own `cpa_` token exactly once.
 */
import { randomUUID } from 'node:crypto';
import { CertPilotError, createToken, hashToken, tokenPrefix } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

/** How long an enrollment token works after it is made. */
export const ENROLLMENT_LIFETIME_MS = 24 * 60 * 60_000;

export interface NewAgent {
  agentId: string;
  enrollmentToken: string;
  expiresAt: string;
}

/** Creates a pending agent for `userId` and its enrollment token, which is returned only here. */
export async function createAgent(db: RelayDb, userId: string, name: string, now = new Date()): Promise<NewAgent> {
  const agentId = randomUUID();
  const enrollment = createToken('cpe');
  // token_hash is required and unique, so until enrollment it is the hash of a token never issued.
  const placeholder = createToken('cpa').hash;
  const expiresAt = new Date(now.getTime() + ENROLLMENT_LIFETIME_MS).toISOString();
  const time = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('agents')
      .values({
        id: agentId,
        user_id: userId,
        name,
        token_hash: placeholder,
        status: 'pending',
        last_seen_at: null,
        hostname: null,
        version: null,
        create_time: time,
        update_time: time,
        delete_time: null,
      })
      .execute();
    await trx
      .insertInto('agent_enrollments')
      .values({
        id: randomUUID(),
        agent_id: agentId,
        user_id: userId,
        token_hash: enrollment.hash,
        expires_at: expiresAt,
        used_at: null,
        create_time: time,
      })
      .execute();
  });
  return { agentId, enrollmentToken: enrollment.token, expiresAt };
}

/**
 * Uses an enrollment token once and gives its agent a fresh `cpa_` token.
 *
 * @throws CertPilotError `AUTH_REQUIRED` (variant `enrollment`) when the token is malformed,
 *   unknown, expired, already used, or its agent was deleted.
 */
export async function enrollAgent(
  db: RelayDb,
  enrollmentToken: string,
  about: { hostname: string; version: string },
  now = new Date(),
): Promise<{ agentId: string; userId: string; agentToken: string }> {
  const rejected = new CertPilotError('AUTH_REQUIRED', 'Enrollment token not usable', {
    params: { variant: 'enrollment' },
  });
  if (tokenPrefix(enrollmentToken) !== 'cpe') throw rejected;
  const time = now.toISOString();
  const agentToken = createToken('cpa');
  const enrolled = await db.transaction().execute(async (trx) => {
    // The conditional update is what makes the token single-use, even under concurrent calls.
    const used = await trx
      .updateTable('agent_enrollments')
      .set({ used_at: time })
      .where('token_hash', '=', hashToken(enrollmentToken))
      .where('used_at', 'is', null)
      .where('expires_at', '>', time)
      .returning(['agent_id', 'user_id'])
      .executeTakeFirst();
    if (used === undefined) return undefined;
    const updated = await trx
      .updateTable('agents')
      .set({ token_hash: agentToken.hash, status: 'active', ...about, update_time: time })
      .where('id', '=', used.agent_id)
      .where('user_id', '=', used.user_id)
      .where('delete_time', 'is', null)
      .executeTakeFirst();
    return updated.numUpdatedRows === 1n ? used : undefined;
  });
  if (enrolled === undefined) throw rejected;
  return { agentId: enrolled.agent_id, userId: enrolled.user_id, agentToken: agentToken.token };
}
