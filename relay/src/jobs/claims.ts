/**
 * Claiming renewal jobs so that several relays on one database never run the same job twice.
 * A claim is a lease: `claimed_until` passes if its holder dies, and the job is free again.
 * Only jobs of active, undeleted sites are claimed, so pausing a site keeps its jobs where they
 * are, and resuming it lets them go on.
 */
import type { ExpressionBuilder } from 'kysely';
import type { RelayDb } from '../db/database.js';
import type { RelayDatabase } from '../db/schema.js';
import { FINAL_STATES } from './job-store.js';

/** True for a job whose site is active and not deleted. */
function siteIsActive(eb: ExpressionBuilder<RelayDatabase, 'renewal_jobs'>) {
  return eb.exists(
    eb
      .selectFrom('user_sites')
      .select('user_sites.id')
      .whereRef('user_sites.id', '=', 'renewal_jobs.site_id')
      .where('user_sites.status', '=', 'active')
      .where('user_sites.delete_time', 'is', null),
  );
}

/** Ids of unfinished, unclaimed jobs of active sites whose `next_run_at` has come, oldest first. */
export async function dueJobIds(db: RelayDb, now: Date, limit: number): Promise<string[]> {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('renewal_jobs')
    .select('id')
    .where('state', 'not in', FINAL_STATES)
    .where('next_run_at', '<=', at)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
    .where(siteIsActive)
    .orderBy('next_run_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Claims job `id` for `owner` until `now + leaseMs` if it is still due, unfinished, unclaimed
 * and its site active; true when this call got it.
 *
 * One conditional UPDATE is the whole claim, so it is atomic on both databases. SQLite runs one
 * writer at a time. PostgreSQL makes a second UPDATE of the row wait until the first commits,
 * then evaluates the WHERE clause again on the claimed row, which no longer matches.
 * The due check is repeated here because between `dueJobIds` and this call another relay may
 * have run the job and released it with a later `next_run_at`.
 *
 * NOTE: leases compare the relays' own clocks; relays sharing a database need synchronized time.
 */
export async function claimJob(db: RelayDb, id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const at = now.toISOString();
  const claimed = await db
    .updateTable('renewal_jobs')
    .set({ claimed_by: owner, claimed_until: new Date(now.getTime() + leaseMs).toISOString() })
    .where('id', '=', id)
    .where('state', 'not in', FINAL_STATES)
    .where('next_run_at', '<=', at)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
    .where(siteIsActive)
    .returning('claimed_by')
    .executeTakeFirst();
  return claimed?.claimed_by === owner;
}

/** Extends `owner`'s claim on job `id`; false when the claim was lost (it expired and was taken). */
export async function extendClaim(db: RelayDb, id: string, owner: string, until: Date): Promise<boolean> {
  const result = await db
    .updateTable('renewal_jobs')
    .set({ claimed_until: until.toISOString() })
    .where('id', '=', id)
    .where('claimed_by', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Releases `owner`'s claim on job `id`. `nextRunAt` is when it may run again (a waiting-retry
 * job's `nextRunAt`); final jobs keep their last value, since the column cannot be null and the
 * claim query skips final states anyway.
 */
export async function releaseClaim(db: RelayDb, id: string, owner: string, nextRunAt?: string): Promise<void> {
  await db
    .updateTable('renewal_jobs')
    .set({ claimed_by: null, claimed_until: null, ...(nextRunAt ? { next_run_at: nextRunAt } : {}) })
    .where('id', '=', id)
    .where('claimed_by', '=', owner)
    .execute();
}

/** Makes job `id` due now unless it is final; returns whether a row changed. */
export async function makeDueNow(db: RelayDb, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('renewal_jobs')
    .set({ next_run_at: now.toISOString() })
    .where('id', '=', id)
    .where('state', 'not in', FINAL_STATES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
