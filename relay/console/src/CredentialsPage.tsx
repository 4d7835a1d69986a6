/**
 * Cloud credentials: add a Qiniu or Aliyun AccessKey pair, list them (the relay masks the ID
 * and never returns the secret), delete one that no site uses.
 */
import { Form, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Credential, type Provider } from './api.js';
import { FormModal } from './FormModal.js';
import { ConfirmButton, ListPage } from './ListPage.js';
import { useRequired } from './rules.js';
import { useAction } from './useAction.js';
import { formatTime, useList } from './useList.js';

interface CredentialForm {
  provider: Provider;
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export function CredentialsPage() {
  const { t, i18n } = useTranslation();
  const { run } = useAction();
  const list = useList<Credential>('/credentials', 'credentials');
  const [adding, setAdding] = useState(false);

  const remove = (credential: Credential) =>
    run(async () => {
      await api('DELETE', `/credentials/${credential.id}`);
      await list.reload();
    }, t('credentials.deleted'));

  return (
    <ListPage<Credential>
      title={t('credentials.title')}
      addLabel={t('credentials.add')}
      onAdd={() => setAdding(true)}
      list={list}
      columns={[
        { title: t('common.name'), dataIndex: 'name' },
        { title: t('credentials.provider'), dataIndex: 'provider', render: (p: Provider) => t(`providers.${p}`) },
        {
          title: t('credentials.accessKeyId'),
          dataIndex: 'accessKeyId',
          render: (id: string) => <Typography.Text code>{id}</Typography.Text>,
        },
        { title: t('common.createTime'), dataIndex: 'createTime', render: (v: string) => formatTime(v, i18n.language) },
        {
          title: t('common.actions'),
          key: 'actions',
          render: (_, credential) => (
            <ConfirmButton
              question={t('common.confirmDelete', { name: credential.name })}
              label={t('common.delete')}
              onConfirm={() => remove(credential)}
            />
          ),
        },
      ]}
    >
      <AddCredential open={adding} onClose={() => setAdding(false)} onAdded={list.reload} />
    </ListPage>
  );
}

function AddCredential({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose: () => void;
  onAdded: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const { busy, run } = useAction();
  const required = useRequired();
  const [form] = Form.useForm<CredentialForm>();
  const provider = Form.useWatch('provider', form) ?? 'qiniu';

  const submit = (values: CredentialForm) =>
    run(async () => {
      await api('POST', '/credentials', values);
      form.resetFields();
      onClose();
      await onAdded();
    }, t('credentials.added'));

  const idLabel = provider === 'qiniu' ? t('credentials.qiniuAccessKey') : t('credentials.accessKeyId');
  const secretLabel = provider === 'qiniu' ? t('credentials.qiniuSecretKey') : t('credentials.accessKeySecret');
  return (
    <FormModal title={t('credentials.add')} open={open} busy={busy} onSubmit={() => form.submit()} onClose={onClose}>
      <Form<CredentialForm>
        form={form}
        name="credential"
        layout="vertical"
        initialValues={{ provider: 'qiniu' }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item
          name="provider"
          label={t('credentials.provider')}
          rules={required(t('credentials.provider'), 'choice')}
        >
          <Select
            options={(['qiniu', 'aliyun'] as const).map((value) => ({ value, label: t(`providers.${value}`) }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('common.name')} rules={required(t('common.name'))}>
          <Input />
        </Form.Item>
        <Form.Item name="accessKeyId" label={idLabel} rules={required(idLabel)}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="accessKeySecret"
          label={secretLabel}
          extra={t('credentials.secretNote')}
          rules={required(secretLabel)}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </FormModal>
  );
}
