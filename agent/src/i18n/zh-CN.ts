import type { Messages } from './en.js';

/** 简体中文 CLI text. */
export const zhCN: Messages = {
  help: `certpilot-agent：为本机 nginx 站点续期 TLS 证书

用法：certpilot-agent <命令> [选项]

命令：
  scan [--json]                       列出 nginx 提供的 TLS 站点、到期时间以及是否需要续期
  renew [--dry-run] [--force] [--site 名称] [--jitter 秒数]
                                      续期所有到期的站点并安全部署
  enable-https 名称 [--port 443]      为仅有 HTTP 的站点申请证书并添加 HTTPS server 块
  status [--json]                     显示每个站点最近一次的结果
  enroll --relay 地址 --token 令牌    在中继服务器上登记本机；之后每次运行都会上报结果
  cloud-renew [--dry-run] [--force] [--site 标识]
                                      续期云配置中的七牛和阿里云站点
                                      （此命令的 --config 默认为 /etc/certpilot/cloud.json）

选项：
  --config 文件    配置文件（默认 /etc/certpilot/agent.json）
  --lang 语言      zh-CN 或 en（默认跟随系统语言）
  --verbose        向 stderr 输出 JSON 格式的调试日志
  --dry-run        只报告哪些站点会被续期，不做任何修改
  --force          即使未到期也续期，失败等待中的任务立即重试
  -h, --help       显示本帮助
  -v, --version    显示版本

退出码：全部站点正常为 0，有站点失败为 1，用法或配置错误为 2。`,
  unknownCommand: '未知命令 "{{command}}"。运行 certpilot-agent --help 查看命令列表。',
  badOption: '选项无效：{{message}}。运行 certpilot-agent --help 查看用法。',
  missingSiteName: 'enable-https 需要站点名称，例如：certpilot-agent enable-https example.com',
  usage: {
    badLang: '不支持的语言 "{{value}}"：请使用 zh-CN 或 en。',
    extraArgument: '多余的参数 "{{value}}"。运行 certpilot-agent --help 查看用法。',
    emptySite: '--site 需要站点名称，例如 --site example.com。',
    badNumber: '{{option}} 的值 {{value}} 无效：请使用 {{min}} 到 {{max}} 之间的整数。',
    unknownOption: '未知选项 {{option}}。运行 certpilot-agent --help 查看用法。',
    missingValue: '选项 {{option}} 需要一个值，例如 {{option}} 443。',
  },
  errorPrefix: '错误：',
  scan: {
    none: '{{conf}} 中没有 nginx 提供的 TLS 站点。',
    site: '站点 {{id}}',
    names: '域名',
    listen: '监听',
    certificate: '证书',
    key: '私钥',
    notAfter: '到期时间',
    daysLeft: '剩余 {{count}} 天',
    due: '需要续期',
    field: '  {{label}}：{{value}}',
    expiry: '{{date}}（剩余 {{count}} 天）',
    dueYes: '是，{{reason}}',
    dueNo: '否，从 {{date}} 起续期',
    skippedEntry: '{{value}}（{{reason}}）',
    yes: '是',
    no: '否',
    skippedName: '未放入证书的域名',
    skippedReason: {
      regex: '正则表达式',
      'catch-all': '兜底名称',
      variable: '包含变量',
      'suffix-wildcard': '后缀通配符',
      'not-public': '非公网域名',
      invalid: '无效域名',
    },
    problem: '问题',
    renewAt: '从 {{date}} 起续期',
    configError: '警告：nginx -t 未通过，已直接读取配置文件。nginx 输出：\n{{output}}',
    plainHttp: '仅 HTTP 的站点（可用 enable-https 开启 HTTPS）：{{names}}',
  },
  reason: {
    'lifetime-remaining': '剩余有效期不足三分之一',
    'lifetime-remaining-short': '剩余有效期不足一半（有效期短于 10 天的证书）',
    'ari-window': '已进入 CA 建议的续期窗口',
    expired: '已过期',
    forced: '使用了 --force',
    'not-due': '尚未到续期时间',
    'certificate-missing': '证书文件缺失或无法读取',
    'unfinished-job': '继续未完成的续期任务',
  },
  problem: {
    'certificate-unreadable': '无法读取证书文件 {{path}}：{{detail}}',
    'no-names': '没有可用于证书的 server_name',
    'wildcard-needs-dns01': '通配符域名 {{detail}} 需要 dns-01 验证，http-01 无法验证',
    'certificate-path-variable': 'ssl_certificate 使用了变量（{{detail}}），无法确定要替换的文件',
    'certificate-inline': 'ssl_certificate 是内联数据，无法替换',
    'shared-certificate-file': '证书文件与另一个使用不同私钥的 server 块共用（{{detail}}）',
    other: '{{detail}}',
    'certificate-missing': 'TLS server 块缺少 ssl_certificate 或 ssl_certificate_key（{{detail}}）',
    'multiple-certificates': 'server 块配置了多张证书（{{detail}}），CertPilot 只替换第一对',
  },
  renew: {
    nothingDue: '没有需要续期的站点：已检查 {{count}} 个站点。',
    dryRun: '演练：将续期 {{id}}（{{reason}}）。',
    skipped: '{{id}}：尚未到期（剩余 {{daysLeft}} 天，从 {{renewAt}} 起续期）。',
    retryLater: '{{id}}：等待在 {{at}} 重试，上次错误：{{error}}',
    done: '{{id}}：续期成功，序列号 {{serial}}，有效期至 {{notAfter}}，已验证 {{names}} 在线生效。',
    failed: '{{id}}：失败：{{error}}',
    willRetry: '{{id}}：失败，将在 {{at}} 重试：{{error}}',
    summary: '汇总：续期 {{done}} 个，失败 {{failed}} 个，未到期 {{skipped}} 个。',
    dryRunSummary: '演练：将续期 {{due}} 个，未到期 {{skipped}} 个，等待重试 {{waiting}} 个。未做任何修改。',
    jitter: '随机延迟 {{seconds}} 秒后开始续期。',
    locked: '另一个 certpilot-agent 正在运行（{{path}}），请等它结束后再试。',
  },
  enableHttps: {
    already: '{{name}} 已由站点 {{id}} 通过 HTTPS 提供。',
    notFound: '没有仅 HTTP 的 server 块提供 {{name}}。运行 scan 查看站点。',
    done: '{{name}} 已在端口 {{port}} 启用 HTTPS，证书序列号 {{serial}}，有效期至 {{notAfter}}。',
  },
  enroll: {
    usage:
      'enroll 需要中继地址和注册令牌：certpilot-agent enroll --relay https://relay.example.com --token cpe_...（令牌也可以放在环境变量 CERTPILOT_ENROLL_TOKEN 中）',
    badToken: '注册令牌格式不对：应以 cpe_ 开头，后面跟 43 个字符。请从中继复制完整的令牌。',
    done: '已注册为 agent {{agentId}}（中继 {{url}}），中继设置已写入 {{path}}。此后每次 scan 和 renew 都会发送报告。',
    writeFailed: '中继已完成注册，但无法写入 {{path}}（{{error}}）。该注册令牌已用掉：请创建新的注册令牌后重新注册。',
  },
  report: {
    queued: '警告：报告未能发送（{{error}}）。它保存在 {{path}} 中，下次运行时发送。',
    revoked: '警告：中继拒绝了本 agent 的令牌（{{error}}）。报告保存在 {{path}} 中；请用新的注册令牌重新注册。',
    dropped: '警告：中继拒绝了一份报告，已丢弃：{{error}}',
    failed: '警告：向中继发送报告失败：{{error}}',
  },
  status: {
    none: '{{dir}} 中还没有运行记录。',
    line: '{{id}}：{{outcome}}，时间 {{at}}{{detail}}',
    serial: '，序列号 {{serial}}',
    validUntil: '，有效期至 {{date}}',
    nextRetry: '，下次重试 {{date}}',
    lastError: '；上次错误：{{error}}',
    outcome: {
      renewed: '已续期',
      'not-due': '未到期',
      failed: '失败',
      'waiting-retry': '等待重试',
      'dry-run': '演练',
      skipped: '已跳过',
    },
  },
};
