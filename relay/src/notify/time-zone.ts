import type { NotificationLocale, RenderOptions } from '@certpilot/core';

/**
 * Render options for notifications in `locale`: Chinese readers get China time (shown as
 * UTC+8), English readers UTC, because a channel has a language but no time zone of its own.
 */
export function notificationRenderOptions(locale: NotificationLocale): RenderOptions {
  return { timeZone: locale === 'zh-CN' ? 'Asia/Shanghai' : 'UTC' };
}
