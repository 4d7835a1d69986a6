/**
 * One notification run per user at a time. Job ends and the expiry watch both read a channel's
 * stored state, send, and write it back, so two runs for one user at once would send twice.
 */

const runs = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier run for `userId` has settled, and returns its result. */
export async function withUserLock<T>(userId: string, work: () => Promise<T>): Promise<T> {
  const previous = runs.get(userId) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(work);
  runs.set(userId, run);
  try {
    return await run;
  } finally {
    if (runs.get(userId) === run) runs.delete(userId);
  }
}
