import Alidns from '@alicloud/alidns20150109';
import OpenApiClient from '@alicloud/openapi-client';
import { CertPilotError } from '../../errors.js';
import type { CloudCredential } from '../types.js';
import { checkAliyunCredential } from './clients.js';

/** The public Alidns API host, the default endpoint. */
export const ALIDNS_ENDPOINT = 'alidns.aliyuncs.com';

/** An Alidns 2015-01-09 SDK client. */
export type AlidnsClient = InstanceType<typeof Alidns.default>;

export interface AlidnsClientOptions {
  credential: CloudCredential;
  /** The API host (`host[:port]`) or an http(s) URL without a path. Default `alidns.aliyuncs.com`. */
  endpoint?: string;
  /** Protocol for an `endpoint` written without a scheme. Default `https`. */
  protocol?: 'https' | 'http';
}

const CONNECT_TIMEOUT_MS = 10_000;
const READ_TIMEOUT_MS = 30_000;

/**
 * Creates an Alidns SDK client signed with `credential`.
 *
 * @throws CertPilotError `CONFIG_INVALID` when the credential is not a complete Aliyun AccessKey
 *   pair or the endpoint is not a host or an http(s) URL without a path.
 */
export function createAlidnsClient(options: AlidnsClientOptions): AlidnsClient {
  const { accessKeyId, accessKeySecret } = checkAliyunCredential(options.credential);
  const endpoint = options.endpoint ?? ALIDNS_ENDPOINT;
  const url = parseOrigin(endpoint, options.protocol ?? 'https');

  // The Alidns package is built on @alicloud/openapi-core, whose client only reads these fields
  // from its config. The Config class of @alicloud/openapi-client, a declared dependency of core,
  // has the same fields.
  const config = new OpenApiClient.Config({
    accessKeyId,
    accessKeySecret,
    endpoint: url.host,
    protocol: url.protocol === 'http:' ? 'http' : 'https',
    connectTimeout: CONNECT_TIMEOUT_MS,
    readTimeout: READ_TIMEOUT_MS,
  });
  return new Alidns.default(config);
}

function parseOrigin(endpoint: string, protocol: 'https' | 'http'): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${protocol}://${endpoint}`;
  const url = URL.canParse(withScheme) ? new URL(withScheme) : null;
  const isOrigin =
    url !== null &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  if (isOrigin) return url;

  throw new CertPilotError(
    'CONFIG_INVALID',
    `Invalid Alidns endpoint "${endpoint}": expected a host such as ${ALIDNS_ENDPOINT} or an http(s) URL without a path.`,
    { params: { product: 'alidns', endpoint } },
  );
}
