/** The two languages CertPilot speaks to people. */
export type Locale = 'zh-CN' | 'en';

/**
 * Picks the CLI language: `--lang`, then CERTPILOT_LANG, then the POSIX locale variables, the
 * same order as the agent. Chinese is the default when the locale says nothing (C, POSIX or
 * unset), because most CertPilot users read Chinese.
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

/**
 * Picks the language of an API response from `Accept-Language`: the Chinese or English tag
 * with the highest weight, English when neither is listed. API clients that send nothing get
 * English, unlike the CLI, because they are usually programs.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag, weight: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.weight > 0 && (entry.tag.startsWith('zh') || entry.tag.startsWith('en')))
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranked[0]?.tag.startsWith('zh') ? 'zh-CN' : 'en';
}
