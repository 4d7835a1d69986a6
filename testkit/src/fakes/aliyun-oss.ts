import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import type { AliyunAccount } from './aliyun-auth.js';
import { OssCnameStore, type CasLookup, type OssCnameSnapshot, type TxtLookup } from './aliyun-oss-cname.js';
import { FaultQueue, newRequestRecord, type FakeRequestRecord } from './controls.js';
import type { ProcessingHold } from './edge-deployment.js';
import { headerValue, sendXml, startHttpServer, type ReceivedRequest } from './http-server.js';
import { authenticateOssRequest } from './oss-auth.js';
import { OssError, ossErrors } from './oss-errors.js';
import { renderXmlDocument, type XmlElement } from './oss-xml.js';
import { startTlsEdge } from './tls-edge.js';

/** A bucket the fake hosts; `region` is written `cn-hangzhou` (an `oss-` prefix is accepted). */
export interface FakeOssBucket {
  name: string;
  region: string;
}

export interface FakeOssOptions {
  /** Accounts whose signatures the fake accepts; every account may use every bucket. */
  accounts: AliyunAccount[];
  buckets: FakeOssBucket[];
  /** Resolves `CertId` values (`<casId>-<region>`); pass the fake Aliyun's `casLookup`. */
  casLookup: CasLookup;
  /** Lets a published `_dnsauth.<domain>` token prove ownership; pass the fake Aliyun's `txtValues`. */
  txtLookup?: TxtLookup;
}

/** A running fake of the OSS bucket CNAME API as ali-oss sends it to an IP endpoint, with a TLS edge. */
export interface FakeOss {
  /** Endpoint for ali-oss: `http://127.0.0.1:<port>`; ali-oss then sends `Host: <bucket>.oss-<region>.aliyuncs.com`. */
  url: string;
  port: number;
  /** Port of the TLS edge that serves each custom domain's certificate by SNI. */
  edgePort: number;
  requests: FakeRequestRecord[];
  /** Marks a domain's ownership as verified, as if its `_dnsauth` TXT record had been checked. */
  verifyDomain(domain: string): void;
  holdProcessing(domain: string, hold: ProcessingHold): void;
  finishProcessing(domain: string): void;
  throttleNext(count: number): void;
  failNext(count: number, status?: number): void;
  cname(domain: string): OssCnameSnapshot;
  close(): Promise<void>;
}

const HOST_PATTERN = /^([a-z0-9][a-z0-9-]{1,62})\.oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com(?::\d+)?$/;

/**
 * Starts the fake on 127.0.0.1 (random ports). It reads the bucket and region from the Host
 * header, verifies V1 and V4 signatures, and serves PutCname, ListCname, CreateCnameToken,
 * GetCnameToken and DeleteCname with OSS's XML error bodies.
 */
export async function startFakeOss(options: FakeOssOptions): Promise<FakeOss> {
  const secrets = new Map(options.accounts.map((account) => [account.accessKeyId, account.accessKeySecret]));
  const buckets = new Map(options.buckets.map((bucket) => [bucket.name, bucket.region.replace(/^oss-/, '')]));
  const cnames = new OssCnameStore(options.casLookup, options.txtLookup);
  const faults = new FaultQueue();
  const requests: FakeRequestRecord[] = [];

  const server = await startHttpServer(async (request, response) => {
    const operation = operationName(request);
    const record = newRequestRecord(request, operation);
    requests.push(record);
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const host = headerValue(request.headers, 'host') ?? '';

    try {
      const target = HOST_PATTERN.exec(host);
      if (target === null) throw ossErrors.invalidHost(host);
      const [, bucket, region] = target as unknown as [string, string, string];

      authenticateOssRequest(request, bucket, region, secrets);
      record.signed = true;

      const bucketRegion = buckets.get(bucket);
      if (bucketRegion === undefined) throw ossErrors.noSuchBucket(bucket);
      if (bucketRegion !== region) throw ossErrors.wrongEndpoint(`${bucket}.oss-${bucketRegion}.aliyuncs.com`);

      const fault = faults.take();
      if (fault?.kind === 'throttle') throw ossErrors.throttled();
      if (fault?.kind === 'fail') throw ossErrors.injectedFailure(fault.status);

      const document = route(request, operation, bucket, cnames);
      reply(response, record, requestId, 200, document === undefined ? '' : renderXmlDocument(document));
    } catch (error) {
      if (!(error instanceof OssError)) throw error;
      record.errorCode = error.code;
      reply(response, record, requestId, error.status, error.toXml(requestId, host.replace(/:\d+$/, '')));
    }
  });

  const edge = await startTlsEdge((servername) => cnames.servedCertificate(servername));

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    edgePort: edge.port,
    requests,
    verifyDomain: (domain) => cnames.verifyDomain(domain),
    holdProcessing: (domain, hold) => cnames.holdProcessing(domain, hold),
    finishProcessing: (domain) => cnames.finishProcessing(domain),
    throttleNext: (count) => faults.throttleNext(count),
    failNext: (count, status) => faults.failNext(count, status),
    cname: (domain) => cnames.snapshot(domain),
    close: async () => {
      cnames.dispose();
      await Promise.all([server.close(), edge.close()]);
    },
  };
}

/** Returns the CNAME operation that a request's method and sub-resources select, or undefined. */
function operationName(request: ReceivedRequest): string | undefined {
  const query = new Map(request.query);
  if (request.path !== '/') return undefined;
  if (request.method === 'POST' && query.has('cname')) {
    const comp = query.get('comp');
    if (comp === 'add') return 'PutCname';
    if (comp === 'token') return 'CreateCnameToken';
    if (comp === 'delete') return 'DeleteCname';
  }
  if (request.method === 'GET' && query.get('comp') === 'token' && query.get('cname')) return 'GetCnameToken';
  if (request.method === 'GET' && query.has('cname') && !query.has('comp')) return 'ListCname';
  return undefined;
}

function route(
  request: ReceivedRequest,
  operation: string | undefined,
  bucket: string,
  cnames: OssCnameStore,
): XmlElement | undefined {
  const body = request.body.toString('utf8');
  switch (operation) {
    case 'PutCname':
      cnames.put(bucket, body);
      return undefined;
    case 'DeleteCname':
      cnames.delete(bucket, body);
      return undefined;
    case 'CreateCnameToken':
      return cnames.createToken(bucket, body);
    case 'GetCnameToken':
      return cnames.getToken(bucket, new Map(request.query).get('cname') as string);
    case 'ListCname':
      return cnames.list(bucket, 'fake-owner');
    default:
      throw ossErrors.notImplemented();
  }
}

function reply(
  response: ServerResponse,
  record: FakeRequestRecord,
  requestId: string,
  status: number,
  xml: string,
): void {
  record.status = status;
  sendXml(response, status, xml, { 'x-oss-request-id': requestId, server: 'AliyunOSS' });
}
