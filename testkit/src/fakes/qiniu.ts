import type { ServerResponse } from 'node:http';

import { parseCompactUtc, withinClockSkew } from './clock-skew.js';
import { FaultQueue, newRequestRecord, type FakeRequestRecord } from './controls.js';
import type { ProcessingHold } from './edge-deployment.js';
import { headerValue, sendJson, startHttpServer, type ReceivedRequest } from './http-server.js';
import {
  certificateDetailView,
  certificateListView,
  QiniuCertificateStore,
  type QiniuCertificate,
} from './qiniu-certificates.js';
import {
  domainView,
  parseHttpsConfig,
  QiniuDomainStore,
  type QiniuDomainSetup,
  type QiniuDomainSnapshot,
} from './qiniu-domains.js';
import { QiniuError, qiniuErrors } from './qiniu-errors.js';
import { verifyQiniuAuthorization, type QiniuCredentials, type QiniuSignatureQuirk } from './qiniu-signature.js';
import { startTlsEdge } from './tls-edge.js';

export interface FakeQiniuOptions {
  /** Accounts whose signatures the fake accepts. All of them share one set of certificates and domains. */
  accounts: QiniuCredentials[];
  /**
   * Uploads with less validity left than this are rejected with 400322. Default one hour.
   * NOTE: the service's real threshold is not published; this default is a guess.
   */
  minRemainingValidityMs?: number;
}

/** A running fake of Qiniu's certificate, CDN domain and Kodo domain APIs, with a TLS edge. */
export interface FakeQiniu {
  /** Base URL of the API, `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Port of the TLS edge that serves each domain's bound certificate by SNI. */
  edgePort: number;
  /** Every request received, oldest first. */
  requests: FakeRequestRecord[];
  addDomain(setup: QiniuDomainSetup): void;
  /** Makes later binds leave `name` processing for `hold` ms (or until `finishProcessing`). */
  holdProcessing(name: string, hold: ProcessingHold): void;
  /** Ends processing on `name` now, so its edge serves the latest certificate. */
  finishProcessing(name: string): void;
  throttleNext(count: number): void;
  failNext(count: number, status?: number): void;
  domain(name: string): QiniuDomainSnapshot;
  certificates(): QiniuCertificate[];
  close(): Promise<void>;
}

/**
 * Starts the fake on 127.0.0.1 (random ports). It checks `Qiniu` (V2) and `QBox` tokens the
 * way the service does, replies with the service's error bodies, and keeps uploaded
 * certificates and domain bindings in memory.
 */
export async function startFakeQiniu(options: FakeQiniuOptions): Promise<FakeQiniu> {
  const secrets = new Map(options.accounts.map((account) => [account.accessKey, account.secretKey]));
  const certificates = new QiniuCertificateStore(options.minRemainingValidityMs ?? 60 * 60 * 1000);
  const domains = new QiniuDomainStore(certificates);
  const faults = new FaultQueue();
  const requests: FakeRequestRecord[] = [];

  const server = await startHttpServer(async (request, response) => {
    const record = newRequestRecord(request);
    requests.push(record);

    try {
      const quirks = authenticate(request, secrets);
      record.signed = true;
      record.signatureQuirks = quirks;

      const fault = faults.take();
      if (fault?.kind === 'throttle') throw qiniuErrors.throttled();
      if (fault?.kind === 'fail') throw qiniuErrors.injectedFailure(fault.status);

      const reply = route(request, certificates, domains);
      respond(response, record, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof QiniuError)) throw error;
      record.errorCode = String(error.code);
      respond(response, record, error.status, error.toBody());
    }
  });

  const edge = await startTlsEdge((servername) => {
    const certificate = domains.servedCertificate(servername);
    return certificate === null ? null : { certPem: certificate.ca, keyPem: certificate.pri };
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    edgePort: edge.port,
    requests,
    addDomain: (setup) => domains.add(setup),
    holdProcessing: (name, hold) => domains.holdProcessing(name, hold),
    finishProcessing: (name) => domains.finishProcessing(name),
    throttleNext: (count) => faults.throttleNext(count),
    failNext: (count, status) => faults.failNext(count, status),
    domain: (name) => domains.snapshot(name),
    certificates: () => certificates.all(),
    close: async () => {
      domains.dispose();
      await Promise.all([server.close(), edge.close()]);
    },
  };
}

function respond(response: ServerResponse, record: FakeRequestRecord, status: number, body: unknown): void {
  record.status = status;
  sendJson(response, status, body, { 'x-reqid': `fake-${Date.now().toString(36)}` });
}

