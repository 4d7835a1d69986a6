/** How long a bind keeps a domain processing: milliseconds, or until `finish()` is called. */
export type ProcessingHold = number | 'forever';

/**
 * The certificate a CDN-like edge serves for one domain, and the one it will serve once the
 * provider finishes processing a change. Real CDNs take minutes to roll a new certificate
 * out; with a hold of 0 this fake switches at once, otherwise it keeps serving the previous
 * certificate until the hold runs out or `finish()` is called.
 */
export class EdgeDeployment<T> {
  #served: T | null = null;
  #pending: { value: T | null } | undefined;
  #hold: ProcessingHold = 0;
  #timer: NodeJS.Timeout | undefined;

  /** The value the edge serves now; `null` when nothing is bound. */
  get served(): T | null {
    return this.#served;
  }

  /** True while a change waits to reach the edge. */
  get processing(): boolean {
    return this.#pending !== undefined;
  }

  /** The value the edge will serve once processing ends, or the served one when idle. */
  get latest(): T | null {
    return this.#pending === undefined ? this.#served : this.#pending.value;
  }

  /** Sets how long later changes stay processing. A change already processing keeps its timer. */
  setHold(hold: ProcessingHold): void {
    if (hold !== 'forever' && (!Number.isFinite(hold) || hold < 0)) {
      throw new RangeError(`processing hold must be a non-negative number of milliseconds or 'forever', got ${hold}`);
    }
    this.#hold = hold;
  }

  /** Starts rolling `value` out; it replaces any change still processing. */
  deploy(value: T | null): void {
    this.#clearTimer();
    if (this.#hold === 0) {
      this.#served = value;
      this.#pending = undefined;
      return;
    }

    this.#pending = { value };
    if (this.#hold !== 'forever') {
      this.#timer = setTimeout(() => this.finish(), this.#hold);
      this.#timer.unref();
    }
  }

  /** Ends processing now: the edge starts serving the latest value. */
  finish(): void {
    this.#clearTimer();
    if (this.#pending === undefined) return;

    this.#served = this.#pending.value;
    this.#pending = undefined;
  }

  /** Stops the timer without changing what is served; called when a fake shuts down. */
  dispose(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
