import { App } from 'antd';
import { useCallback, useState } from 'react';
import { showOnFields, type FieldTarget } from './fieldErrors.js';
import { useApiErrors } from './session.js';

type Run = (call: () => Promise<unknown>, done?: string, target?: FieldTarget) => Promise<boolean>;

/**
 * Returns `run(call, done, target)` and a `busy` flag. `run` awaits `call`, then shows `done` as a
 * success message or the API's error, and resolves to whether `call` succeeded. Problems that
 * name a field of `target` show under that field; a toast shows only the others. Success clears
 * earlier error toasts, which would otherwise stay beside the success message.
 */
export function useAction(): { busy: boolean; run: Run } {
  const { message } = App.useApp();
  const showError = useApiErrors();
  const [busy, setBusy] = useState(false);
  const run = useCallback<Run>(
    async (call, done, target) => {
      setBusy(true);
      try {
        await call();
        message.destroy();
        if (done !== undefined) void message.success(done);
        return true;
      } catch (error) {
        if (target === undefined || !showOnFields(error, target)) showError(error);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [message, showError],
  );
  return { busy, run };
}
