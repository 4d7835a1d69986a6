/**
 * Counting running renewal jobs per ACME account, so that one account never has more than a
 * fixed number of orders in flight while jobs on other accounts run beside them.
 */

/** Running-job counts per ACME account key, each capped at `perAccount`. */
export class AccountSlots {
  readonly #running = new Map<string, number>();

  /** @param perAccount Jobs one account may run at once; at least 1. */
  constructor(private readonly perAccount: number) {
    if (!Number.isInteger(perAccount) || perAccount < 1) {
      throw new RangeError(`perAccount must be a positive integer, got ${perAccount}`);
    }
  }

  /** Free slots of `account` now. */
  free(account: string): number {
    return this.perAccount - (this.#running.get(account) ?? 0);
  }

  /**
   * Takes one slot of `account`, returning the function that gives it back (calling it twice
   * gives back one slot only), or undefined when the account is at its limit.
   */
  acquire(account: string): (() => void) | undefined {
    if (this.free(account) <= 0) return undefined;
    this.#running.set(account, (this.#running.get(account) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#running.get(account) ?? 1) - 1;
      if (left === 0) this.#running.delete(account);
      else this.#running.set(account, left);
    };
  }
}
