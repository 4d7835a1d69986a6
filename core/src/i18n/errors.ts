import type { ErrorCode } from '../errors.js';

/**
 * What each error code means for people, in Simplified Chinese and English. `{{name}}`-style
 * placeholders are filled from the error's `params`; `{{message}}` is the English detail. A key
 * `CODE_variant` is used instead of `CODE` when the error's `params.variant` is set.
 * Hosts load these into i18next under the `errors` namespace.
 */
export const ERROR_MESSAGES: Record<'zh-CN' | 'en', Record<ErrorCode, string> & Record<string, string>> = {
  'zh-CN': {
    CONFIG_INVALID: '配置无效：{{message}}',
    CONFIG_INVALID_fields: '{{path}} 中的配置无效：{{problems}}',
    CONFIG_INVALID_site: '站点 {{site}} 的设置无效：{{problems}}',
    CONFIG_INVALID_json: '{{path}} 不是有效的 JSON：{{detail}}',
    CONFIG_INVALID_file: '{{path}} 中 {{field}} 指向的文件 {{file}} 无法读取。',
    'CONFIG_INVALID_database-scheme':
      '不支持数据库地址的协议 {{scheme}}：请使用 sqlite://<路径> 或 postgres://用户:密码@主机:端口/数据库。',
    'CONFIG_INVALID_database-url':
      '数据库地址 {{url}} 无效：需要主机名和数据库名，例如 postgres://用户:密码@主机:5432/数据库。',
    'CONFIG_INVALID_database-auth':
      'PostgreSQL {{host}}:{{port}} 拒绝了用户 {{user}} 登录数据库 {{database}}：请检查 --database-url 中的用户名和密码。',
    'CONFIG_INVALID_database-missing':
      'PostgreSQL {{host}}:{{port}} 上没有数据库 {{database}}：请先建一个空数据库，属主为 {{user}}（CREATE DATABASE {{database}} OWNER {{user}}）。',
    'CONFIG_INVALID_database-permission':
      '用户 {{user}} 无权在 PostgreSQL {{host}}:{{port}} 的数据库 {{database}} 中建表：请让该用户成为数据库属主（ALTER DATABASE {{database}} OWNER TO {{user}}）。',
    'CONFIG_INVALID_database-no-scheme':
      '数据库地址缺少协议：请使用 sqlite://<路径> 或 postgres://用户:密码@主机:端口/数据库。',
    'CONFIG_INVALID_database-directory':
      'SQLite 数据库的目录 {{directory}} 不存在：请先创建它，或改正 --database-url 中的路径。',
    'CONFIG_INVALID_listen-in-use': '{{host}} 上的端口 {{port}} 已被占用：请停止占用它的程序，或换一个 {{option}}。',
    'CONFIG_INVALID_listen-host':
      '--host {{host}} 不是本机的地址：请使用 127.0.0.1、0.0.0.0（所有地址）或本机网卡上的地址。',
    'CONFIG_INVALID_listen-denied':
      '没有权限监听 {{host}} 上的端口 {{port}}（1024 以下的端口需要 root 或 CAP_NET_BIND_SERVICE）：请换一个 {{option}}，或授予该权限。',
    CONFIG_NOT_FOUND: '找不到配置文件 {{path}}：请用 --config 指定，或先创建它。',
    NAME_INVALID: '域名 "{{name}}" 无效：{{reasonText}}。',
    SITE_NOT_FOUND: '找不到站点 {{site}}：先运行 scan 查看已发现的站点。',
    COMMAND_NOT_FOUND: '找不到命令 {{command}}。',
    COMMAND_FAILED: '命令 {{command}} 执行失败：{{message}}',
    NGINX_NOT_FOUND: '找不到可执行的 nginx（{{path}}）：请在配置中把 nginx.bin 设为 nginx 程序的路径。',
    NGINX_NOT_FOUND_missing: 'nginx.bin 指向的 {{path}} 不存在：请在配置中把 nginx.bin 设为 nginx 程序的路径。',
    'NGINX_NOT_FOUND_not-executable':
      'nginx.bin 指向的 {{path}} 不是可执行文件：请在配置中把 nginx.bin 设为 nginx 程序的路径。',
    'NGINX_NOT_FOUND_not-found': '在 {{path}} 中都找不到 nginx：请在配置中设置 nginx.bin。',
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
    ACME_CA_UNREACHABLE:
      '无法连接 ACME CA（{{directoryUrl}}）。请检查网络、acme.directoryUrl 和 acme.caCertFile。详细信息：{{message}}',
    ACME_CA_UNREACHABLE_relay:
      '中继无法连接 ACME CA（{{directoryUrl}}{{url}}）。请检查中继服务器的网络，以及中继的启动选项 --acme-directory 和 --acme-ca-file（私有或测试 CA 需要用 --acme-ca-file 指定其根证书）。稍后会自动重试。',
    ACME_CHALLENGE_FAILED: '域名验证失败：{{message}}',
    ACME_ORDER_FAILED: 'ACME 订单失败：{{message}}',
    DEPLOY_TEST_FAILED: '部署后 nginx -t 未通过，已回滚到旧证书：\n{{output}}',
    DEPLOY_RELOAD_FAILED: 'nginx 重载失败，已回滚：{{output}}',
    PROBE_FAILED: '无法通过 TLS 连接 {{address}} 验证新证书，已回滚：{{message}}',
    PROBE_OLD_CERTIFICATE: '{{address}} 在重载后仍在提供旧证书（序列号 {{servedSerial}}），已回滚。',
    JOB_STATE_INVALID: '续期任务状态异常：{{message}}',
    JOB_CANCELLED: '未完成的续期任务已关闭：{{message}}',
    PROVIDER_AUTH_FAILED:
      '{{provider}} 拒绝了站点 {{site}} 的 AccessKey（{{call}}：{{providerCode}} {{providerMessage}}）。请检查 AccessKey ID 和 Secret。',
    PROVIDER_PERMISSION_DENIED:
      '{{provider}} 的 AccessKey 没有执行 {{call}} 的权限（站点 {{site}}：{{providerCode}} {{providerMessage}}）。请为该 AccessKey 授权。',
    PROVIDER_THROTTLED: '{{provider}} 限制了请求频率（站点 {{site}}，{{call}}：{{providerCode}}）。稍后会自动重试。',
    PROVIDER_UNAVAILABLE:
      '{{provider}} 暂时不可用（站点 {{site}}，{{call}}：{{providerCode}} {{providerMessage}}）。稍后会自动重试。',
    PROVIDER_REQUEST_FAILED:
      '{{provider}} 拒绝了请求（站点 {{site}}，{{call}}：{{providerCode}} {{providerMessage}}）。',
    PROVIDER_DOMAIN_NOT_FOUND:
      '{{provider}} 中找不到域名 {{domain}}（站点 {{site}}，{{call}}）。请确认该域名已在控制台添加。',
    PROVIDER_DOMAIN_PROCESSING: '{{provider}} 上的域名 {{domain}} 仍在处理中（站点 {{site}}）。稍后会自动重试。',
    PROVIDER_DOMAIN_VERIFICATION_REQUIRED:
      '{{provider}} 要求先验证域名 {{domain}} 的所有权：请添加 TXT 记录 {{txtName}}，值为 {{txtValue}}，生效后会自动重试绑定。',
    EDGE_NOT_YET_LIVE:
      '证书已绑定到 {{domain}}，但边缘节点 {{address}} 尚未提供新证书（序列号 {{expectedSerial}}）。稍后会再次检查。',
    DNS_ZONE_NOT_FOUND: '该 DNS 账户下找不到包含 {{name}} 的域名（站点 {{site}}）。请确认域名已添加到阿里云云解析。',
    DNS_PROPAGATION_TIMEOUT: '在 {{resolvers}} 上等待 {{name}} 的 TXT 记录生效超时。稍后会自动重试。',
    NOTIFY_FAILED: '通知渠道 {{kind}}「{{channel}}」发送失败：{{detail}}',
    NOTIFY_CONFIG_INVALID: '通知渠道 {{kind}}「{{channel}}」的配置无效：{{problems}}',
    PASSWORD_HASH_INVALID: '存储的密码哈希格式无效（{{field}} 字段）：请为该用户重置密码。',
    PASSWORD_TOO_WEAK: '密码强度不够。',
    'PASSWORD_TOO_WEAK_too-short': '密码至少需要 {{minLength}} 个字符。',
    'PASSWORD_TOO_WEAK_too-long': '密码不能超过 {{maxLength}} 个字符。',
    'PASSWORD_TOO_WEAK_one-class': '密码需要包含至少两类字符：小写字母、大写字母、数字、符号或其他文字。',
    'PASSWORD_TOO_WEAK_same-as-account': '密码不能与账号相同。',
    SEAL_KEY_INVALID: '凭据加密密钥必须是 32 字节，实际为 {{length}} 字节。',
    SEAL_KEY_INVALID_env: '环境变量 {{name}} 中的凭据加密密钥无效：需要 32 字节，写成 base64 或 64 位十六进制。',
    SEAL_KEY_INVALID_file:
      '凭据加密密钥文件 {{path}} 无效：文件内容需要正好是 32 字节，或写成 base64 或 64 位十六进制的 32 字节。',
    SEAL_KEY_INVALID_missing: '没有配置凭据加密密钥：请设置环境变量 {{name}}，或指定密钥文件。',
    SEAL_KEY_FILE_INSECURE:
      '凭据加密密钥文件 {{path}} 的权限是 {{mode}}，同组或其他用户可以访问。请运行 chmod 600 {{path}} 后重试。',
    SEAL_KEY_MISMATCH:
      '这条数据是用 ID 为 {{sealedKeyId}} 的密钥加密的，而当前加载的凭据加密密钥 ID 是 {{keyId}}。请换回加密时使用的密钥（检查密钥文件或环境变量）。',
    SEAL_OPEN_FAILED: '无法解密加密保存的数据：数据被改动过，或者属于另一条记录。',
    SEAL_OPEN_FAILED_malformed: '该值不是加密保存的数据（格式应为 v1:<密钥 ID>:<IV>:<密文>）。',
    SEAL_OPEN_FAILED_version: '加密数据的格式版本 {{version}} 无法被当前版本的证书领航读取，请升级证书领航。',
    REQUEST_INVALID: '请求无效：{{problems}}',
    REQUEST_INVALID_json: '请求正文不是有效的 JSON：内容为空或不完整，请发送一个完整的 JSON 对象。',
    'REQUEST_INVALID_json-position':
      '请求正文不是有效的 JSON：第 {{character}} 个字符处有语法错误，请检查引号、逗号和括号。',
    'REQUEST_INVALID_agent-site':
      '{{domain}} 是 {{origin}} 站点，由服务器上的 agent 续期，中继不能直接续期：请在该服务器上运行 certpilot-agent renew。',
    'REQUEST_INVALID_site-config':
      '站点 {{domain}} 保存的设置无效，无法续期：{{problems}}。请用 PATCH /sites/{{id}} 修改 config。',
    'REQUEST_INVALID_content-type': '请求正文必须是 JSON（Content-Type: application/json）。',
    REQUEST_TOO_LARGE: '请求正文超过 {{limit}} 字节。',
    AUTH_REQUIRED: '请先登录。',
    LOGIN_FAILED: '账号或密码错误。',
    LOGIN_RATE_LIMITED: '登录失败次数过多，请在 {{retryAfterSeconds}} 秒后重试。',
    ACCOUNT_EXISTS: '账号 {{account}} 已被注册，请换一个账号名。',
    RESOURCE_NOT_FOUND: '找不到请求的地址 {{path}}。',
    METHOD_NOT_ALLOWED: '{{path}} 不支持 {{method}} 请求，可用的方法：{{allowed}}。',
    RESOURCE_NOT_FOUND_site: '找不到站点 {{id}}。',
    RESOURCE_NOT_FOUND_credential: '找不到凭据 {{id}}。',
    CREDENTIAL_MISMATCH: '凭据 {{credentialId}} 属于 {{provider}}，不能用于 {{origin}} 站点。',
    CREDENTIAL_MISMATCH_missing: '{{origin}} 站点需要 credentialId：请先添加 {{provider}} 的 AccessKey 凭据。',
    CREDENTIAL_MISMATCH_nginx: 'nginx 站点由 agent 续期，不使用云凭据：请去掉 credentialId。',
    RESOURCE_NOT_FOUND_field:
      '{{field}}：找不到凭据 {{id}}（不存在或已删除）。请先添加 AccessKey 凭据（POST /credentials），再填写返回的 id。',
    CREDENTIAL_MISMATCH_challenge:
      '{{field}}：凭据 {{credentialId}} 属于 {{provider}}，而 dns-01 验证通过阿里云 DNS 完成：请填写一个 aliyun 凭据的 id。',
    REQUEST_INVALID_challenge:
      'config.challenge.credentialId 缺失：{{origin}} 站点的证书通过阿里云 DNS 完成 dns-01 验证，请填写一个 aliyun 凭据的 id。',
    REQUEST_INVALID_wildcard:
      'domain：{{origin}} 站点只能绑定具体的主机名，不能用通配符 {{domain}}。请填写具体域名，例如 {{example}}。',
    CREDENTIAL_IN_USE: '凭据仍被 {{count}} 个站点使用，请先修改或删除这些站点。',
    SITE_PAUSED:
      '站点 {{domain}} 已暂停，不会续期：请先把它的状态改为启用（PATCH /sites/{{id}}，status 设为 active），再续期。',
    SITE_EXISTS: '已有站点 {{siteId}} 使用来源 {{origin}} 和域名 {{domain}}，请修改那个站点，不要重复添加。',
    AUTH_REQUIRED_enrollment:
      '注册令牌无效：它不存在、已过期或已被使用过（每个令牌只能用一次）。请在中继上为该 agent 重新创建注册令牌。',
    AUTH_REQUIRED_agent: 'agent 令牌无效或已被吊销：请在中继上重新创建注册令牌，再运行 certpilot-agent enroll。',
    RESOURCE_NOT_FOUND_agent: '找不到 agent {{id}}。',
    RESOURCE_NOT_FOUND_channel: '找不到通知渠道 {{id}}。',
    REPORT_RATE_LIMITED: '报告发送过于频繁，请在 {{retryAfterSeconds}} 秒后重试。',
    RELAY_URL_INVALID:
      '中继地址 "{{url}}" 无效：请使用 http:// 或 https:// 开头的完整地址，例如 https://relay.example.com。',
    RELAY_UNREACHABLE: '无法连接中继 {{url}}：{{detail}}',
    RELAY_REJECTED: '中继 {{url}} 拒绝了请求（HTTP {{status}}）：{{detail}}',
    DATABASE_UNREACHABLE:
      '无法连接 PostgreSQL {{host}}:{{port}}（数据库 {{database}}）：{{detail}}。请检查服务器是否在运行，以及 --database-url 中的主机和端口。',
    INTERNAL: '内部错误：{{message}}',
  },
  en: {
    CONFIG_INVALID: 'Invalid configuration: {{message}}',
    CONFIG_INVALID_fields: '{{path}} has invalid settings: {{problems}}',
    CONFIG_INVALID_site: 'Site {{site}} has invalid settings: {{problems}}',
    CONFIG_INVALID_json: '{{path}} is not valid JSON: {{detail}}',
    CONFIG_INVALID_file: '{{path}}: {{field}} {{file}} cannot be read.',
    'CONFIG_INVALID_database-scheme':
      'Database URL scheme {{scheme}} is not supported: use sqlite://<path> or postgres://user:password@host:port/database.',
    'CONFIG_INVALID_database-url':
      'Invalid database URL {{url}}: it needs a host and a database name, such as postgres://user:password@host:5432/database.',
    'CONFIG_INVALID_database-auth':
      'PostgreSQL {{host}}:{{port}} rejected user {{user}} for database {{database}}: check the user name and password in --database-url.',
    'CONFIG_INVALID_database-missing':
      'PostgreSQL {{host}}:{{port}} has no database {{database}}: create an empty one owned by {{user}} first (CREATE DATABASE {{database}} OWNER {{user}}).',
    'CONFIG_INVALID_database-permission':
      'User {{user}} may not create tables in database {{database}} on PostgreSQL {{host}}:{{port}}: make the user its owner (ALTER DATABASE {{database}} OWNER TO {{user}}).',
    'CONFIG_INVALID_database-no-scheme':
      'The database URL has no scheme: use sqlite://<path> or postgres://user:password@host:port/database.',
    'CONFIG_INVALID_database-directory':
      'The directory {{directory}} of the SQLite database does not exist: create it first or correct the path in --database-url.',
    'CONFIG_INVALID_listen-in-use':
      'Port {{port}} on {{host}} is in use: stop the other program or choose another {{option}}.',
    'CONFIG_INVALID_listen-host':
      '--host {{host}} is not an address of this machine: use 127.0.0.1, 0.0.0.0 (all addresses) or an address of one of its network interfaces.',
    'CONFIG_INVALID_listen-denied':
      'Not allowed to listen on port {{port}} on {{host}} (ports below 1024 need root or CAP_NET_BIND_SERVICE): choose another {{option}} or grant that capability.',
    CONFIG_NOT_FOUND: 'Config file {{path}} not found: pass --config or create it first.',
    NAME_INVALID: 'Domain name "{{name}}" is invalid: it {{reasonText}}.',
    SITE_NOT_FOUND: 'No site named {{site}}: run scan to see the sites found.',
    COMMAND_NOT_FOUND: 'Command {{command}} not found.',
    COMMAND_FAILED: 'Command {{command}} failed: {{message}}',
    NGINX_NOT_FOUND: 'No executable nginx at {{path}}: set nginx.bin in the config to the nginx binary.',
    NGINX_NOT_FOUND_missing: 'nginx.bin {{path}} does not exist: set nginx.bin in the config to the nginx binary.',
    'NGINX_NOT_FOUND_not-executable':
      'nginx.bin {{path}} is not an executable file: set nginx.bin in the config to the nginx binary.',
    'NGINX_NOT_FOUND_not-found': 'nginx was not found in {{path}}: set nginx.bin in the config.',
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
    ACME_CA_UNREACHABLE: '{{message}} Check the network, acme.directoryUrl and acme.caCertFile.',
    ACME_CA_UNREACHABLE_relay:
      'The relay cannot reach the ACME CA ({{directoryUrl}}{{url}}). Check the network of the relay server and the relay options --acme-directory and --acme-ca-file (a private or test CA needs its root certificate in --acme-ca-file). CertPilot retries later.',
    ACME_CHALLENGE_FAILED: 'Domain validation failed: {{message}}',
    ACME_ORDER_FAILED: 'ACME order failed: {{message}}',
    DEPLOY_TEST_FAILED: 'nginx -t failed after the deploy; the old certificate was restored:\n{{output}}',
    DEPLOY_RELOAD_FAILED: 'nginx reload failed; rolled back: {{output}}',
    PROBE_FAILED: 'Could not verify the new certificate over TLS at {{address}}; rolled back: {{message}}',
    PROBE_OLD_CERTIFICATE:
      '{{address}} still serves the old certificate (serial {{servedSerial}}) after the reload; rolled back.',
    JOB_STATE_INVALID: 'Renewal job state is inconsistent: {{message}}',
    JOB_CANCELLED: 'The unfinished renewal job was closed: {{message}}',
    PROVIDER_AUTH_FAILED:
      '{{provider}} rejected the AccessKey of site {{site}} ({{call}}: {{providerCode}} {{providerMessage}}). Check the AccessKey ID and secret.',
    PROVIDER_PERMISSION_DENIED:
      'The {{provider}} AccessKey may not call {{call}} (site {{site}}: {{providerCode}} {{providerMessage}}). Grant it the permission.',
    PROVIDER_THROTTLED:
      '{{provider}} throttled the requests (site {{site}}, {{call}}: {{providerCode}}). CertPilot retries later.',
    PROVIDER_UNAVAILABLE:
      '{{provider}} is unavailable (site {{site}}, {{call}}: {{providerCode}} {{providerMessage}}). CertPilot retries later.',
    PROVIDER_REQUEST_FAILED:
      '{{provider}} rejected the request (site {{site}}, {{call}}: {{providerCode}} {{providerMessage}}).',
    PROVIDER_DOMAIN_NOT_FOUND:
      '{{provider}} has no domain {{domain}} (site {{site}}, {{call}}). Add the domain in the console first.',
    PROVIDER_DOMAIN_PROCESSING:
      'The domain {{domain}} is still processing at {{provider}} (site {{site}}). CertPilot retries later.',
    PROVIDER_DOMAIN_VERIFICATION_REQUIRED:
      '{{provider}} wants proof of ownership of {{domain}} first: {{providerMessage}}',
    EDGE_NOT_YET_LIVE:
      'The certificate is bound to {{domain}}, but the edge {{address}} does not serve it yet (serial {{expectedSerial}}). CertPilot checks again later.',
    DNS_ZONE_NOT_FOUND:
      'No DNS zone of this account contains {{name}} (site {{site}}). Add the domain to Aliyun DNS first.',
    DNS_PROPAGATION_TIMEOUT:
      'Timed out waiting for the TXT record of {{name}} on {{resolvers}}. CertPilot retries later.',
    NOTIFY_FAILED: 'Notification channel {{kind}} "{{channel}}" failed to send: {{detail}}',
    NOTIFY_CONFIG_INVALID: 'Notification channel {{kind}} "{{channel}}" has invalid settings: {{problems}}',
    PASSWORD_HASH_INVALID: "The stored password hash is malformed (field {{field}}): reset this user's password.",
    PASSWORD_TOO_WEAK: 'The password is too weak.',
    'PASSWORD_TOO_WEAK_too-short': 'The password needs at least {{minLength}} characters.',
    'PASSWORD_TOO_WEAK_too-long': 'The password can have at most {{maxLength}} characters.',
    'PASSWORD_TOO_WEAK_one-class':
      'The password needs at least two kinds of characters: lowercase letters, uppercase letters, digits, symbols or other scripts.',
    'PASSWORD_TOO_WEAK_same-as-account': 'The password must differ from the account name.',
    SEAL_KEY_INVALID: 'The sealing key must be 32 bytes, not {{length}}.',
    SEAL_KEY_INVALID_env:
      'The sealing key in environment variable {{name}} is invalid: it must be 32 bytes written as base64 or as 64 hex digits.',
    SEAL_KEY_INVALID_file:
      'The sealing key file {{path}} is invalid: it must contain exactly 32 bytes, or 32 bytes written as base64 or as 64 hex digits.',
    SEAL_KEY_INVALID_missing: 'No sealing key is configured: set the environment variable {{name}} or a key file.',
    SEAL_KEY_FILE_INSECURE:
      'The sealing key file {{path}} has mode {{mode}}, so group or other users can access it. Run chmod 600 {{path}} and try again.',
    SEAL_KEY_MISMATCH:
      'This value was sealed with key {{sealedKeyId}}, but the loaded sealing key is {{keyId}}. Load the key it was sealed with (check the key file or environment variable).',
    SEAL_OPEN_FAILED: 'The sealed value cannot be decrypted: it was altered, or it belongs to another record.',
    SEAL_OPEN_FAILED_malformed: 'The value is not a sealed value (expected v1:<key id>:<iv>:<ciphertext>).',
    SEAL_OPEN_FAILED_version:
      'The sealed value uses format {{version}}, which this version of CertPilot cannot read. Upgrade CertPilot.',
    REQUEST_INVALID: 'Invalid request: {{problems}}',
    REQUEST_INVALID_json: 'The request body is not valid JSON: it is empty or cut short. Send a complete JSON object.',
    'REQUEST_INVALID_json-position':
      'The request body is not valid JSON: syntax error at character {{character}}. Check the quotes, commas and brackets.',
    'REQUEST_INVALID_agent-site':
      '{{domain}}: {{origin}} sites are renewed by their agent on the server, not by the relay. Run certpilot-agent renew on that server.',
    'REQUEST_INVALID_site-config':
      'The stored settings of site {{domain}} are invalid, so it cannot be renewed: {{problems}}. Change its config with PATCH /sites/{{id}}.',
    'REQUEST_INVALID_content-type': 'The request body must be JSON (Content-Type: application/json).',
    REQUEST_TOO_LARGE: 'The request body is larger than {{limit}} bytes.',
    AUTH_REQUIRED: 'Log in first.',
    LOGIN_FAILED: 'Wrong account or password.',
    LOGIN_RATE_LIMITED: 'Too many failed logins: try again in {{retryAfterSeconds}} seconds.',
    ACCOUNT_EXISTS: 'The account {{account}} is already registered: choose another account name.',
    RESOURCE_NOT_FOUND: 'Nothing is served at {{path}}.',
    METHOD_NOT_ALLOWED: '{{path}} does not take {{method}} requests; use one of: {{allowed}}.',
    RESOURCE_NOT_FOUND_site: 'No site {{id}}.',
    RESOURCE_NOT_FOUND_credential: 'No credential {{id}}.',
    CREDENTIAL_MISMATCH: 'Credential {{credentialId}} belongs to {{provider}} and cannot serve a {{origin}} site.',
    CREDENTIAL_MISMATCH_missing: 'A {{origin}} site needs credentialId: add a {{provider}} AccessKey credential first.',
    CREDENTIAL_MISMATCH_nginx: 'nginx sites are renewed by the agent and use no cloud credential: remove credentialId.',
    RESOURCE_NOT_FOUND_field:
      '{{field}}: no credential {{id}} (it does not exist or was deleted). Add an AccessKey credential (POST /credentials) first, then use the id it returns.',
    CREDENTIAL_MISMATCH_challenge:
      '{{field}}: credential {{credentialId}} belongs to {{provider}}, but dns-01 is answered through Aliyun DNS: use the id of an aliyun credential.',
    REQUEST_INVALID_challenge:
      'config.challenge.credentialId is missing: certificates of {{origin}} sites are validated by dns-01 through Aliyun DNS, so give the id of an aliyun credential.',
    REQUEST_INVALID_wildcard:
      'domain: {{origin}} sites bind exact host names only, not the wildcard {{domain}}. Use a specific name such as {{example}}.',
    CREDENTIAL_IN_USE: 'The credential is still used by {{count}} sites: change or delete those sites first.',
    SITE_PAUSED:
      'Site {{domain}} is paused, so it is not renewed: set its status to active first (PATCH /sites/{{id}} with status active), then renew it.',
    SITE_EXISTS:
      'Site {{siteId}} already has origin {{origin}} and domain {{domain}}: change that site instead of adding it again.',
    AUTH_REQUIRED_enrollment:
      'The enrollment token is unknown, expired or already used (each token works once): create a new enrollment token for this agent on the relay.',
    AUTH_REQUIRED_agent:
      'The agent token is unknown or revoked: create a new enrollment token on the relay and run certpilot-agent enroll again.',
    RESOURCE_NOT_FOUND_agent: 'No agent {{id}}.',
    RESOURCE_NOT_FOUND_channel: 'No notification channel {{id}}.',
    REPORT_RATE_LIMITED: 'Too many reports: try again in {{retryAfterSeconds}} seconds.',
    RELAY_URL_INVALID:
      'The relay address "{{url}}" is invalid: give the full address starting with http:// or https://, for example https://relay.example.com.',
    RELAY_UNREACHABLE: 'Cannot reach the relay at {{url}}: {{detail}}',
    RELAY_REJECTED: 'The relay at {{url}} refused the request (HTTP {{status}}): {{detail}}',
    DATABASE_UNREACHABLE:
      'Cannot connect to PostgreSQL {{host}}:{{port}} (database {{database}}): {{detail}}. Check that the server is running, and check the host and port in --database-url.',
    INTERNAL: 'Internal error: {{message}}',
  },
};

/** Why a domain name is invalid, for the `NAME_INVALID` message's `{{reasonText}}`. */
export const NAME_REASON_MESSAGES: Record<'zh-CN' | 'en', Record<string, string>> = {
  'zh-CN': {
    characters: '包含域名中不能出现的字符',
    idn: '不是有效的国际化域名',
    'too-long': '超过 253 个字符',
    'one-label': '至少需要两级，例如 example.com',
    label: '其中的 "{{label}}" 不是有效的一级（1 到 63 个字母、数字或连字符，首尾不能是连字符）',
    'ip-address': '看起来是 IP 地址，这里的证书只用于域名',
    'wildcard-http01': '是通配符域名，需要 dns-01 验证，enable-https 使用的 http-01 无法验证',
  },
  en: {
    characters: 'contains characters a domain name cannot have',
    idn: 'is not a valid internationalized domain name',
    'too-long': 'is longer than 253 characters',
    'one-label': 'needs at least two labels, such as example.com',
    label: 'has an invalid label "{{label}}" (1 to 63 letters, digits or hyphens, no hyphen at either end)',
    'ip-address': 'looks like an IP address; certificates here are for domain names',
    'wildcard-http01': 'is a wildcard, which needs dns-01; enable-https proves names with http-01',
  },
};
