/**
 * Renewal jobs in the `renewal_jobs` table. The core job record is kept as JSON in `record`;
 * `state`, `attempts` and `last_error` copy parts of it so queries need not parse JSON.
 */
import { randomUUID } from 'node:crypto';
import type { JobStore, RenewalJob, Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

/** Job steps after which nothing more happens. */
export const FINAL_STATES = ['done', 'failed'] as const;

/** Additional data binding a job's sealed private key to its row. */
export const jobKeyAad = (jobId: string) => `renewal-job:${jobId}`;

/** A `JobStore` over `renewal_jobs`. Saving a `done` job also records its certificate. */
export class DbJobStore implements JobStore {
  constructor(
    private readonly db: RelayDb,
    private readonly sealer: Sealer,
  ) {}

  async get(id: string): Promise<RenewalJob | null> {
    const row = await this.db.selectFrom('renewal_jobs').select('record').where('id', '=', id).executeTakeFirst();
    return row ? parseRecord(row.record) : null;
  }

  async findActive(siteId: string): Promise<RenewalJob | null> {
    const row = await this.db
      .selectFrom('renewal_jobs')
      .select('record')
      .where('site_id', '=', siteId)
      .where('state', 'not in', FINAL_STATES)
      .executeTakeFirst();
    return row ? parseRecord(row.record) : null;
  }

  async findLatest(siteId: string): Promise<RenewalJob | null> {
    const row = await this.db
      .selectFrom('renewal_jobs')
      .select('record')
      .where('site_id', '=', siteId)
      .orderBy('create_time', 'desc')
      .orderBy('update_time', 'desc')
      .executeTakeFirst();
    return row ? parseRecord(row.record) : null;
  }

  async list(): Promise<RenewalJob[]> {
    const rows = await this.db.selectFrom('renewal_jobs').select('record').orderBy('create_time').execute();
    return rows.map((row) => parseRecord(row.record));
  }

  /**
   * Inserts or updates the job. A new job takes its user from the site and is due at once.
   * A job reaching `done` gets its `certificates` row in the same transaction, key included,
   * because the runner removes the job's key right after.
   */
  async save(job: RenewalJob): Promise<void> {
    const now = new Date().toISOString();
    const columns = {
      state: job.step,
      record: JSON.stringify(job),
      attempts: job.attempt,
      last_error: job.lastError ? JSON.stringify(job.lastError) : null,
      update_time: now,
    };
    await this.db.transaction().execute(async (trx) => {
      const site = await trx
        .selectFrom('user_sites')
        .select('user_id')
        .where('id', '=', job.siteId)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('renewal_jobs')
        .values({
          id: job.id,
          user_id: site.user_id,
          site_id: job.siteId,
          next_run_at: now,
          create_time: now,
          ...columns,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet(columns))
        .execute();
      if (job.step === 'done') await this.#recordCertificate(trx, job, site.user_id, now);
    });
  }

  async #recordCertificate(trx: RelayDb, job: RenewalJob, userId: string, now: string): Promise<void> {
    const issued = job.certificate;
    if (!issued) return;
    const exists = await trx
      .selectFrom('certificates')
      .select('id')
      .where('site_id', '=', job.siteId)
      .where('serial', '=', issued.serial)
      .executeTakeFirst();
    if (exists) return;
    const row = await trx
      .selectFrom('renewal_jobs')
      .select('private_key_sealed')
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    if (row.private_key_sealed === null) return;
    const id = randomUUID();
    const keyPem = this.sealer.open(row.private_key_sealed, jobKeyAad(job.id));
    await trx
      .insertInto('certificates')
      .values({
        id,
        user_id: userId,
        site_id: job.siteId,
        serial: issued.serial,
        names: JSON.stringify(job.names),
        not_before: issued.notBefore,
        not_after: issued.notAfter,
        fingerprint: issued.fingerprint,
        certificate_pem: issued.pem,
        private_key_sealed: this.sealer.seal(keyPem, certificateKeyAad(id)),
        create_time: now,
        update_time: now,
        delete_time: null,
      })
      .execute();
  }
}

/** Additional data binding a certificate's sealed private key to its row. */
export const certificateKeyAad = (certificateId: string) => `certificate:${certificateId}`;

function parseRecord(record: string): RenewalJob {
  return JSON.parse(record) as RenewalJob;
}
