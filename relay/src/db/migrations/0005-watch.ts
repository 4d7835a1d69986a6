import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;

async function up(db: Db): Promise<void> {
  // The last expiry watch result of each site: what its edge served (or its agent reported).
  await db.schema
    .createTable('site_watch')
    .addColumn('site_id', 'text', (c) => c.primaryKey().references('user_sites.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('deployed_serial', 'text')
    .addColumn('served_serial', 'text')
    .addColumn('not_after', 'text')
    .addColumn('error', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('site_watch_user').on('site_watch').column('user_id').execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('site_watch').execute();
}

/** The expiry watch's last result per site. */
export const watchSchema: Migration = { up, down };
