import { GlobalOutlined } from '@ant-design/icons';
import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { changeLanguage, type UiLanguage } from './i18n/index.js';

/** Renders the zh/en switch, which remembers the choice for the next visit. */
export function LanguageSwitch() {
  const { i18n, t } = useTranslation();
  return (
    <Select<UiLanguage>
      aria-label={t('app.language')}
      data-testid="language-switch"
      value={i18n.language as UiLanguage}
      onChange={(language) => void changeLanguage(language)}
      prefix={<GlobalOutlined />}
      style={{ width: 130 }}
      options={[
        { value: 'zh-CN', label: '简体中文' },
        { value: 'en', label: 'English' },
      ]}
    />
  );
}
