import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;

async function up(db: Db): Promise<void> {
  // A job's private key between `issuing` and `done`, sealed with the job id as additional data.
  await db.schema.alterTable('renewal_jobs').addColumn('private_key_sealed', 'text').execute();

  // One unfinished job per site, even with several relays planning at once: the second insert fails.
  await db.schema
    .createIndex('renewal_jobs_one_active')
    .on('renewal_jobs')
    .column('site_id')
    .unique()
    .where(sql.ref('state'), 'not in', ['done', 'failed'])
    .execute();

  await db.schema
    .createTable('acme_accounts')
    .addColumn('directory_url', 'text', (c) => c.primaryKey())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('account_url', 'text')
    .addColumn('email', 'text')
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('update_time', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cloud_uploads')
    .addColumn('site_id', 'text', (c) => c.notNull().references('user_sites.id'))
    .addColumn('cert_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cloud_uploads_pk', ['site_id', 'cert_id'])
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('cloud_uploads').execute();
  await db.schema.dropTable('acme_accounts').execute();
  await db.schema.dropIndex('renewal_jobs_one_active').execute();
  await db.schema.alterTable('renewal_jobs').dropColumn('private_key_sealed').execute();
}

/** What the relay's renewal scheduler keeps beside `renewal_jobs`: sealed keys, ACME accounts, cloud uploads. */
export const schedulerSchema: Migration = { up, down };
