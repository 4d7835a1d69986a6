/**
 * A site's key/value settings. Values of keys that name a secret (ending in `secret`,
 * `password` or `token`) are sealed before they are stored, and shown as `MASK` in responses;
 * sending `MASK` back for such a key keeps the stored value.
 */
import type { Sealer } from '@certpilot/core';
import { z } from 'zod';

export const MASK = '********';
const SECRET_KEY = /(secret|password|token)$/i;
const MAX_KEYS = 32;

export const siteConfigSchema = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/), z.union([z.string().max(2048), z.number(), z.boolean()]))
  .refine((config) => Object.keys(config).length <= MAX_KEYS, { error: 'maxConfigKeys' });

export type SiteConfig = z.infer<typeof siteConfigSchema>;

/** Seals the secret values of `config` for site `siteId`; `stored` is the current JSON, for kept secrets. */
export function sealSiteConfig(config: SiteConfig, siteId: string, sealer: Sealer, stored?: string): string {
  const previous = stored === undefined ? {} : (JSON.parse(stored) as SiteConfig);
  const sealed: SiteConfig = {};
  for (const [key, value] of Object.entries(config)) {
    if (!SECRET_KEY.test(key)) sealed[key] = value;
    else if (value === MASK && typeof previous[key] === 'string') sealed[key] = previous[key];
    else sealed[key] = sealer.seal(String(value), `${siteId}:${key}`);
  }
  return JSON.stringify(sealed);
}

/** The stored config as responses show it, secrets masked. */
export function publicSiteConfig(stored: string): SiteConfig {
  const config = JSON.parse(stored) as SiteConfig;
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, SECRET_KEY.test(key) ? MASK : value]));
}
