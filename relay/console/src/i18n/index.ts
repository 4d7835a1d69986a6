/**
 * i18next set up for the console. The language is the one the user picked in the header
 * (kept in localStorage), else the first Chinese or English tag in `navigator.languages`,
 * else Chinese.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { setApiLanguage } from '../api.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

export type UiLanguage = 'zh-CN' | 'en';

const STORAGE_KEY = 'certpilot.language';

/** Picks the language to start in. */
export function initialLanguage(): UiLanguage {
  const saved = readSaved();
  if (saved !== undefined) return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

function readSaved(): UiLanguage | undefined {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved === 'zh-CN' || saved === 'en' ? saved : undefined;
  } catch {
    // Storage can be off (privacy settings); the browser's languages still apply.
    return undefined;
  }
}

/** Switches the UI and the API's error language, and remembers the choice. */
export async function changeLanguage(language: UiLanguage): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not remembered, but the switch still applies to this page.
  }
  setApiLanguage(language);
  document.documentElement.lang = language;
  await i18next.changeLanguage(language);
}

/** Initialises i18next in the starting language. */
export async function initI18n(): Promise<void> {
  const language = initialLanguage();
  setApiLanguage(language);
  document.documentElement.lang = language;
  await i18next.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'zh-CN',
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
    // React escapes text itself.
    interpolation: { escapeValue: false },
  });
}
