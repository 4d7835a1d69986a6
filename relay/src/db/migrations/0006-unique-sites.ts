import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;

/** The index that keeps one live site per user, origin and domain. */
export const UNIQUE_SITE_INDEX = 'user_sites_live_domain';

async function up(db: Db): Promise<void> {
  await retireDuplicates(db);

  // nginx rows are left out: agent reports write one per agent and server block, and several
  // servers behind one load balancer each hold their own certificate for the same domain. The
  // relay never orders certificates for nginx rows, so their copies cost no CA rate limit; the
  // `/sites` routes still reject a second nginx site added by hand.
  await db.schema
    .createIndex(UNIQUE_SITE_INDEX)
    .on('user_sites')
    .columns(['user_id', 'origin', 'domain'])
    .unique()
    .where(sql.ref('delete_time'), 'is', null)
    .where('origin', '<>', 'nginx')
    .execute();
}

/**
 * Soft-deletes every live copy of a cloud site except the oldest, so the unique index can be
 * built on a database that already holds copies. Deleted rows keep their data, and the
 * scheduler no longer claims their jobs.
 */
async function retireDuplicates(db: Db): Promise<void> {
  const copies = await db
    .selectFrom('user_sites as copy')
    .select('copy.id')
    .where('copy.delete_time', 'is', null)
    .where('copy.origin', '<>', 'nginx')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_sites as first')
          .select('first.id')
          .whereRef('first.user_id', '=', 'copy.user_id')
          .whereRef('first.origin', '=', 'copy.origin')
          .whereRef('first.domain', '=', 'copy.domain')
          .where('first.delete_time', 'is', null)
          .where((inner) =>
            inner.or([
              inner('first.create_time', '<', inner.ref('copy.create_time')),
              inner.and([
                inner('first.create_time', '=', inner.ref('copy.create_time')),
                inner('first.id', '<', inner.ref('copy.id')),
              ]),
            ]),
          ),
      ),
    )
    .execute();
  if (copies.length === 0) return;
  const now = new Date().toISOString();
  await db
    .updateTable('user_sites')
    .set({ delete_time: now, update_time: now })
    .where(
      'id',
      'in',
      copies.map((row) => row.id as string),
    )
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropIndex(UNIQUE_SITE_INDEX).execute();
}

/** One live cloud site per user, origin and domain. */
export const uniqueSitesSchema: Migration = { up, down };
