/**
 * Row types of the relay database, for Kysely. Ids are random UUIDs made by the relay, and times
 * are ISO 8601 UTC strings (`Date.toISOString()`), so both sort as text and read the same on
 * SQLite and PostgreSQL. `delete_time` set means the row is soft-deleted.
 */
import type { Generated } from 'kysely';

interface Times {
  create_time: string;
  update_time: string;
  delete_time: string | null;
}

export interface UsersTable extends Times {
  id: string;
  account: string;
  name: string;
  password_hash: string;
  mobile: string | null;
  email: string | null;
  /** `active` or `disabled`; disabled users cannot log in. */
  status: string;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 of the `cps_` token (core `hashToken`); the token itself is never stored. */
  token_hash: string;
  user_id: string;
  create_time: string;
  expires_at: string;
  last_seen_at: string;
}

export interface CredentialsTable extends Times {
  id: string;
  user_id: string;
  /** `qiniu` or `aliyun`. */
  provider: string;
  name: string;
  access_key_id: string;
  /** Sealed with the relay's sealing key, the row id as additional data. */
  access_key_secret_sealed: string;
}

export interface UserSitesTable extends Times {
  id: string;
  user_id: string;
  /** Where the site is served from: a target name such as `qiniu-cdn` or `nginx`. */
  origin: string;
  domain: string;
  credential_id: string | null;
  /** JSON object of settings; values of secret keys are sealed (see `site-config.ts`). */
  config: string;
  status: string;
}

export interface CertificatesTable extends Times {
  id: string;
  user_id: string;
  site_id: string;
  serial: string;
  /** JSON array of the certificate's names. */
  names: string;
  not_before: string;
  not_after: string;
  fingerprint: string;
  certificate_pem: string;
  private_key_sealed: string;
}

export interface RenewalJobsTable {
  id: string;
  user_id: string;
  site_id: string;
  state: string;
  /** JSON of the job record that core's runner persists between steps. */
  record: string;
  attempts: Generated<number>;
  next_run_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
  last_error: string | null;
  /** The job's private key between `issuing` and `done`, sealed with `renewal-job:<id>`. */
  private_key_sealed: Generated<string | null>;
  create_time: string;
  update_time: string;
}

/** One ACME account per directory URL, shared by every site the relay renews. */
export interface AcmeAccountsTable {
  directory_url: string;
  /** Sealed with `acme-account:<directory_url>`. */
  key_sealed: string;
  account_url: string | null;
  email: string | null;
  create_time: string;
  update_time: string;
}

/** Certificates the relay uploaded to a cloud provider; only these are ever deleted there. */
export interface CloudUploadsTable {
  site_id: string;
  cert_id: string;
  target: string;
  serial: string;
  not_after: string;
  uploaded_at: string;
}

export interface AgentsTable extends Times {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the `cpa_` token. Until enrollment, the hash of a token that was never issued. */
  token_hash: string;
  /** `pending` until enrolled, then `active`; `revoked` once deleted. */
  status: string;
  last_seen_at: string | null;
  /** Host name and agent version, as sent at enrollment. */
  hostname: string | null;
  version: string | null;
}

export interface AgentEnrollmentsTable {
  id: string;
  agent_id: string;
  user_id: string;
  /** SHA-256 of the one-time `cpe_` token. */
  token_hash: string;
  expires_at: string;
  /** Set when the token is used; a used token never works again. */
  used_at: string | null;
  create_time: string;
}

/** Links a site an agent reported (its `site_key`, the agent's site id) to the user_sites row made for it. */
export interface AgentSitesTable {
  agent_id: string;
  site_key: string;
  site_id: string;
  user_id: string;
  create_time: string;
}

export interface AgentReportsTable {
  id: string;
  agent_id: string;
  user_id: string;
  /** JSON of the report as the agent sent it. */
  report: string;
  create_time: string;
}

export interface NotificationChannelsTable extends Times {
  id: string;
  user_id: string;
  kind: string;
  name: string;
  /** JSON of the channel settings; secrets sealed. */
  config: string;
  status: string;
}

/** Core's `NotifiedState` of one channel: the events already sent through it. */
export interface NotificationStatesTable {
  channel_id: string;
  user_id: string;
  /** JSON of the `NotifiedState`. */
  state: string;
  update_time: string;
}

export interface AuditLogTable {
  id: string;
  user_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  address: string | null;
  create_time: string;
}

/** The relay database as Kysely sees it. */
export interface RelayDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  credentials: CredentialsTable;
  user_sites: UserSitesTable;
  certificates: CertificatesTable;
  renewal_jobs: RenewalJobsTable;
  agents: AgentsTable;
  agent_reports: AgentReportsTable;
  agent_enrollments: AgentEnrollmentsTable;
  agent_sites: AgentSitesTable;
  notification_channels: NotificationChannelsTable;
  notification_states: NotificationStatesTable;
  audit_log: AuditLogTable;
  acme_accounts: AcmeAccountsTable;
  cloud_uploads: CloudUploadsTable;
}
