import { certificateNameCovers } from './certificate-info.js';
import { EdgeDeployment, type ProcessingHold } from './edge-deployment.js';
import type { QiniuCertificate, QiniuCertificateStore } from './qiniu-certificates.js';
import { qiniuErrors } from './qiniu-errors.js';

/** `normal` and `wildcard` are CDN domains; `kodo` is a Kodo bucket custom domain. */
export type QiniuDomainType = 'normal' | 'wildcard' | 'kodo';

/** HTTPS settings of a domain, as `GET /domain/<name>` reports them. */
export interface QiniuHttpsConfig {
  certId: string;
  forceHttps: boolean;
  http2Enable: boolean;
}

/** A domain as the test set it up with `addDomain`. */
export interface QiniuDomainSetup {
  /** Hostname; a wildcard domain is written `.example.com`. */
  name: string;
  type: QiniuDomainType;
  /** Defaults to `https` when `https` is given, else `http`. */
  protocol?: 'http' | 'https';
  /** Initial binding: an uploaded certificate ID, or a chain and key the fake uploads itself. */
  https?: ({ certId: string } | { certPem: string; keyPem: string }) & {
    forceHttps?: boolean;
    http2Enable?: boolean;
  };
}

/** A snapshot of one domain, for assertions. */
export interface QiniuDomainSnapshot {
  name: string;
  type: QiniuDomainType;
  protocol: 'http' | 'https';
  https: QiniuHttpsConfig | null;
  operatingState: 'success' | 'processing';
  /** Certificate the TLS edge serves now. */
  servedCertId: string | null;
}

/** The `operationType` a domain reports after each kind of bind. */
const OPERATION_TYPES = { httpsconf: 'modify_https_conf', sslize: 'sslize', kodo: 'bind_cert' } as const;

interface QiniuDomain {
  name: string;
  type: QiniuDomainType;
  protocol: 'http' | 'https';
  https: QiniuHttpsConfig | null;
  operationType: string;
  createAt: string;
  modifyAt: string;
  edge: EdgeDeployment<string>;
}

/** The domains of the fake account and the certificate each domain's edge serves. */
export class QiniuDomainStore {
  readonly #domains = new Map<string, QiniuDomain>();
  readonly #certificates: QiniuCertificateStore;

  constructor(certificates: QiniuCertificateStore) {
    this.#certificates = certificates;
  }

