import { randomUUID } from 'node:crypto';
import type { RelayDb } from './db/database.js';

/** One audit entry: who did what to which row, from where. Never values, so never secrets. */
export interface AuditEntry {
  userId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  address?: string;
}

/** Appends an entry to `audit_log`. */
export async function audit(db: RelayDb, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      user_id: entry.userId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      address: entry.address ?? null,
      create_time: new Date().toISOString(),
    })
    .execute();
}
