import { Button, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from './api.js';
import { AuthCard } from './AuthCard.js';
import { navigate } from './navigation.js';
import { useEmailRule, useMobileRule, useRequired } from './rules.js';
import { useAction } from './useAction.js';

interface RegisterForm {
  account: string;
  name: string;
  password: string;
  mobile?: string;
  email?: string;
}

const FIELDS: ReadonlyArray<keyof RegisterForm> = ['account', 'name', 'password', 'mobile', 'email'];
/** Rejections that concern one field but name none: shown under that field. */
const CODE_FIELDS = { PASSWORD_TOO_WEAK: 'password', ACCOUNT_EXISTS: 'account' };

/**
 * Registration. The form checks each field as the relay does. A rejection that concerns one
 * field, such as the relay's password policy message, shows under that field as it comes.
 */
export function RegisterPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<RegisterForm>();
  const { busy, run } = useAction();
  const required = useRequired();
  const emailRule = useEmailRule();
  const mobileRule = useMobileRule();

  const submit = (values: RegisterForm) =>
    run(
      async () => {
        await api('POST', '/auth/register', withoutEmpty(values));
        navigate('/login');
      },
      t('auth.registered'),
      { form, fields: FIELDS, codeFields: CODE_FIELDS },
    );

  return (
    <AuthCard title={t('auth.registerTitle')}>
      <Form<RegisterForm> form={form} name="register" layout="vertical" onFinish={(values) => void submit(values)}>
        <Form.Item
          name="account"
          label={t('auth.account')}
          extra={t('auth.accountHelp')}
          rules={required(t('auth.account'))}
        >
          <Input autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item name="name" label={t('auth.name')} rules={required(t('auth.name'))}>
          <Input autoComplete="name" />
        </Form.Item>
        <Form.Item name="password" label={t('auth.password')} rules={required(t('auth.password'))}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="mobile" label={t('auth.mobile')} rules={mobileRule}>
          <Input autoComplete="tel" />
        </Form.Item>
        <Form.Item name="email" label={t('auth.email')} rules={emailRule}>
          <Input inputMode="email" autoComplete="email" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('auth.register')}
        </Button>
        <Button type="link" block onClick={() => navigate('/login')}>
          {t('auth.toLogin')}
        </Button>
      </Form>
    </AuthCard>
  );
}

/** Leaves out blank optional fields, which the relay would reject as malformed. */
function withoutEmpty(values: RegisterForm): RegisterForm {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => typeof value === 'string' && value.trim() !== ''),
  ) as unknown as RegisterForm;
}
