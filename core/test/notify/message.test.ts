import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isCertPilotError } from '../../src/errors.js';
import type { NotificationEvent } from '../../src/notify/events.js';
import { composeNotification, renderNotification, truncateMarkdown } from '../../src/notify/message.js';

const renewed: NotificationEvent = {
  kind: 'renewed',
  site: 'shop.example.com',
  names: ['shop.example.com', 'www.shop.example.com'],
  serial: '04a1b2c3',
  notAfter: '2025-06-01T08:00:00Z',
};
const failing: NotificationEvent = {
  kind: 'renewal-failing',
  site: 'api.example.com',
  error: { code: 'ACME_RATE_LIMITED', text: 'The ACME CA rate limit was hit.' },
  nextRetryAt: '2025-03-02T01:40:00Z',
};
const expiringSoon: NotificationEvent = {
  kind: 'expiring',
  site: 'blog.example.com',
  daysLeft: 3,
  notAfter: '2025-03-05T00:00:00Z',
};
const expiringLater: NotificationEvent = {
  kind: 'expiring',
  site: 'docs.example.com',
  daysLeft: 14,
  notAfter: '2025-03-16T00:00:00Z',
};
const silent: NotificationEvent = { kind: 'agent-silent', agent: 'web-1', lastSeenAt: '2025-03-01T12:30:00Z' };
const mismatch: NotificationEvent = {
  kind: 'served-mismatch',
  site: 'cdn.example.com',
  expectedSerial: '0abc',
  servedSerial: '0def',
};

