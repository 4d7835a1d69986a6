/**
 * A site's details and its renewal jobs, newest first, each with its steps and their errors.
 */
import { Alert, Descriptions, Drawer, Empty, List, Space, Spin, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Job, type Site } from './api.js';
import { JobState } from './JobState.js';
import { useApiErrors } from './session.js';
import { formatTime } from './useList.js';

export function SiteDrawer({ site, onClose }: { site: Site | undefined; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const showError = useApiErrors();
  const [jobs, setJobs] = useState<Job[] | undefined>(undefined);

  useEffect(() => {
    setJobs(undefined);
    if (site === undefined) return;
    api<{ jobs: Job[] }>('GET', `/sites/${site.id}/jobs`)
      .then((body) => setJobs(body.jobs))
      .catch((error: unknown) => {
        setJobs([]);
        showError(error);
      });
  }, [site, showError]);

  return (
    <Drawer title={site?.domain ?? t('sites.detail')} open={site !== undefined} onClose={onClose} size="large">
      {site && (
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 24 }}>
          <Descriptions.Item label={t('sites.origin')}>{t(`origins.${site.origin}`)}</Descriptions.Item>
          <Descriptions.Item label={t('sites.status')}>{t(`siteStatus.${site.status}`)}</Descriptions.Item>
          <Descriptions.Item label={t('sites.validity')}>{formatTime(site.notAfter, i18n.language)}</Descriptions.Item>
          {Object.entries(site.config).map(([key, value]) => (
            <Descriptions.Item key={key} label={key}>
              {String(value)}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
      <Typography.Title level={5}>{t('sites.history')}</Typography.Title>
      {jobs === undefined ? (
        <Spin />
      ) : jobs.length === 0 ? (
        <Empty description={t('sites.noHistory')} />
      ) : (
        <List dataSource={jobs} renderItem={(job) => <JobItem job={job} />} />
      )}
    </Drawer>
  );
}

function JobItem({ job }: { job: Job }) {
  const { t, i18n } = useTranslation();
  const time = (iso: string | null) => formatTime(iso, i18n.language);
  return (
    <List.Item data-testid="job">
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <JobState state={job.state} held={job.held} />
          <Typography.Text>{job.names.join(', ')}</Typography.Text>
          <Typography.Text type="secondary">{time(job.createTime)}</Typography.Text>
          <Typography.Text type="secondary">
            {t('sites.attempts')}: {job.attempts}
          </Typography.Text>
          {job.nextRunAt && !job.held && (
            <Typography.Text type="secondary">
              {t('sites.nextRun')}: {time(job.nextRunAt)}
            </Typography.Text>
          )}
        </Space>
        {job.certificate && (
          <Typography.Text type="secondary">
            {t('sites.serial')}: <Typography.Text code>{job.certificate.serial}</Typography.Text> {t('sites.validity')}:{' '}
            {time(job.certificate.notBefore)} – {time(job.certificate.notAfter)}
          </Typography.Text>
        )}
        {job.error && <Alert type="error" showIcon title={job.error.message} description={job.error.code} />}
        <Timeline
          items={job.steps.map((step) => ({
            color: stepColor(step),
            content: (
              <>
                <JobState state={step.step} /> {time(step.at)}
                {step.error && <Typography.Paragraph type="danger">{step.error.message}</Typography.Paragraph>}
              </>
            ),
          }))}
        />
      </Space>
    </List.Item>
  );
}

function stepColor(step: Job['steps'][number]): string {
  if (step.error) return 'red';
  if (step.step === 'done') return 'green';
  return 'blue';
}
