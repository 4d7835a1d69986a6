import type { SerializedError } from '@certpilot/core';
import { readJson, writeJsonAtomic } from './json-file.js';

export type SiteOutcome = 'renewed' | 'not-due' | 'failed' | 'waiting-retry' | 'dry-run' | 'skipped';

/** The latest result of one site, kept in `last-run.json` for `status` and reports. */
export interface SiteResult {
  siteId: string;
  names: string[];
  outcome: SiteOutcome;
  at: string;
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  /** When the certificate becomes due, and by which rule. */
  renewAt?: string;
  reason?: string;
  nextRunAt?: string;
  jobId?: string;
  error?: SerializedError;
}

export interface LastRun {
  updatedAt: string;
  sites: Record<string, SiteResult>;
}

/** Merges `results` into the file, keeping results of sites this run did not touch. */
export async function recordResults(path: string, results: SiteResult[], now = new Date()): Promise<void> {
  const current = (await readJson<LastRun>(path)) ?? { updatedAt: now.toISOString(), sites: {} };
  for (const result of results) current.sites[result.siteId] = result;
  current.updatedAt = now.toISOString();
  await writeJsonAtomic(path, current, 0o600);
}

export function readLastRun(path: string): Promise<LastRun | null> {
  return readJson<LastRun>(path);
}
