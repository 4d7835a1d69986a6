/** English CLI text. Keys mirror zh-CN.ts; placeholders are i18next `{{name}}` values. */
export const en = {
  help: `certpilot-agent: renews the TLS certificates of the nginx sites on this server

Usage: certpilot-agent <command> [options]

Commands:
  scan [--json]                       list the TLS sites nginx serves, with expiry and whether they are due
  renew [--dry-run] [--force] [--site NAME] [--jitter SECONDS]
                                      renew every due site and deploy it safely
  enable-https NAME [--port 443]      obtain a certificate for a plain-HTTP site and add its HTTPS server block
  status [--json]                     show the last result per site
  enroll --relay URL --token TOKEN    register this server with a relay; reports are sent after each run
  cloud-renew [--dry-run] [--force] [--site ID]
                                      renew the Qiniu and Aliyun sites of the cloud config
                                      (--config defaults to /etc/certpilot/cloud.json here)

Options:
  --config FILE    config file (default /etc/certpilot/agent.json)
  --lang LANG      zh-CN or en (default: from the system locale)
  --verbose        write JSON debug logs to stderr
  --dry-run        only report which sites would be renewed; change nothing
  --force          renew even when not due, and retry at once instead of waiting
  -h, --help       show this help
  -v, --version    show the version

Exit status: 0 when every site is fine, 1 when a site failed, 2 for a usage or config error.`,
  unknownCommand: 'Unknown command "{{command}}". Run certpilot-agent --help for the list of commands.',
  badOption: 'Invalid option: {{message}}. Run certpilot-agent --help.',
  missingSiteName: 'enable-https needs the name of a site, for example: certpilot-agent enable-https example.com',
  usage: {
    badLang: 'Unsupported language "{{value}}": use zh-CN or en.',
    extraArgument: 'Unexpected argument "{{value}}". Run certpilot-agent --help.',
    emptySite: '--site needs a site name, for example --site example.com.',
    badNumber: '{{option}} {{value}} is invalid: use a whole number from {{min}} to {{max}}.',
    unknownOption: 'Unknown option {{option}}. Run certpilot-agent --help.',
    missingValue: 'Option {{option}} needs a value, for example {{option}} 443.',
  },
  errorPrefix: 'Error: ',
  scan: {
    none: 'nginx serves no TLS site in {{conf}}.',
    site: 'Site {{id}}',
    names: 'Names',
    listen: 'Listen',
    certificate: 'Certificate',
    key: 'Private key',
    notAfter: 'Expires',
    daysLeft: '{{count}} days left',
    due: 'Renewal due',
    field: '  {{label}}: {{value}}',
    expiry: '{{date}} ({{count}} days left)',
    dueYes: 'yes, {{reason}}',
    dueNo: 'no, renew from {{date}}',
    skippedEntry: '{{value}} ({{reason}})',
    yes: 'yes',
    no: 'no',
    skippedName: 'Names left out of the certificate',
    skippedReason: {
      regex: 'regular expression',
      'catch-all': 'catch-all name',
      variable: 'contains a variable',
      'suffix-wildcard': 'suffix wildcard',
      'not-public': 'not a public name',
      invalid: 'invalid name',
    },
    problem: 'Problem',
    renewAt: 'renew from {{date}}',
    configError: 'Warning: nginx -t fails, so the files were read directly. nginx says:\n{{output}}',
    plainHttp: 'Plain-HTTP sites (can be turned into HTTPS with enable-https): {{names}}',
  },
  reason: {
    'lifetime-remaining': 'less than a third of its lifetime is left',
    'lifetime-remaining-short': 'less than half of its lifetime is left (certificates shorter than 10 days)',
    'ari-window': 'inside the renewal window the CA suggested',
    expired: 'expired',
    forced: 'forced with --force',
    'not-due': 'not due yet',
    'certificate-missing': 'certificate file missing or unreadable',
    'unfinished-job': 'an unfinished renewal job resumes',
  },
  problem: {
    'certificate-unreadable': 'certificate file {{path}} cannot be read: {{detail}}',
    'no-names': 'no usable server_name for a certificate',
    'wildcard-needs-dns01': 'wildcard name {{detail}} needs a dns-01 solver; http-01 cannot validate it',
    'certificate-path-variable':
      'ssl_certificate uses a variable ({{detail}}); CertPilot cannot know which file to replace',
    'certificate-inline': 'ssl_certificate is inline data; CertPilot cannot replace it',
    'shared-certificate-file':
      'the certificate file is shared with another server block that uses a different key ({{detail}})',
    other: '{{detail}}',
    'certificate-missing': 'a TLS server block lacks ssl_certificate or ssl_certificate_key ({{detail}})',
    'multiple-certificates':
      'the server block has several certificates ({{detail}}); CertPilot replaces only the first pair',
  },
  renew: {
    nothingDue: 'Nothing to renew: {{count}} site(s) checked.',
    dryRun: 'Dry run: would renew {{id}} ({{reason}}).',
    skipped: '{{id}}: not due ({{daysLeft}} days left, renew from {{renewAt}}).',
    retryLater: '{{id}}: waiting to retry at {{at}} after: {{error}}',
    done: '{{id}}: renewed, serial {{serial}}, valid until {{notAfter}}, verified live for {{names}}.',
    failed: '{{id}}: failed: {{error}}',
    willRetry: '{{id}}: failed, will retry at {{at}}: {{error}}',
    summary: 'Summary: {{done}} renewed, {{failed}} failed, {{skipped}} not due.',
    dryRunSummary:
      'Dry run: {{due}} would be renewed, {{skipped}} not due, {{waiting}} waiting to retry. Nothing was changed.',
    jitter: 'Waiting {{seconds}} s (random start offset) before renewing.',
    locked: 'Another certpilot-agent run holds {{path}}; try again when it finishes.',
  },
  enableHttps: {
    already: '{{name}} is already served over HTTPS by the site {{id}}.',
    notFound: 'No plain-HTTP server block serves {{name}}. Run scan to see the sites.',
    done: '{{name}} now serves HTTPS on port {{port}} with certificate {{serial}} (valid until {{notAfter}}).',
  },
  enroll: {
    usage:
      'enroll needs the relay address and an enrollment token: certpilot-agent enroll --relay https://relay.example.com --token cpe_... (or the token in the environment variable CERTPILOT_ENROLL_TOKEN)',
    badToken:
      'The enrollment token has the wrong form: it starts with cpe_ followed by 43 characters. Copy the whole token from the relay.',
    done: 'Enrolled as agent {{agentId}} at {{url}}; the relay settings are in {{path}}. Every scan and renew now sends a report.',
    writeFailed:
      'The relay enrolled this agent, but {{path}} could not be written ({{error}}). The enrollment token is used up: create a new one and enroll again.',
  },
  report: {
    queued: 'Warning: the report was not sent ({{error}}). It waits in {{path}} and goes out with the next run.',
    revoked:
      'Warning: the relay rejected this agent token ({{error}}). Reports wait in {{path}}; enroll again with a new enrollment token.',
    dropped: 'Warning: the relay rejected a report and it was dropped: {{error}}',
    failed: 'Warning: reporting to the relay failed: {{error}}',
  },
  status: {
    none: 'No run recorded yet in {{dir}}.',
    line: '{{id}}: {{outcome}} at {{at}}{{detail}}',
    serial: ', serial {{serial}}',
    validUntil: ', valid until {{date}}',
    nextRetry: ', next retry at {{date}}',
    lastError: '; last error: {{error}}',
    outcome: {
      renewed: 'renewed',
      'not-due': 'not due',
      failed: 'failed',
      'waiting-retry': 'waiting to retry',
      'dry-run': 'dry run',
      skipped: 'skipped',
    },
  },
};

export type Messages = typeof en;
