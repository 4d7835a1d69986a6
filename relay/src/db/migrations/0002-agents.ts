import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations must not depend on today's row types */
type Db = Kysely<any>;

async function up(db: Db): Promise<void> {
  await db.schema.alterTable('agents').addColumn('hostname', 'text').execute();
  await db.schema.alterTable('agents').addColumn('version', 'text').execute();

  await db.schema
    .createTable('agent_enrollments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('create_time', 'text', (c) => c.notNull())
    .execute();

  // Which user_sites rows an agent created, keyed by the agent's own site id: an agent may
  // update only these rows, never a site the user made by hand or another agent reported.
  await db.schema
    .createTable('agent_sites')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
    .addColumn('site_key', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull().references('user_sites.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_sites_pk', ['agent_id', 'site_key'])
    .execute();
  await db.schema.createIndex('agent_enrollments_agent_id').on('agent_enrollments').column('agent_id').execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('agent_sites').execute();
  await db.schema.dropTable('agent_enrollments').execute();
  await db.schema.alterTable('agents').dropColumn('version').execute();
  await db.schema.alterTable('agents').dropColumn('hostname').execute();
}

/** Agent enrollment: one-time enrollment tokens, the agent's host and version, its reported sites. */
export const agentsSchema: Migration = { up, down };
