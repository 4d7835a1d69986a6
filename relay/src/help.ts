import type { Locale } from './locale.js';

/** CLI texts for people, in both languages. `{name}` placeholders are filled by `text`. */
const TEXTS = {
  help: {
    'zh-CN': `用法：certpilot-relay start [选项]

启动证书领航中继服务：用户注册登录、站点和云凭据管理的 HTTP API。

选项（括号中是对应的环境变量）：
  --port <端口>              监听端口，默认 8787（CERTPILOT_RELAY_PORT）
  --host <地址>              监听地址，默认 127.0.0.1（CERTPILOT_RELAY_HOST）
  --data-dir <目录>          数据目录，默认 ./data（CERTPILOT_RELAY_DATA_DIR）
  --database-url <URL>       数据库，默认 sqlite://<数据目录>/relay.db（CERTPILOT_RELAY_DATABASE_URL）
                             数据目录不存在时自动创建；其他 SQLite 文件所在的目录必须已存在
                             也可以是 PostgreSQL：postgres://用户:密码@主机:5432/数据库（需事先建好、属主为该用户的空数据库）
  --public-url <URL>         用户访问中继的地址；https 时 Cookie 带 Secure（CERTPILOT_RELAY_PUBLIC_URL）
                             --host 不是本机回环地址、又没有 HTTPS 时，启动日志会警告密码和令牌以明文传输
  --sealing-key-file <文件>  凭据加密密钥文件，默认 <数据目录>/sealing.key，不存在时自动创建（CERTPILOT_RELAY_SEALING_KEY_FILE）
                             也可以用环境变量 CERTPILOT_SEALING_KEY 直接提供密钥
  --log-level <级别>         日志级别：debug、info、warn、error，默认 info（CERTPILOT_RELAY_LOG_LEVEL）
  --acme-directory <地址>    为云站点签发证书的 ACME 目录，默认 Let's Encrypt 正式环境（CERTPILOT_RELAY_ACME_DIRECTORY）
  --acme-ca-file <文件>      访问 ACME 目录时额外信任的 CA，用于私有或测试 CA（CERTPILOT_RELAY_ACME_CA_FILE）
  --acme-email <邮箱>        ACME 账户的联系邮箱（CERTPILOT_RELAY_ACME_EMAIL）
  --watch-time <时:分>       每日到期巡检的时间，24 小时制，默认 09:00（CERTPILOT_RELAY_WATCH_TIME）
  --watch-time-zone <时区>   --watch-time 所在的 IANA 时区，默认 Asia/Shanghai（CERTPILOT_RELAY_WATCH_TIME_ZONE）
  --tls-name <域名>          自己提供 HTTPS：从 ACME CA 为这个公网域名申请证书，在 --port 上提供 HTTPS，
                             到期前自动续期并热替换（CERTPILOT_RELAY_TLS_NAME）
  --http-port <端口>         使用 --tls-name 时的纯 HTTP 端口，用于 http-01 验证并把其他请求重定向到 HTTPS，
                             默认 80（CERTPILOT_RELAY_HTTP_PORT）
  --trust-proxy              在 nginx 等反向代理之后运行：客户端地址取 X-Forwarded-For 的最后一项，
                             协议和主机取 X-Forwarded-Proto/Host（CERTPILOT_RELAY_TRUST_PROXY=true）
  --lang <语言>              输出语言：zh-CN 或 en（CERTPILOT_LANG）
  -h, --help                 显示本帮助
  -v, --version              显示版本

启动完成后在标准输出打印一行访问地址；日志是 JSON 格式，每行一条，写到标准错误。
选项写明但值为空（如 --port ""）时报错；环境变量为空时视为未设置。
退出码：0 正常停止，2 选项有误（包括端口被占用、地址不属于本机、数据库地址无效），1 其他启动失败。`,
    en: `Usage: certpilot-relay start [options]

Starts the CertPilot relay: the HTTP API for user accounts, sites and cloud credentials.

Options (environment variable in parentheses):
  --port <port>              port to listen on, default 8787 (CERTPILOT_RELAY_PORT)
  --host <address>           address to listen on, default 127.0.0.1 (CERTPILOT_RELAY_HOST)
  --data-dir <dir>           data directory, default ./data (CERTPILOT_RELAY_DATA_DIR)
  --database-url <url>       database, default sqlite://<data dir>/relay.db (CERTPILOT_RELAY_DATABASE_URL)
                             the data directory is created when missing; another SQLite file's directory must exist
                             or PostgreSQL: postgres://user:password@host:5432/database (an empty database owned by that user)
  --public-url <url>         the address users reach the relay at; https makes cookies Secure (CERTPILOT_RELAY_PUBLIC_URL)
                             start logs a warning when --host is not loopback and neither this nor --tls-name gives HTTPS
  --sealing-key-file <file>  credential sealing key file, default <data dir>/sealing.key, created when missing (CERTPILOT_RELAY_SEALING_KEY_FILE)
                             the environment variable CERTPILOT_SEALING_KEY can hold the key itself instead
  --log-level <level>        log level: debug, info, warn, error; default info (CERTPILOT_RELAY_LOG_LEVEL)
  --acme-directory <url>     ACME directory for cloud sites, default Let's Encrypt production (CERTPILOT_RELAY_ACME_DIRECTORY)
  --acme-ca-file <file>      extra CA to trust for the ACME directory, for private or test CAs (CERTPILOT_RELAY_ACME_CA_FILE)
  --acme-email <address>     contact email of the ACME account (CERTPILOT_RELAY_ACME_EMAIL)
  --watch-time <HH:MM>       time of day of the daily expiry watch, 24-hour clock, default 09:00 (CERTPILOT_RELAY_WATCH_TIME)
  --watch-time-zone <zone>   IANA time zone of --watch-time, default Asia/Shanghai (CERTPILOT_RELAY_WATCH_TIME_ZONE)
  --tls-name <name>          serve HTTPS itself: obtain a certificate for this public host name from the ACME CA,
                             serve HTTPS on --port, renew and swap it before it expires (CERTPILOT_RELAY_TLS_NAME)
  --http-port <port>         with --tls-name, the plain-HTTP port for http-01 validation and redirects to HTTPS,
                             default 80 (CERTPILOT_RELAY_HTTP_PORT)
  --trust-proxy              running behind a reverse proxy such as nginx: take the client address from the last
                             X-Forwarded-For entry, protocol and host from X-Forwarded-Proto/Host (CERTPILOT_RELAY_TRUST_PROXY=true)
  --lang <language>          output language: zh-CN or en (CERTPILOT_LANG)
  -h, --help                 show this help
  -v, --version              show the version

Once started, it prints one line with its address on standard output; logs are JSON, one
object per line, on standard error. An option given with an empty value (such as --port "")
is an error; an empty environment variable counts as unset.
Exit status: 0 after a normal stop, 2 for a wrong option (including a port in use, an address
that is not this machine's, an invalid database URL), 1 when it cannot start for another reason.`,
  },
  badOption: {
    'zh-CN': '命令行参数有误：{detail}\n运行 certpilot-relay --help 查看用法。',
    en: 'Bad command line: {detail}\nRun certpilot-relay --help for usage.',
  },
  unknownOption: {
    'zh-CN': '未知选项 {option}。运行 certpilot-relay --help 查看所有选项。',
    en: 'Unknown option {option}. Run certpilot-relay --help to see all options.',
  },
  missingValue: {
    'zh-CN': '选项 {option} 缺少值，例如 {option} <值>。运行 certpilot-relay --help 查看用法。',
    en: 'Option {option} needs a value, as in {option} <value>. Run certpilot-relay --help for usage.',
  },
  unexpectedValue: {
    'zh-CN': '选项 {option} 不接受值。运行 certpilot-relay --help 查看用法。',
    en: 'Option {option} takes no value. Run certpilot-relay --help for usage.',
  },
  emptyValue: {
    'zh-CN': '{option} 的值为空：请给出一个值，或去掉这个选项以使用默认值。',
    en: '{option} is empty: give it a value, or leave the option out to use the default.',
  },
  expectedLang: { 'zh-CN': '需要 zh-CN 或 en', en: 'expected zh-CN or en' },
  ready: {
    'zh-CN': '证书领航中继已启动：{url}（控制台和 API）',
    en: 'CertPilot relay started: {url} (console and API)',
  },
  readyPublic: {
    'zh-CN': '证书领航中继已启动：{url}（控制台和 API），用户访问地址 {publicUrl}',
    en: 'CertPilot relay started: {url} (console and API), reached by users at {publicUrl}',
  },
  badCommand: {
    'zh-CN': '未知命令 "{value}"：目前只有 start。',
    en: 'Unknown command "{value}": the only command is start.',
  },
  extraArgument: {
    'zh-CN': '多余的参数 "{value}"：start 不接受参数。运行 certpilot-relay --help 查看用法。',
    en: 'Unexpected argument "{value}": start takes no arguments. Run certpilot-relay --help for usage.',
  },
  badValue: {
    'zh-CN': '{option} 的值 "{value}" 无效：{expected}',
    en: 'Invalid value "{value}" for {option}: {expected}',
  },
  expectedPort: { 'zh-CN': '需要 0 到 65535 之间的整数', en: 'expected an integer from 0 to 65535' },
  expectedUrl: { 'zh-CN': '需要 http:// 或 https:// 开头的地址', en: 'expected an http:// or https:// URL' },
  expectedLevel: { 'zh-CN': '需要 debug、info、warn 或 error', en: 'expected debug, info, warn or error' },
  startFailed: { 'zh-CN': '中继服务无法启动：{detail}', en: 'The relay could not start: {detail}' },
} as const;

export type TextKey = keyof typeof TEXTS;

/** The text `key` in `locale`, with `{name}` placeholders filled from `values`. */
export function text(locale: Locale, key: TextKey, values: Record<string, string> = {}): string {
  return TEXTS[key][locale].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}
