import type { SerializedError } from '../errors.js';

/**
 * A renewal job: one persisted attempt to bring a site to a fresh certificate. Each step's result
 * is saved before the next step starts, so a crash or restart resumes where it stopped.
 *
 *   planned → issuing → issued → deploying → deployed → verifying → done
 *   any step → waiting-retry (retryable error) → back to the step that failed
 *   any step → failed (terminal error)
 */
export const JOB_STEPS = [
  'planned',
  'issuing',
  'issued',
  'deploying',
  'deployed',
  'verifying',
  'done',
  'waiting-retry',
  'failed',
] as const;

export type JobStep = (typeof JOB_STEPS)[number];

/** Steps after which the job does nothing more. */
export const FINAL_STEPS: ReadonlySet<JobStep> = new Set(['done', 'failed']);

export interface IssuedCertificate {
  /** Leaf first, then the chain, PEM. */
  pem: string;
  serial: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
}

export interface JobHistoryEntry {
  step: JobStep;
  at: string;
  error?: SerializedError;
}

export interface RenewalJob {
  id: string;
  siteId: string;
  /** Normalized names the certificate is for; the first is the CSR's common name. */
  names: string[];
  step: JobStep;
  /** The step to run again after `waiting-retry`. */
  resumeStep?: JobStep;
  createdAt: string;
  updatedAt: string;
  /** Failed attempts so far; drives the backoff schedule. */
  attempt: number;
  /** When a `waiting-retry` job may run again (ISO 8601). */
  nextRunAt?: string;
  /** The order created for this job; reused on resume so no second certificate is ordered. */
  order?: { url: string; replaces?: string; profile?: string };
  /** Where this job's private key is kept (PEM, mode 0600); never the key itself. */
  keyRef?: string;
  /** Set once the CA issued the certificate; from then on the job never orders again. */
  certificate?: IssuedCertificate;
  /** The certificate being replaced, so the probe can tell old from new. */
  previous?: { serial: string; fingerprint: string; notAfter: string };
  lastError?: SerializedError;
  history: JobHistoryEntry[];
}

/** Storage of renewal jobs; the agent keeps JSON files, the relay a database table. */
export interface JobStore {
  get(id: string): Promise<RenewalJob | null>;
  /** The job of `siteId` that has not reached a final step, if any. */
  findActive(siteId: string): Promise<RenewalJob | null>;
  /** The most recent job of `siteId`, final or not. */
  findLatest(siteId: string): Promise<RenewalJob | null>;
  /** Persists `job` durably before returning. */
  save(job: RenewalJob): Promise<void>;
  list(): Promise<RenewalJob[]>;
}
