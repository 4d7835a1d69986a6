import type { DeployTarget } from '../jobs/target.js';
import type { Logger } from '../log.js';
import { AliyunCdnTarget } from './aliyun/cdn-target.js';
import { AliyunOssTarget } from './aliyun/oss-target.js';
import { QiniuCdnTarget } from './qiniu/cdn-target.js';
import { QiniuKodoTarget } from './qiniu/kodo-target.js';
import type { CloudCredential, CloudTargetKind, EdgeProbeOptions, UploadRegistry } from './types.js';

/** A cloud site as hosts store it: what to bind where. */
export interface CloudSiteSpec {
  siteId: string;
  target: CloudTargetKind;
  /** Names in the certificate. */
  names: string[];
  /** Provider domains to bind; the names by default (Qiniu turns `*.x` into `.x` itself). */
  domains?: string[];
  bucket?: string;
  ossRegion?: string;
  casRegion?: string;
  edge?: EdgeProbeOptions;
  /** Qiniu: maximum wait for a CDN domain that is processing, in milliseconds. */
  processingWaitMs?: number;
}

/** Endpoint overrides for every provider API; the real hosts are the defaults. */
export interface CloudEndpoints {
  qiniu?: string;
  aliyunCas?: string;
  aliyunCdn?: string;
  aliyunDcdn?: string;
  oss?: string;
  /** Scheme for Aliyun endpoints written without one; `http` only for local test servers. */
  aliyunProtocol?: 'https' | 'http';
}

export interface CloudTargetDeps {
  credential: CloudCredential;
  registry: UploadRegistry;
  endpoints?: CloudEndpoints;
  logger: Logger;
}

/** Builds the deploy target for a cloud site. */
export function createCloudTarget(site: CloudSiteSpec, deps: CloudTargetDeps): DeployTarget {
  const domains = site.domains ?? site.names;
  const endpoints = deps.endpoints ?? {};
  const common = {
    credential: deps.credential,
    siteId: site.siteId,
    domains,
    registry: deps.registry,
    ...(site.edge ? { edge: site.edge } : {}),
    logger: deps.logger,
  };
  const aliyunEndpoints = {
    ...(endpoints.aliyunCas ? { cas: endpoints.aliyunCas } : {}),
    ...(endpoints.aliyunCdn ? { cdn: endpoints.aliyunCdn } : {}),
    ...(endpoints.aliyunDcdn ? { dcdn: endpoints.aliyunDcdn } : {}),
    ...(endpoints.oss ? { oss: endpoints.oss } : {}),
    ...(endpoints.aliyunProtocol ? { protocol: endpoints.aliyunProtocol } : {}),
  };
  const aliyun = { ...common, endpoints: aliyunEndpoints, ...(site.casRegion ? { region: site.casRegion } : {}) };

  switch (site.target) {
    case 'qiniu-cdn':
      return new QiniuCdnTarget({
        ...common,
        ...(endpoints.qiniu ? { endpoint: endpoints.qiniu } : {}),
        ...(site.processingWaitMs === undefined
          ? {}
          : {
              processingWaitMs: site.processingWaitMs,
              pollIntervalMs: Math.min(5_000, Math.max(100, site.processingWaitMs / 10)),
            }),
      });
    case 'qiniu-kodo':
      return new QiniuKodoTarget({ ...common, ...(endpoints.qiniu ? { endpoint: endpoints.qiniu } : {}) });
    case 'aliyun-oss':
      return new AliyunOssTarget({ ...aliyun, bucket: site.bucket ?? '', ossRegion: site.ossRegion ?? '' });
    case 'aliyun-cdn':
      return new AliyunCdnTarget({ ...aliyun, product: 'cdn' });
    case 'aliyun-dcdn':
      return new AliyunCdnTarget({ ...aliyun, product: 'dcdn' });
  }
}
