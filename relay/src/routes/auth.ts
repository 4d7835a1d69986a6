/**
 * Registration, login, logout and the current user.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { assertPasswordStrength, CertPilotError, hashPassword, verifyPassword } from '@certpilot/core';
import { audit } from '../audit.js';
import type { RelayDeps } from '../deps.js';
import { readJsonBody } from '../http/body.js';
import { createSession, requireSession, sessionCookie } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { parseInput } from '../http/validate.js';
import { loginBody, registerBody } from './auth-schemas.js';
import { findUser, insertUser, publicUser } from './users.js';

/** Routes under `/auth` and `/me`. */
export function authRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.post('/auth/register', async (ctx) => register(deps, ctx));
  router.post('/auth/login', async (ctx) => login(deps, ctx));
  router.post('/auth/logout', requireSession(deps.db), async (ctx) => logout(deps, ctx));
  router.get('/me', requireSession(deps.db), async (ctx) => {
    const user = await findUser(deps.db, ctx.state.user!.id);
    ctx.body = { user: publicUser(user!) };
  });
  return router;
}

async function register(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(registerBody, await readJsonBody(ctx), ctx.state.locale);
  assertPasswordStrength(body.password, body.account);
  const user = await insertUser(deps.db, {
    ...body,
    id: randomUUID(),
    passwordHash: await hashPassword(body.password),
  });
  await audit(deps.db, { userId: user.id, action: 'user.register', address: ctx.ip });
  ctx.status = 201;
  ctx.body = { user: publicUser(user) };
}

async function login(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(loginBody, await readJsonBody(ctx), ctx.state.locale);
  const account = body.account.toLowerCase();
  const waitMs = deps.limiter.retryAfterMs(account, ctx.ip);
  if (waitMs > 0) {
    throw new CertPilotError('LOGIN_RATE_LIMITED', 'Too many failed logins', {
      retryAfterMs: waitMs,
      params: { retryAfterSeconds: Math.ceil(waitMs / 1000) },
    });
  }
  const user = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('account', '=', account)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  // Unknown accounts are checked against a dummy hash, so the answer takes as long either way.
  const matches = await verifyPassword(body.password, user?.password_hash ?? (await dummyHash()));
  if (user === undefined || !matches || user.status !== 'active') {
    deps.limiter.recordFailure(account, ctx.ip);
    await audit(deps.db, { userId: user?.id ?? null, action: 'user.login-failed', address: ctx.ip });
    throw new CertPilotError('LOGIN_FAILED', 'Wrong account or password');
  }
  deps.limiter.recordSuccess(account);
  const { token, expires } = await createSession(deps.db, user.id);
  await audit(deps.db, { userId: user.id, action: 'user.login', address: ctx.ip });
  ctx.append('Set-Cookie', sessionCookie(token, expires, deps.secureCookies));
  ctx.body = { token, expiresAt: expires.toISOString(), user: publicUser(user) };
}

async function logout(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const { id, sessionId } = ctx.state.user!;
  await deps.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  await audit(deps.db, { userId: id, action: 'user.logout', address: ctx.ip });
  ctx.append('Set-Cookie', sessionCookie('', new Date(0), deps.secureCookies));
  ctx.status = 204;
}

let dummy: Promise<string> | undefined;

function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomUUID());
  return dummy;
}
