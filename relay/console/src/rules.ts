import { useTranslation } from 'react-i18next';

/** How a required field is filled in, which decides the verb of its message ("enter", "choose"). */
export type FieldInput = 'text' | 'choice';

// Chinese puts a space between Chinese and a Latin word or number, so a message about a field
// whose label starts with one ("DNS 验证凭据") uses the `_latin` variant of its key.
const STARTS_LATIN = /^[A-Za-z0-9]/;

/** Returns a maker of the "required" form rule whose message names the field. */
export function useRequired(): (field: string, input?: FieldInput) => Array<{ required: true; message: string }> {
  const { t } = useTranslation();
  return (field: string, input: FieldInput = 'text') => {
    const key = input === 'choice' ? 'common.choose' : 'common.required';
    const context = STARTS_LATIN.test(field) ? 'latin' : undefined;
    return [{ required: true, message: t(key, { field, context }) }];
  };
}

/**
 * The relay's rule for a mobile number (registerBody in relay/src/routes/auth-schemas.ts): an
 * optional "+", then 5 to 20 digits, spaces or hyphens, the first a digit.
 */
const MOBILE = /^\+?[0-9][0-9 -]{4,19}$/;

/** Returns the rule that checks a mobile number as the relay does, with a localized message. */
export function useMobileRule(): Array<{ pattern: RegExp; message: string }> {
  const { t } = useTranslation();
  return [{ pattern: MOBILE, message: t('common.invalidMobile') }];
}

/**
 * Returns the rule that checks an email address with antd's validator and a localized message.
 * Use it on a `type="text"` input: `type="email"` would make the browser show its own bubble,
 * in the browser's language.
 */
export function useEmailRule(): Array<{ type: 'email'; message: string }> {
  const { t } = useTranslation();
  return [{ type: 'email', message: t('common.invalidEmail') }];
}
