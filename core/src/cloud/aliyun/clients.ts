import Cas from '@alicloud/cas20200407';
import Cdn from '@alicloud/cdn20180510';
import Dcdn from '@alicloud/dcdn20180115';
import OpenApiClient from '@alicloud/openapi-client';
import OSS from 'ali-oss';

import { CertPilotError } from '../../errors.js';
import type { CloudCredential } from '../types.js';
import { resolveApiEndpoint, resolveOssEndpoint, type AliyunApiProduct, type AliyunEndpoints } from './endpoints.js';

// The SDK packages are CommonJS with `exports.default`: under ESM the default import is the
// whole module, and the client class is its `default`.
/** CAS (Certificate Management Service) 2020-04-07 SDK client. */
export type CasClient = InstanceType<typeof Cas.default>;
/** CDN 2018-05-10 SDK client. */
export type CdnClient = InstanceType<typeof Cdn.default>;
/** DCDN 2018-01-15 SDK client. */
export type DcdnClient = InstanceType<typeof Dcdn.default>;

const CONNECT_TIMEOUT_MS = 10_000;
const READ_TIMEOUT_MS = 30_000;

/** Creates a CAS client signed with `credential`; see {@link AliyunEndpoints} for the endpoint. */
export function createCasClient(credential: CloudCredential, endpoints?: AliyunEndpoints): CasClient {
  return new Cas.default(sdkConfig('cas', credential, endpoints));
}

/** Creates a CDN client signed with `credential`. */
export function createCdnClient(credential: CloudCredential, endpoints?: AliyunEndpoints): CdnClient {
  return new Cdn.default(sdkConfig('cdn', credential, endpoints));
}

/** Creates a DCDN client signed with `credential`. */
export function createDcdnClient(credential: CloudCredential, endpoints?: AliyunEndpoints): DcdnClient {
  return new Dcdn.default(sdkConfig('dcdn', credential, endpoints));
}

/**
 * Builds the SDK config for `product`. The CAS and CDN packages are built on
 * `@alicloud/openapi-core` and DCDN on `@alicloud/openapi-client`. Their clients only read fields
 * from the config, and both Config classes have these fields, so the Config of
 * `@alicloud/openapi-client` (a declared dependency of core) serves all three.
 */
function sdkConfig(product: AliyunApiProduct, credential: CloudCredential, endpoints?: AliyunEndpoints) {
  const { accessKeyId, accessKeySecret } = checkAliyunCredential(credential);
  const { host, protocol } = resolveApiEndpoint(product, endpoints);
  return new OpenApiClient.Config({
    accessKeyId,
    accessKeySecret,
    endpoint: host,
    protocol,
    connectTimeout: CONNECT_TIMEOUT_MS,
    readTimeout: READ_TIMEOUT_MS,
  });
}

/** The options of one `ali-oss` request that the bucket CNAME calls use. */
export interface OssRequest {
  method: 'GET' | 'POST';
  bucket: string;
  /** Sub-resources, e.g. `{ cname: '', comp: 'add' }` for `?cname&comp=add`. */
  subres: Record<string, string>;
  content?: string;
  mime?: string;
  /** Statuses that count as success; ali-oss treats every status as success without it. */
  successStatuses: number[];
  /** Parses the XML reply into `data`. */
  xmlResponse?: boolean;
}

/**
 * The generic request method of an `ali-oss` client. ali-oss 6.x has no CNAME methods and its
 * typings omit `request`, so the targets call it through this interface.
 */
export interface OssClient {
  request(request: OssRequest): Promise<{ status: number; data: unknown }>;
}

/** Bucket, region and endpoint of an OSS client. */
export interface OssClientOptions {
  bucket: string;
  /** Region of the bucket, with or without the `oss-` prefix (`oss-cn-hangzhou` or `cn-hangzhou`). */
  region: string;
  endpoints?: AliyunEndpoints;
}

/**
 * Creates an `ali-oss` client for one bucket. ali-oss builds the Host header
 * `<bucket>.<region>.aliyuncs.com` from `region`, so the region is given the `oss-` prefix that
 * the production host names need.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a non-Aliyun credential, an invalid region, bucket or endpoint.
 */
export function createOssClient(credential: CloudCredential, options: OssClientOptions): OssClient {
  const { accessKeyId, accessKeySecret } = checkAliyunCredential(credential);
  const region = ossRegionWithPrefix(options.region);
  checkBucketName(options.bucket);
  const endpoint = resolveOssEndpoint(options.endpoints);

  const client = new OSS({
    accessKeyId,
    accessKeySecret,
    region,
    bucket: options.bucket,
    // ali-oss defaults to plain HTTP; an endpoint URL carries its own scheme.
    secure: true,
    timeout: READ_TIMEOUT_MS,
    ...(endpoint === undefined ? {} : { endpoint }),
  });
  return client as unknown as OssClient;
}

/** Returns `oss-<region>` for `cn-hangzhou` or `oss-cn-hangzhou`. */
export function ossRegionWithPrefix(region: string): string {
  const bare = region.replace(/^oss-/, '');
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(bare)) {
    throw new CertPilotError(
      'CONFIG_INVALID',
      `Invalid OSS region "${region}": expected a region such as oss-cn-hangzhou.`,
      {
        params: { ossRegion: region },
      },
    );
  }
  return `oss-${bare}`;
}

/** OSS bucket names: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen. */
function checkBucketName(bucket: string): void {
  if (/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) return;
  throw new CertPilotError(
    'CONFIG_INVALID',
    `Invalid OSS bucket name "${bucket}": use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.`,
    { params: { bucket } },
  );
}

/**
 * Returns `credential` when it is a complete Aliyun AccessKey pair.
 *
 * @throws CertPilotError `CONFIG_INVALID` naming what is wrong, never the secret.
 */
export function checkAliyunCredential(credential: CloudCredential): CloudCredential {
  const problem =
    credential.provider !== 'aliyun'
      ? `is a ${String(credential.provider)} credential, not an Aliyun one`
      : !credential.accessKeyId?.trim()
        ? 'has no AccessKey ID'
        : !credential.accessKeySecret?.trim()
          ? 'has no AccessKey secret'
          : null;
  if (problem === null) return credential;
  throw new CertPilotError('CONFIG_INVALID', `The Aliyun credential ${problem}.`, {
    params: { provider: credential.provider, reason: problem },
  });
}
