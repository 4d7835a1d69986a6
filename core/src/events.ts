import { EventEmitter } from 'node:events';
import type { SerializedError } from './errors.js';
import type { JobStep } from './jobs/job.js';

/**
 * Lifecycle events of renewal jobs. The core only emits them; each host decides whether to log,
 * report, notify or show them.
 */
export interface LifecycleEvents {
  'job.started': { jobId: string; siteId: string; names: string[]; step: JobStep };
  'job.step': { jobId: string; siteId: string; from: JobStep; to: JobStep };
  'certificate.issued': { jobId: string; siteId: string; serial: string; notAfter: string; fingerprint: string };
  'certificate.deployed': { jobId: string; siteId: string; target: string; serial: string };
  'certificate.verified': { jobId: string; siteId: string; address: string; serial: string };
  'deploy.rolled-back': { jobId: string; siteId: string; reason: SerializedError };
  'job.waiting-retry': { jobId: string; siteId: string; attempt: number; retryAt: string; error: SerializedError };
  'job.failed': { jobId: string; siteId: string; error: SerializedError };
  'job.done': { jobId: string; siteId: string; serial: string; notAfter: string };
}

export type LifecycleEventName = keyof LifecycleEvents;

/** A typed emitter for `LifecycleEvents`. */
export class LifecycleEmitter {
  readonly #emitter = new EventEmitter();

  on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Calls every listener of every event, for hosts that forward all events (reports, logs). */
  onAny(listener: <E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]) => void): this {
    this.#anyListeners.push(listener);
    return this;
  }

  emit<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]): void {
    this.#emitter.emit(event, payload);
    for (const listener of this.#anyListeners) listener(event, payload);
  }

  readonly #anyListeners: Array<<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]) => void> = [];
}
