/** An ACME account as CertPilot keeps it: the account key and the URL the CA gave it. */
export interface AcmeAccount {
  directoryUrl: string;
  /** PEM; a secret, stored with mode 0600 or sealed. */
  keyPem: string;
  url?: string;
  email?: string;
}

/** Where accounts are kept, one per directory URL (state dir for the agent, database for the relay). */
export interface AccountStore {
  load(directoryUrl: string): Promise<AcmeAccount | null>;
  save(account: AcmeAccount): Promise<void>;
}
