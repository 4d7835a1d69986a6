/**
 * Sites: the list with days left and the last renewal job, "renew now", pause and resume,
 * adding a cloud site, and the detail drawer with the job history.
 */
import { PauseCircleOutlined, PlayCircleOutlined, SyncOutlined } from '@ant-design/icons';
import { Button, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Credential, type JobSummary, type Site } from './api.js';
import { JobState } from './JobState.js';
import { ConfirmButton, ListPage } from './ListPage.js';
import { useAction } from './useAction.js';
import { SiteDrawer } from './SiteDrawer.js';
import { SiteForm } from './SiteForm.js';
import { formatTime, useList } from './useList.js';

export function SitesPage() {
  const { t, i18n } = useTranslation();
  const { run } = useAction();
  const list = useList<Site>('/sites', 'sites');
  const credentials = useList<Credential>('/credentials', 'credentials');
  const [adding, setAdding] = useState(false);
  const [opened, setOpened] = useState<Site | undefined>(undefined);

  const act = (call: () => Promise<unknown>, done: string) =>
    run(async () => {
      await call();
      await list.reload();
    }, done);
  const renew = (site: Site) => act(() => api('POST', `/sites/${site.id}/renew`), t('sites.renewStarted'));
  const remove = (site: Site) => act(() => api('DELETE', `/sites/${site.id}`), t('sites.deleted'));
  const setStatus = (site: Site, status: 'active' | 'paused') =>
    act(() => api('PATCH', `/sites/${site.id}`, { status }), t(status === 'paused' ? 'sites.paused' : 'sites.resumed'));

  return (
    <ListPage<Site>
      title={t('sites.title')}
      addLabel={t('sites.add')}
      onAdd={() => setAdding(true)}
      list={list}
      columns={[
        {
          title: t('sites.domain'),
          dataIndex: 'domain',
          render: (domain: string, site) => <Typography.Link onClick={() => setOpened(site)}>{domain}</Typography.Link>,
        },
        { title: t('sites.origin'), dataIndex: 'origin', render: (origin: string) => t(`origins.${origin}`) },
        {
          title: t('sites.status'),
          dataIndex: 'status',
          render: (status: string) => (
            <Tag color={status === 'active' ? 'green' : 'default'}>{t(`siteStatus.${status}`)}</Tag>
          ),
        },
        { title: t('sites.daysLeft'), key: 'daysLeft', render: (_, site) => <DaysLeft site={site} /> },
        {
          title: t('sites.lastJob'),
          dataIndex: 'lastJob',
          render: (job: JobSummary | null) => <LastJob job={job} language={i18n.language} />,
        },
        {
          title: t('common.actions'),
          key: 'actions',
          render: (_, site) => (
            <Space>
              <Button
                size="small"
                icon={<SyncOutlined />}
                disabled={site.origin === 'nginx' || site.status !== 'active'}
                onClick={() => void renew(site)}
              >
                {t('sites.renew')}
              </Button>
              {site.status === 'active' ? (
                <Button size="small" icon={<PauseCircleOutlined />} onClick={() => void setStatus(site, 'paused')}>
                  {t('sites.pause')}
                </Button>
              ) : (
                <Button size="small" icon={<PlayCircleOutlined />} onClick={() => void setStatus(site, 'active')}>
                  {t('sites.resume')}
                </Button>
              )}
              <ConfirmButton
                question={t('common.confirmDelete', { name: site.domain })}
                label={t('common.delete')}
                onConfirm={() => remove(site)}
              />
            </Space>
          ),
        },
      ]}
    >
      <SiteForm open={adding} credentials={credentials.items} onClose={() => setAdding(false)} onAdded={list.reload} />
      <SiteDrawer site={opened} onClose={() => setOpened(undefined)} />
    </ListPage>
  );
}

function DaysLeft({ site }: { site: Site }) {
  const { t, i18n } = useTranslation();
  if (site.daysLeft === null) return <Typography.Text type="secondary">{t('sites.noCertificate')}</Typography.Text>;
  const color = daysColor(site.daysLeft);
  const text =
    site.daysLeft < 0 ? t('sites.expired', { count: -site.daysLeft }) : t('sites.days', { count: site.daysLeft });
  return (
    <Tooltip title={formatTime(site.notAfter, i18n.language)}>
      <Tag color={color}>{text}</Tag>
    </Tooltip>
  );
}

/** Picks the tag colour for days left: red once expired, warmer as expiry nears. */
function daysColor(days: number): string {
  if (days < 0) return 'red';
  if (days < 7) return 'volcano';
  if (days < 20) return 'gold';
  return 'green';
}

function LastJob({ job, language }: { job: JobSummary | null; language: string }) {
  const { t } = useTranslation();
  if (job === null) return <Typography.Text type="secondary">{t('sites.noJob')}</Typography.Text>;
  return (
    <Space orientation="vertical" size={0}>
      <Tooltip title={job.error?.message}>
        <span>
          <JobState state={job.state} held={job.held} />
        </span>
      </Tooltip>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {formatTime(job.updateTime, language)}
      </Typography.Text>
    </Space>
  );
}
