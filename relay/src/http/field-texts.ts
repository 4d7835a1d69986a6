/**
 * Descriptions of what the API's fields expect, for request errors. zod cannot give them: it
 * would show a regex pattern or a schema's English text. Keys are field names or paths
 * (`config.ossRegion`), `config.*` for the keys of the site config, and schema `error` keys.
 */
import type { FieldTexts } from '@certpilot/core';

export const RELAY_FIELD_TEXTS: FieldTexts = {
  account: {
    'zh-CN': '3 到 32 个字母、数字、_、. 或 -',
    en: '3 to 32 letters, digits, "_", "." or "-"',
  },
  // Top-level fields of the request bodies, so that the error for a missing one names what to enter.
  name: { 'zh-CN': '显示名称，例如“运维值班”', en: 'a display name such as "Ops on call"' },
  password: { 'zh-CN': '文本形式的账号密码', en: 'the account password as text' },
  email: { 'zh-CN': '邮箱地址，例如 name@example.com', en: 'an email address such as name@example.com' },
  provider: { 'zh-CN': '云服务商 qiniu 或 aliyun', en: 'the cloud provider, qiniu or aliyun' },
  accessKeySecret: {
    'zh-CN': '云服务商控制台中的 AccessKey Secret，8 到 256 个字符',
    en: "the AccessKey Secret from the provider's console, 8 to 256 characters",
  },
  origin: {
    'zh-CN': '证书部署的位置 qiniu-cdn、qiniu-kodo、aliyun-oss、aliyun-cdn、aliyun-dcdn 或 nginx',
    en: 'where the certificate goes: qiniu-cdn, qiniu-kodo, aliyun-oss, aliyun-cdn, aliyun-dcdn or nginx',
  },
  domain: {
    'zh-CN': '站点的域名，例如 www.example.com 或 *.example.com',
    en: "the site's domain name, such as www.example.com or *.example.com",
  },
  kind: {
    'zh-CN': '通知渠道类型 email、dingtalk、wecom、feishu 或 webhook',
    en: 'the channel kind: email, dingtalk, wecom, feishu or webhook',
  },
  // Sites and channels both have `config`; only a channel's is required.
  config: {
    'zh-CN': '设置组成的 JSON 对象，例如 webhook 渠道的 {"url": "https://hooks.example.com/certpilot"}',
    en: 'a JSON object of settings, such as {"url": "https://hooks.example.com/certpilot"} for a webhook channel',
  },
  locale: { 'zh-CN': '通知使用的语言 zh-CN 或 en', en: 'the language of the notifications, zh-CN or en' },
  mobile: {
    'zh-CN': '手机号码，只含数字、空格和 -，可以用 + 开头，例如 +86 138 0013 8000',
    en: 'a phone number of digits, spaces and "-", optionally starting with "+", such as +86 138 0013 8000',
  },
  accessKeyId: {
    'zh-CN': '8 到 128 个字母、数字、_ 或 -（云服务商控制台中的 AccessKey ID）',
    en: '8 to 128 letters, digits, "_" or "-" (the AccessKey ID from the provider\'s console)',
  },
  'config.*': {
    'zh-CN': '以字母开头、最多 64 个字符的键名，只含字母、数字、_、. 或 -，例如 edge.port',
    en: 'a key of up to 64 letters, digits, "_", "." or "-" starting with a letter, such as edge.port',
  },
  // The limit is MAX_KEYS in routes/site-config.ts.
  maxConfigKeys: { 'zh-CN': '最多 32 个键，请删掉不用的键', en: 'must have at most 32 keys (remove the unused ones)' },
  'config.names': {
    'zh-CN': '逗号分隔的有效域名，例如 example.com,www.example.com',
    en: 'valid domain names separated by commas, such as example.com,www.example.com',
  },
  'config.domains': {
    'zh-CN': '逗号分隔的 CDN 域名，例如 cdn.example.com（七牛泛域名写作 .example.com）',
    en: 'CDN domains separated by commas, such as cdn.example.com (Qiniu wildcard domains are written .example.com)',
  },
  'config.ossRegion': { 'zh-CN': 'OSS 地域，例如 oss-cn-hangzhou', en: 'an OSS region such as oss-cn-hangzhou' },
  'config.casRegion': {
    'zh-CN': '地域 ID（小写字母、数字和 -），例如 cn-hangzhou',
    en: 'a region ID of lowercase letters, digits and "-", such as cn-hangzhou',
  },
  'config.bucket': { 'zh-CN': 'OSS 存储桶名称，3 到 63 个字符', en: 'the OSS bucket name of 3 to 63 characters' },
  'config.challenge.resolvers': {
    'zh-CN': '逗号分隔的 IP 地址，可带端口，例如 223.5.5.5,1.1.1.1:53',
    en: 'IP addresses separated by commas, optionally with a port, such as 223.5.5.5,1.1.1.1:53',
  },
  'config.challenge.credentialId': {
    'zh-CN': '一个 aliyun 凭据的 id（POST /credentials 返回的 UUID），用于阿里云 DNS 的 dns-01 验证',
    en: 'the id of an aliyun credential (the UUID that POST /credentials returns), for dns-01 through Aliyun DNS',
  },
  credentialId: {
    'zh-CN': '凭据的 id（POST /credentials 或 GET /credentials 返回的 UUID）',
    en: 'a credential id (the UUID that POST /credentials or GET /credentials returns)',
  },
  id: {
    'zh-CN': 'UUID 格式的 id，例如 3f1c2b9e-0d5a-4c1e-9b7a-2f6e8d4c1a05，请从列表接口返回的 id 复制',
    en: 'a UUID such as 3f1c2b9e-0d5a-4c1e-9b7a-2f6e8d4c1a05, copied from a list response',
  },
  names: {
    'zh-CN': '主机名（字母、数字、*、_、. 或 -）',
    en: 'a host name of letters, digits, "*", "_", "." or "-"',
  },
  serial: {
    'zh-CN': '十六进制的证书序列号，可用冒号分隔，最多 128 个字符',
    en: 'a hexadecimal certificate serial, optionally with colons, of up to 128 characters',
  },
  'error.code': {
    'zh-CN': 'CertPilot 错误代码（大写字母、数字和 _），例如 ACME_ORDER_FAILED',
    en: 'a CertPilot error code of uppercase letters, digits and "_", such as ACME_ORDER_FAILED',
  },
};
