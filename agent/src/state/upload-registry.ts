import { join } from 'node:path';
import type { UploadRegistry, UploadedCertificate } from '@certpilot/core';
import { readJson, writeJsonAtomic } from './json-file.js';

/** Certificates CertPilot uploaded to cloud providers, in `<stateDir>/uploads.json`. */
export class FileUploadRegistry implements UploadRegistry {
  readonly #path: string;

  constructor(stateDir: string) {
    this.#path = join(stateDir, 'uploads.json');
  }

  async list(siteId: string): Promise<UploadedCertificate[]> {
    return (await this.#read()).filter((record) => record.siteId === siteId);
  }

  async add(record: UploadedCertificate): Promise<void> {
    const records = await this.#read();
    if (records.some((existing) => existing.siteId === record.siteId && existing.certId === record.certId)) return;
    await writeJsonAtomic(this.#path, [...records, record]);
  }

  async remove(siteId: string, certId: string): Promise<void> {
    const records = await this.#read();
    await writeJsonAtomic(
      this.#path,
      records.filter((record) => !(record.siteId === siteId && record.certId === certId)),
    );
  }

  async #read(): Promise<UploadedCertificate[]> {
    return (await readJson<UploadedCertificate[]>(this.#path)) ?? [];
  }
}
