/**
 * Sites: one domain and where it is served from. Every query is scoped by the logged-in user,
 * and another user's site answers 404 exactly like a missing one.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { CertPilotError } from '@certpilot/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit.js';
import type { UserSitesTable } from '../db/schema.js';
import type { RelayDeps } from '../deps.js';
import { readJsonBody } from '../http/body.js';
import { requireSession } from '../http/session.js';
import type { RelayContext, RelayState } from '../http/state.js';
import { idParams, parseInput } from '../http/validate.js';
import { cancelSiteJob } from '../jobs/cancel-site-job.js';
import type { Provider } from './credentials.js';
import { publicSiteConfig, sealSiteConfig, siteConfigSchema } from './site-config.js';
import { readSiteStatuses } from './site-status.js';
import { checkUniqueSite, writeUniqueSite } from './site-uniqueness.js';
import { checkSiteConfig, credentialProvider, siteDomain, type Origin } from './site-validation.js';

export const ORIGINS = [
  'qiniu-cdn',
  'qiniu-kodo',
  'aliyun-oss',
  'aliyun-cdn',
  'aliyun-dcdn',
  'nginx',
] as const satisfies readonly Origin[];

const createBody = z.strictObject({
  origin: z.enum(ORIGINS),
  domain: z.string().max(253),
  credentialId: z.uuid().optional(),
  config: siteConfigSchema.optional(),
});

const updateBody = z.strictObject({
  domain: z.string().max(253).optional(),
  credentialId: z.uuid().nullable().optional(),
  config: siteConfigSchema.optional(),
  status: z.enum(['active', 'paused']).optional(),
});

type SiteRow = Selectable<UserSitesTable>;

function publicSite(row: SiteRow) {
  return {
    id: row.id,
    origin: row.origin,
    domain: row.domain,
    credentialId: row.credential_id,
    config: publicSiteConfig(row.config),
    status: row.status,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/** Routes under `/sites`. */
export function siteRoutes(deps: RelayDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  const id = (ctx: RelayContext & { params: Record<string, string> }) =>
    parseInput(idParams, ctx.params, ctx.state.locale).id;
  router.use('/sites', requireSession(deps.db));
  router.post('/sites', async (ctx) => create(deps, ctx));
  router.get('/sites', async (ctx) => {
    const rows = await deps.db
      .selectFrom('user_sites')
      .selectAll()
      .where('user_id', '=', ctx.state.user!.id)
      .where('delete_time', 'is', null)
      .orderBy('create_time')
      .execute();
    const statuses = await readSiteStatuses(
      deps.db,
      ctx.state.user!.id,
      rows.map((row) => row.id),
      ctx.state.locale,
    );
    ctx.body = { sites: rows.map((row) => ({ ...publicSite(row), ...statuses.get(row.id) })) };
  });
  router.get('/sites/:id', async (ctx) => {
    ctx.body = { site: publicSite(await findSite(deps, ctx.state.user!.id, id(ctx))) };
  });
  router.patch('/sites/:id', async (ctx) => update(deps, ctx, id(ctx)));
  router.delete('/sites/:id', async (ctx) => remove(deps, ctx, id(ctx)));
  return router;
}

async function create(deps: RelayDeps, ctx: RelayContext): Promise<void> {
  const body = parseInput(createBody, await readJsonBody(ctx), ctx.state.locale);
  const userId = ctx.state.user!.id;
  const domain = siteDomain(body.origin, body.domain, ctx.state.locale);
  const key = { userId, origin: body.origin, domain };
  await checkUniqueSite(deps.db, key);
  await checkCredential(deps, userId, body.origin, body.credentialId ?? null);
  await checkSiteConfig(deps, userId, body.origin, body.config ?? {}, ctx.state.locale);
  const siteId = randomUUID();
  const now = new Date().toISOString();
  const row: SiteRow = {
    id: siteId,
    user_id: userId,
    origin: body.origin,
    domain,
    credential_id: body.credentialId ?? null,
    config: sealSiteConfig(body.config ?? {}, siteId, deps.sealer),
    status: 'active',
    create_time: now,
    update_time: now,
    delete_time: null,
  };
  await writeUniqueSite(deps.db, key, siteId, () => deps.db.insertInto('user_sites').values(row).execute());
  await audit(deps.db, { userId, action: 'site.create', targetType: 'site', targetId: siteId });
  ctx.status = 201;
  ctx.body = { site: publicSite(row) };
}

