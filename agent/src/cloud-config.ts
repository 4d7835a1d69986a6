import { resolve } from 'node:path';
import { z } from 'zod';
import { CLOUD_TARGETS, normalizeDomainName } from '@certpilot/core';
import { configMessage } from './config-messages.js';
import { absolutePath, acmeSchema, checkFiles, DEFAULT_STATE_DIR, readConfigFile } from './config.js';

export const DEFAULT_CLOUD_CONFIG_PATH = '/etc/certpilot/cloud.json';

const domainName = z.string().transform((value, context) => {
  try {
    return normalizeDomainName(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A CDN/storage domain as the provider writes it: Qiniu's wildcard form `.example.com` is allowed. */
const providerDomain = z.string().refine((value) => /^\.?[a-z0-9.*-]+$/i.test(value) && !value.includes('..'), {
  error: () => configMessage('providerDomain'),
});

const credentialSchema = z
  .object({
    provider: z.enum(['qiniu', 'aliyun']),
    accessKeyId: z.string().min(1),
    accessKeySecret: z.string().min(1),
  })
  .strict();

const siteSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._*-]+$/, 'use letters, digits, dots, dashes and underscores'),
    target: z.enum(CLOUD_TARGETS),
    /** Credential name for the target's provider. */
    credential: z.string().min(1),
    /** Names in the certificate; the first is its common name. */
    names: z.array(domainName).min(1),
    /** Provider domains to bind; defaults to the names (`*.x` becomes `.x` for Qiniu). */
    domains: z.array(providerDomain).min(1).optional(),
    bucket: z.string().min(3).optional(),
    /** OSS region with the `oss-` prefix, e.g. `oss-cn-hangzhou`. */
    ossRegion: z
      .string()
      .regex(/^oss-[a-z0-9-]+$/, 'use the oss- prefix, e.g. oss-cn-hangzhou')
      .optional(),
    /** CAS region the certificate is uploaded to. */
    casRegion: z.string().default('cn-hangzhou'),
    challenge: z
      .object({
        type: z.literal('dns-01'),
        provider: z.literal('alidns'),
        credential: z.string().min(1),
        resolvers: z.array(z.string().min(1)).min(1).optional(),
        propagationTimeoutSeconds: z.number().positive().max(3600).optional(),
      })
      .strict(),
    /** Qiniu: how long to wait for a CDN domain that is still processing an earlier change. */
    processingWaitSeconds: z.number().min(0).max(3600).default(300),
    edge: z
      .object({
        address: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        timeoutSeconds: z.number().positive().max(3600).default(600),
        intervalSeconds: z.number().positive().max(600).default(10),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((site, context) => {
    if (site.target === 'aliyun-oss' && (!site.bucket || !site.ossRegion)) {
      context.addIssue({ code: 'custom', message: configMessage('ossSite'), path: ['bucket'] });
    }
  });

/** The cloud config file: sites on Qiniu and Aliyun renewed by `cloud-renew`. Keep it mode 0600. */
export const cloudConfigSchema = z
  .object({
    acme: acmeSchema,
    stateDir: absolutePath.default(DEFAULT_STATE_DIR),
    credentials: z.record(z.string().min(1), credentialSchema),
    /** Endpoint overrides; the real provider hosts are the defaults. */
    endpoints: z
      .object({
        qiniu: z.url().optional(),
        aliyunCas: z.string().min(1).optional(),
        aliyunCdn: z.string().min(1).optional(),
        aliyunDcdn: z.string().min(1).optional(),
        alidns: z.string().min(1).optional(),
        oss: z.string().min(1).optional(),
        /** `http` only for local test endpoints. */
        aliyunProtocol: z.enum(['https', 'http']).default('https'),
      })
      .strict()
      .prefault({}),
    sites: z.array(siteSchema).min(1),
  })
  .strict()
  .superRefine((config, context) => {
    for (const [index, site] of config.sites.entries()) {
      for (const [field, name] of [
        ['credential', site.credential],
        ['challenge.credential', site.challenge.credential],
      ] as const) {
        if (!config.credentials[name]) {
          context.addIssue({
            code: 'custom',
            message: configMessage('unknownCredential', { name }),
            path: ['sites', index, ...field.split('.')],
          });
        }
      }
    }
  });

export type CloudConfig = z.infer<typeof cloudConfigSchema> & { configPath: string };
export type CloudSiteConfig = CloudConfig['sites'][number];

export async function loadCloudConfig(path: string | undefined): Promise<CloudConfig> {
  const configPath = resolve(path ?? DEFAULT_CLOUD_CONFIG_PATH);
  const config = await readConfigFile(configPath, cloudConfigSchema, { allowMissing: false });
  await checkFiles(configPath, [['acme.caCertFile', config.acme.caCertFile]]);
  return { ...config, configPath };
}
