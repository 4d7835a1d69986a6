import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = { done: 'green', failed: 'red', 'waiting-retry': 'orange' };

/** Renders a renewal job's state as a coloured tag; states still running are blue. */
export function JobState({ state }: { state: string }) {
  const { t } = useTranslation();
  return <Tag color={COLORS[state] ?? 'blue'}>{t(`jobStates.${state}`, { defaultValue: state })}</Tag>;
}
