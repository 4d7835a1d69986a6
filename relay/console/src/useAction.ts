import { App } from 'antd';
import { useCallback, useState } from 'react';
import { useApiErrors } from './session.js';

/**
 * Returns `run(call, done)` and a `busy` flag. `run` awaits `call`, then shows `done` as a
 * success message or the API's error, and resolves to whether `call` succeeded.
 */
export function useAction(): { busy: boolean; run: (call: () => Promise<unknown>, done?: string) => Promise<boolean> } {
  const { message } = App.useApp();
  const showError = useApiErrors();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (call: () => Promise<unknown>, done?: string) => {
      setBusy(true);
      try {
        await call();
        if (done !== undefined) void message.success(done);
        return true;
      } catch (error) {
        showError(error);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [message, showError],
  );
  return { busy, run };
}
