/**
 * Versioned schema migrations, kept in code so a bundled relay needs no migration files on disk.
 * Only Kysely's schema builder is used, never dialect-specific SQL, so the same steps run on
 * SQLite and PostgreSQL. Add a new entry for every change; never edit an applied one.
 */
import type { Migration, MigrationProvider } from 'kysely/migration';
import { initialSchema } from './migrations/0001-initial.js';
import { schedulerSchema } from './migrations/0003-scheduler.js';
import { agentsSchema } from './migrations/0002-agents.js';
import { notificationsSchema } from './migrations/0004-notifications.js';
import { watchSchema } from './migrations/0005-watch.js';
import { uniqueSitesSchema } from './migrations/0006-unique-sites.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initialSchema,
  '0003_scheduler': schedulerSchema,
  '0002_agents': agentsSchema,
  '0004_notifications': notificationsSchema,
  '0005_watch': watchSchema,
  '0006_unique_sites': uniqueSitesSchema,
};

/** Supplies `MIGRATIONS` to Kysely's `Migrator`. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
