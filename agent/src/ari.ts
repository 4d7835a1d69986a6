import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ariCertificateId,
  fetchRenewalInfo,
  getJson,
  pickTimeInWindow,
  trustedCertificates,
  type AriWindow,
  type Logger,
} from '@certpilot/core';
import type { AgentConfig } from './config.js';
import { readJson, writeJsonAtomic } from './state/json-file.js';

/** ARI is asked at least twice a day, and no sooner than the CA's Retry-After. */
const ARI_REFRESH_MS = 12 * 60 * 60 * 1000;
const DIRECTORY_REFRESH_MS = 24 * 60 * 60 * 1000;

interface AriCache {
  directory?: { url: string; renewalInfo: string | null; fetchedAt: string };
  certificates: Record<string, { window: AriWindow; fetchedAt: string; nextFetchAt: string }>;
}

/**
 * Renewal information for the agent's certificates, cached in `<stateDir>/ari.json`. Uses plain
 * HTTPS GETs (no ACME client) so the daily run stays light. Failures fall back to the lifetime
 * rule: ARI may move renewal earlier, and its absence must never block a renewal.
 */
export class AriCacheFile {
  readonly #path: string;
  #cache: AriCache | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.#path = join(config.stateDir, 'ari.json');
  }

  /** The ARI window for `certPem`, or undefined when the CA has no ARI or it could not be read. */
  async windowFor(certPem: string, now = new Date()): Promise<AriWindow | undefined> {
    try {
      const renewalInfoUrl = await this.#renewalInfoUrl(now);
      if (!renewalInfoUrl) return undefined;
      const certId = ariCertificateId(certPem);
      const cache = await this.#load();
      const cached = cache.certificates[certId];
      if (cached && Date.parse(cached.nextFetchAt) > now.getTime()) return cached.window;

      const info = await fetchRenewalInfo(renewalInfoUrl, certId, { ca: await this.#ca() });
      const keepSelection = cached && cached.window.start === info.start && cached.window.end === info.end;
      const window: AriWindow = {
        start: info.start,
        end: info.end,
        selectedTime: keepSelection
          ? cached.window.selectedTime
          : pickTimeInWindow(info.start, info.end, Math.random, now),
        ...(info.explanationUrl ? { explanationUrl: info.explanationUrl } : {}),
      };
      const wait = Math.min(ARI_REFRESH_MS, Math.max(info.retryAfterMs ?? ARI_REFRESH_MS, 60_000));
      cache.certificates[certId] = {
        window,
        fetchedAt: now.toISOString(),
        nextFetchAt: new Date(now.getTime() + wait).toISOString(),
      };
      await this.#save(cache);
      return window;
    } catch (error) {
      this.log.warn({ err: error }, 'renewal information unavailable; using the lifetime rule');
      return undefined;
    }
  }

  async #renewalInfoUrl(now: Date): Promise<string | null> {
    const cache = await this.#load();
    const url = this.config.acme.directoryUrl;
    const cached = cache.directory;
    if (cached && cached.url === url && now.getTime() - Date.parse(cached.fetchedAt) < DIRECTORY_REFRESH_MS)
      return cached.renewalInfo;

    const response = await getJson<{ renewalInfo?: string }>(url, { ca: await this.#ca() });
    const renewalInfo = typeof response.body?.renewalInfo === 'string' ? response.body.renewalInfo : null;
    cache.directory = { url, renewalInfo, fetchedAt: now.toISOString() };
    await this.#save(cache);
    return renewalInfo;
  }

  async #ca(): Promise<string[] | undefined> {
    return this.config.acme.caCertFile
      ? trustedCertificates(await readFile(this.config.acme.caCertFile, 'utf8'))
      : undefined;
  }

  async #load(): Promise<AriCache> {
    this.#cache ??= (await readJson<AriCache>(this.#path)) ?? { certificates: {} };
    return this.#cache;
  }

  async #save(cache: AriCache): Promise<void> {
    await writeJsonAtomic(this.#path, cache);
  }
}
