/**
 * Limits how often one agent may post reports: a sliding window per agent, in memory, like the
 * login limiter. A normal agent posts a few times a day, plus up to 50 queued reports after an outage.
 */

export interface ReportLimits {
  perAgent: number;
  windowMs: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = { perAgent: 120, windowMs: 60 * 60_000 };

const MAX_TRACKED_AGENTS = 10_000;

/** Counts accepted reports per agent. */
export class ReportLimiter {
  private readonly posts = new Map<string, number[]>();

  constructor(
    private readonly limits: ReportLimits = DEFAULT_REPORT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a post for `agentId` and returns 0, or the milliseconds to wait when over the limit. */
  take(agentId: string): number {
    // Forgetting all counts at once bounds memory; that many agents in one window is far from normal.
    if (this.posts.size > MAX_TRACKED_AGENTS) this.posts.clear();
    const since = this.now() - this.limits.windowMs;
    const recent = (this.posts.get(agentId) ?? []).filter((time) => time > since);
    if (recent.length >= this.limits.perAgent) {
      this.posts.set(agentId, recent);
      return recent[0]! + this.limits.windowMs - this.now();
    }
    recent.push(this.now());
    this.posts.set(agentId, recent);
    return 0;
  }
}
