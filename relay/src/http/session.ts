/**
 * Relay sessions: a random `cps_` token given to the client once, stored only as its hash, and
 * accepted as a bearer token (desktop) or the `certpilot_session` cookie (web console).
 */
import { randomUUID } from 'node:crypto';
import { CertPilotError, createToken, hashToken, tokenPrefix } from '@certpilot/core';
import type { Next } from 'koa';
import type { RelayDb } from '../db/database.js';
import type { RelayContext, SessionUser } from './state.js';

export const SESSION_COOKIE = 'certpilot_session';
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60_000;
/** `last_seen_at` is written at most this often, so reads do not turn into writes. */
const LAST_SEEN_GRANULARITY_MS = 60_000;

/** Creates a session for `userId` and returns the token to hand to the client. */
export async function createSession(
  db: RelayDb,
  userId: string,
  now = new Date(),
): Promise<{ token: string; expires: Date }> {
  const { token, hash } = createToken('cps');
  const expires = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db
    .insertInto('sessions')
    .values({
      id: randomUUID(),
      token_hash: hash,
      user_id: userId,
      create_time: now.toISOString(),
      expires_at: expires.toISOString(),
      last_seen_at: now.toISOString(),
    })
    .execute();
  return { token, expires };
}

/** The `Set-Cookie` value for a session token, or for clearing it when `token` is empty. */
export function sessionCookie(token: string, expires: Date, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    `Expires=${expires.toUTCString()}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Middleware that puts the session's user on `ctx.state.user`, or answers 401 `AUTH_REQUIRED`. */
export function requireSession(db: RelayDb) {
  return async (ctx: RelayContext, next: Next): Promise<void> => {
    const user = await findSessionUser(db, presentedToken(ctx));
    if (user === undefined) throw new CertPilotError('AUTH_REQUIRED', 'No valid session');
    ctx.state.user = user;
    await next();
  };
}

function presentedToken(ctx: RelayContext): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];
  return bearer ?? ctx.cookies.get(SESSION_COOKIE);
}

async function findSessionUser(db: RelayDb, token: string | undefined): Promise<SessionUser | undefined> {
  if (token === undefined || tokenPrefix(token) !== 'cps') return undefined;
  const now = new Date();
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as sessionId', 'sessions.last_seen_at', 'users.id', 'users.account', 'users.name'])
    .where('sessions.token_hash', '=', hashToken(token))
    .where('sessions.expires_at', '>', now.toISOString())
    .where('users.delete_time', 'is', null)
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (now.getTime() - Date.parse(row.last_seen_at) > LAST_SEEN_GRANULARITY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', row.sessionId).execute();
  }
  return { id: row.id, account: row.account, name: row.name, sessionId: row.sessionId };
}
