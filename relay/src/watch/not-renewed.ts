/**
 * The "not renewed in its renewal window" state, sent through the policy as a failing renewal
 * with its own code, since core's notification events have no kind of their own for it.
 */
import type { NotificationLocale, SiteSnapshot } from '@certpilot/core';

/** The error code notifications show for a site that should have been renewed by now. */
export const NOT_RENEWED_CODE = 'RENEWAL_OVERDUE';

const TEXTS: Record<NotificationLocale, (renewAt: string) => string> = {
  'zh-CN': (renewAt) => `证书自 ${renewAt} 起已进入续期窗口，超过一天仍未续期。请检查站点设置和续期任务，或手动续期。`,
  en: (renewAt) =>
    `the certificate entered its renewal window on ${renewAt} and is still not renewed a day later. Check the site's settings and renewal jobs, or renew it by hand.`,
};

/** Builds the snapshot `renewal` of a site not renewed since `renewAt` (ISO 8601). */
export function notRenewed(renewAt: string, locale: NotificationLocale): NonNullable<SiteSnapshot['renewal']> {
  const day = `${renewAt.slice(0, 16).replace('T', ' ')} UTC`;
  return { status: 'failing', error: { code: NOT_RENEWED_CODE, text: TEXTS[locale](day) } };
}
