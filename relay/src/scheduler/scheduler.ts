/**
 * The relay's renewal scheduler: a `setTimeout` loop that plans jobs for due cloud sites and
 * runs due jobs it manages to claim, at most `concurrency` at once.
 *
 * NOTE: node-schedule is the intended driver for the tick once it may be installed; the loop
 * only needs "call tick() every interval, with jitter", which a timer gives as well.
 *
 * Shutdown stops the loop and waits up to `shutdownGraceMs` for running jobs. A job still
 * running after that is left claimed: its claim expires after `leaseMs`, and whichever relay
 * claims it next resumes it at the last step it persisted.
 */
import { randomUUID } from 'node:crypto';
import { AcmeIssuer, jitterDelayMs, type Logger, type Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { claimJob, dueJobIds } from '../jobs/claims.js';
import { DbAccountStore } from '../jobs/account-store.js';
import { DbJobStore } from '../jobs/job-store.js';
import { DbKeyStore } from '../jobs/key-store.js';
import type { RelayCloudEndpoints } from './job-context.js';
import { registerKick } from './kick.js';
import { planDueSites } from './planner.js';
import { runClaimedJob, type ClaimedRunDeps } from './run-claimed.js';

/** Timing and limits of the scheduler; tests shorten them. */
export interface SchedulerOptions {
  /** Pause between ticks. Default 60 s. */
  intervalMs: number;
  /** Up to this much is added to each pause at random. Default 10 s. */
  jitterMs: number;
  /** Jobs one relay runs at once. Default 4. */
  concurrency: number;
  /** How long a claim lasts without being extended; running jobs extend it. Default 5 min. */
  leaseMs: number;
  /** How long shutdown waits for running jobs. Default 10 s. */
  shutdownGraceMs: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  intervalMs: 60_000,
  jitterMs: 10_000,
  concurrency: 4,
  leaseMs: 5 * 60_000,
  shutdownGraceMs: 10_000,
};

/** The ACME CA that issues the relay's certificates. */
export interface AcmeSettings {
  directoryUrl: string;
  caCertPem?: string;
  email?: string;
}

export interface SchedulerDeps {
  db: RelayDb;
  sealer: Sealer;
  acme: AcmeSettings;
  endpoints?: RelayCloudEndpoints;
  logger: Logger;
}

/** A running scheduler. */
export interface RenewalScheduler {
  /** This relay's claim owner id. */
  readonly owner: string;
  /** Runs a tick soon instead of at the next interval. */
  kick(): void;
  /** Stops the loop; see the module comment for running jobs. */
  stop(): Promise<void>;
}

/** Starts the loop; the first tick runs at once. */
export function startScheduler(deps: SchedulerDeps, options: Partial<SchedulerOptions> = {}): RenewalScheduler {
  return new Loop(deps, { ...DEFAULT_SCHEDULER_OPTIONS, ...options });
}

class Loop implements RenewalScheduler {
  readonly owner = `relay-${randomUUID()}`;
  readonly #running = new Set<Promise<void>>();
  readonly #run: ClaimedRunDeps;
  readonly #unregister: () => void;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    const logger = deps.logger.child({ subsystem: 'scheduler' });
    let issuer: AcmeIssuer | undefined;
    const accounts = new DbAccountStore(deps.db, deps.sealer);
    this.#run = {
      db: deps.db,
      sealer: deps.sealer,
      endpoints: deps.endpoints ?? {},
      logger,
      store: new DbJobStore(deps.db, deps.sealer),
      keys: new DbKeyStore(deps.db, deps.sealer),
      issuer: async () => (issuer ??= new AcmeIssuer({ ...deps.acme, accounts, logger })),
      owner: this.owner,
      leaseMs: options.leaseMs,
    };
    this.#unregister = registerKick(deps.db, () => this.kick());
    this.#schedule(0);
  }

  kick(): void {
    if (this.#stopped) return;
    if (this.#ticking) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#unregister();
    await this.#ticking;
    const grace = new Promise<void>((done) => setTimeout(done, this.options.shutdownGraceMs).unref());
    await Promise.race([Promise.allSettled([...this.#running]), grace]);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = this.#work();
    await this.#ticking;
    this.#ticking = undefined;
    if (this.#stopped) return;
    const again = this.#again;
    this.#again = false;
    this.#schedule(again ? 0 : this.options.intervalMs + jitterDelayMs(this.options.jitterMs));
  }

  async #work(): Promise<void> {
    try {
      await planDueSites(this.deps.db, this.#run.store, this.#run.logger);
      await this.#claimAndStart();
    } catch (error) {
      this.#run.logger.error({ err: error }, 'scheduler tick failed; retrying at the next tick');
    }
  }

  async #claimAndStart(): Promise<void> {
    const free = this.options.concurrency - this.#running.size;
    if (free <= 0) return;
    const now = new Date();
    for (const id of await dueJobIds(this.deps.db, now, free)) {
      if (this.#stopped) return;
      if (!(await claimJob(this.deps.db, id, this.owner, now, this.options.leaseMs))) continue;
      const running: Promise<void> = runClaimedJob(this.#run, id).finally(() => {
        this.#running.delete(running);
        this.kick();
      });
      this.#running.add(running);
    }
  }
}
