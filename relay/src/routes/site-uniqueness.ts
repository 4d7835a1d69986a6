/**
 * One live site per user, origin and domain. A copy would get its own renewal job, so one domain
 * would be ordered twice in parallel and use up Let's Encrypt's duplicate-certificate limit
 * (5 per week for the same set of names).
 */
import { CertPilotError } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { UNIQUE_SITE_INDEX } from '../db/migrations/0006-unique-sites.js';

interface SiteKey {
  userId: string;
  origin: string;
  domain: string;
}

/**
 * Rejects `key` when another live site of the user already has it; `exceptId` is the site being
 * changed. This check names the existing site, and the unique index (see `writeUniqueSite`)
 * catches two requests that pass it at the same time.
 *
 * @throws CertPilotError `SITE_EXISTS` naming the existing site.
 */
export async function checkUniqueSite(db: RelayDb, key: SiteKey, exceptId?: string): Promise<void> {
  const existing = await findLiveSite(db, key, exceptId);
  if (existing !== undefined) throw siteExists(key, existing);
}

/**
 * Runs `write` (an insert or update of `user_sites`) and turns the unique index's violation into
 * `SITE_EXISTS`, so the loser of a race gets 409 and not 500.
 */
export async function writeUniqueSite(db: RelayDb, key: SiteKey, siteId: string, write: () => Promise<unknown>) {
  try {
    await write();
  } catch (error) {
    if (!isUniqueSiteViolation(error)) throw error;
    const existing = await findLiveSite(db, key, siteId);
    if (existing === undefined) throw error;
    throw siteExists(key, existing, error);
  }
}

async function findLiveSite(db: RelayDb, key: SiteKey, exceptId?: string): Promise<string | undefined> {
  let query = db
    .selectFrom('user_sites')
    .select('id')
    .where('user_id', '=', key.userId)
    .where('origin', '=', key.origin)
    .where('domain', '=', key.domain)
    .where('delete_time', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  const row = await query.orderBy('create_time').executeTakeFirst();
  return row?.id;
}

function siteExists(key: SiteKey, existingId: string, cause?: unknown): CertPilotError {
  return new CertPilotError('SITE_EXISTS', `Site ${existingId} already has ${key.origin} ${key.domain}`, {
    params: { siteId: existingId, origin: key.origin, domain: key.domain },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * True for a violation of `UNIQUE_SITE_INDEX`: PostgreSQL's `23505` names the index, and
 * better-sqlite3's `SQLITE_CONSTRAINT_UNIQUE` names the indexed columns.
 */
function isUniqueSiteViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === UNIQUE_SITE_INDEX;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('user_sites.domain');
}