async function update(deps: RelayDeps, ctx: RelayContext, siteId: string): Promise<void> {
  const userId = ctx.state.user!.id;
  const site = await findSite(deps, userId, siteId);
  const body = parseInput(updateBody, await readJsonBody(ctx), ctx.state.locale);
  const origin = site.origin as Origin;
  const credentialId = body.credentialId === undefined ? site.credential_id : body.credentialId;
  const domain = body.domain === undefined ? site.domain : siteDomain(origin, body.domain, ctx.state.locale);
  const key = { userId, origin, domain };
  if (domain !== site.domain) await checkUniqueSite(deps.db, key, siteId);
  await checkCredential(deps, userId, origin, credentialId);
  // Only a new config is checked: pausing a site whose stored settings went stale must still work.
  if (body.config !== undefined) await checkSiteConfig(deps, userId, origin, body.config, ctx.state.locale);
  const config =
    body.config === undefined ? site.config : sealSiteConfig(body.config, siteId, deps.sealer, site.config);
  const replanned = domain !== site.domain || credentialId !== site.credential_id || body.config !== undefined;
  // A job keeps the names it was planned from while its deploy target is rebuilt from the site,
  // so changed settings close it and the planner starts over.
  // The planner then finds the recorded certificate's names differ and renews at once.
  if (replanned) await cancelSiteJob(deps, siteId, `Site ${siteId} was changed`);
  const changes = {
    domain,
    credential_id: credentialId,
    config,
    status: body.status ?? site.status,
    update_time: new Date().toISOString(),
  };
  // Pausing needs nothing else: the scheduler claims only jobs of active sites, so a paused
  // site's jobs wait where they are and go on once it is active again.
  await writeUniqueSite(deps.db, key, siteId, () =>
    deps.db.updateTable('user_sites').set(changes).where('id', '=', siteId).where('user_id', '=', userId).execute(),
  );
  await audit(deps.db, { userId, action: 'site.update', targetType: 'site', targetId: siteId });
  ctx.body = { site: publicSite({ ...site, ...changes }) };
}

async function remove(deps: RelayDeps, ctx: RelayContext, siteId: string): Promise<void> {
  const userId = ctx.state.user!.id;
  await findSite(deps, userId, siteId);
  const now = new Date().toISOString();
  await deps.db
    .updateTable('user_sites')
    .set({ delete_time: now, update_time: now })
    .where('id', '=', siteId)
    .where('user_id', '=', userId)
    .execute();
  await cancelSiteJob(deps, siteId, `Site ${siteId} was deleted`);
  await audit(deps.db, { userId, action: 'site.delete', targetType: 'site', targetId: siteId });
  ctx.status = 204;
}

async function findSite(deps: RelayDeps, userId: string, siteId: string): Promise<SiteRow> {
  const row = await deps.db
    .selectFrom('user_sites')
    .selectAll()
    .where('id', '=', siteId)
    .where('user_id', '=', userId)
    .where('delete_time', 'is', null)
    .executeTakeFirst();
  if (row === undefined) {
    throw new CertPilotError('RESOURCE_NOT_FOUND', `No site ${siteId}`, { params: { variant: 'site', id: siteId } });
  }
  return row;
}

function providerOf(origin: Origin): Provider | undefined {
  if (origin === 'nginx') return undefined;
  return origin.startsWith('qiniu-') ? 'qiniu' : 'aliyun';
}

/** Cloud sites need one of the user's credentials of the origin's provider; nginx sites none. */
async function checkCredential(
  deps: RelayDeps,
  userId: string,
  origin: Origin,
  credentialId: string | null,
): Promise<void> {
  const provider = providerOf(origin);
  if (provider === undefined) {
    if (credentialId !== null) {
      throw new CertPilotError('CREDENTIAL_MISMATCH', 'nginx sites take no credential', {
        params: { variant: 'nginx' },
      });
    }
    return;
  }
  if (credentialId === null) {
    throw new CertPilotError('CREDENTIAL_MISMATCH', `${origin} sites need credentialId`, {
      params: { variant: 'missing', origin, provider },
    });
  }
  const found = await credentialProvider(deps, userId, credentialId, 'credentialId');
  if (found !== provider) {
    throw new CertPilotError('CREDENTIAL_MISMATCH', `Credential ${credentialId} is not a ${provider} credential`, {
      params: { credentialId, provider: found, origin },
    });
  }
}
