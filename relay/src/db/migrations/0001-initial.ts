import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;
type Table = CreateTableBuilder<string, string>;

function withTimes(table: Table): Table {
  return table
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('update_time', 'text', (c) => c.notNull())
    .addColumn('delete_time', 'text');
}

function ownedBy(table: Table): Table {
  return table
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'));
}

async function up(db: Db): Promise<void> {
  await withTimes(
    db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('mobile', 'text')
      .addColumn('email', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active')),
  ).execute();

  await ownedBy(db.schema.createTable('sessions'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute();

  await withTimes(
    ownedBy(db.schema.createTable('credentials'))
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('access_key_id', 'text', (c) => c.notNull())
      .addColumn('access_key_secret_sealed', 'text', (c) => c.notNull()),
  ).execute();

  await withTimes(
    ownedBy(db.schema.createTable('user_sites'))
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.references('credentials.id'))
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active')),
  ).execute();

  await withTimes(
    ownedBy(db.schema.createTable('certificates'))
      .addColumn('site_id', 'text', (c) => c.notNull().references('user_sites.id'))
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('names', 'text', (c) => c.notNull())
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('not_after', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('private_key_sealed', 'text', (c) => c.notNull()),
  ).execute();

  await ownedBy(db.schema.createTable('renewal_jobs'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('user_sites.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('update_time', 'text', (c) => c.notNull())
    .execute();

  await withTimes(
    ownedBy(db.schema.createTable('agents'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .addColumn('last_seen_at', 'text'),
  ).execute();

  await ownedBy(db.schema.createTable('agent_reports'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('create_time', 'text', (c) => c.notNull())
    .execute();

  await withTimes(
    ownedBy(db.schema.createTable('notification_channels'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active')),
  ).execute();

  // Audit rows outlive their user, so user_id is a plain column without a foreign key.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('address', 'text')
    .addColumn('create_time', 'text', (c) => c.notNull())
    .execute();

  await createIndexes(db);
}

async function createIndexes(db: Db): Promise<void> {
  const byUser = ['sessions', 'credentials', 'user_sites', 'certificates', 'agents', 'notification_channels'];
  for (const table of byUser) {
    await db.schema.createIndex(`${table}_user_id`).on(table).column('user_id').execute();
  }
  await db.schema.createIndex('certificates_site_id').on('certificates').column('site_id').execute();
  await db.schema.createIndex('renewal_jobs_next_run_at').on('renewal_jobs').column('next_run_at').execute();
  await db.schema.createIndex('renewal_jobs_site_id').on('renewal_jobs').column('site_id').execute();
  await db.schema
    .createIndex('agent_reports_agent_id')
    .on('agent_reports')
    .columns(['agent_id', 'create_time'])
    .execute();
  await db.schema.createIndex('audit_log_user_id').on('audit_log').columns(['user_id', 'create_time']).execute();
}

async function down(db: Db): Promise<void> {
  const tables = [
    'audit_log',
    'notification_channels',
    'agent_reports',
    'agents',
    'renewal_jobs',
    'certificates',
    'user_sites',
    'credentials',
    'sessions',
    'users',
  ];
  for (const table of tables) await db.schema.dropTable(table).execute();
}

/** The first schema: the tables of DESIGN.md's data plan. */
export const initialSchema: Migration = { up, down };
