/** The message `POST /notification-channels/:id/test` sends: no event, just a check that delivery works. */
import type { NotificationLocale, NotificationMessage } from '@certpilot/core';

const TEXTS: Record<NotificationLocale, { title: string; lead: (channel: string) => string }> = {
  'zh-CN': {
    title: '证书领航测试通知',
    lead: (channel) => `这是通知渠道「${channel}」的测试消息。收到它说明渠道配置正确，无需处理。`,
  },
  en: {
    title: 'CertPilot test notification',
    lead: (channel) =>
      `This is a test message of notification channel "${channel}". It arrived, so the channel works; no action is needed.`,
  },
};

/** Builds the test message for the channel named `channel`, in `locale`. */
export function testMessage(channel: string, locale: NotificationLocale): NotificationMessage {
  const texts = TEXTS[locale];
  const lead = texts.lead(channel).replace(/</g, '‹').replace(/>/g, '›');
  return {
    title: texts.title,
    text: `${texts.title}\n\n${lead}`,
    markdown: `### ${texts.title}\n\n${lead}`,
    markdownBody: lead,
    events: [],
    locale,
  };
}
