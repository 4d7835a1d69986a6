import { parseArgs } from 'node:util';
import { asCertPilotError, createLogger } from '@certpilot/core';
import { text } from './help.js';
import { describeError } from './http/messages.js';
import { detectLocale, type Locale } from './locale.js';
import {
  BOOLEAN_START_OPTIONS,
  OptionError,
  resolveSettings,
  START_OPTIONS,
  type StartOptionName,
  type StartSettings,
} from './options.js';
import { startRelay, type RunningRelay } from './server.js';

export const VERSION = '0.1.0';

// The values detectLocale understands: zh-CN, zh_CN.UTF-8, en, en-US and the like.
const LANG_VALUE = /^(zh|en)([-_.].*)?$/i;

const OPTIONS = {
  ...Object.fromEntries(
    Object.keys(START_OPTIONS).map((name) => [
      name,
      { type: BOOLEAN_START_OPTIONS.has(name as StartOptionName) ? ('boolean' as const) : ('string' as const) },
    ]),
  ),
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/**
 * Runs the CLI. For `start`, resolves once the relay listens and returns a promise of the exit
 * status that settles after a signal stopped it; 2 for usage errors, 1 when it cannot start.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const langArg =
    argv.find((_, index) => argv[index - 1] === '--lang') ?? argv.find((a) => a.startsWith('--lang='))?.slice(7);
  const locale = detectLocale(langArg, env);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(describeParseError(error as NodeJS.ErrnoException, locale));
  }
  const { values, positionals } = parsed;
  if (values.lang !== undefined && !LANG_VALUE.test(values.lang)) {
    const expected = text(locale, 'expectedLang');
    return usageError(text(locale, 'badValue', { option: '--lang', value: values.lang, expected }));
  }
  if (values.version) {
    process.stdout.write(`certpilot-relay ${VERSION}\n`);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${text(locale, 'help')}\n`);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (command !== 'start') return usageError(text(locale, 'badCommand', { value: command }));
  if (extra.length > 0) return usageError(text(locale, 'extraArgument', { value: extra.join(' ') }));
  let settings: StartSettings;
  try {
    const flags = Object.fromEntries(
      Object.keys(START_OPTIONS).map((name) => {
        const flagValue = values[name as keyof typeof values];
        // A boolean flag on the command line reads like its environment variable set to true.
        return [name, flagValue === true ? 'true' : flagValue];
      }),
    );
    settings = resolveSettings(flags as Partial<Record<keyof typeof START_OPTIONS, string>>, env, locale);
  } catch (error) {
    if (error instanceof OptionError) return usageError(error.message);
    throw error;
  }
  return run(settings, locale);
}

async function run(settings: StartSettings, locale: Locale): Promise<number> {
  const logger = createLogger({ level: settings.logLevel });
  let relay: RunningRelay;
  try {
    relay = await startRelay({ ...settings, logger });
  } catch (error) {
    const failure = asCertPilotError(error);
    // A wrong option (port in use, bad host, bad database URL) is the operator's to fix: exit 2
    // like other usage errors. Anything else is a failure of the relay itself.
    if (failure.code === 'CONFIG_INVALID')
      return usageError(text(locale, 'startFailed', { detail: describeError(failure, locale) }));
    const detail = `${describeError(failure, locale)} [${failure.code}]`;
    process.stderr.write(`${text(locale, 'startFailed', { detail })}\n`);
    return 1;
  }
  // The handlers come first: a supervisor may send SIGTERM as soon as it reads the ready line.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // Logs go to stderr, so this line is the only output on stdout.
  const ready =
    settings.publicUrl === undefined
      ? text(locale, 'ready', { url: relay.url })
      : text(locale, 'readyPublic', { url: relay.url, publicUrl: settings.publicUrl });
  process.stdout.write(`${ready}\n`);
  const signal = await stopped;
  logger.info({ signal }, 'stopping');
  await relay.close();
  return 0;
}

/** Describes a parseArgs error in `locale`, naming the option. */
function describeParseError(error: NodeJS.ErrnoException, locale: Locale): string {
  // Node names the option as '--port <value>' or '-h, --help'; the long form is the one to show.
  const option = /'(?:-\w, )?(--?[^' ,]+)/.exec(error.message)?.[1];
  if (option !== undefined && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return text(locale, 'unknownOption', { option });
  }
  if (option !== undefined && error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return text(locale, /does not take/.test(error.message) ? 'unexpectedValue' : 'missingValue', { option });
  }
  return text(locale, 'badOption', { detail: error.message });
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}
