import { parseArgs } from 'node:util';
import { setConfigLocale } from './config-messages.js';
import { createTranslator, detectLocale, type Translator } from './i18n/index.js';

export const VERSION = '0.1.0';

const SUPPORTED_LANGS = ['zh-CN', 'zh', 'en'];

const OPTIONS = {
  config: { type: 'string' },
  lang: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  site: { type: 'string' },
  jitter: { type: 'string' },
  port: { type: 'string' },
  relay: { type: 'string' },
  token: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** Runs the CLI and returns the exit status: 0 fine, 1 a site failed, 2 usage or configuration error. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  const langArg =
    argv.find((arg, index) => argv[index - 1] === '--lang') ?? argv.find((arg) => arg.startsWith('--lang='))?.slice(7);
  const i18n = await createTranslator(detectLocale(langArg));
  setConfigLocale(i18n.locale);
  if (langArg !== undefined && !SUPPORTED_LANGS.includes(langArg)) {
    process.stderr.write(`${i18n.t('usage.badLang', { value: langArg })}\n`);
    return 2;
  }
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${describeParseError(error, i18n)}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const expectedArguments = command === 'enable-https' ? 1 : 0;
  if (command !== undefined && rest.length > expectedArguments) {
    process.stderr.write(`${i18n.t('usage.extraArgument', { value: rest[expectedArguments] })}\n`);
    return 2;
  }
  if (values.site !== undefined && values.site.trim() === '') {
    process.stderr.write(`${i18n.t('usage.emptySite')}\n`);
    return 2;
  }

  if (values.version) {
    process.stdout.write(`certpilot-agent ${VERSION}\n`);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${i18n.t('help')}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }

  try {
    return await runCommand(command, rest, values, i18n);
  } catch (error) {
    process.stderr.write(`${i18n.t('errorPrefix')}${i18n.describeError(error)}\n`);
    const code = (error as { code?: string }).code;
    return code === 'CONFIG_INVALID' ||
      code === 'CONFIG_NOT_FOUND' ||
      code === 'NAME_INVALID' ||
      code === 'SITE_NOT_FOUND' ||
      code === 'NGINX_NOT_FOUND'
      ? 2
      : 1;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function runCommand(command: string, rest: string[], values: Values, i18n: Translator): Promise<number> {
  const known = ['scan', 'renew', 'enable-https', 'status', 'cloud-renew', 'enroll'];
  if (!known.includes(command)) {
    process.stderr.write(`${i18n.t('unknownCommand', { command })}\n`);
    return 2;
  }
  if (command === 'enable-https' && rest[0] === undefined) {
    process.stderr.write(`${i18n.t('missingSiteName')}\n`);
    return 2;
  }
  const jitterSeconds = parseNumberOption(values.jitter, { name: '--jitter', fallback: 0, min: 0, max: 86_400 }, i18n);
  const port = parseNumberOption(values.port, { name: '--port', fallback: 443, min: 1, max: 65_535 }, i18n);
  if (jitterSeconds === null || port === null) return 2;

  if (command === 'enroll') {
    const { enrollCommand } = await import('./commands/enroll.js');
    return enrollCommand(i18n, { relay: values.relay, token: values.token, configPath: values.config });
  }
  if (command === 'cloud-renew') {
    const { cloudRenewCommand } = await import('./commands/cloud-renew.js');
    return cloudRenewCommand(i18n, {
      ...(values.config ? { configPath: values.config } : {}),
      ...(values.site ? { site: values.site } : {}),
      force: values.force,
      dryRun: values['dry-run'],
      verbose: values.verbose,
    });
  }

  if (command === 'enable-https') (await import('./commands/enable-https.js')).validateEnableHttpsName(rest[0]!);

  const { createContext } = await import('./context.js');
  const context = await createContext({
    ...(values.config ? { configPath: values.config } : {}),
    verbose: values.verbose,
    i18n,
  });

  switch (command) {
    case 'scan':
      return (await import('./commands/scan.js')).scanCommand(context, { json: values.json });
    case 'status':
      return (await import('./commands/status.js')).statusCommand(context, { json: values.json });
    case 'enable-https':
      return (await import('./commands/enable-https.js')).enableHttpsCommand(context, { name: rest[0]!, port });
    default:
      return (await import('./commands/renew.js')).renewCommand(context, {
        dryRun: values['dry-run'],
        force: values.force,
        jitterSeconds,
        ...(values.site ? { site: values.site } : {}),
      });
  }
}

function parseNumberOption(
  value: string | undefined,
  option: { name: string; fallback: number; min: number; max: number },
  i18n: Translator,
): number | null {
  if (value === undefined) return option.fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < option.min || number > option.max) {
    process.stderr.write(
      `${i18n.t('usage.badNumber', { option: option.name, value, min: option.min, max: option.max })}\n`,
    );
    return null;
  }
  return number;
}

/** Node's parseArgs messages are English and long; this names the option in the user's language. */
function describeParseError(error: unknown, i18n: Translator): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return i18n.t('usage.unknownOption', { option });
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return i18n.t('usage.missingValue', { option });
  return i18n.t('badOption', { message });
}
