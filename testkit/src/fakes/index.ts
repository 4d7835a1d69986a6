export * from './qiniu-signature.js';
export * from './qiniu.js';
export type { QiniuDomainSetup, QiniuDomainSnapshot, QiniuDomainType, QiniuHttpsConfig } from './qiniu-domains.js';
export type { QiniuCertificate } from './qiniu-certificates.js';
export type { FakeRequestRecord } from './controls.js';
export type { ProcessingHold } from './edge-deployment.js';
export * from './certificate-info.js';
export * from './tls-edge.js';
