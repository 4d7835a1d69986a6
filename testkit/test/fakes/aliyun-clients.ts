import Alidns from '@alicloud/alidns20150109';
import Cas from '@alicloud/cas20200407';
import Cdn from '@alicloud/cdn20180510';
import Dcdn from '@alicloud/dcdn20180115';
import OpenApiClient from '@alicloud/openapi-client';
import { $OpenApiUtil } from '@alicloud/openapi-core';

/** Real Aliyun SDK clients pointed at a fake on 127.0.0.1. */
export interface AliyunClients {
  cas: InstanceType<typeof Cas.default>;
  cdn: InstanceType<typeof Cdn.default>;
  dcdn: InstanceType<typeof Dcdn.default>;
  dns: InstanceType<typeof Alidns.default>;
}

/**
 * Builds the SDK clients. These packages are CommonJS with `exports.default`, so under ESM the
 * default import is the whole module and the client class is its `default`.
 * `signatureAlgorithm: 'v2'` switches them to RPC V1 (HMAC-SHA1) signing.
 */
export function aliyunClients(
  endpoint: string,
  credentials: { accessKeyId: string; accessKeySecret: string },
  signatureAlgorithm?: 'v2',
): AliyunClients {
  const settings = {
    ...credentials,
    endpoint,
    protocol: 'http',
    ...(signatureAlgorithm ? { signatureAlgorithm } : {}),
  };
  return {
    cas: new Cas.default(new $OpenApiUtil.Config(settings)),
    cdn: new Cdn.default(new $OpenApiUtil.Config(settings)),
    dcdn: new Dcdn.default(new OpenApiClient.Config(settings)),
    dns: new Alidns.default(new $OpenApiUtil.Config(settings)),
  };
}

/** Runs an SDK call expected to fail and returns the SDK error's fields. */
export async function sdkError(
  call: () => Promise<unknown>,
): Promise<{ code: string; statusCode: number | undefined; message: string; name: string }> {
  try {
    await call();
  } catch (error) {
    const fields = error as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };
    return {
      code: String(fields.code),
      statusCode: typeof fields.statusCode === 'number' ? fields.statusCode : undefined,
      message: String(fields.message),
      name: String(fields.name),
    };
  }
  throw new Error('Expected the SDK call to fail, but it succeeded');
}
