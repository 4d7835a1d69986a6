import { STATUS_CODES } from 'node:http';

/**
 * An error reply of the fake Qiniu API: HTTP `status` and the body `{"code": code, "error": message}`.
 *
 * NOTE: the codes come from Qiniu's published code tables and from clients that handle
 * them. Only `bad token`, `no such domain` and `domaintype is not allowed` are known message
 * texts; the other texts are written here. For six-digit codes the HTTP status is taken from
 * the first three digits, which is an inference.
 */
export class QiniuError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'QiniuError';
  }

  /** The JSON body the service sends. */
  toBody(): { code: number; error: string } {
    return { code: this.code, error: this.message };
  }
}

function coded(code: number, message: string): QiniuError {
  return new QiniuError(Math.floor(code / 1000), code, message);
}

export const qiniuErrors = {
  badToken: () => new QiniuError(401, 401, 'bad token'),
  requestTimeSkewed: () => new QiniuError(403, 403, 'X-Qiniu-Date is more than 15 minutes away from server time'),
  throttled: () => coded(403024, 'too many requests: the per-user QPS limit is exceeded'),
  injectedFailure: (status: number) => new QiniuError(status, status, STATUS_CODES[status] ?? 'server error'),
  invalidArgument: (message: string) => new QiniuError(400, 400, message),
  notFound: () => new QiniuError(404, 404, 'no such API'),
  methodNotAllowed: () => new QiniuError(405, 405, 'method not allowed'),
  noSuchDomain: () => new QiniuError(612, 612, 'no such domain'),
  domainTypeNotAllowed: () => new QiniuError(403, 403, 'domaintype is not allowed'),
  domainProcessing: () => coded(400030, 'domain is processing a previous change, retry later'),
  httpsNotEnabled: () => coded(400302, 'cannot change the certificate of a domain that is not HTTPS; use sslize'),
  certificateDoesNotCoverDomain: () => new QiniuError(400, 400, 'certificate does not match the domain'),
  certificateDecodeFailed: (what: string) => coded(404906, `certificate decode failed: ${what}`),
  chainVerificationFailed: () => coded(400323, 'certificate chain verification failed'),
  validityTooShort: () => coded(400322, 'certificate validity is too short'),
  certificateExpired: () => coded(400329, 'certificate has expired'),
  noSuchCertificate: () => coded(400401, 'no such certificate'),
  certificateInUse: () => coded(400611, 'certificate is bound to a domain and cannot be deleted'),
};
