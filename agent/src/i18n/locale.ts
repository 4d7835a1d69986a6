export type Locale = 'zh-CN' | 'en';

/**
 * Picks the language for people-facing output: `--lang`, then CERTPILOT_LANG, then the POSIX
 * locale variables. Chinese is the default when the locale says nothing (C, POSIX or unset),
 * because most CertPilot users read Chinese.
 */
export function detectLocale(explicit?: string, env: NodeJS.ProcessEnv = process.env): Locale {
  const candidates = [explicit, env.CERTPILOT_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG];
  for (const value of candidates) {
    if (!value) continue;
    const lower = value.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}
