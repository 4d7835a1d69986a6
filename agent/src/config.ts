import { constants as fsConstants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { configMessage } from './config-messages.js';
import { CertPilotError, KEY_TYPES, LETS_ENCRYPT_DIRECTORY } from '@certpilot/core';

export const DEFAULT_CONFIG_PATH = '/etc/certpilot/agent.json';
export const DEFAULT_STATE_DIR = '/var/lib/certpilot';

const port = z.number().int().min(1).max(65535);
export const absolutePath = z.string().refine(isAbsolute, { error: () => configMessage('absolutePath') });

/** ACME settings shared by the nginx agent config and the cloud config. */
export const acmeSchema = z
  .object({
    directoryUrl: z.url({ protocol: /^https?$/ }).default(LETS_ENCRYPT_DIRECTORY),
    email: z.email().optional(),
    caCertFile: absolutePath.optional(),
    http01Port: port.default(80),
    keyType: z.enum(KEY_TYPES).default('ec-p256'),
    preferredChain: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    eab: z
      .object({ kid: z.string().min(1), hmacKey: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

/** Where the agent posts its reports; written by `certpilot-agent enroll`. */
export const relaySchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    agentId: z.uuid(),
    token: z.string().regex(/^cpa_[A-Za-z0-9_-]{43}$/),
  })
  .strict();

/** The agent config file (`/etc/certpilot/agent.json`, mode 0600: it may hold an EAB key and the relay token). */
export const agentConfigSchema = z
  .object({
    acme: acmeSchema,
    nginx: z
      .object({
        bin: absolutePath.optional(),
        conf: absolutePath.optional(),
        prefix: absolutePath.optional(),
      })
      .strict()
      .prefault({}),
    stateDir: absolutePath.default(DEFAULT_STATE_DIR),
    /** Directory nginx serves http-01 answers from; `<stateDir>/webroot` by default. */
    webroot: absolutePath.optional(),
    probe: z
      .object({ timeoutSeconds: z.number().positive().max(600).default(15) })
      .strict()
      .prefault({}),
    relay: relaySchema.optional(),
  })
  .strict();

export type AgentConfig = z.infer<typeof agentConfigSchema> & { webroot: string; configPath: string };

/**
 * Reads and validates the config file. Errors name the file and each bad field, with what to do.
 * A missing file at the default path is allowed (all defaults); a missing file given by --config is not.
 */
export async function loadConfig(path: string | undefined): Promise<AgentConfig> {
  const configPath = resolve(path ?? DEFAULT_CONFIG_PATH);
  const config = await readConfigFile(configPath, agentConfigSchema, { allowMissing: path === undefined });
  await checkFiles(configPath, [
    ['acme.caCertFile', config.acme.caCertFile],
    ['nginx.conf', config.nginx.conf],
  ]);
  return { ...config, webroot: config.webroot ?? join(config.stateDir, 'webroot'), configPath };
}

/** Checks that files named in the config can be read, so a typo stops the run before any work. */
export async function checkFiles(
  configPath: string,
  files: Array<[field: string, path: string | undefined]>,
): Promise<void> {
  for (const [field, path] of files) {
    if (path === undefined) continue;
    try {
      await access(path, fsConstants.R_OK);
    } catch (error) {
      throw new CertPilotError(
        'CONFIG_INVALID',
        `${configPath}: ${field} ${path} cannot be read (${(error as NodeJS.ErrnoException).code}).`,
        {
          cause: error,
          params: { path: configPath, field, file: path, variant: 'file' },
        },
      );
    }
  }
}

/** Reads a JSON config file and validates it against `schema`, with errors that name each field. */
export async function readConfigFile<S extends z.ZodType>(
  configPath: string,
  schema: S,
  options: { allowMissing: boolean },
): Promise<z.infer<S>> {
  let text: string | null;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !options.allowMissing) {
      throw new CertPilotError(
        'CONFIG_NOT_FOUND',
        `Cannot read config file ${configPath}: ${(error as Error).message}`,
        {
          cause: error,
          params: { path: configPath },
        },
      );
    }
    text = null;
  }

  let raw: unknown = {};
  if (text !== null) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const detail = describeJsonError(text, error as Error);
      throw new CertPilotError('CONFIG_INVALID', `${configPath} is not valid JSON: ${detail}`, {
        cause: error,
        params: { path: configPath, detail, variant: 'json' },
      });
    }
  }

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new CertPilotError('CONFIG_INVALID', `${configPath} has invalid settings: ${problems.join('; ')}`, {
      params: { path: configPath, problems: problems.join('; '), variant: 'fields' },
    });
  }
  return parsed.data;
}

/** JSON.parse names a character position; people look for a line and column. */
function describeJsonError(text: string, error: Error): string {
  const position = Number(/position (\d+)/.exec(error.message)?.[1]);
  if (!Number.isInteger(position)) return error.message;
  const before = text.slice(0, position).split('\n');
  return `${error.message.replace(/ in JSON at position \d+.*$/, '')} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
