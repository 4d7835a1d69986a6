import { CertPilotError } from '../errors.js';
import { EVENT_KIND_ORDER, sortBySeverity, type NotificationEvent, type NotificationEventKind } from './events.js';
import { NOTIFICATION_TEXTS, type EventTexts } from './message-texts.js';

export type NotificationLocale = 'zh-CN' | 'en';

/** One notification as people read it. */
export interface RenderedNotification {
  title: string;
  /** Plain text: the title, a blank line, then the body. */
  text: string;
  /** Markdown: a `###` heading with the title, a blank line, then {@link markdownBody}. */
  markdown: string;
  /** The Markdown body without the heading, for channels that show the title on their own. */
  markdownBody: string;
}

/** The message a notification channel sends: the events and their rendering in one language. */
export interface NotificationMessage extends RenderedNotification {
  events: NotificationEvent[];
  locale: NotificationLocale;
}

export interface RenderOptions {
  /** IANA time zone for the times shown, e.g. `Asia/Shanghai`. Default `UTC`. */
  timeZone?: string;
}

/**
 * Renders events for people. One event becomes a single message with its details. Several
 * become one digest: its title counts them by kind, and its body has one line per event, most
 * severe first.
 *
 * @throws CertPilotError `INTERNAL` for an empty list, `CONFIG_INVALID` for an unknown time zone.
 */
export function renderNotification(
  events: readonly NotificationEvent[],
  locale: NotificationLocale,
  options: RenderOptions = {},
): RenderedNotification {
  if (events.length === 0) throw new CertPilotError('INTERNAL', 'renderNotification needs at least one event.');

  const texts = NOTIFICATION_TEXTS[locale];
  const time = timeFormatter(options.timeZone ?? 'UTC');
  const sorted = sortBySeverity(events);
  const described = sorted.map((event) => texts.describe(event, time));

  if (described.length === 1) return renderSingle(described[0]!, texts.labelSeparator);
  return renderDigest(texts.digestTitle(sorted.length, countByKind(sorted)), described);
}

/** Renders the events and keeps them beside the rendering, ready for `NotificationChannel.send`. */
export function composeNotification(
  events: readonly NotificationEvent[],
  locale: NotificationLocale,
  options: RenderOptions = {},
): NotificationMessage {
  return { ...renderNotification(events, locale, options), events: [...events], locale };
}

function renderSingle(event: EventTexts, separator: string): RenderedNotification {
  const detailLines = event.details.map(([label, value]) => `${label}${separator}${value}`);
  const text = [event.title, '', event.lead, ...detailLines].join('\n');

  const markdownDetails = event.details.map(([label, value]) => `- ${label}${separator}${markdownInline(value)}`);
  const markdownBody = [markdownInline(event.lead), '', ...markdownDetails].join('\n');
  return { title: event.title, text, markdown: withHeading(event.title, markdownBody), markdownBody };
}

function renderDigest(title: string, events: EventTexts[]): RenderedNotification {
  const text = [title, '', ...events.map((event) => `- ${event.summary}`)].join('\n');
  const markdownBody = events.map((event) => `- ${markdownInline(event.summary)}`).join('\n');
  return { title, text, markdown: withHeading(title, markdownBody), markdownBody };
}

function withHeading(title: string, body: string): string {
  return `### ${markdownInline(title)}\n\n${body}`;
}

function countByKind(events: NotificationEvent[]): Array<[NotificationEventKind, number]> {
  return EVENT_KIND_ORDER.map((kind): [NotificationEventKind, number] => [
    kind,
    events.filter((event) => event.kind === kind).length,
  ]).filter(([, count]) => count > 0);
}

/**
 * Keeps provider-supplied text (error messages) on one line and stops it from opening HTML tags,
 * which WeCom and DingTalk Markdown render.
 */
function markdownInline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/</g, '‹').replace(/>/g, '›').trim();
}

/** Returns a function formatting ISO 8601 times as `YYYY-MM-DD HH:mm UTC+8` in `timeZone`. */
function timeFormatter(timeZone: string): (iso: string) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
  } catch (error) {
    throw new CertPilotError('CONFIG_INVALID', `Unknown time zone "${timeZone}" for notifications.`, { cause: error });
  }

  return (iso) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
    // ICU writes GMT+8, and GMT or GMT+0 for UTC depending on its version.
    const zone = (parts.timeZoneName ?? 'GMT').replace(/^GMT(\+0)?$/, 'UTC').replace('GMT', 'UTC');
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
  };
}

/**
 * Cuts `markdown` to at most `maxBytes` of UTF-8 at a line boundary and appends a line saying how
 * many lines were left out, in the message's language. Providers reject longer messages.
 */
export function truncateMarkdown(markdown: string, maxBytes: number, locale: NotificationLocale): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown;

  const lines = markdown.split('\n');
  const texts = NOTIFICATION_TEXTS[locale];
  for (let kept = lines.length - 1; kept > 0; kept--) {
    const candidate = [...lines.slice(0, kept), '', texts.truncated(lines.length - kept)].join('\n');
    if (Buffer.byteLength(candidate) <= maxBytes) return candidate;
  }
  return Buffer.from(lines[0] ?? '')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}
