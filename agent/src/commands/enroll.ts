/**
 * `certpilot-agent enroll --relay URL --token cpe_...`: trades a one-time enrollment token for
 * this agent's own token and writes the `relay` section into the config file. The config is read
 * and checked before the token is spent, and written only after the relay accepted the token.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { CertPilotError, tokenPrefix } from '@certpilot/core';
import { agentConfigSchema, DEFAULT_CONFIG_PATH, readConfigFile, relaySchema } from '../config.js';
import type { Translator } from '../i18n/index.js';
import { VERSION } from '../main.js';
import { postToRelay, relayRejected } from '../report.js';
import { writeJsonAtomic } from '../state/json-file.js';

/**
 * Environment variable `enroll` reads the token from when `--token` is absent, so an installer can pass it
 * without leaving it in the process list (`ps`) for the whole enrollment.
 */
export const ENROLL_TOKEN_ENV = 'CERTPILOT_ENROLL_TOKEN';

export interface EnrollOptions {
  relay?: string | undefined;
  /** The `cpe_` token; `CERTPILOT_ENROLL_TOKEN` when undefined. */
  token?: string | undefined;
  configPath?: string | undefined;
}

/** Runs `enroll` and returns 0 when enrolled or 2 for invalid arguments. Relay and config errors are thrown. */
export async function enrollCommand(i18n: Translator, options: EnrollOptions): Promise<number> {
  const fail = (line: string) => {
    process.stderr.write(`${line}\n`);
    return 2;
  };
  const token = options.token ?? nonEmpty(process.env[ENROLL_TOKEN_ENV]);
  if (options.relay === undefined || token === undefined) return fail(i18n.t('enroll.usage'));
  const relayUrl = checkRelayUrl(options.relay);
  if (relayUrl === undefined) {
    const error = new CertPilotError('RELAY_URL_INVALID', 'Bad relay URL', { params: { url: options.relay } });
    return fail(`${i18n.t('errorPrefix')}${i18n.describeError(error)}`);
  }
  if (tokenPrefix(token) !== 'cpe') return fail(i18n.t('enroll.badToken'));

  const configPath = resolve(options.configPath ?? DEFAULT_CONFIG_PATH);
  const current = await readCurrentConfig(configPath);
  const relay = await enroll(relayUrl, token, i18n.locale);
  try {
    await writeJsonAtomic(configPath, { ...current, relay }, 0o600);
  } catch (error) {
    return fail(i18n.t('enroll.writeFailed', { path: configPath, error: (error as Error).message }));
  }
  process.stdout.write(`${i18n.t('enroll.done', { agentId: relay.agentId, url: relay.url, path: configPath })}\n`);
  return 0;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The URL without a trailing slash, or undefined unless it is an absolute http(s) URL without credentials. */
function checkRelayUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username !== '' || url.password !== '') return undefined;
  if (url.search !== '' || url.hash !== '') return undefined;
  return url.href.replace(/\/+$/, '');
}

/** Reads the config file as written, without defaults, after validating it. Returns `{}` when the file is missing. */
async function readCurrentConfig(configPath: string): Promise<Record<string, unknown>> {
  await readConfigFile(configPath, agentConfigSchema, { allowMissing: true });
  try {
    return JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

async function enroll(relayUrl: string, enrollmentToken: string, locale: string) {
  const response = await postToRelay(
    relayUrl,
    'agent/enroll',
    { enrollmentToken, hostname: hostname(), version: VERSION },
    { locale },
  );
  if (response.status !== 200) throw relayRejected(relayUrl, response);
  const parsed = relaySchema.safeParse({
    url: relayUrl,
    agentId: response.body.agentId,
    token: response.body.agentToken,
  });
  if (!parsed.success) {
    throw relayRejected(relayUrl, {
      status: response.status,
      body: { message: 'the response lacks agentId or agentToken' },
    });
  }
  return parsed.data;
}
