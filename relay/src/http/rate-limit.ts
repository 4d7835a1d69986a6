/**
 * Counting failed logins in memory, per account and per client address, over a sliding window.
 * In memory is enough for one relay process; several relays behind one address would each
 * count on their own.
 */

export interface LoginLimits {
  /** Failures allowed per account inside the window. */
  perAccount: number;
  /** Failures allowed per client address inside the window; higher, because offices share one. */
  perAddress: number;
  windowMs: number;
}

const MAX_TRACKED_KEYS = 10_000;

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

/** Tracks failed logins and tells when a key has used up its allowance. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until another attempt is allowed for this account and address, or 0 when it is now. */
  retryAfterMs(account: string, address: string): number {
    return Math.max(
      this.waitFor(accountKey(account), this.limits.perAccount),
      this.waitFor(addressKey(address), this.limits.perAddress),
    );
  }

  recordFailure(account: string, address: string): void {
    if (this.failures.size > MAX_TRACKED_KEYS) this.sweep();
    for (const key of [accountKey(account), addressKey(address)]) {
      this.failures.set(key, [...this.recent(key), this.now()]);
    }
  }

  /** Forgets the account's failures after a successful login; the address keeps its count. */
  recordSuccess(account: string): void {
    this.failures.delete(accountKey(account));
  }

  /** Drops expired entries, so guessing many account names cannot grow the map without bound. */
  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }

  private waitFor(key: string, allowed: number): number {
    const recent = this.recent(key);
    if (recent.length < allowed) return 0;
    const oldestCounted = recent[recent.length - allowed] ?? this.now();
    return oldestCounted + this.limits.windowMs - this.now();
  }

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((time) => time > since);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}

function accountKey(account: string): string {
  return `account:${account.toLowerCase()}`;
}

function addressKey(address: string): string {
  return `address:${address}`;
}
