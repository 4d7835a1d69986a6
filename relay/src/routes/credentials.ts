/**
 * Cloud AccessKey credentials. The secret is sealed before it is stored, bound to the row id,
 * and no response ever carries it; lists show the AccessKey ID masked.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { CertPilotError } from '@certpilot/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit.js';
import type { CredentialsTable } from '../db/schema.js';
import type { RelayDeps } from '../deps.js';
import { readJsonBody } from '../http/body.js';
import { requireSession } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';

export const PROVIDERS = ['qiniu', 'aliyun'] as const;
export type Provider = (typeof PROVIDERS)[number];

const credentialBody = z.strictObject({
  provider: z.enum(PROVIDERS),
  name: z.string().trim().min(1).max(64),
  accessKeyId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{8,128}$/),
  accessKeySecret: z.string().trim().min(8).max(256),
});

/** Shows the first and last four characters of an AccessKey ID, like `LTAI****abcd`. */
export function maskAccessKeyId(id: string): string {
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}****${id.slice(-4)}`;
}

function publicCredential(row: Selectable<CredentialsTable>) {
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    accessKeyId: maskAccessKeyId(row.access_key_id),
    createTime: row.create_time,
  };
}

/** Routes under `/credentials`. */
export function credentialRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.use('/credentials', requireSession(deps.db));
  router.post('/credentials', async (ctx) => create(deps, ctx));
  router.get('/credentials', async (ctx) => {
    const rows = await deps.db
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', ctx.state.user!.id)
      .where('delete_time', 'is', null)
      .orderBy('create_time')
      .execute();
    ctx.body = { credentials: rows.map(publicCredential) };
  });
  router.delete('/credentials/:id', async (ctx) =>
    remove(deps, ctx, parseInput(idParams, ctx.params, ctx.state.locale).id),
  );
  return router;
}

async function create(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(credentialBody, await readJsonBody(ctx), ctx.state.locale);
  const id = randomUUID();
  const now = new Date().toISOString();
  const row = {
    id,
    user_id: ctx.state.user!.id,
    provider: body.provider,
    name: body.name,
    access_key_id: body.accessKeyId,
    access_key_secret_sealed: deps.sealer.seal(body.accessKeySecret, id),
    create_time: now,
    update_time: now,
    delete_time: null,
  };
  await deps.db.insertInto('credentials').values(row).execute();
  await audit(deps.db, { userId: row.user_id, action: 'credential.create', targetType: 'credential', targetId: id });
  ctx.status = 201;
  ctx.body = { credential: publicCredential(row) };
}

async function remove(deps: RelayDeps, ctx: RelayContext, id: string): Promise<void> {
  const userId = ctx.state.user!.id;
  await findCredential(deps, userId, id);
  const users = await deps.db
    .selectFrom('user_sites')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('credential_id', '=', id)
    .where('delete_time', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(users.count) > 0) {
    throw new CertPilotError('CREDENTIAL_IN_USE', `Credential ${id} is used by ${users.count} sites`, {
      params: { count: Number(users.count) },
    });
  }
  const now = new Date().toISOString();
  await deps.db
    .updateTable('credentials')
    .set({ delete_time: now, update_time: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .execute();
  await audit(deps.db, { userId, action: 'credential.delete', targetType: 'credential', targetId: id });
  ctx.status = 204;
}

/**
 * Reads one of the user's live credentials.
 *
 * @throws CertPilotError `RESOURCE_NOT_FOUND` (variant `credential`) when it does not exist,
 *   is deleted or belongs to another user: the three look the same to the client.
 */
export async function findCredential(
  deps: RelayDeps,
  userId: string,
  id: string,
): Promise<Selectable<CredentialsTable>> {
  const row = await deps.db
    .selectFrom('credentials')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (row === undefined) {
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No credential ${id}`, { params: { variant: 'credential', id } });
  }
  return row;
}
