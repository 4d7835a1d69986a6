import { z } from 'zod';
import { CertPilotError } from '../errors.js';

/** The notification channels the core can send through. The desktop tray is the desktop's own. */
export const CHANNEL_KINDS = ['email', 'dingtalk', 'wecom', 'feishu', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Production hosts; tests pass `baseUrl` pointing at 127.0.0.1. */
export const DINGTALK_BASE_URL = 'https://oapi.dingtalk.com';
export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';
export const FEISHU_BASE_URL = 'https://open.feishu.cn';

const name = z.string().trim().min(1).max(100);
const secret = z.string().min(1).max(1000);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const baseUrl = (defaultUrl: string) => httpUrl.default(defaultUrl).transform((url) => url.replace(/\/+$/, ''));

/** The token part of a robot webhook URL; people often paste the whole URL instead. */
const webhookToken = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, {
    error: 'must be only the token from the webhook URL (letters, digits, "-" and "_"), not the whole URL',
  });

/** A plain address, or `Display Name <address>`. */
const mailbox = z.string().refine((value) => z.email().safeParse(/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).success, {
  error: 'must be an email address, optionally as "Name <address>"',
});

const emailSchema = z
  .object({
    name,
    host: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'must be a host name or IP address, without scheme or port' }),
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
    to: z.array(z.email({ error: 'must be an email address' })).min(1, { error: 'needs at least one address' }),
  })
  .strict()
  .refine((config) => config.password === undefined || config.user !== undefined, {
    path: ['user'],
    error: 'is required when a password is set',
  })
  .refine((config) => config.user === undefined || config.password !== undefined, {
    path: ['password'],
    error: 'is required when a user is set',
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
  error: 'must not contain a user name or password; set secret to sign requests instead',
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
 * @throws CertPilotError `NOTIFY_CONFIG_INVALID` naming each bad field in `params.problems` and the
 *   first one in `params.field`. Values are never quoted, so secrets stay out of the error.
 */
export function parseChannelConfig<K extends ChannelKind>(kind: K, raw: unknown): ChannelConfigByKind[K] {
  const record = isRecord(raw) ? { ...raw } : undefined;
  const channel = typeof record?.name === 'string' ? record.name.slice(0, 100) : '?';

  if (!CHANNEL_KINDS.includes(kind)) {
    throw configInvalid(String(kind), channel, [['kind', `must be one of ${CHANNEL_KINDS.join(', ')}`]]);
  }
  if (record === undefined) throw configInvalid(kind, channel, [['(top level)', 'must be an object']]);
  if ('kind' in record) {
    if (record.kind !== kind) throw configInvalid(kind, channel, [['kind', `must be ${kind}`]]);
    delete record.kind;
  }

  const parsed = SCHEMAS[kind].safeParse(record, { reportInput: true });
  if (!parsed.success) throw configInvalid(kind, channel, parsed.error.issues.map(describeIssue));
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

function describeIssue(issue: z.core.$ZodIssue): [field: string, problem: string] {
  const field = issue.path.join('.') || '(top level)';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return [field, missing ? 'is required' : issue.message];
}

function configInvalid(kind: string, channel: string, problems: Array<[string, string]>): CertPilotError {
  const text = problems.map(([field, problem]) => `${field}: ${problem}`).join('; ');
  return new CertPilotError(
    'NOTIFY_CONFIG_INVALID',
    `Notification channel ${kind} "${channel}" has invalid settings: ${text}`,
    {
      params: { kind, channel, field: problems[0]?.[0], problems: text },
    },
  );
}
