import { useTranslation } from 'react-i18next';

/** Returns a maker of the "required" form rule whose message names the field. */
export function useRequired(): (field: string) => Array<{ required: true; message: string }> {
  const { t } = useTranslation();
  return (field: string) => [{ required: true, message: t('common.required', { field }) }];
}
