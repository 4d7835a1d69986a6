import { Button, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, type User } from './api.js';
import { AuthCard } from './AuthCard.js';
import { navigate } from './navigation.js';
import { useRequired } from './rules.js';
import { useSession } from './session.js';
import { useAction } from './useAction.js';

interface LoginForm {
  account: string;
  password: string;
}

export function LoginPage() {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const { busy, run } = useAction();
  const required = useRequired();

  const submit = (values: LoginForm) =>
    run(async () => {
      // The relay sets the HttpOnly session cookie; the token in the body is for other clients.
      const body = await api<{ user: User }>('POST', '/auth/login', values);
      setUser(body.user);
      navigate('/sites', true);
    });

  return (
    <AuthCard title={t('auth.loginTitle')}>
      <Form<LoginForm> name="login" layout="vertical" onFinish={(values) => void submit(values)}>
        <Form.Item name="account" label={t('auth.account')} rules={required(t('auth.account'))}>
          <Input autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item name="password" label={t('auth.password')} rules={required(t('auth.password'))}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('auth.login')}
        </Button>
        <Button type="link" block onClick={() => navigate('/register')}>
          {t('auth.toRegister')}
        </Button>
      </Form>
    </AuthCard>
  );
}
