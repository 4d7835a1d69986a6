import type { FieldTexts } from '../i18n/validation.js';

/** Descriptions of the channel settings for `describeIssues`, keyed by field name or schema `error` key. */
const WEBHOOK_TOKEN = {
  'zh-CN': 'webhook 地址中的令牌部分（只含字母、数字、- 和 _），不要粘贴整个地址',
  en: 'only the token from the webhook URL (letters, digits, "-" and "_"), not the whole URL',
};

export const CHANNEL_FIELD_TEXTS: FieldTexts = {
  name: { 'zh-CN': '1 到 100 个字符的名称', en: 'a name of 1 to 100 characters' },
  webhookToken: WEBHOOK_TOKEN,
  accessToken: WEBHOOK_TOKEN,
  key: WEBHOOK_TOKEN,
  token: WEBHOOK_TOKEN,
  secret: {
    'zh-CN': '机器人安全设置中的签名密钥（加签），或用于签名请求的共享密钥',
    en: "the signing secret from the robot's security settings, or the shared secret that signs requests",
  },
  smtpHost: {
    'zh-CN': 'SMTP 服务器的主机名或 IP 地址，不带协议和端口，例如 smtp.example.com',
    en: 'the SMTP host name or IP address without scheme or port, such as smtp.example.com',
  },
  url: {
    'zh-CN': 'http:// 或 https:// 开头的完整地址，例如 https://hooks.example.com/certpilot',
    en: 'an http:// or https:// URL such as https://hooks.example.com/certpilot',
  },
  baseUrl: {
    'zh-CN': 'http:// 或 https:// 开头的地址（使用官方服务时不填）',
    en: 'an http:// or https:// URL (leave it out for the official service)',
  },
  mailbox: {
    'zh-CN': '请填写邮箱地址，也可以写成 "名称 <name@example.com>"',
    en: 'must be an email address, optionally written as "Name <name@example.com>"',
  },
  userWithPassword: {
    'zh-CN': '填写了 password 时也要填写 user（SMTP 登录用户名）',
    en: 'is required when password is set (the SMTP login name)',
  },
  passwordWithUser: {
    'zh-CN': '填写了 user 时也要填写 password',
    en: 'is required when user is set',
  },
  urlCredentials: {
    'zh-CN': '地址中不能包含用户名或密码，需要签名时请填写 secret',
    en: 'must not contain a user name or password (set secret to sign requests instead)',
  },
};
