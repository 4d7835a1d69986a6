import type { AgentContext } from '../context.js';
import { reviveError } from '../revive-error.js';
import { readLastRun } from '../state/last-run.js';

/** Prints the last result per site from the state directory. */
export async function statusCommand(context: AgentContext, options: { json: boolean }): Promise<number> {
  const { t, describeError } = context.i18n;
  const lastRun = await readLastRun(context.state.lastRunFile);
  if (options.json) {
    context.print(JSON.stringify(lastRun ?? { updatedAt: null, sites: {} }, null, 2));
    return 0;
  }
  if (!lastRun || Object.keys(lastRun.sites).length === 0) {
    context.print(t('status.none', { dir: context.config.stateDir }));
    return 0;
  }
  for (const result of Object.values(lastRun.sites)) {
    const details = [
      result.serial ? t('status.serial', { serial: result.serial }) : '',
      result.notAfter ? t('status.validUntil', { date: result.notAfter }) : '',
      result.nextRunAt ? t('status.nextRetry', { date: result.nextRunAt }) : '',
      result.error ? t('status.lastError', { error: describeError(reviveError(result.error)) }) : '',
    ].join('');
    context.print(
      t('status.line', {
        id: result.siteId,
        outcome: t(`status.outcome.${result.outcome}`),
        at: result.at,
        detail: details,
      }),
    );
  }
  return 0;
}
