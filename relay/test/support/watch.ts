/** Running the expiry watch of a test relay from the test: its database and sealing key, opened a second time. */
import { join } from 'node:path';
import { createSealer, loadSealingKey, silentLogger } from '@certpilot/core';
import { openDatabase } from '../../src/db/database.js';
import { databaseUrlFor } from './databases.js';
import { runWatch, type WatchDeps, type WatchSummary } from '../../src/watch/run-watch.js';
import { readWatchResults, type SiteWatchResult } from '../../src/watch/watch-store.js';

export interface WatchHandle {
  /** What the watch runs with: the database, the sealer, a silent logger. */
  deps: WatchDeps;
  /** Runs the watch once, as the daily schedule does, with the clock at `now` (default the real one). */
  run(now?: Date): Promise<WatchSummary>;
  /** The stored watch results of `userId`'s sites, by site id. */
  results(userId: string): Promise<Map<string, SiteWatchResult>>;
  close(): Promise<void>;
}

/** Opens the database of the relay over `dataDir` (see `databases.ts`) and its `sealing.key`. */
export async function openWatch(dataDir: string): Promise<WatchHandle> {
  const logger = silentLogger();
  const db = await openDatabase(await databaseUrlFor(dataDir), logger);
  const sealer = createSealer((await loadSealingKey({ file: join(dataDir, 'sealing.key') })).key);
  return {
    deps: { db, sealer, logger },
    run: (now) => runWatch({ db, sealer, logger, ...(now ? { now: () => now } : {}) }),
    results: (userId) => readWatchResults(db, userId),
    close: () => db.destroy(),
  };
}
