import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;

async function up(db: Db): Promise<void> {
  // The events each channel already sent (core's NotifiedState), so a state is not sent twice.
  await db.schema
    .createTable('notification_states')
    .addColumn('channel_id', 'text', (c) => c.primaryKey().references('notification_channels.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('update_time', 'text', (c) => c.notNull())
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('notification_states').execute();
}

/** The notified state of each notification channel. */
export const notificationsSchema: Migration = { up, down };
