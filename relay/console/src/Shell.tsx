/**
 * The frame around the logged-in pages: the header with navigation, the language switch and
 * logout.
 */
import { LogoutOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from './api.js';
import { LanguageSwitch } from './LanguageSwitch.js';
import { navigate, usePath } from './navigation.js';
import { useSession } from './session.js';
import { useAction } from './useAction.js';

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const path = usePath();
  const { user, setUser } = useSession();
  const { run } = useAction();

  const logout = () =>
    run(async () => {
      await api('POST', '/auth/logout');
      setUser(null);
      navigate('/login', true);
    }, t('app.loggedOut'));

  const items = (['sites', 'credentials', 'agents', 'channels'] as const).map((key) => ({
    key: `/${key}`,
    label: t(`nav.${key}`),
  }));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24 }}>
        <Typography.Text strong style={{ color: '#fff', whiteSpace: 'nowrap', fontSize: 16 }}>
          <SafetyCertificateOutlined /> {t('app.title')}
        </Typography.Text>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[path]}
          items={items}
          onClick={({ key }) => navigate(key)}
          style={{ flex: 1, minWidth: 0 }}
        />
        <Space>
          <LanguageSwitch />
          <Typography.Text style={{ color: '#fff' }}>{user?.name}</Typography.Text>
          <Button icon={<LogoutOutlined />} onClick={() => void logout()}>
            {t('app.logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 24 }}>{children}</Layout.Content>
    </Layout>
  );
}
