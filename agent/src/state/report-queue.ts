import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from './json-file.js';

/** Most reports the queue keeps; older ones are dropped first, since newer ones supersede them. */
export const MAX_QUEUED_REPORTS = 50;

/**
 * Reports the relay has not accepted yet, oldest first, in `<stateDir>/report-queue.json` (0600:
 * the reports name the server's sites).
 */
export class ReportQueue<T> {
  constructor(readonly path: string) {}

  /** The queued reports; an unreadable or damaged file counts as empty, so reporting never blocks a run. */
  async load(): Promise<T[]> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as T[]) : [];
    } catch {
      return [];
    }
  }

  /** Replaces the queue with the newest `MAX_QUEUED_REPORTS` of `reports`. */
  save(reports: T[]): Promise<void> {
    return writeJsonAtomic(this.path, reports.slice(-MAX_QUEUED_REPORTS), 0o600);
  }
}
