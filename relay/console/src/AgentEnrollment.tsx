/**
 * Creating an agent: a form for its name, then the one-time enrollment token inside the two
 * commands that use it. The relay returns the token only in this response.
 */
import { Alert, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type NewAgent } from './api.js';
import { FormModal } from './FormModal.js';
import { useRequired } from './rules.js';
import { useAction } from './useAction.js';
import { formatTime } from './useList.js';

export function AgentEnrollment(props: { open: boolean; onClose: () => void; onCreated: () => Promise<void> }) {
  const { t } = useTranslation();
  const { busy, run } = useAction();
  const required = useRequired();
  const [form] = Form.useForm<{ name: string }>();
  const [created, setCreated] = useState<NewAgent | undefined>(undefined);

  const submit = ({ name }: { name: string }) =>
    run(async () => {
      setCreated(await api<NewAgent>('POST', '/agents', { name }));
      await props.onCreated();
    }, t('agents.created'));
  const close = () => {
    setCreated(undefined);
    form.resetFields();
    props.onClose();
  };

  return (
    <FormModal
      title={created ? t('agents.tokenTitle') : t('agents.create')}
      open={props.open}
      busy={busy}
      onSubmit={created ? close : () => form.submit()}
      onClose={close}
      okText={created ? t('common.close') : undefined}
      hideCancel={created !== undefined}
      width={720}
    >
      {created ? (
        <EnrollmentCommands agent={created} />
      ) : (
        <Form form={form} name="agent" layout="vertical" onFinish={(values) => void submit(values)}>
          <Form.Item
            name="name"
            label={t('agents.nameLabel')}
            extra={t('agents.nameHelp')}
            rules={required(t('agents.nameLabel'))}
          >
            <Input />
          </Form.Item>
        </Form>
      )}
    </FormModal>
  );
}

function EnrollmentCommands({ agent }: { agent: NewAgent }) {
  const { t, i18n } = useTranslation();
  // The agent reaches the relay at the address this page came from.
  const relay = window.location.origin;
  const install = `curl -fsSL ${relay}/agent/install.sh | sudo bash -s -- --token ${agent.enrollmentToken}`;
  const enroll = `certpilot-agent enroll --relay ${relay} --token ${agent.enrollmentToken}`;
  return (
    <>
      {isPlainRemote(window.location) && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('agents.plainHttpWarning', { relay })}
          data-testid="plain-http-warning"
        />
      )}
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 16 }}
        title={t('agents.tokenNote', { expires: formatTime(agent.expiresAt, i18n.language) })}
      />
      <Typography.Title level={5}>{t('agents.installCommand')}</Typography.Title>
      <Command text={install} testId="install-command" />
      <Typography.Title level={5}>{t('agents.enrollCommand')}</Typography.Title>
      <Command text={enroll} testId="enroll-command" />
    </>
  );
}

function Command({ text, testId }: { text: string; testId: string }) {
  return (
    <Typography.Paragraph copyable={{ text }}>
      <pre data-testid={testId} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0 }}>
        {text}
      </pre>
    </Typography.Paragraph>
  );
}

/**
 * Checks whether the page came over plain HTTP from another machine: the token in these
 * commands, and the agent's later reports, would then cross the network unencrypted.
 */
function isPlainRemote(location: Location): boolean {
  if (location.protocol !== 'http:') return false;
  const host = location.hostname;
  return host !== 'localhost' && host !== '[::1]' && !/^127(\.\d{1,3}){3}$/.test(host);
}
