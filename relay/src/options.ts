/**
 * Reading the `start` options from the command line, then the environment, then defaults.
 */
import { join, resolve } from 'node:path';
import type { Locale } from './locale.js';
import { text } from './help.js';

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
} as const;

export type StartOptionName = keyof typeof START_OPTIONS;

export interface StartSettings {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  publicUrl: string | undefined;
  sealingKeyFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The CA cloud sites are renewed with; the directory defaults to Let's Encrypt when started. */
  acme: { directoryUrl: string | undefined; caFile: string | undefined; email: string | undefined };
}

// help.ts belongs to the CLI texts; this one expectation is kept here with the option it checks.
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
  return {
    port,
    host: value('host') ?? '127.0.0.1',
    dataDir,
    databaseUrl: value('database-url') ?? `sqlite://${join(dataDir, 'relay.db')}`,
    publicUrl,
    sealingKeyFile: resolve(value('sealing-key-file') ?? join(dataDir, 'sealing.key')),
    logLevel: logLevel as StartSettings['logLevel'],
    acme: {
      directoryUrl: acmeDirectory,
      caFile: acmeCaFile === undefined ? undefined : resolve(acmeCaFile),
      email: acmeEmail,
    },
  };
}
