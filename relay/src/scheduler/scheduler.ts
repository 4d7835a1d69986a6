/**
 * The relay's renewal scheduler: a node-schedule job that fires every interval (plus jitter),
 * plans jobs for due cloud sites and runs due jobs it manages to claim, at most `concurrency`
 * at once and at most `accountConcurrency` on one ACME account. It also starts the daily
 * expiry watch (`../watch/`).
 *
 * Shutdown cancels both schedules and waits up to `shutdownGraceMs` for running jobs. A job
 * still running after that is left claimed: its claim expires after `leaseMs`, and whichever
 * relay claims it next resumes it at the last step it persisted.
 */
import { randomUUID } from 'node:crypto';
import { AcmeIssuer, jitterDelayMs, type Logger, type Sealer } from '@certpilot/core';
import { Job } from 'node-schedule';
import type { RelayDb } from '../db/database.js';
import { claimJob, dueJobIds } from '../jobs/claims.js';
import { DbAccountStore } from '../jobs/account-store.js';
import { DbJobStore } from '../jobs/job-store.js';
import { DbKeyStore } from '../jobs/key-store.js';
import type { RelayCloudEndpoints } from './job-context.js';
import { startWatch, type ExpiryWatch, type WatchScheduleOptions } from '../watch/watch-schedule.js';
import { AccountSlots } from './account-slots.js';
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
  /**
   * Jobs one relay runs at once on one ACME account. Default 2, because CAs rate-limit orders
   * and pending authorizations per account. Counted per relay process, not across relays.
   */
  accountConcurrency: number;
  /** How long a claim lasts without being extended; running jobs extend it. Default 5 min. */
  leaseMs: number;
  /** How long shutdown waits for running jobs. Default 10 s. */
  shutdownGraceMs: number;
  /** When the daily expiry watch runs, or false for none. */
  watch: Partial<WatchScheduleOptions> | false;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  intervalMs: 60_000,
  jitterMs: 10_000,
  concurrency: 4,
  accountConcurrency: 2,
  leaseMs: 5 * 60_000,
  shutdownGraceMs: 10_000,
  watch: {},
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
  /** The daily expiry watch, when it runs. */
  readonly watch: ExpiryWatch | undefined;
  /** Stops the loop and the watch; see the module comment for running jobs. */
  stop(): Promise<void>;
}

/** Starts the loop; the first tick runs at once. */
export function startScheduler(deps: SchedulerDeps, options: Partial<SchedulerOptions> = {}): RenewalScheduler {
  return new Loop(deps, { ...DEFAULT_SCHEDULER_OPTIONS, ...options });
}

class Loop implements RenewalScheduler {
  readonly owner = `relay-${randomUUID()}`;
  readonly watch: ExpiryWatch | undefined;
  readonly #running = new Set<Promise<void>>();
  readonly #run: ClaimedRunDeps;
  readonly #slots: AccountSlots;
  readonly #unregister: () => void;
  readonly #tickJob = new Job(() => void this.#tick());
  #immediate: NodeJS.Immediate | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    // First, so that bad watch options throw before any timer or kick is registered.
    this.watch =
      options.watch === false
        ? undefined
        : startWatch({ db: deps.db, sealer: deps.sealer, logger: deps.logger }, options.watch);
    const logger = deps.logger.child({ subsystem: 'scheduler' });
    // One issuer for every job, so that jobs starting together share one account setup.
    const issuer = new AcmeIssuer({ ...deps.acme, accounts: new DbAccountStore(deps.db, deps.sealer), logger });
    this.#run = {
      db: deps.db,
      sealer: deps.sealer,
      endpoints: deps.endpoints ?? {},
      logger,
      store: new DbJobStore(deps.db, deps.sealer),
      keys: new DbKeyStore(deps.db, deps.sealer),
      issuer: () => Promise.resolve(issuer),
      owner: this.owner,
      leaseMs: options.leaseMs,
    };
    this.#slots = new AccountSlots(options.accountConcurrency);
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
    this.#tickJob.cancel();
    clearImmediate(this.#immediate);
    this.#unregister();
    await this.watch?.stop();
    await this.#ticking;
    const grace = new Promise<void>((done) => setTimeout(done, this.options.shutdownGraceMs).unref());
    await Promise.race([Promise.allSettled([...this.#running]), grace]);
  }

  /** Replaces the pending tick with one `delayMs` from now. */
  #schedule(delayMs: number): void {
    this.#tickJob.cancel();
    clearImmediate(this.#immediate);
    // node-schedule refuses a date that passed while it parsed the spec; run such a tick next turn.
    const at = new Date(Date.now() + Math.max(1, delayMs));
    if (delayMs > 0 && this.#tickJob.schedule(at)) return;
    this.#immediate = setImmediate(() => void this.#tick());
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

  /**
   * Claims and starts due jobs while both the relay and the account have free slots. A job is
   * claimed only with a slot in hand, so no claim is held by a job that waits for a slot.
   */
  async #claimAndStart(): Promise<void> {
    // NOTE: the relay keeps one ACME account per directory URL and renews every cloud site
    // through its one configured directory, so all jobs share this key today.
    const account = this.deps.acme.directoryUrl;
    const free = Math.min(this.options.concurrency - this.#running.size, this.#slots.free(account));
    if (free <= 0) return;
    const now = new Date();
    for (const id of await dueJobIds(this.deps.db, now, free)) {
      if (this.#stopped) return;
      const release = this.#slots.acquire(account);
      if (!release) return;
      if (!(await claimJob(this.deps.db, id, this.owner, now, this.options.leaseMs))) {
        release();
        continue;
      }
      const running: Promise<void> = runClaimedJob(this.#run, id).finally(() => {
        release();
        this.#running.delete(running);
        this.kick();
      });
      this.#running.add(running);
    }
  }
}
