/**
 * Reading the `start` options from the command line, then the environment, then defaults.
 */
import { join, resolve } from 'node:path';
import type { Locale } from './locale.js';
import { text } from './help.js';
import type { RelayTlsOptions } from './https/relay-tls.js';
import { isTimeZone, WATCH_TIME } from './watch/watch-time.js';

/** The options of `certpilot-relay start`, each with its environment variable. */
export const START_OPTIONS = {
  port: 'CERTPILOT_RELAY_PORT',
  host: 'CERTPILOT_RELAY_HOST',
  'data-dir': 'CERTPILOT_RELAY_DATA_DIR',
  'database-url': 'CERTPILOT_RELAY_DATABASE_URL',
  'public-url': 'CERTPILOT_RELAY_PUBLIC_URL',
  'sealing-key-file': 'CERTPILOT_RELAY_SEALING_KEY_FILE',
  'log-level': 'CERTPILOT_RELAY_LOG_LEVEL',
  'acme-directory': 'CERTPILOT_RELAY_ACME_DIRECTORY',
  'acme-ca-file': 'CERTPILOT_RELAY_ACME_CA_FILE',
  'acme-email': 'CERTPILOT_RELAY_ACME_EMAIL',
  'watch-time': 'CERTPILOT_RELAY_WATCH_TIME',
  'watch-time-zone': 'CERTPILOT_RELAY_WATCH_TIME_ZONE',
  'tls-name': 'CERTPILOT_RELAY_TLS_NAME',
  'http-port': 'CERTPILOT_RELAY_HTTP_PORT',
  'trust-proxy': 'CERTPILOT_RELAY_TRUST_PROXY',
} as const;

/** Options that take no value on the command line. Their environment variables take true or false. */
export const BOOLEAN_START_OPTIONS: ReadonlySet<StartOptionName> = new Set(['trust-proxy']);

export type StartOptionName = keyof typeof START_OPTIONS;

export interface StartSettings {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  publicUrl: string | undefined;
  sealingKeyFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** CA that cloud sites are renewed with. The directory defaults to Let's Encrypt at start. */
  acme: { directoryUrl: string | undefined; caFile: string | undefined; email: string | undefined };
  /** HTTPS settings, with a certificate for this name from the ACME CA. Plain HTTP when undefined. */
  tls: RelayTlsOptions | undefined;
  /** Whether the client address comes from X-Forwarded-For, and the protocol and host from X-Forwarded-*. */
  trustProxy: boolean;
  /** Time of the daily expiry watch. The scheduler's defaults fill what is not given. */
  scheduler: { watch: { time?: string; timeZone?: string } };
}

// help.ts contains the CLI texts, but this one expectation is kept here with the option it checks.
const EXPECTED_EMAIL = {
  'zh-CN': '需要电子邮件地址，例如 ops@example.com',
  en: 'expected an email address such as ops@example.com',
};

/** A bad option value, with its message already in the user's language. */
export class OptionError extends Error {}

/**
 * Resolves the settings from parsed flags, then `env`, then defaults.
 *
 * @throws OptionError naming the option and what it expects.
 */
export function resolveSettings(
  flags: Partial<Record<StartOptionName, string>>,
  env: NodeJS.ProcessEnv,
  locale: Locale,
): StartSettings {
  const value = (name: StartOptionName): string | undefined => {
    // An empty flag is a mistake, such as an unset shell variable in `--port "$PORT"`. An empty
    // environment variable counts as unset, as it does for most programs.
    if (flags[name]?.trim() === '') throw new OptionError(text(locale, 'emptyValue', { option: `--${name}` }));
    const given = flags[name] ?? env[START_OPTIONS[name]];
    return given === undefined || given.trim() === '' ? undefined : given.trim();
  };
  const bad = (name: StartOptionName, given: string, expected: 'expectedPort' | 'expectedUrl' | 'expectedLevel') =>
    new OptionError(text(locale, 'badValue', { option: `--${name}`, value: given, expected: text(locale, expected) }));

  const portText = value('port') ?? '8787';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw bad('port', portText, 'expectedPort');
  const publicUrl = value('public-url');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl))
    throw bad('public-url', publicUrl, 'expectedUrl');
  const logLevel = value('log-level') ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw bad('log-level', logLevel, 'expectedLevel');

  const acmeDirectory = value('acme-directory');
  if (acmeDirectory !== undefined && !/^https?:\/\/[^\s/]+/.test(acmeDirectory))
    throw bad('acme-directory', acmeDirectory, 'expectedUrl');
  const acmeEmail = value('acme-email');
  if (acmeEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(acmeEmail)) {
    throw new OptionError(
      text(locale, 'badValue', { option: '--acme-email', value: acmeEmail, expected: EXPECTED_EMAIL[locale] }),
    );
  }
  const acmeCaFile = value('acme-ca-file');

  const dataDir = resolve(value('data-dir') ?? './data');
  const tls = resolveTls(value, locale, { port, publicUrl, dataDir });
  return {
    port,
    host: value('host') ?? '127.0.0.1',
    dataDir,
    databaseUrl: value('database-url') ?? `sqlite://${join(dataDir, 'relay.db')}`,
    publicUrl: publicUrl ?? (tls === undefined ? undefined : `https://${tls.name}${port === 443 ? '' : `:${port}`}`),
    sealingKeyFile: resolve(value('sealing-key-file') ?? join(dataDir, 'sealing.key')),
    logLevel: logLevel as StartSettings['logLevel'],
    acme: {
      directoryUrl: acmeDirectory,
      caFile: acmeCaFile === undefined ? undefined : resolve(acmeCaFile),
      email: acmeEmail,
    },
    tls,
    trustProxy: resolveBoolean('trust-proxy', value('trust-proxy'), locale),
    scheduler: { watch: resolveWatch(value('watch-time'), value('watch-time-zone'), locale) },
  };
}

