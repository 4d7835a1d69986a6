import type { CloudTargetKind, UploadedCertificate, UploadRegistry } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

/** The cloud uploads the relay made, in `cloud_uploads`. */
export class DbUploadRegistry implements UploadRegistry {
  constructor(private readonly db: RelayDb) {}

  async list(siteId: string): Promise<UploadedCertificate[]> {
    const rows = await this.db
      .selectFrom('cloud_uploads')
      .selectAll()
      .where('site_id', '=', siteId)
      .orderBy('uploaded_at')
      .execute();
    return rows.map((row) => ({
      siteId: row.site_id,
      target: row.target as CloudTargetKind,
      certId: row.cert_id,
      serial: row.serial,
      notAfter: row.not_after,
      uploadedAt: row.uploaded_at,
    }));
  }

  /** Adds a record, replacing one with the same site and certificate ID. */
  async add(record: UploadedCertificate): Promise<void> {
    const columns = {
      target: record.target,
      serial: record.serial,
      not_after: record.notAfter,
      uploaded_at: record.uploadedAt,
    };
    await this.db
      .insertInto('cloud_uploads')
      .values({ site_id: record.siteId, cert_id: record.certId, ...columns })
      .onConflict((oc) => oc.columns(['site_id', 'cert_id']).doUpdateSet(columns))
      .execute();
  }

  async remove(siteId: string, certId: string): Promise<void> {
    await this.db.deleteFrom('cloud_uploads').where('site_id', '=', siteId).where('cert_id', '=', certId).execute();
  }
}
