import type { ErrorCode } from '../errors.js';

/**
 * What each error code means for people, in Simplified Chinese and English. `{{name}}`-style
 * placeholders are filled from the error's `params`; `{{message}}` is the English detail.
 * Hosts load these into i18next under the `errors` namespace.
 */
export const ERROR_MESSAGES: Record<'zh-CN' | 'en', Record<ErrorCode, string>> = {
  'zh-CN': {
    CONFIG_INVALID: '配置无效：{{message}}',
    CONFIG_NOT_FOUND: '找不到配置文件 {{path}}：请用 --config 指定，或先创建它。',
    NAME_INVALID: '域名 "{{name}}" 无效：{{reason}}。',
    SITE_NOT_FOUND: '找不到站点 {{site}}：先运行 scan 查看已发现的站点。',
    COMMAND_NOT_FOUND: '找不到命令 {{command}}。',
    COMMAND_FAILED: '命令 {{command}} 执行失败：{{message}}',
    NGINX_NOT_FOUND: '在 {{path}} 找不到 nginx：请在配置中设置 nginx.bin。',
    NGINX_COMMAND_FAILED: 'nginx 命令失败：{{message}}',
    NGINX_CONFIG_INVALID: 'nginx 配置检查（nginx -t）未通过，未做任何修改。请先修复配置：\n{{output}}',
    NGINX_CONFIG_CHANGED: '配置文件 {{path}} 在读取后被改动，请重新运行。',
    NGINX_EDIT_FAILED: '无法修改 nginx 配置，原文件已恢复：{{message}}',
    CERT_INVALID: '证书无效：{{message}}',
    CERT_KEY_MISMATCH: '证书与私钥不匹配：{{message}}',
    FILE_IO_FAILED: '读写文件 {{path}} 失败：{{message}}',
    ACME_UNAUTHORIZED: 'ACME CA 拒绝了请求（{{problemType}}）：{{detail}}。请检查账户和域名的控制权。',
    ACME_BAD_REQUEST: 'ACME CA 认为请求无效（{{problemType}}）：{{detail}}',
    ACME_RATE_LIMITED: '触发了 ACME CA 的频率限制：{{detail}}。稍后会自动重试。',
    ACME_CA_UNREACHABLE: '无法连接 ACME CA：{{message}}',
    ACME_CHALLENGE_FAILED: '域名验证失败：{{message}}',
    ACME_ORDER_FAILED: 'ACME 订单失败：{{message}}',
    DEPLOY_TEST_FAILED: '部署后 nginx -t 未通过，已回滚到旧证书：\n{{output}}',
    DEPLOY_RELOAD_FAILED: 'nginx 重载失败，已回滚：{{output}}',
    PROBE_FAILED: '无法通过 TLS 连接 {{address}} 验证新证书，已回滚：{{message}}',
    PROBE_OLD_CERTIFICATE: '{{address}} 在重载后仍在提供旧证书（序列号 {{servedSerial}}），已回滚。',
    JOB_STATE_INVALID: '续期任务状态异常：{{message}}',
    INTERNAL: '内部错误：{{message}}',
  },
  en: {
    CONFIG_INVALID: 'Invalid configuration: {{message}}',
    CONFIG_NOT_FOUND: 'Config file {{path}} not found: pass --config or create it first.',
    NAME_INVALID: 'Domain name "{{name}}" is invalid: it {{reason}}.',
    SITE_NOT_FOUND: 'No site named {{site}}: run scan to see the sites found.',
    COMMAND_NOT_FOUND: 'Command {{command}} not found.',
    COMMAND_FAILED: 'Command {{command}} failed: {{message}}',
    NGINX_NOT_FOUND: 'nginx not found at {{path}}: set nginx.bin in the config.',
    NGINX_COMMAND_FAILED: 'nginx command failed: {{message}}',
    NGINX_CONFIG_INVALID:
      'The nginx configuration test (nginx -t) fails; nothing was changed. Fix the configuration first:\n{{output}}',
    NGINX_CONFIG_CHANGED: '{{path}} changed after it was read; run again.',
    NGINX_EDIT_FAILED: 'Could not change the nginx configuration; the original files were restored: {{message}}',
    CERT_INVALID: 'Invalid certificate: {{message}}',
    CERT_KEY_MISMATCH: 'Certificate and private key do not match: {{message}}',
    FILE_IO_FAILED: 'Reading or writing {{path}} failed: {{message}}',
    ACME_UNAUTHORIZED:
      'The ACME CA refused the request ({{problemType}}): {{detail}}. Check the account and control of the domain.',
    ACME_BAD_REQUEST: 'The ACME CA rejected the request as invalid ({{problemType}}): {{detail}}',
    ACME_RATE_LIMITED: 'The ACME CA rate limit was hit: {{detail}}. CertPilot retries later.',
    ACME_CA_UNREACHABLE: 'Could not reach the ACME CA: {{message}}',
    ACME_CHALLENGE_FAILED: 'Domain validation failed: {{message}}',
    ACME_ORDER_FAILED: 'ACME order failed: {{message}}',
    DEPLOY_TEST_FAILED: 'nginx -t failed after the deploy; the old certificate was restored:\n{{output}}',
    DEPLOY_RELOAD_FAILED: 'nginx reload failed; rolled back: {{output}}',
    PROBE_FAILED: 'Could not verify the new certificate over TLS at {{address}}; rolled back: {{message}}',
    PROBE_OLD_CERTIFICATE:
      '{{address}} still serves the old certificate (serial {{servedSerial}}) after the reload; rolled back.',
    JOB_STATE_INVALID: 'Renewal job state is inconsistent: {{message}}',
    INTERNAL: 'Internal error: {{message}}',
  },
};
