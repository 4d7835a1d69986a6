/**
 * Building what `runJob` needs for one cloud site from the database: the deploy target and the
 * Alidns solver, each with the user's credential opened with the sealer.
 */
import type { CloudEndpoints } from '@certpilot/core/cloud/index';
import { CertPilotError, type CloudCredential, type JobContext, type Logger, type Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import type { UserSitesTable } from '../db/schema.js';
import type { Selectable } from 'kysely';
import { DbUploadRegistry } from '../jobs/upload-registry.js';
import { parseCloudSite } from './cloud-site.js';

/** Provider API endpoints. Only tests point them elsewhere, never a site's own config. */
export type RelayCloudEndpoints = CloudEndpoints & { alidns?: string };

export interface JobContextDeps {
  db: RelayDb;
  sealer: Sealer;
  endpoints: RelayCloudEndpoints;
  logger: Logger;
}

/**
 * Builds the solver and target for `site`.
 *
 * @throws CertPilotError `CONFIG_INVALID` (variant `site`) for bad settings or a credential that
 *   is missing, deleted, another user's or of the wrong provider. All are terminal.
 */
export async function buildJobContext(deps: JobContextDeps, site: Selectable<UserSitesTable>): Promise<JobContext> {
  const settings = parseCloudSite(site);
  const provider = settings.target.startsWith('qiniu-') ? 'qiniu' : 'aliyun';
  const targetCredential = await openCredential(deps, site, site.credential_id, provider, 'credentialId');
  const dnsCredential = await openCredential(
    deps,
    site,
    settings.challenge.credentialId,
    'aliyun',
    'challenge.credentialId',
  );
  // The providers' SDKs take about 80 MB once loaded. A relay that renews no cloud site never
  // needs them, so they load with the first cloud job.
  const { AlidnsSolver, createCloudTarget } = await import('@certpilot/core/cloud/index');
  const { alidns, ...endpoints } = deps.endpoints;
  const solver = new AlidnsSolver({
    credential: dnsCredential,
    siteId: site.id,
    ...(alidns ? { endpoint: alidns } : {}),
    ...(endpoints.aliyunProtocol ? { protocol: endpoints.aliyunProtocol } : {}),
    ...(settings.challenge.resolvers ? { resolvers: settings.challenge.resolvers } : {}),
    ...(settings.challenge.propagationTimeoutMs
      ? { propagationTimeoutMs: settings.challenge.propagationTimeoutMs }
      : {}),
    logger: deps.logger,
  });
  const { challenge: _challenge, ...spec } = settings;
  const target = createCloudTarget(
    { ...spec, siteId: site.id },
    { credential: targetCredential, registry: new DbUploadRegistry(deps.db), endpoints, logger: deps.logger },
  );
  return { solver, target };
}

async function openCredential(
  deps: JobContextDeps,
  site: Selectable<UserSitesTable>,
  credentialId: string | null,
  provider: 'qiniu' | 'aliyun',
  key: string,
): Promise<CloudCredential> {
  const row = credentialId
    ? await deps.db
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', credentialId)
        .where('user_id', '=', site.user_id)
        .where('delete_time', 'is', null)
        .executeTakeFirst()
    : undefined;
  if (!row || row.provider !== provider) {
    const problems = `${key}: expected one of your ${provider} credentials`;
    throw new CertPilotError('CONFIG_INVALID', `Site ${site.id} has invalid settings: ${problems}`, {
      params: { variant: 'site', site: site.id, problems },
    });
  }
  return {
    provider,
    accessKeyId: row.access_key_id,
    accessKeySecret: deps.sealer.open(row.access_key_secret_sealed, row.id),
  };
}
