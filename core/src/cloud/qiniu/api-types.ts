import { z } from 'zod';

/** One entry of the account's certificate list (`GET /sslcert`). Times are Unix seconds. */
export interface QiniuCertificateSummary {
  certId: string;
  name: string;
  commonName: string;
  dnsNames: string[];
  notBefore?: number;
  notAfter?: number;
  createTime?: number;
}

/**
 * One certificate (`GET /sslcert/<id>`) with its chain. The private key that Qiniu also returns
 * is dropped here, so it cannot reach a log or an error.
 */
export interface QiniuCertificateDetail extends QiniuCertificateSummary {
  chainPem: string;
}

/** HTTPS settings of a CDN domain. */
export interface QiniuHttpsSettings {
  certId: string;
  forceHttps: boolean;
  http2Enable: boolean;
}

/** A CDN domain as `GET /domain/<name>` describes it. */
export interface QiniuDomainInfo {
  /** Host name; wildcard domains are written `.example.com`. */
  name: string;
  /** `normal`, `wildcard`, ... as Qiniu reports it. */
  type: string;
  protocol: string;
  /** Null while the domain has no certificate. */
  https: QiniuHttpsSettings | null;
  /** `success`, `processing`, `failed`, ... */
  operatingState: string;
  operatingStateDesc?: string;
}

// Qiniu spells the certificate ID key three ways across calls and documents.
const certIdKeys = z.object({
  certId: z.string().optional(),
  certid: z.string().optional(),
  certID: z.string().optional(),
});

export const uploadReplySchema = certIdKeys.transform((reply) => reply.certID ?? reply.certId ?? reply.certid ?? '');

const certificateEntrySchema = z.object({
  certid: z.string().min(1),
  name: z.string().default(''),
  common_name: z.string().default(''),
  dnsnames: z.array(z.string()).nullish(),
  not_before: z.number().optional(),
  not_after: z.number().optional(),
  create_time: z.number().optional(),
});

export const certificateListReplySchema = z.object({
  marker: z.string().nullish(),
  certs: z.array(certificateEntrySchema).nullish(),
});

export const certificateDetailReplySchema = z.object({
  cert: certificateEntrySchema.extend({ ca: z.string().default('') }),
});

export const domainReplySchema = z.object({
  name: z.string(),
  type: z.string().default(''),
  protocol: z.string().default('http'),
  https: certIdKeys
    .extend({ forceHttps: z.boolean().default(false), http2Enable: z.boolean().default(false) })
    .nullish(),
  operatingState: z.string().default(''),
  operatingStateDesc: z.string().optional(),
});

/** Converts a list entry to the summary type. */
export function toCertificateSummary(entry: z.infer<typeof certificateEntrySchema>): QiniuCertificateSummary {
  return {
    certId: entry.certid,
    name: entry.name,
    commonName: entry.common_name,
    dnsNames: entry.dnsnames ?? [],
    ...(entry.not_before === undefined ? {} : { notBefore: entry.not_before }),
    ...(entry.not_after === undefined ? {} : { notAfter: entry.not_after }),
    ...(entry.create_time === undefined ? {} : { createTime: entry.create_time }),
  };
}

/** Converts a domain reply. An empty certificate ID means the domain has no certificate. */
export function toDomainInfo(reply: z.infer<typeof domainReplySchema>): QiniuDomainInfo {
  const certId = reply.https?.certId ?? reply.https?.certid ?? reply.https?.certID ?? '';
  return {
    name: reply.name,
    type: reply.type,
    protocol: reply.protocol,
    https:
      reply.https && certId !== ''
        ? { certId, forceHttps: reply.https.forceHttps, http2Enable: reply.https.http2Enable }
        : null,
    operatingState: reply.operatingState,
    ...(reply.operatingStateDesc ? { operatingStateDesc: reply.operatingStateDesc } : {}),
  };
}
