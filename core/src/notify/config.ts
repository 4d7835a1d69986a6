import { z } from 'zod';
import { CertPilotError } from '../errors.js';
import { describeIssues, type ValidationLocale } from '../i18n/validation.js';
import { CHANNEL_FIELD_TEXTS } from './config-texts.js';

/** The notification channels the core can send through. The desktop tray is the desktop's own. */
export const CHANNEL_KINDS = ['email', 'dingtalk', 'wecom', 'feishu', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Production hosts; tests pass `baseUrl` pointing at 127.0.0.1. */
export const DINGTALK_BASE_URL = 'https://oapi.dingtalk.com';
export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';
export const FEISHU_BASE_URL = 'https://open.feishu.cn';

const name = z.string().trim().min(1).max(100);
const secret = z.string().min(1).max(1000);
const httpUrl = z.url({ protocol: /^https?$/ });
const baseUrl = (defaultUrl: string) => httpUrl.default(defaultUrl).transform((url) => url.replace(/\/+$/, ''));

/** The token part of a robot webhook URL; people often paste the whole URL instead. */
const webhookToken = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'webhookToken' });

/** A plain address, or `Display Name <address>`. */
const mailbox = z.string().refine((value) => z.email().safeParse(/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).success, {
  error: 'mailbox',
});

const emailSchema = z
  .object({
    name,
    host: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'smtpHost' }),
    /** Default 465 when `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte (port 465); otherwise STARTTLS. */
    secure: z.boolean().default(false),
    /**
     * Refuses to send unless the connection is encrypted (implicit TLS or STARTTLS). On by default
     * so a password never crosses the network in clear text; turn off only for a local relay.
     */
    requireTls: z.boolean().default(true),
    user: z.string().min(1).optional(),
    password: secret.optional(),
    from: mailbox,
    to: z.array(z.email()).min(1),
  })
  .strict()
  .refine((config) => config.password === undefined || config.user !== undefined, {
    path: ['user'],
    error: 'userWithPassword',
  })
  .refine((config) => config.user === undefined || config.password !== undefined, {
    path: ['password'],
    error: 'passwordWithUser',
  })
  .transform((config) => ({ ...config, port: config.port ?? (config.secure ? 465 : 587) }));

const dingtalkSchema = z
  .object({ name, accessToken: webhookToken, secret, baseUrl: baseUrl(DINGTALK_BASE_URL) })
  .strict();

const wecomSchema = z.object({ name, key: webhookToken, baseUrl: baseUrl(WECOM_BASE_URL) }).strict();

const feishuSchema = z
  .object({ name, token: webhookToken, secret: secret.optional(), baseUrl: baseUrl(FEISHU_BASE_URL) })
  .strict();

/** fetch rejects URLs with credentials, and errors would have to hide them. */
const webhookUrl = httpUrl.refine((url) => !hasCredentials(url), {
  error: 'urlCredentials',
});

const webhookSchema = z.object({ name, url: webhookUrl, secret: secret.optional() }).strict();

const SCHEMAS = {
  email: emailSchema,
  dingtalk: dingtalkSchema,
  wecom: wecomSchema,
  feishu: feishuSchema,
  webhook: webhookSchema,
} as const;

/** SMTP settings; `password` is a secret. */
export type EmailChannelConfig = { kind: 'email' } & z.output<typeof emailSchema>;
/** A DingTalk custom robot with signing (加签); `accessToken` and `secret` are secrets. */
export type DingtalkChannelConfig = { kind: 'dingtalk' } & z.output<typeof dingtalkSchema>;
/** A WeCom group robot; `key` is a secret. */
export type WecomChannelConfig = { kind: 'wecom' } & z.output<typeof wecomSchema>;
/** A Feishu custom robot, signed when `secret` is set; `token` and `secret` are secrets. */
export type FeishuChannelConfig = { kind: 'feishu' } & z.output<typeof feishuSchema>;
/** A generic JSON webhook, signed when `secret` is set; `secret` is a secret. */
export type WebhookChannelConfig = { kind: 'webhook' } & z.output<typeof webhookSchema>;

export interface ChannelConfigByKind {
  email: EmailChannelConfig;
  dingtalk: DingtalkChannelConfig;
  wecom: WecomChannelConfig;
  feishu: FeishuChannelConfig;
  webhook: WebhookChannelConfig;
}

export type ChannelConfig = ChannelConfigByKind[ChannelKind];

/**
 * Validates the settings of one channel and fills in defaults. `raw` may carry `kind`, which
 * must then equal `kind`.
 *
 * @throws CertPilotError `NOTIFY_CONFIG_INVALID` naming each bad field in `params.problems` (in
 *   `locale`) and the first one in `params.field`. Values of secret fields are never quoted.
 */
export function parseChannelConfig<K extends ChannelKind>(
  kind: K,
  raw: unknown,
  locale: ValidationLocale = 'en',
): ChannelConfigByKind[K] {
  const record = isRecord(raw) ? { ...raw } : undefined;
  const channel = typeof record?.name === 'string' ? record.name.slice(0, 100) : '?';

  const fail = (issues: z.core.$ZodIssue[]) => configInvalid(kind, channel, issues, locale);
  if (!CHANNEL_KINDS.includes(kind)) {
    throw fail([{ code: 'invalid_value', values: [...CHANNEL_KINDS], path: ['kind'], input: kind, message: '' }]);
  }
  if (record === undefined) {
    throw fail([{ code: 'invalid_type', expected: 'object', path: [], input: raw, message: '' }]);
  }
  if ('kind' in record) {
    if (record.kind !== kind) {
      throw fail([{ code: 'invalid_value', values: [kind], path: ['kind'], input: record.kind, message: '' }]);
    }
    delete record.kind;
  }

  const parsed = SCHEMAS[kind].safeParse(record, { reportInput: true });
  if (!parsed.success) throw fail(parsed.error.issues);
  return { kind, ...parsed.data } as ChannelConfigByKind[K];
}

/** zod runs this check on unparsable URLs too, after reporting them. */
function hasCredentials(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.username !== '' || parsed.password !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configInvalid(
  kind: string,
  channel: string,
  issues: z.core.$ZodIssue[],
  locale: ValidationLocale,
): CertPilotError {
  const english = describeIssues(issues, 'en', CHANNEL_FIELD_TEXTS, 'config');
  return new CertPilotError(
    'NOTIFY_CONFIG_INVALID',
    `Notification channel ${kind} "${channel}" has invalid settings: ${english}`,
    {
      params: {
        kind,
        channel,
        field: issues[0]?.path.map(String).join('.') || '(top level)',
        problems: describeIssues(issues, locale, CHANNEL_FIELD_TEXTS, 'config'),
      },
    },
  );
}
