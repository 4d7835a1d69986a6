export * from './qiniu-signature.js';
export * from './qiniu.js';
export type { QiniuDomainSetup, QiniuDomainSnapshot, QiniuDomainType, QiniuHttpsConfig } from './qiniu-domains.js';
export type { QiniuCertificate } from './qiniu-certificates.js';

export * from './aliyun-acs3-signature.js';
export * from './aliyun-rpc-signature.js';
export * from './aliyun.js';
export type { AliyunAccount } from './aliyun-auth.js';
export { CAS_REGION, casSerialNumber, type CasCertificate } from './aliyun-cas.js';
export type { CdnDomainSnapshot, CdnProduct } from './aliyun-cdn.js';
export type { AlidnsRecord, TxtChangeListener } from './aliyun-dns.js';
export * from './challtestsrv-mirror.js';

export type { FakeRequestRecord } from './controls.js';
export type { ProcessingHold } from './edge-deployment.js';
export * from './certificate-info.js';
export * from './tls-edge.js';

export * from './oss-signature.js';
export * from './aliyun-oss.js';
export type { CasLookup, OssCnameSnapshot, TxtLookup } from './aliyun-oss-cname.js';
