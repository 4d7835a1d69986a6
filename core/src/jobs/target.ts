import type { IssuedCertificate, RenewalJob } from './job.js';

/** Where a job's certificate goes: nginx on a server, a CDN, a bucket. */
export interface DeployTarget {
  /** Short name for logs and events: `nginx`, `qiniu-cdn`, ... */
  readonly kind: string;
  /** Installs the certificate and key; must leave the old one serving when it fails. */
  deploy(job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void>;
  /** Proves the endpoint serves `certificate`; throws `PROBE_*` errors otherwise. */
  verify(job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }>;
  /**
   * Runs once the job is done, for housekeeping such as deleting certificates this target
   * uploaded earlier and nothing uses any more. Its failure is logged and does not fail the job.
   */
  afterDone?(job: RenewalJob, certificate: IssuedCertificate): Promise<void>;
}
