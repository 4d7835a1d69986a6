import { parseArgs } from 'node:util';
import { createTranslator, detectLocale, type Translator } from './i18n/index.js';

export const VERSION = '0.1.0';

const OPTIONS = {
  config: { type: 'string' },
  lang: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  site: { type: 'string' },
  jitter: { type: 'string' },
  port: { type: 'string' },
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
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${i18n.t('badOption', { message: (error as Error).message })}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;

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
    process.stderr.write(`${i18n.t('errorPrefix')}: ${i18n.describeError(error)}\n`);
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
  const known = ['scan', 'renew', 'enable-https', 'status'];
  if (!known.includes(command)) {
    process.stderr.write(`${i18n.t('unknownCommand', { command })}\n`);
    return 2;
  }
  if (command === 'enable-https' && rest[0] === undefined) {
    process.stderr.write(`${i18n.t('missingSiteName')}\n`);
    return 2;
  }
  const jitterSeconds = parseNumberOption(values.jitter, '--jitter', 0, i18n);
  const port = parseNumberOption(values.port, '--port', 443, i18n);
  if (jitterSeconds === null || port === null) return 2;

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

function parseNumberOption(value: string | undefined, name: string, fallback: number, i18n: Translator): number | null {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    process.stderr.write(
      `${i18n.t('badOption', { message: `${name} ${value} is not a whole number from 0 to 65535` })}\n`,
    );
    return null;
  }
  return number;
}