  add(setup: QiniuDomainSetup): void {
    const name = setup.name.toLowerCase();
    if (this.#domains.has(name)) throw new Error(`Qiniu domain ${name} already exists`);
    if ((setup.type === 'wildcard') !== name.startsWith('.')) {
      throw new TypeError(`Qiniu wildcard domains, and only they, are written with a leading dot: ${name}`);
    }

    const now = new Date().toISOString();
    const domain: QiniuDomain = {
      name,
      type: setup.type,
      protocol: setup.protocol ?? (setup.https === undefined ? 'http' : 'https'),
      https: null,
      operationType: 'create_domain',
      createAt: now,
      modifyAt: now,
      edge: new EdgeDeployment<string>(),
    };
    if (setup.https !== undefined) {
      const certId = 'certId' in setup.https ? setup.https.certId : this.#uploadSeed(name, setup.https);
      this.#certificates.get(certId);
      domain.https = {
        certId,
        forceHttps: setup.https.forceHttps ?? false,
        http2Enable: setup.https.http2Enable ?? false,
      };
      domain.edge.deploy(certId);
    }
    this.#domains.set(name, domain);
  }

  /** Returns the CDN domain or throws 612, or 403 for a Kodo domain. */
  cdnDomain(name: string): QiniuDomain {
    const domain = this.#require(name);
    if (domain.type === 'kodo') throw qiniuErrors.domainTypeNotAllowed();
    return domain;
  }

  /** Returns the Kodo domain or throws 612, or 403 for a CDN domain. */
  kodoDomain(name: string): QiniuDomain {
    const domain = this.#require(name);
    if (domain.type !== 'kodo') throw qiniuErrors.domainTypeNotAllowed();
    return domain;
  }

  /**
   * Binds a certificate: `httpsconf` changes it on an HTTPS domain, `sslize` turns HTTP into
   * HTTPS (and on an HTTPS domain updates it too), `kodo` is the Kodo custom-domain binding.
   */
  bind(domain: QiniuDomain, operation: 'httpsconf' | 'sslize' | 'kodo', config: QiniuHttpsConfig): void {
    if (domain.edge.processing) throw qiniuErrors.domainProcessing();
    if (operation === 'httpsconf' && domain.protocol !== 'https') throw qiniuErrors.httpsNotEnabled();

    const certificate = this.#certificates.get(config.certId);
    if (!coversDomain(certificate, domain.name)) throw qiniuErrors.certificateDoesNotCoverDomain();

    domain.protocol = 'https';
    domain.https = config;
    domain.operationType = OPERATION_TYPES[operation];
    domain.modifyAt = new Date().toISOString();
    domain.edge.deploy(config.certId);
  }

  /** Tells whether a domain is bound to the certificate or still rolling it out. */
  isCertificateBound(certId: string): boolean {
    for (const domain of this.#domains.values()) {
      if (domain.https?.certId === certId || domain.edge.served === certId) return true;
    }
    return false;
  }

  holdProcessing(name: string, hold: ProcessingHold): void {
    this.#requireForControl(name).edge.setHold(hold);
  }

  finishProcessing(name: string): void {
    this.#requireForControl(name).edge.finish();
  }

  snapshot(name: string): QiniuDomainSnapshot {
    const domain = this.#requireForControl(name);
    return {
      name: domain.name,
      type: domain.type,
      protocol: domain.protocol,
      https: domain.https === null ? null : { ...domain.https },
      operatingState: domain.edge.processing ? 'processing' : 'success',
      servedCertId: domain.edge.served,
    };
  }

  /** Returns the certificate the edge serves for an SNI name: exact domain first, then `.parent`. */
  servedCertificate(servername: string): QiniuCertificate | null {
    const dot = servername.indexOf('.');
    const candidates = [servername, dot > 0 ? servername.slice(dot) : undefined];
    for (const candidate of candidates) {
      const certId = candidate === undefined ? undefined : this.#domains.get(candidate)?.edge.served;
      if (certId) return this.#certificates.find(certId) ?? null;
    }
    return null;
  }

  dispose(): void {
    for (const domain of this.#domains.values()) domain.edge.dispose();
  }

  #require(name: string): QiniuDomain {
    const domain = this.#domains.get(name.toLowerCase());
    if (domain === undefined) throw qiniuErrors.noSuchDomain();
    return domain;
  }

  #requireForControl(name: string): QiniuDomain {
    const domain = this.#domains.get(name.toLowerCase());
    if (domain === undefined) throw new Error(`Qiniu domain ${name} was never added to the fake`);
    return domain;
  }

  #uploadSeed(name: string, seed: { certPem: string; keyPem: string }): string {
    return this.#certificates.upload({ name: `seed-${name}`, common_name: name, ca: seed.certPem, pri: seed.keyPem })
      .certId;
  }
}

/** The shape `GET /domain/<name>` returns: the domain object itself, with no `code` wrapper. */
export function domainView(domain: QiniuDomain): Record<string, unknown> {
  return {
    name: domain.name,
    pareDomain: '',
    type: domain.type,
    cname: `${domain.name.replace(/^\./, '')}.qiniudns.com`,
    platform: 'web',
    geoCover: 'china',
    protocol: domain.protocol,
    https: domain.https ?? { certId: '', forceHttps: false, http2Enable: false },
    operationType: domain.operationType,
    operatingState: domain.edge.processing ? 'processing' : 'success',
    operatingStateDesc: '',
    createAt: domain.createAt,
    modifyAt: domain.modifyAt,
  };
}

/** Reads `{certId, forceHttps, http2Enable}`; the ID key is spelled `certId`, `certid` or `certID`. */
export function parseHttpsConfig(body: Record<string, unknown>, current: QiniuHttpsConfig | null): QiniuHttpsConfig {
  const certId = body.certId ?? body.certid ?? body.certID;
  if (typeof certId !== 'string' || certId === '') throw qiniuErrors.invalidArgument('certId is required');

  return {
    certId,
    forceHttps: optionalFlag(body, 'forceHttps') ?? current?.forceHttps ?? false,
    http2Enable: optionalFlag(body, 'http2Enable') ?? current?.http2Enable ?? false,
  };
}

function optionalFlag(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw qiniuErrors.invalidArgument(`${field} must be a boolean`);
  return value;
}

function coversDomain(certificate: QiniuCertificate, domainName: string): boolean {
  // A wildcard domain `.example.com` needs a certificate for `*.example.com`.
  const hostname = domainName.startsWith('.') ? `*${domainName}` : domainName;
  return certificate.details.dnsNames.some(
    (name) => name.toLowerCase() === hostname || certificateNameCovers(name, hostname),
  );
}
