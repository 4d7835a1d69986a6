import { z } from 'zod';
import type { Locale } from './i18n/locale.js';

/** Messages of the config checks that zod does not write itself, in both languages. */
const MESSAGES = {
  absolutePath: { en: 'must be an absolute path', 'zh-CN': '必须是绝对路径' },
  providerDomain: {
    en: 'must be a domain name (Qiniu wildcard domains are written .example.com)',
    'zh-CN': '必须是域名（七牛的泛域名写作 .example.com）',
  },
  ossSite: { en: 'aliyun-oss sites need bucket and ossRegion', 'zh-CN': 'aliyun-oss 站点需要 bucket 和 ossRegion' },
  unknownCredential: {
    en: 'credential "{name}" is not defined in credentials',
    'zh-CN': '凭据 "{name}" 未在 credentials 中定义',
  },
} as const;

let current: Locale = 'en';

/** Sets the language of config errors, zod's own messages included. */
export function setConfigLocale(locale: Locale): void {
  current = locale;
  z.config(locale === 'zh-CN' ? z.locales.zhCN() : z.locales.en());
}

export function configMessage(key: keyof typeof MESSAGES, values: Record<string, string> = {}): string {
  return MESSAGES[key][current].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}
