import type { RelayDb } from '../db/database.js';

// Keyed by database handle so that two relays in one process (tests) each reach their own
// scheduler, without widening the shared route dependencies.
const kicks = new WeakMap<RelayDb, () => void>();

/** Lets routes ask the scheduler running over `db` for a tick now. */
export function registerKick(db: RelayDb, kick: () => void): () => void {
  kicks.set(db, kick);
  return () => kicks.delete(db);
}

/** Asks for a tick now; a relay started without a scheduler picks the job up nowhere, so nothing happens. */
export function kickScheduler(db: RelayDb): void {
  kicks.get(db)?.();
}
