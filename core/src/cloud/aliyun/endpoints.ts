import { CertPilotError } from '../../errors.js';

/** Public API hosts of the Aliyun products the deploy targets call. */
export const ALIYUN_API_HOSTS = {
  cas: 'cas.aliyuncs.com',
  cdn: 'cdn.aliyuncs.com',
  dcdn: 'dcdn.aliyuncs.com',
} as const;

/** An Aliyun RPC-style product with a configurable endpoint. */
export type AliyunApiProduct = keyof typeof ALIYUN_API_HOSTS;

/**
 * Endpoint overrides for the Aliyun deploy targets. Every field defaults to the public service,
 * so production configs leave them out and tests point them at local servers.
 */
export interface AliyunEndpoints {
  /** CAS 2020-04-07 API: a host (`host[:port]`) or an http(s) URL. Default `cas.aliyuncs.com`. */
  cas?: string;
  /** CDN 2018-05-10 API, written like `cas`. Default `cdn.aliyuncs.com`. */
  cdn?: string;
  /** DCDN 2018-01-15 API, written like `cas`. Default `dcdn.aliyuncs.com`. */
  dcdn?: string;
  /** Protocol for `cas`, `cdn` and `dcdn` values written without a scheme. Default `https`. */
  protocol?: 'https' | 'http';
  /**
   * OSS endpoint: an http(s) URL or a host reached over HTTPS. Default
   * `https://<ossRegion>.aliyuncs.com`, which ali-oss derives from the region.
   */
  oss?: string;
}

/** Host and protocol of an RPC-style API: the `endpoint` and `protocol` fields of the SDK config. */
export interface ApiEndpoint {
  host: string;
  protocol: 'https' | 'http';
}

/**
 * Resolves the endpoint of `product` from the overrides.
 *
 * @throws CertPilotError `CONFIG_INVALID` naming the value when it is not a host or an http(s)
 *   URL without a path.
 */
export function resolveApiEndpoint(product: AliyunApiProduct, endpoints: AliyunEndpoints = {}): ApiEndpoint {
  const value = endpoints[product] ?? ALIYUN_API_HOSTS[product];
  const url = parseOrigin(value, endpoints.protocol ?? 'https');
  if (url === null) throw invalidEndpoint(product, value);
  return { host: url.host, protocol: url.protocol === 'http:' ? 'http' : 'https' };
}

/**
 * Resolves the OSS endpoint override to the URL ali-oss takes, or `undefined` for the default.
 *
 * @throws CertPilotError `CONFIG_INVALID` when the value is not a host or an http(s) URL without a path.
 */
export function resolveOssEndpoint(endpoints: AliyunEndpoints = {}): string | undefined {
  if (endpoints.oss === undefined) return undefined;
  const url = parseOrigin(endpoints.oss, 'https');
  if (url === null) throw invalidEndpoint('oss', endpoints.oss);
  return url.origin;
}

/** Parses `value` as a scheme-less host or an http(s) origin; `null` when it is anything else. */
function parseOrigin(value: string, defaultProtocol: 'https' | 'http'): URL | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `${defaultProtocol}://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  const isOrigin =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  return isOrigin ? url : null;
}

function invalidEndpoint(product: string, value: string): CertPilotError {
  return new CertPilotError(
    'CONFIG_INVALID',
    `Invalid Aliyun ${product} endpoint "${value}": expected a host such as cas.aliyuncs.com or an http(s) URL without a path.`,
    { params: { product, endpoint: value } },
  );
}
