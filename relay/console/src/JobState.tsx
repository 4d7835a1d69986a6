import { PauseCircleOutlined } from '@ant-design/icons';
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = { done: 'green', failed: 'red', 'waiting-retry': 'orange' };

/**
 * Renders a renewal job's state as a coloured tag; states still running are blue. A job `held`
 * by its site's pause gets a second tag saying so, because its state alone ("waiting-retry")
 * reads as if it were about to run.
 */
export function JobState({ state, held = false }: { state: string; held?: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      <Tag color={COLORS[state] ?? 'blue'}>{t(`jobStates.${state}`, { defaultValue: state })}</Tag>
      {held && (
        <Tag icon={<PauseCircleOutlined />} data-testid="job-held">
          {t('sites.held')}
        </Tag>
      )}
    </>
  );
}
