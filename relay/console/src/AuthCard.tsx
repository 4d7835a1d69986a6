import { Card, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './LanguageSwitch.js';

/** Renders the centred card around the login and registration forms. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Flex vertical align="center" justify="center" gap={16} style={{ minHeight: '100vh', background: '#f5f5f5' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t('app.title')} <Typography.Text type="secondary">{t('app.subtitle')}</Typography.Text>
      </Typography.Title>
      <Card title={title} extra={<LanguageSwitch />} style={{ width: 420, maxWidth: '95vw' }}>
        {children}
      </Card>
    </Flex>
  );
}
