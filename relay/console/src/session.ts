/**
 * The logged-in user shared by the pages, and the one place API errors become messages.
 */
import { App } from 'antd';
import { createContext, useCallback, useContext } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type User } from './api.js';

export interface Session {
  /** The logged-in user; null when logged out. */
  user: User | null;
  setUser(user: User | null): void;
}

export const SessionContext = createContext<Session>({ user: null, setUser: () => undefined });

export function useSession(): Session {
  return useContext(SessionContext);
}

/**
 * Returns a handler that shows an API error as an antd message with the relay's own localized
 * text. A 401 on a page means the session ended, so the user is sent back to the login page.
 */
export function useApiErrors(): (error: unknown) => void {
  const { message } = App.useApp();
  const { setUser } = useSession();
  const { t } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 401 && error.code === 'AUTH_REQUIRED') {
        setUser(null);
        void message.warning(t('app.sessionExpired'));
        return;
      }
      void message.error(error instanceof Error ? error.message : String(error));
    },
    [message, setUser, t],
  );
}
