/**
 * The console's root: antd's locale and CSP nonce, the session check, and the page for the path.
 */
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, type User } from './api.js';
import { AgentsPage } from './AgentsPage.js';
import { ChannelsPage } from './ChannelsPage.js';
import { CredentialsPage } from './CredentialsPage.js';
import { CSP_NONCE } from './csp.js';
import { LoginPage } from './LoginPage.js';
import { navigate, usePath } from './navigation.js';
import { RegisterPage } from './RegisterPage.js';
import { SessionContext } from './session.js';
import { Shell } from './Shell.js';
import { SitesPage } from './SitesPage.js';

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} csp={{ nonce: CSP_NONCE }}>
      <AntApp>
        <Root />
      </AntApp>
    </ConfigProvider>
  );
}

const PAGES: Record<string, () => React.JSX.Element> = {
  '/sites': SitesPage,
  '/credentials': CredentialsPage,
  '/agents': AgentsPage,
  '/channels': ChannelsPage,
};

function Root() {
  const path = usePath();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const session = useMemo(() => ({ user: user ?? null, setUser }), [user]);

  // Unknown paths (`/`, `/login` after logging in) show the sites page under its own address.
  const Page = PAGES[path] ?? SitesPage;
  useEffect(() => {
    if (user && PAGES[path] === undefined) navigate('/sites', true);
  }, [user, path]);

  useEffect(() => {
    api<{ user: User }>('GET', '/me')
      .then((body) => setUser(body.user))
      .catch((error: unknown) => {
        // Any failure here shows the login page; the login itself reports real errors.
        if (!(error instanceof ApiError)) console.error(error);
        setUser(null);
      });
  }, []);

  if (user === undefined) return <Spin fullscreen />;
  if (user === null) {
    return (
      <SessionContext.Provider value={session}>
        {path === '/register' ? <RegisterPage /> : <LoginPage />}
      </SessionContext.Provider>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell>
        <Page />
      </Shell>
    </SessionContext.Provider>
  );
}
