import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { CertPilotError, KEY_TYPES, LETS_ENCRYPT_DIRECTORY } from '@certpilot/core';

export const DEFAULT_CONFIG_PATH = '/etc/certpilot/agent.json';
export const DEFAULT_STATE_DIR = '/var/lib/certpilot';

const port = z.number().int().min(1).max(65535);
const absolutePath = z.string().refine(isAbsolute, { message: 'must be an absolute path' });

/** The agent config file (`/etc/certpilot/agent.json`, mode 0600: it may hold an EAB key and the relay token). */
export const agentConfigSchema = z
  .object({
    acme: z
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
      .prefault({}),
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
  })
  .strict();

export type AgentConfig = z.infer<typeof agentConfigSchema> & { webroot: string; configPath: string };

/**
 * Reads and validates the config file. Errors name the file and each bad field, with what to do.
 * A missing file at the default path is allowed (all defaults); a missing file given by --config is not.
 */
export async function loadConfig(path: string | undefined): Promise<AgentConfig> {
  const configPath = resolve(path ?? DEFAULT_CONFIG_PATH);
  let text: string | null;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path !== undefined) {
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
      throw new CertPilotError('CONFIG_INVALID', `${configPath} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
        params: { path: configPath },
      });
    }
  }

  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new CertPilotError('CONFIG_INVALID', `${configPath} has invalid settings: ${problems.join('; ')}`, {
      params: { path: configPath, problems: problems.join('; ') },
    });
  }
  const config = parsed.data;
  return { ...config, webroot: config.webroot ?? join(config.stateDir, 'webroot'), configPath };
}
