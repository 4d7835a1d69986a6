import i18next, { type TFunction } from 'i18next';
import {
  asCertPilotError,
  ERROR_MESSAGES,
  NAME_REASON_MESSAGES,
  type CertPilotError,
  type ErrorParams,
} from '@certpilot/core';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';
import type { Locale } from './locale.js';

export { detectLocale, type Locale } from './locale.js';

export interface Translator {
  locale: Locale;
  t: TFunction;
  /** The error in the user's language, with its code so people can search for it. */
  describeError(error: unknown): string;
}

/** Creates the translator for `locale`; CLI text lives in en.ts and zh-CN.ts, error texts in core. */
export async function createTranslator(locale: Locale): Promise<Translator> {
  const instance = i18next.createInstance();
  await instance.init({
    lng: locale,
    fallbackLng: 'en',
    resources: {
      en: { translation: en, errors: ERROR_MESSAGES.en, nameReasons: NAME_REASON_MESSAGES.en },
      'zh-CN': { translation: zhCN, errors: ERROR_MESSAGES['zh-CN'], nameReasons: NAME_REASON_MESSAGES['zh-CN'] },
    },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const t = instance.t.bind(instance) as TFunction;
  return {
    locale,
    t,
    describeError(thrown: unknown): string {
      const error: CertPilotError = asCertPilotError(thrown);
      const params: ErrorParams = { ...error.params, message: error.message };
      const reasonText =
        typeof params.problem === 'string'
          ? instance.t(params.problem, { ns: 'nameReasons', ...params })
          : params.reason;
      const variant = typeof params.variant === 'string' ? `${error.code}_${params.variant}` : undefined;
      const key = variant && instance.exists(variant, { ns: 'errors' }) ? variant : error.code;
      const text = instance.t(key, { ns: 'errors', ...params, reasonText });
      return `${text} [${error.code}]`;
    },
  };
}
