/**
 * Adding a notification channel. Each kind shows the fields core's channel schema takes; the
 * relay validates them and names any bad field in its error message.
 */
import { Form, Input, InputNumber, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, CHANNEL_KINDS, type ChannelKind } from './api.js';
import { languageName } from './ChannelsPage.js';
import { FormModal } from './FormModal.js';
import { useRequired } from './rules.js';
import { useAction } from './useAction.js';

interface ChannelFormValues {
  kind: ChannelKind;
  name: string;
  locale: 'zh-CN' | 'en';
  [setting: string]: unknown;
}

export function ChannelForm(props: { open: boolean; onClose: () => void; onAdded: () => Promise<void> }) {
  const { t, i18n } = useTranslation();
  const { busy, run } = useAction();
  const required = useRequired();
  const [form] = Form.useForm<ChannelFormValues>();
  const kind: ChannelKind = Form.useWatch('kind', form) ?? 'webhook';

  const submit = (values: ChannelFormValues) =>
    run(async () => {
      await api('POST', '/notification-channels', toChannelBody(values));
      form.resetFields();
      props.onClose();
      await props.onAdded();
    }, t('channels.added'));

  return (
    <FormModal
      title={t('channels.add')}
      open={props.open}
      busy={busy}
      onSubmit={() => form.submit()}
      onClose={props.onClose}
    >
      <Form<ChannelFormValues>
        form={form}
        name="channel"
        layout="vertical"
        preserve={false}
        initialValues={{ kind: 'webhook', locale: i18n.language === 'en' ? 'en' : 'zh-CN' }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="kind" label={t('channels.kind')} rules={required(t('channels.kind'), 'choice')}>
          <Select options={CHANNEL_KINDS.map((value) => ({ value, label: t(`channels.kinds.${value}`) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('common.name')} rules={required(t('common.name'))}>
          <Input />
        </Form.Item>
        <Form.Item
          name="locale"
          label={t('channels.messageLanguage')}
          rules={required(t('channels.messageLanguage'), 'choice')}
        >
          <Select options={(['zh-CN', 'en'] as const).map((value) => ({ value, label: languageName(value) }))} />
        </Form.Item>
        <KindFields kind={kind} />
      </Form>
    </FormModal>
  );
}

function KindFields({ kind }: { kind: ChannelKind }) {
  const { t } = useTranslation();
  const required = useRequired();
  const label = (field: string) => t(`channels.fields.${field}`);
  const text = (field: string, isRequired: boolean, extra?: string) => (
    <Form.Item name={field} label={label(field)} extra={extra} rules={isRequired ? required(label(field)) : []}>
      <Input autoComplete="off" />
    </Form.Item>
  );
  const secret = (field: string, isRequired: boolean) => (
    <Form.Item name={field} label={label(field)} rules={isRequired ? required(label(field)) : []}>
      <Input.Password autoComplete="new-password" />
    </Form.Item>
  );
  switch (kind) {
    case 'email':
      return (
        <>
          {text('host', true)}
          <Form.Item name="port" label={label('port')}>
            <InputNumber min={1} max={65535} placeholder="465 / 587" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="secure" label={label('secure')} valuePropName="checked" initialValue={false}>
            <Switch />
          </Form.Item>
          <Form.Item name="requireTls" label={label('requireTls')} valuePropName="checked" initialValue={true}>
            <Switch />
          </Form.Item>
          {text('user', false)}
          {secret('password', false)}
          {text('from', true)}
          {text('to', true, t('channels.fields.toHelp'))}
        </>
      );
    case 'dingtalk':
      return (
        <>
          {secret('accessToken', true)}
          {secret('secret', true)}
        </>
      );
    case 'wecom':
      return secret('key', true);
    case 'feishu':
      return (
        <>
          {secret('token', true)}
          {secret('secret', false)}
        </>
      );
    case 'webhook':
      return (
        <>
          {text('url', true)}
          {secret('secret', false)}
        </>
      );
  }
}

/** Builds the `POST /notification-channels` body, leaving out blank fields and splitting recipients. */
function toChannelBody(values: ChannelFormValues) {
  const { kind, name, locale, ...settings } = values;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
    config[key] = typeof value === 'string' ? value.trim() : value;
  }
  if (typeof config.to === 'string')
    config.to = config.to
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  return { kind, name, locale, config };
}
