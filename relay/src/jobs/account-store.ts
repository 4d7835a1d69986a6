import type { AccountStore, AcmeAccount, Sealer } from '@certpilot/core';
import type { RelayDb } from '../db/database.js';

const aad = (directoryUrl: string) => `acme-account:${directoryUrl}`;

/** ACME accounts in `acme_accounts`, one per directory URL, the account key sealed. */
export class DbAccountStore implements AccountStore {
  constructor(
    private readonly db: RelayDb,
    private readonly sealer: Sealer,
  ) {}

  async load(directoryUrl: string): Promise<AcmeAccount | null> {
    const row = await this.db
      .selectFrom('acme_accounts')
      .selectAll()
      .where('directory_url', '=', directoryUrl)
      .executeTakeFirst();
    if (!row) return null;
    return {
      directoryUrl,
      keyPem: this.sealer.open(row.key_sealed, aad(directoryUrl)),
      ...(row.account_url ? { url: row.account_url } : {}),
      ...(row.email ? { email: row.email } : {}),
    };
  }

  async save(account: AcmeAccount): Promise<void> {
    const now = new Date().toISOString();
    const columns = {
      key_sealed: this.sealer.seal(account.keyPem, aad(account.directoryUrl)),
      account_url: account.url ?? null,
      email: account.email ?? null,
      update_time: now,
    };
    await this.db
      .insertInto('acme_accounts')
      .values({ directory_url: account.directoryUrl, create_time: now, ...columns })
      .onConflict((oc) => oc.column('directory_url').doUpdateSet(columns))
      .execute();
  }
}