/** Verifies the token and `X-Qiniu-Date`; returns the client quirks the signature needed. */
function authenticate(request: ReceivedRequest, secrets: Map<string, string>): QiniuSignatureQuirk[] {
  const verification = verifyQiniuAuthorization(
    headerValue(request.headers, 'authorization'),
    {
      method: request.method,
      path: request.path,
      rawQuery: request.rawQuery,
      host: headerValue(request.headers, 'host') ?? '',
      contentType: headerValue(request.headers, 'content-type'),
      headers: request.headers,
      body: request.body,
    },
    (accessKey) => secrets.get(accessKey),
  );
  if (!verification.ok) throw qiniuErrors.badToken();

  // Qiniu rejects a signed X-Qiniu-Date more than 15 minutes from its clock; the header is optional.
  const date = headerValue(request.headers, 'x-qiniu-date');
  if (date !== undefined) {
    if (!withinClockSkew(parseCompactUtc(date), Date.now())) throw qiniuErrors.requestTimeSkewed();
  }
  return verification.quirks;
}

function route(
  request: ReceivedRequest,
  certificates: QiniuCertificateStore,
  domains: QiniuDomainStore,
): { status: number; body: unknown } {
  const segments = request.path.split('/').slice(1).map(decodePathSegment);
  const [resource, name, action] = segments;

  if (resource === 'sslcert' && segments.length === 1) return sslcertCollection(request, certificates);
  if (resource === 'sslcert' && segments.length === 2 && name) return sslcertItem(request, name, certificates, domains);
  if (resource === 'domain' && name && segments.length <= 3) return domainRequest(request, name, action, domains);
  if (resource === 'cert' && name === 'bind' && segments.length === 2) return kodoBind(request, domains);
  throw qiniuErrors.notFound();
}

function sslcertCollection(
  request: ReceivedRequest,
  certificates: QiniuCertificateStore,
): { status: number; body: unknown } {
  if (request.method === 'POST') {
    const certificate = certificates.upload(jsonBody(request));
    return { status: 200, body: { code: 200, certID: certificate.certId } };
  }
  if (request.method !== 'GET') throw qiniuErrors.methodNotAllowed();

  const query = new Map(request.query);
  const page = certificates.page(query.get('marker') ?? '', query.get('limit') ?? '');
  return { status: 200, body: { code: 200, marker: page.marker, certs: page.certificates.map(certificateListView) } };
}

function sslcertItem(
  request: ReceivedRequest,
  certId: string,
  certificates: QiniuCertificateStore,
  domains: QiniuDomainStore,
): { status: number; body: unknown } {
  if (request.method === 'GET') {
    return { status: 200, body: { code: 200, error: '', cert: certificateDetailView(certificates.get(certId)) } };
  }
  if (request.method !== 'DELETE') throw qiniuErrors.methodNotAllowed();

  certificates.delete(certId, (id) => domains.isCertificateBound(id));
  return { status: 200, body: { code: 200 } };
}

function domainRequest(
  request: ReceivedRequest,
  name: string,
  action: string | undefined,
  domains: QiniuDomainStore,
): { status: number; body: unknown } {
  if (action === undefined) {
    if (request.method !== 'GET') throw qiniuErrors.methodNotAllowed();
    // NOTE: what GET returns for a Kodo custom domain is not documented. The fake returns
    // 403 domaintype, the error the CDN calls give for such a domain.
    return { status: 200, body: domainView(domains.cdnDomain(name)) };
  }
  if (action !== 'httpsconf' && action !== 'sslize') throw qiniuErrors.notFound();
  if (request.method !== 'PUT') throw qiniuErrors.methodNotAllowed();

  const domain = domains.cdnDomain(name);
  domains.bind(domain, action, parseHttpsConfig(jsonBody(request), domain.https));
  return { status: 200, body: { code: 200 } };
}

/**
 * Binds a certificate to a Kodo custom domain: `{certid, domain}` at `/cert/bind`. certimate's
 * Go client sends PUT; POST is accepted too because the method is not documented.
 */
function kodoBind(request: ReceivedRequest, domains: QiniuDomainStore): { status: number; body: unknown } {
  if (request.method !== 'PUT' && request.method !== 'POST') throw qiniuErrors.methodNotAllowed();

  const body = jsonBody(request);
  if (typeof body.domain !== 'string' || body.domain === '') throw qiniuErrors.invalidArgument('domain is required');
  const domain = domains.kodoDomain(body.domain);
  domains.bind(domain, 'kodo', parseHttpsConfig(body, domain.https));
  return { status: 200, body: { code: 200 } };
}

function jsonBody(request: ReceivedRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw qiniuErrors.invalidArgument('request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw qiniuErrors.invalidArgument('request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw qiniuErrors.invalidArgument(`path segment is not valid percent-encoding: ${segment}`);
  }
}
