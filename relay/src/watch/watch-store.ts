/**
 * The expiry watch's last result per site, in `site_watch` (migration 0005). The row type lives
 * here, beside its only writer, and is added to the database type with `withTables`.
 */
import type { SerializedError } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

/**
 * States of a watch result, most severe first. `probe-failed`: the edge could not be read.
 * `served-mismatch`: the edge serves another certificate than the relay deployed.
 * `renewal-failing`: the last renewal attempt failed. `not-renewed`: past the renewal time by
 * more than a day. `renewing`: a job is running, so the edge may still serve the old certificate.
 */
export const WATCH_STATES = [
  'probe-failed',
  'expired',
  'served-mismatch',
  'renewal-failing',
  'not-renewed',
  'renewing',
  'ok',
] as const;

export type WatchState = (typeof WATCH_STATES)[number];

/** Returns the most severe state found true, or `ok` when none is. */
export function pickState(found: Partial<Record<WatchState, boolean>>): WatchState {
  return WATCH_STATES.find((state) => found[state] === true) ?? 'ok';
}

export interface SiteWatchTable {
  site_id: string;
  user_id: string;
  /** `probe` for cloud sites (a TLS handshake with the edge), `agent-report` for agent sites. */
  source: string;
  /** One of {@link WATCH_STATES}. */
  state: string;
  /** Serial of the certificate the relay recorded as deployed; null for agent sites. */
  deployed_serial: string | null;
  /** Serial the edge served, or the agent last reported. */
  served_serial: string | null;
  /** Expiry of the served (or reported) certificate. */
  not_after: string | null;
  /** JSON of the `SerializedError` behind `probe-failed` or `renewal-failing`. */
  error: string | null;
  checked_at: string;
}

/** One site's watch result, as the watch computes it and the API shows it. */
export interface SiteWatchResult {
  siteId: string;
  userId: string;
  source: 'probe' | 'agent-report';
  state: WatchState;
  deployedSerial?: string;
  servedSerial?: string;
  notAfter?: string;
  error?: SerializedError;
  checkedAt: string;
}

const watchDb = (db: RelayDb) => db.withTables<{ site_watch: SiteWatchTable }>();

/** Stores `result` as the site's latest watch result. */
export async function saveWatchResult(db: RelayDb, result: SiteWatchResult): Promise<void> {
  const row = {
    user_id: result.userId,
    source: result.source,
    state: result.state,
    deployed_serial: result.deployedSerial ?? null,
    served_serial: result.servedSerial ?? null,
    not_after: result.notAfter ?? null,
    error: result.error ? JSON.stringify(result.error) : null,
    checked_at: result.checkedAt,
  };
  await watchDb(db)
    .insertInto('site_watch')
    .values({ site_id: result.siteId, ...row })
    .onConflict((oc) => oc.column('site_id').doUpdateSet(row))
    .execute();
}

/** Reads the latest watch results of `userId`'s sites, keyed by site id. */
export async function readWatchResults(db: RelayDb, userId: string): Promise<Map<string, SiteWatchResult>> {
  const rows = await watchDb(db).selectFrom('site_watch').selectAll().where('user_id', '=', userId).execute();
  return new Map(rows.map((row) => [row.site_id, toResult(row)]));
}

function toResult(row: SiteWatchTable): SiteWatchResult {
  return {
    siteId: row.site_id,
    userId: row.user_id,
    source: row.source as SiteWatchResult['source'],
    state: row.state as WatchState,
    ...(row.deployed_serial ? { deployedSerial: row.deployed_serial } : {}),
    ...(row.served_serial ? { servedSerial: row.served_serial } : {}),
    ...(row.not_after ? { notAfter: row.not_after } : {}),
    ...(row.error ? { error: JSON.parse(row.error) as SerializedError } : {}),
    checkedAt: row.checked_at,
  };
}
