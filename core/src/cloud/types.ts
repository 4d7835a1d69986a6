/**
 * Cloud deploy targets: a certificate is uploaded through the provider's certificate API, bound to
 * the site's domains, and the edge is probed until it serves the new serial.
 */

export const CLOUD_TARGETS = ['qiniu-cdn', 'qiniu-kodo', 'aliyun-oss', 'aliyun-cdn', 'aliyun-dcdn'] as const;
export type CloudTargetKind = (typeof CLOUD_TARGETS)[number];

export type CloudProvider = 'qiniu' | 'aliyun';

/** A cloud AccessKey pair. The secret never reaches a log, an error message or a report. */
export interface CloudCredential {
  provider: CloudProvider;
  accessKeyId: string;
  accessKeySecret: string;
}

/**
 * Where the edge is probed. In production the domain itself is resolved and probed on port 443;
 * tests point `address`/`port` at a local edge.
 */
export interface EdgeProbeOptions {
  address?: string;
  port?: number;
  /** Total wait for the new serial, in milliseconds; CDN changes take minutes. Default 10 min. */
  timeoutMs?: number;
  /** Pause between probes, in milliseconds. Default 10 s. */
  intervalMs?: number;
}

/** A certificate CertPilot uploaded to a provider; only these are ever deleted by CertPilot. */
export interface UploadedCertificate {
  siteId: string;
  target: CloudTargetKind;
  /** The provider's id (`certID` at Qiniu, `CertId` at Aliyun CAS), as a string. */
  certId: string;
  serial: string;
  notAfter: string;
  uploadedAt: string;
}

/** Where the record of uploads is kept: a JSON file for the CLI, a table for the relay. */
export interface UploadRegistry {
  list(siteId: string): Promise<UploadedCertificate[]>;
  add(record: UploadedCertificate): Promise<void>;
  remove(siteId: string, certId: string): Promise<void>;
}
