import type { NotificationEvent, NotificationEventKind } from './events.js';

/** The parts of one event's message, in one language. */
export interface EventTexts {
  /** Title when the event is sent alone. */
  title: string;
  /** First sentence of the body when sent alone. */
  lead: string;
  /** Label and value pairs listed under the lead. */
  details: Array<[label: string, value: string]>;
  /** One line for a digest of several events. */
  summary: string;
}

/** Every sentence of notifications in one language. `time` formats an ISO 8601 time for people. */
export interface NotificationTexts {
  describe(event: NotificationEvent, time: (iso: string) => string): EventTexts;
  digestTitle(total: number, counts: Array<[NotificationEventKind, number]>): string;
  /** Appended to a message cut short for a provider's size limit. */
  truncated(hiddenLines: number): string;
  /** Placed between a detail's label and value. */
  labelSeparator: string;
}

const ZH_KIND_LABELS: Record<NotificationEventKind, string> = {
  'renewal-failing': '续期失败',
  'served-mismatch': '线上证书不符',
  expiring: '即将到期',
  'agent-silent': 'Agent 失联',
  renewed: '已续期',
};

const EN_KIND_LABELS: Record<NotificationEventKind, string> = {
  'renewal-failing': 'renewal failing',
  'served-mismatch': 'served certificate mismatch',
  expiring: 'expiring',
  'agent-silent': 'agent silent',
  renewed: 'renewed',
};

const zhCN: NotificationTexts = {
  describe(event, time) {
    switch (event.kind) {
      case 'renewed':
        return {
          title: `证书已续期：${event.site}`,
          lead: `站点 ${event.site} 的证书已续期并部署。`,
          details: [
            ['域名', event.names.join(', ')],
            ['序列号', event.serial],
            ['到期时间', time(event.notAfter)],
          ],
          summary: `${event.site} 的证书已续期，序列号 ${event.serial}，${time(event.notAfter)} 到期`,
        };
      case 'renewal-failing': {
        const retry = event.nextRetryAt === undefined ? '不会自动重试，请处理后手动续期' : time(event.nextRetryAt);
        return {
          title: `证书续期失败：${event.site}`,
          lead: `站点 ${event.site} 的证书续期失败：${event.error.text}`,
          details: [
            ['错误代码', event.error.code],
            ['下次重试', retry],
          ],
          summary: `${event.site} 续期失败：${event.error.text}（${event.error.code}，下次重试：${retry}）`,
        };
      }
      case 'expiring': {
        const when = event.daysLeft <= 0 ? '已过期' : `将在 ${event.daysLeft} 天内到期`;
        return {
          title: `证书${when}：${event.site}`,
          lead: `站点 ${event.site} 的证书${when}，到期时间 ${time(event.notAfter)}。`,
          details: [['到期时间', time(event.notAfter)]],
          summary: `${event.site} 的证书${when}（${time(event.notAfter)}）`,
        };
      }
      case 'agent-silent':
        return {
          title: `Agent 失联：${event.agent}`,
          lead: `Agent ${event.agent} 已超过两个运行周期没有上报，它负责的证书可能无法按时续期。`,
          details: [['最后上报时间', time(event.lastSeenAt)]],
          summary: `Agent ${event.agent} 自 ${time(event.lastSeenAt)} 起没有上报`,
        };
      case 'served-mismatch':
        return {
          title: `线上证书与部署的不符：${event.site}`,
          lead: `站点 ${event.site} 线上提供的证书不是 CertPilot 部署的证书。`,
          details: [
            ['应为序列号', event.expectedSerial],
            ['线上序列号', event.servedSerial],
          ],
          summary: `${event.site} 线上证书序列号 ${event.servedSerial}，应为 ${event.expectedSerial}`,
        };
    }
  },
  digestTitle(total, counts) {
    const parts = counts.map(([kind, count]) => `${ZH_KIND_LABELS[kind]} ${count}`);
    return `证书领航：${total} 条通知（${parts.join('，')}）`;
  },
  truncated: (hiddenLines) => `（还有 ${hiddenLines} 行因长度限制未显示）`,
  labelSeparator: '：',
};

const en: NotificationTexts = {
  describe(event, time) {
    switch (event.kind) {
      case 'renewed':
        return {
          title: `Certificate renewed: ${event.site}`,
          lead: `The certificate of site ${event.site} was renewed and deployed.`,
          details: [
            ['Names', event.names.join(', ')],
            ['Serial', event.serial],
            ['Expires', time(event.notAfter)],
          ],
          summary: `${event.site}: certificate renewed, serial ${event.serial}, expires ${time(event.notAfter)}`,
        };
      case 'renewal-failing': {
        const retry =
          event.nextRetryAt === undefined ? 'none; fix the cause, then renew by hand' : time(event.nextRetryAt);
        return {
          title: `Certificate renewal failing: ${event.site}`,
          lead: `Renewing the certificate of site ${event.site} failed: ${event.error.text}`,
          details: [
            ['Error code', event.error.code],
            ['Next retry', retry],
          ],
          summary: `${event.site}: renewal failed: ${event.error.text} (${event.error.code}, next retry: ${retry})`,
        };
      }
      case 'expiring': {
        const when = event.daysLeft <= 0 ? 'has expired' : `expires within ${plural(event.daysLeft, 'day')}`;
        return {
          title: `Certificate ${when}: ${event.site}`,
          lead: `The certificate of site ${event.site} ${when}, on ${time(event.notAfter)}.`,
          details: [['Expires', time(event.notAfter)]],
          summary: `${event.site}: certificate ${when} (${time(event.notAfter)})`,
        };
      }
      case 'agent-silent':
        return {
          title: `Agent silent: ${event.agent}`,
          lead: `Agent ${event.agent} has not reported for more than two run intervals, so its certificates may not be renewed in time.`,
          details: [['Last report', time(event.lastSeenAt)]],
          summary: `Agent ${event.agent}: no report since ${time(event.lastSeenAt)}`,
        };
      case 'served-mismatch':
        return {
          title: `Served certificate differs from the deployed one: ${event.site}`,
          lead: `Site ${event.site} serves a certificate other than the one CertPilot deployed.`,
          details: [
            ['Expected serial', event.expectedSerial],
            ['Served serial', event.servedSerial],
          ],
          summary: `${event.site}: serves serial ${event.servedSerial}, expected ${event.expectedSerial}`,
        };
    }
  },
  digestTitle(total, counts) {
    const parts = counts.map(([kind, count]) => `${count} ${EN_KIND_LABELS[kind]}`);
    return `CertPilot: ${plural(total, 'notification')} (${parts.join(', ')})`;
  },
  truncated: (hiddenLines) => `(${plural(hiddenLines, 'more line')} not shown because of the size limit)`,
  labelSeparator: ': ',
};

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Notification texts by locale. */
export const NOTIFICATION_TEXTS: Record<'zh-CN' | 'en', NotificationTexts> = { 'zh-CN': zhCN, en };
