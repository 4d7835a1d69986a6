export { AliyunCdnTarget, type AliyunCdnTargetOptions } from './cdn-target.js';
export { AliyunOssTarget, type AliyunOssTargetOptions } from './oss-target.js';
export { DEFAULT_CAS_REGION, type AliyunTargetOptions } from './target-options.js';
export type { AliyunCdnProduct } from './cdn-api.js';
export type { ThrottleRetryOptions } from './call.js';
export { ALIYUN_API_HOSTS, type AliyunEndpoints } from './endpoints.js';
export {
  createCasClient,
  createCdnClient,
  createDcdnClient,
  createOssClient,
  type CasClient,
  type CdnClient,
  type DcdnClient,
  type OssClient,
  type OssClientOptions,
  type OssRequest,
} from './clients.js';
export { mapAliyunError, type AliyunCallContext } from './map-error.js';
export { casCertificateName } from './cas-upload.js';
