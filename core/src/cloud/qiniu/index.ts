export { QiniuClient, QINIU_API_ENDPOINT, type QiniuClientOptions, type QiniuCertificateUpload } from './client.js';
export type {
  QiniuCertificateDetail,
  QiniuCertificateSummary,
  QiniuDomainInfo,
  QiniuHttpsSettings,
} from './api-types.js';
export { QiniuCdnTarget, type QiniuCdnTargetOptions } from './cdn-target.js';
export { QiniuKodoTarget, type QiniuKodoTargetOptions } from './kodo-target.js';
export type { QiniuTargetOptions } from './target-options.js';
export { qiniuAuthorization, qiniuStringToSign, type QiniuRequestToSign } from './signature.js';
export { parseRetryAfterMs } from './response-errors.js';
export { toQiniuDomain, uploadName } from './names.js';
