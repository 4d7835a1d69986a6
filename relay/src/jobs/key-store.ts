import { CertPilotError, type KeyStore, type Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { jobKeyAad } from './job-store.js';

const REF_PREFIX = 'renewal_jobs:';

/**
 * Keeps a job's private key sealed in its own `renewal_jobs` row. The reference a job records
 * is `renewal_jobs:<job id>`, never the key.
 */
export class DbKeyStore implements KeyStore {
  constructor(
    private readonly db: RelayDb,
    private readonly sealer: Sealer,
  ) {}

  async save(jobId: string, pem: string): Promise<string> {
    const result = await this.db
      .updateTable('renewal_jobs')
      .set({ private_key_sealed: this.sealer.seal(pem, jobKeyAad(jobId)) })
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw missingKey(jobId);
    return `${REF_PREFIX}${jobId}`;
  }

  async load(ref: string): Promise<string> {
    const jobId = jobIdOf(ref);
    const row = await this.db
      .selectFrom('renewal_jobs')
      .select('private_key_sealed')
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!row?.private_key_sealed) throw missingKey(jobId);
    return this.sealer.open(row.private_key_sealed, jobKeyAad(jobId));
  }

  async remove(ref: string): Promise<void> {
    await this.db
      .updateTable('renewal_jobs')
      .set({ private_key_sealed: null })
      .where('id', '=', jobIdOf(ref))
      .execute();
  }
}

function jobIdOf(ref: string): string {
  if (!ref.startsWith(REF_PREFIX)) {
    throw new CertPilotError('JOB_STATE_INVALID', `Key reference ${ref} is not a relay key reference.`, {
      params: { ref },
    });
  }
  return ref.slice(REF_PREFIX.length);
}

function missingKey(jobId: string): CertPilotError {
  return new CertPilotError('JOB_STATE_INVALID', `Renewal job ${jobId} has no stored private key.`, {
    params: { jobId },
  });
}
