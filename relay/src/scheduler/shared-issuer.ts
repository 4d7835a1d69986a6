import { AcmeIssuer, type AccountStore, type Logger } from '@certpilot/core';
import type { AcmeSettings } from './scheduler.js';

/**
 * Returns a function giving every job the same `AcmeIssuer`, so that jobs running together use
 * one account: separate issuers would each register an account on first use, and an order's
 * authorizations would then belong to an account other than the stored one.
 *
 * NOTE: two relays on one database can still both register an account at their first renewal.
 */
export function sharedIssuer(acme: AcmeSettings, accounts: AccountStore, logger: Logger): () => Promise<AcmeIssuer> {
  let issuer: AcmeIssuer | undefined;
  return () => {
    issuer ??= new AcmeIssuer({ ...acme, accounts, logger });
    return Promise.resolve(issuer);
  };
}
