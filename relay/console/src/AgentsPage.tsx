/**
 * Agents: connect a server (an enrollment token with the commands to run), list the agents
 * with their last report and the states of their sites, revoke one.
 */
import { Space, Tag, Tooltip } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AgentEnrollment } from './AgentEnrollment.js';
import { api, type Agent, type AgentSite } from './api.js';
import { ConfirmButton, ListPage } from './ListPage.js';
import { useAction } from './useAction.js';
import { formatTime, useList } from './useList.js';

const STATUS_COLORS: Record<string, string> = { active: 'green', pending: 'blue', revoked: 'default' };
const OUTCOME_COLORS: Record<string, string> = { renewed: 'green', 'not-due': 'green', failed: 'red', due: 'gold' };

export function AgentsPage() {
  const { t, i18n } = useTranslation();
  const { run } = useAction();
  const list = useList<Agent>('/agents', 'agents');
  const [enrolling, setEnrolling] = useState(false);

  const revoke = (agent: Agent) =>
    run(async () => {
      await api('DELETE', `/agents/${agent.id}`);
      await list.reload();
    }, t('agents.revoked'));

  return (
    <ListPage<Agent>
      title={t('agents.title')}
      addLabel={t('agents.create')}
      onAdd={() => setEnrolling(true)}
      list={list}
      columns={[
        { title: t('common.name'), dataIndex: 'name' },
        {
          title: t('common.status'),
          dataIndex: 'status',
          render: (status: string) => (
            <Tag color={STATUS_COLORS[status]}>{t(`agents.agentStatus.${status}`, { defaultValue: status })}</Tag>
          ),
        },
        { title: t('agents.hostname'), dataIndex: 'hostname', render: (v: string | null) => v ?? '—' },
        { title: t('agents.version'), dataIndex: 'version', render: (v: string | null) => v ?? '—' },
        {
          title: t('agents.lastReport'),
          dataIndex: 'lastReportAt',
          render: (v: string | null) => formatTime(v, i18n.language, t('common.never')),
        },
        {
          title: t('agents.sites'),
          dataIndex: 'sites',
          render: (sites: AgentSite[]) => <AgentSites sites={sites} />,
        },
        {
          title: t('common.actions'),
          key: 'actions',
          render: (_, agent) => (
            <ConfirmButton
              question={t('agents.confirmRevoke', { name: agent.name })}
              label={t('agents.revoke')}
              onConfirm={() => revoke(agent)}
            />
          ),
        },
      ]}
    >
      <AgentEnrollment open={enrolling} onClose={() => setEnrolling(false)} onCreated={list.reload} />
    </ListPage>
  );
}

function AgentSites({ sites }: { sites: AgentSite[] }) {
  const { t } = useTranslation();
  if (sites.length === 0) return <>—</>;
  return (
    <Space size={[4, 4]} wrap>
      {sites.map((site) => (
        <Tooltip key={site.siteId} title={site.error?.message}>
          <Tag color={OUTCOME_COLORS[site.outcome]}>
            {site.names[0]}: {t(`agents.outcomes.${site.outcome}`, { defaultValue: site.outcome })}
            {site.daysLeft !== undefined && ` · ${t('sites.days', { count: site.daysLeft })}`}
          </Tag>
        </Tooltip>
      ))}
    </Space>
  );
}