const EXPECTED_WATCH = {
  time: { 'zh-CN': '需要 24 小时制的时:分，例如 09:00', en: 'expected a time of day as HH:MM, such as 09:00' },
  timeZone: {
    'zh-CN': '需要 IANA 时区名，例如 Asia/Shanghai',
    en: 'expected an IANA time zone name such as Asia/Shanghai',
  },
};

function resolveWatch(time: string | undefined, timeZone: string | undefined, locale: Locale) {
  const bad = (option: StartOptionName, given: string, expected: string) =>
    new OptionError(text(locale, 'badValue', { option: `--${option}`, value: given, expected }));
  if (time !== undefined && !WATCH_TIME.test(time)) throw bad('watch-time', time, EXPECTED_WATCH.time[locale]);
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    throw bad('watch-time-zone', timeZone, EXPECTED_WATCH.timeZone[locale]);
  }
  return { ...(time === undefined ? {} : { time }), ...(timeZone === undefined ? {} : { timeZone }) };
}

// Only names a public CA can issue for: letters, digits and hyphens in dotted labels, no IP address.
const TLS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

const EXPECTED = {
  tlsName: {
    'zh-CN': '需要中继的公网域名，例如 relay.example.com（中文域名请写成 xn-- 形式）',
    en: 'expected the relay’s public host name, such as relay.example.com (write an IDN in its xn-- form)',
  },
  tlsPublicUrl: {
    'zh-CN': '使用 --tls-name 时 --public-url 必须是 https://{name} 开头的地址',
    en: 'with --tls-name, --public-url must be an https://{name} address',
  },
  boolean: { 'zh-CN': '需要 true 或 false', en: 'expected true or false' },
};

/** Resolves the HTTPS settings from `--tls-name` and `--http-port`. Undefined means plain HTTP. */
function resolveTls(
  value: (name: StartOptionName) => string | undefined,
  locale: Locale,
  context: { port: number; publicUrl: string | undefined; dataDir: string },
): RelayTlsOptions | undefined {
  const bad = (option: StartOptionName, given: string, expected: string) =>
    new OptionError(text(locale, 'badValue', { option: `--${option}`, value: given, expected }));
  const httpPortText = value('http-port') ?? '80';
  const httpPort = Number(httpPortText);
  if (!/^\d{1,5}$/.test(httpPortText) || httpPort > 65535) {
    throw bad('http-port', httpPortText, text(locale, 'expectedPort'));
  }
  const requestedName = value('tls-name');
  if (requestedName === undefined) return undefined;

  const name = requestedName.toLowerCase().replace(/\.$/, '');
  if (!TLS_NAME.test(name)) throw bad('tls-name', requestedName, EXPECTED.tlsName[locale]);
  const { publicUrl } = context;
  // The port may differ from --port when a firewall forwards 443 to it, so only scheme and host are compared.
  if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
    throw bad('public-url', publicUrl, EXPECTED.tlsPublicUrl[locale].replace('{name}', name));
  }
  const publicAddress = publicUrl === undefined ? undefined : new URL(publicUrl);
  if (publicUrl !== undefined && (publicAddress?.protocol !== 'https:' || publicAddress.hostname !== name)) {
    throw bad('public-url', publicUrl, EXPECTED.tlsPublicUrl[locale].replace('{name}', name));
  }
  return { name, httpPort, dir: join(context.dataDir, 'tls') };
}

function resolveBoolean(option: StartOptionName, given: string | undefined, locale: Locale): boolean {
  if (given === undefined) return false;
  if (['true', '1', 'yes'].includes(given.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(given.toLowerCase())) return false;
  throw new OptionError(
    text(locale, 'badValue', { option: `--${option}`, value: given, expected: EXPECTED.boolean[locale] }),
  );
}
