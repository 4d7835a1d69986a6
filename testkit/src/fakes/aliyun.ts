import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { authenticateAliyunRequest, NonceRegistry, requestedAction, type AliyunAccount } from './aliyun-auth.js';
import { casHandlers, CasStore, type CasCertificate, type RpcHandler } from './aliyun-cas.js';
import { cdnHandlers, CdnDomainStore, type CdnDomainSnapshot, type CdnProduct } from './aliyun-cdn.js';
import { alidnsHandlers, AlidnsStore, type AlidnsRecord, type TxtChangeListener } from './aliyun-dns.js';
import { AliyunError, aliyunErrorBody, aliyunErrors } from './aliyun-errors.js';
import { CallParameters } from './aliyun-parameters.js';
import { FaultQueue, newRequestRecord, type FakeRequestRecord } from './controls.js';
import type { ProcessingHold } from './edge-deployment.js';
import { headerValue, sendJson, startHttpServer } from './http-server.js';
import type { EdgeCertificate } from './tls-edge.js';
import { startTlsEdge } from './tls-edge.js';

export interface FakeAliyunOptions {
  /** Accounts whose signatures the fake accepts. All of them share one set of resources. */
  accounts: AliyunAccount[];
  /** Mirrors Alidns TXT changes, e.g. into pebble-challtestsrv; awaited before the API replies. */
  onTxtChange?: TxtChangeListener;
}

/** A running fake of Aliyun CAS, CDN, DCDN and Alidns (RPC style), with a TLS edge for CDN domains. */
export interface FakeAliyun {
  /** Endpoint for the SDK config: `127.0.0.1:<port>` with `protocol: 'http'`. */
  endpoint: string;
  port: number;
  /** Port of the TLS edge that serves each CDN/DCDN domain's bound certificate by SNI. */
  edgePort: number;
  /** Every request received, oldest first. */
  requests: FakeRequestRecord[];
  /** Adds a CDN (default) or DCDN domain without HTTPS. */
  addCdnDomain(name: string, product?: CdnProduct): void;
  /** Adds a domain the account hosts in Alidns. */
  addDnsDomain(name: string): void;
  /** Makes later binds leave the CDN/DCDN domain processing for `hold` ms (or until `finishProcessing`). */
  holdProcessing(name: string, hold: ProcessingHold): void;
  finishProcessing(name: string): void;
  throttleNext(count: number): void;
  failNext(count: number, status?: number): void;
  /** Resolves a `<casId>-<region>` identifier to its chain and key; pass it to `startFakeOss`. */
  casLookup(certIdentifier: string): EdgeCertificate | null;
  casCertificates(): CasCertificate[];
  cdnDomain(name: string): CdnDomainSnapshot;
  dnsRecords(domainName?: string): AlidnsRecord[];
  /** Current TXT values at `fqdn` (no trailing dot needed). */
  txtValues(fqdn: string): string[];
  close(): Promise<void>;
}

/** API versions the fake serves; each product's version is unique, so it selects the product. */
const PRODUCT_VERSIONS = { cas: '2020-04-07', cdn: '2018-05-10', dcdn: '2018-01-15', alidns: '2015-01-09' } as const;

/**
 * Starts the fake on 127.0.0.1 (random ports). It verifies ACS3-HMAC-SHA256 and RPC V1
 * signatures, rejects reused nonces and clocks more than 15 minutes off, and replies with
 * the services' JSON error bodies.
 */
export async function startFakeAliyun(options: FakeAliyunOptions): Promise<FakeAliyun> {
  const secrets = new Map(options.accounts.map((account) => [account.accessKeyId, account.accessKeySecret]));
  const nonces = new NonceRegistry();
  const faults = new FaultQueue();
  const requests: FakeRequestRecord[] = [];

  const cas = new CasStore();
  const cdnDomains = new CdnDomainStore(cas);
  const dns = new AlidnsStore();
  const handlers = new Map<string, RpcHandler>();
  const register = (version: string, table: Record<string, RpcHandler>): void => {
    for (const [action, handler] of Object.entries(table)) handlers.set(`${version}/${action}`, handler);
  };
  register(
    PRODUCT_VERSIONS.cas,
    casHandlers(cas, (id) => cdnDomains.isCasCertificateInUse(id)),
  );
  register(PRODUCT_VERSIONS.cdn, cdnHandlers('cdn', cdnDomains, cas));
  register(PRODUCT_VERSIONS.dcdn, cdnHandlers('dcdn', cdnDomains, cas));
  register(PRODUCT_VERSIONS.alidns, alidnsHandlers(dns, options.onTxtChange));

  const server = await startHttpServer(async (request, response) => {
    const record = newRequestRecord(request, requestedAction(request));
    requests.push(record);
    const requestId = randomUUID().toUpperCase();

    try {
      const call = authenticateAliyunRequest(request, secrets, nonces);
      record.signed = true;

      const fault = faults.take();
      if (fault?.kind === 'throttle') throw aliyunErrors.throttled();
      if (fault?.kind === 'fail') throw aliyunErrors.injectedFailure(fault.status);

      const handler = handlers.get(`${call.version}/${call.action}`);
      if (handler === undefined) throw aliyunErrors.apiNotFound();
      const body = await handler(new CallParameters(call.parameters));
      reply(response, record, 200, { RequestId: requestId, ...body });
    } catch (error) {
      if (!(error instanceof AliyunError)) throw error;
      record.errorCode = error.code;
      reply(
        response,
        record,
        error.status,
        aliyunErrorBody(error, requestId, headerValue(request.headers, 'host') ?? ''),
      );
    }
  });

  const edge = await startTlsEdge((servername) => {
    const certificate = cdnDomains.servedCertificate(servername);
    return certificate === null ? null : { certPem: certificate.certPem, keyPem: certificate.keyPem };
  });

  return {
    endpoint: `127.0.0.1:${server.port}`,
    port: server.port,
    edgePort: edge.port,
    requests,
    addCdnDomain: (name, product = 'cdn') => cdnDomains.add(name, product),
    addDnsDomain: (name) => dns.addDomain(name),
    holdProcessing: (name, hold) => cdnDomains.holdProcessing(name, hold),
    finishProcessing: (name) => cdnDomains.finishProcessing(name),
    throttleNext: (count) => faults.throttleNext(count),
    failNext: (count, status) => faults.failNext(count, status),
    casLookup: (identifier) => {
      const certificate = cas.findByIdentifier(identifier);
      return certificate === null ? null : { certPem: certificate.certPem, keyPem: certificate.keyPem };
    },
    casCertificates: () => cas.all(),
    cdnDomain: (name) => cdnDomains.snapshot(name),
    dnsRecords: (domainName) => dns.records(domainName?.toLowerCase()),
    txtValues: (fqdn) => dns.txtValues(fqdn),
    close: async () => {
      cdnDomains.dispose();
      await Promise.all([server.close(), edge.close()]);
    },
  };
}

function reply(response: ServerResponse, record: FakeRequestRecord, status: number, body: unknown): void {
  record.status = status;
  sendJson(response, status, body);
}
