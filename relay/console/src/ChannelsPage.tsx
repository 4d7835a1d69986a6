/**
 * Notification channels: add one, list them with secrets masked by the relay, send a test
 * message and show the provider's result, delete one.
 */
import { SendOutlined } from '@ant-design/icons';
import { Button, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Channel, type ChannelKind } from './api.js';
import { ChannelForm } from './ChannelForm.js';
import { ConfirmButton, ListPage } from './ListPage.js';
import { useAction } from './useAction.js';
import { formatTime, useList } from './useList.js';

export function ChannelsPage() {
  const { t, i18n } = useTranslation();
  const { run } = useAction();
  const list = useList<Channel>('/notification-channels', 'channels');
  const [adding, setAdding] = useState(false);
  const [testing, setTesting] = useState<string | undefined>(undefined);

  const sendTest = async (channel: Channel) => {
    setTesting(channel.id);
    const path = `/notification-channels/${channel.id}/test`;
    await run(() => api('POST', path), t('channels.testSent', { name: channel.name }));
    setTesting(undefined);
  };
  const remove = (channel: Channel) =>
    run(async () => {
      await api('DELETE', `/notification-channels/${channel.id}`);
      await list.reload();
    }, t('channels.deleted'));

  return (
    <ListPage<Channel>
      title={t('channels.title')}
      addLabel={t('channels.add')}
      onAdd={() => setAdding(true)}
      list={list}
      columns={[
        { title: t('common.name'), dataIndex: 'name' },
        {
          title: t('channels.kind'),
          dataIndex: 'kind',
          render: (kind: ChannelKind) => <Tag>{t(`channels.kinds.${kind}`)}</Tag>,
        },
        {
          title: t('channels.settings'),
          dataIndex: 'config',
          render: (config: Record<string, unknown>) => <Settings config={config} />,
        },
        { title: t('channels.messageLanguage'), dataIndex: 'locale', render: (v: string) => languageName(v) },
        {
          title: t('common.createTime'),
          dataIndex: 'createTime',
          render: (v: string) => formatTime(v, i18n.language),
        },
        {
          title: t('common.actions'),
          key: 'actions',
          render: (_, channel) => (
            <Space>
              <Button
                size="small"
                icon={<SendOutlined />}
                loading={testing === channel.id}
                onClick={() => void sendTest(channel)}
              >
                {t('channels.test')}
              </Button>
              <ConfirmButton
                question={t('common.confirmDelete', { name: channel.name })}
                label={t('common.delete')}
                onConfirm={() => remove(channel)}
              />
            </Space>
          ),
        },
      ]}
    >
      <ChannelForm open={adding} onClose={() => setAdding(false)} onAdded={list.reload} />
    </ListPage>
  );
}

/** Renders the channel's settings as `key: value` lines; the relay has already masked the secrets. */
function Settings({ config }: { config: Record<string, unknown> }) {
  const entries = Object.entries(config).filter(([key]) => key !== 'kind' && key !== 'name');
  return (
    <Space orientation="vertical" size={0}>
      {entries.map(([key, value]) => (
        <Typography.Text key={key} style={{ fontSize: 12 }}>
          {key}: <Typography.Text code>{Array.isArray(value) ? value.join(', ') : String(value)}</Typography.Text>
        </Typography.Text>
      ))}
    </Space>
  );
}

export function languageName(locale: string): string {
  return locale === 'en' ? 'English' : '简体中文';
}