describe('renderNotification, one event', () => {
  test('renewed in Chinese', () => {
    const rendered = renderNotification([renewed], 'zh-CN');

    assert.equal(rendered.title, '证书已续期：shop.example.com');
    assert.match(rendered.text, /^证书已续期：shop\.example\.com\n\n/);
    assert.match(rendered.text, /站点 shop\.example\.com 的证书已续期并部署。/);
    assert.match(rendered.text, /域名：shop\.example\.com, www\.shop\.example\.com/);
    assert.match(rendered.text, /序列号：04a1b2c3/);
    assert.match(rendered.text, /到期时间：2025-06-01 08:00 UTC$/m);
    assert.equal(rendered.markdown, `### ${rendered.title}\n\n${rendered.markdownBody}`);
    assert.match(rendered.markdownBody, /^- 序列号：04a1b2c3$/m);
  });

  test('renewed in English', () => {
    const rendered = renderNotification([renewed], 'en');

    assert.equal(rendered.title, 'Certificate renewed: shop.example.com');
    assert.match(rendered.text, /Serial: 04a1b2c3/);
    assert.match(rendered.text, /Expires: 2025-06-01 08:00 UTC$/m);
  });

  test('times in the given time zone', () => {
    const rendered = renderNotification([renewed], 'zh-CN', { timeZone: 'Asia/Shanghai' });

    assert.match(rendered.text, /到期时间：2025-06-01 16:00 UTC\+8$/m);
  });

  test('renewal failing names code and retry', () => {
    const zh = renderNotification([failing], 'zh-CN');
    const en = renderNotification([failing], 'en');

    assert.equal(zh.title, '证书续期失败：api.example.com');
    assert.match(zh.text, /续期失败：The ACME CA rate limit was hit\./);
    assert.match(zh.text, /错误代码：ACME_RATE_LIMITED/);
    assert.match(zh.text, /下次重试：2025-03-02 01:40 UTC$/m);
    assert.equal(en.title, 'Certificate renewal failing: api.example.com');
    assert.match(en.text, /Error code: ACME_RATE_LIMITED/);
    assert.match(en.text, /Next retry: 2025-03-02 01:40 UTC$/m);
  });

  test('terminal failure says no retry', () => {
    const terminal: NotificationEvent = { ...failing, nextRetryAt: undefined };
    delete (terminal as { nextRetryAt?: string }).nextRetryAt;

    assert.match(renderNotification([terminal], 'zh-CN').text, /下次重试：不会自动重试/);
    assert.match(renderNotification([terminal], 'en').text, /Next retry: none; fix the cause/);
  });

  test('expiring, singular day and expired', () => {
    const oneDay: NotificationEvent = { ...expiringSoon, daysLeft: 1 };
    const expired: NotificationEvent = { ...expiringSoon, daysLeft: 0 };

    assert.equal(renderNotification([expiringSoon], 'zh-CN').title, '证书将在 3 天内到期：blog.example.com');
    assert.equal(renderNotification([oneDay], 'en').title, 'Certificate expires within 1 day: blog.example.com');
    assert.equal(renderNotification([expired], 'zh-CN').title, '证书已过期：blog.example.com');
    assert.equal(renderNotification([expired], 'en').title, 'Certificate has expired: blog.example.com');
  });

  test('agent silent and served mismatch', () => {
    assert.equal(renderNotification([silent], 'zh-CN').title, 'Agent 失联：web-1');
    assert.match(renderNotification([silent], 'zh-CN').text, /最后上报时间：2025-03-01 12:30 UTC$/m);
    assert.match(renderNotification([mismatch], 'zh-CN').text, /应为序列号：0abc\n线上序列号：0def/);
    assert.match(renderNotification([mismatch], 'en').text, /Expected serial: 0abc\nServed serial: 0def/);
  });

  test('provider text cannot break markdown', () => {
    const hostile: NotificationEvent = {
      ...failing,
      error: { code: 'PROVIDER_REQUEST_FAILED', text: 'bad\n\n# heading <font color="warning">x</font>' },
    };
    const rendered = renderNotification([hostile], 'en');

    assert.doesNotMatch(rendered.markdown, /</);
    assert.doesNotMatch(rendered.markdownBody, /^# heading/m);
  });
});

describe('renderNotification, digest', () => {
  const shuffled = [renewed, silent, expiringLater, mismatch, expiringSoon, failing];

  test('Chinese title counts kinds', () => {
    const rendered = renderNotification(shuffled, 'zh-CN');

    assert.equal(
      rendered.title,
      '证书领航：6 条通知（续期失败 1，线上证书不符 1，即将到期 2，Agent 失联 1，已续期 1）',
    );
  });

  test('English title counts kinds', () => {
    const rendered = renderNotification(shuffled, 'en');

    assert.equal(
      rendered.title,
      'CertPilot: 6 notifications (1 renewal failing, 1 served certificate mismatch, 2 expiring, 1 agent silent, 1 renewed)',
    );
  });

  test('one line per event, most severe first', () => {
    const rendered = renderNotification(shuffled, 'zh-CN');
    const lines = rendered.text.split('\n').slice(2);

    assert.equal(lines.length, 6);
    assert.match(lines[0]!, /^- api\.example\.com 续期失败/);
    assert.match(lines[1]!, /^- cdn\.example\.com 线上证书序列号 0def，应为 0abc/);
    assert.match(lines[2]!, /^- blog\.example\.com 的证书将在 3 天内到期/);
    assert.match(lines[3]!, /^- docs\.example\.com 的证书将在 14 天内到期/);
    assert.match(lines[4]!, /^- Agent web-1 自 2025-03-01 12:30 UTC 起没有上报/);
    assert.match(lines[5]!, /^- shop\.example\.com 的证书已续期，序列号 04a1b2c3/);
    assert.deepEqual(rendered.markdownBody.split('\n'), lines);
  });

  test('input order is kept', () => {
    const events = [...shuffled];
    renderNotification(events, 'en');

    assert.deepEqual(events, shuffled);
  });

  test('compose keeps events and locale', () => {
    const message = composeNotification(shuffled, 'en');

    assert.deepEqual(message.events, shuffled);
    assert.equal(message.locale, 'en');
    assert.equal(message.title, renderNotification(shuffled, 'en').title);
  });
});

describe('renderNotification, bad input', () => {
  test('empty list', () => {
    assert.throws(
      () => renderNotification([], 'en'),
      (error) => isCertPilotError(error, 'INTERNAL'),
    );
  });

  test('unknown time zone', () => {
    assert.throws(
      () => renderNotification([renewed], 'en', { timeZone: 'Mars/Olympus' }),
      (error) => isCertPilotError(error, 'CONFIG_INVALID') && /Mars\/Olympus/.test(error.message),
    );
  });

  test('unreadable time shown as given', () => {
    const rendered = renderNotification([{ ...renewed, notAfter: 'soon' }], 'en');

    assert.match(rendered.text, /Expires: soon/);
  });
});

describe('truncateMarkdown', () => {
  const long = [
    '### title',
    '',
    ...Array.from({ length: 200 }, (_, i) => `- 站点 site-${i}.example.com 的证书已续期`),
  ].join('\n');

  test('short text unchanged', () => {
    assert.equal(truncateMarkdown('### t\n\n- a', 100, 'en'), '### t\n\n- a');
  });

  test('cut at a line with a note', () => {
    const cut = truncateMarkdown(long, 1000, 'zh-CN');

    assert.ok(Buffer.byteLength(cut) <= 1000);
    assert.match(cut, /^### title\n/);
    assert.match(cut, /（还有 \d+ 行因长度限制未显示）$/);
    const hidden = Number(/还有 (\d+) 行/.exec(cut)![1]);
    assert.equal(cut.split('\n').length - 2 + hidden, long.split('\n').length);
  });

  test('English note', () => {
    assert.match(truncateMarkdown(long, 600, 'en'), /\(\d+ more lines not shown because of the size limit\)$/);
  });
});
