import type { UploadRegistry, UploadedCertificate } from './types.js';

/**
 * An `UploadRegistry` kept in memory, for tests and for hosts that run one job per process and
 * keep no state between runs. Records are copied in and out, so callers cannot change them in place.
 */
export class MemoryUploadRegistry implements UploadRegistry {
  readonly #records: UploadedCertificate[] = [];

  constructor(records: readonly UploadedCertificate[] = []) {
    for (const record of records) this.#records.push({ ...record });
  }

  async list(siteId: string): Promise<UploadedCertificate[]> {
    return this.#records.filter((record) => record.siteId === siteId).map((record) => ({ ...record }));
  }

  /** Adds a record, replacing one with the same site and certificate ID. */
  async add(record: UploadedCertificate): Promise<void> {
    const index = this.#records.findIndex(
      (existing) => existing.siteId === record.siteId && existing.certId === record.certId,
    );
    if (index >= 0) this.#records.splice(index, 1, { ...record });
    else this.#records.push({ ...record });
  }

  async remove(siteId: string, certId: string): Promise<void> {
    const index = this.#records.findIndex((record) => record.siteId === siteId && record.certId === certId);
    if (index >= 0) this.#records.splice(index, 1);
  }

  /** Returns every record of every site, for assertions. */
  all(): UploadedCertificate[] {
    return this.#records.map((record) => ({ ...record }));
  }
}
