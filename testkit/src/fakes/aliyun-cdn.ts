import { certificateNameCovers } from './certificate-info.js';
import { AliyunError, aliyunErrors } from './aliyun-errors.js';
import type { CallParameters } from './aliyun-parameters.js';
import { CAS_REGION, type CasCertificate, type CasStore, type RpcHandler } from './aliyun-cas.js';
import { EdgeDeployment, type ProcessingHold } from './edge-deployment.js';

/** Product of a domain: `cdn` serves CDN 2018-05-10 calls and `dcdn` DCDN 2018-01-15 calls, each for its own domains only. */
export type CdnProduct = 'cdn' | 'dcdn';

/** A domain's binding: a CAS certificate, uploaded through CAS (`cas`) or through the CDN call (`upload`). */
interface CdnBinding {
  casId: number;
  certType: 'cas' | 'upload';
  certName: string;
}

interface CdnDomain {
  name: string;
  product: CdnProduct;
  edge: EdgeDeployment<CdnBinding>;
  createdAt: Date;
  modifiedAt: Date;
}

/** A snapshot of a CDN or DCDN domain, for assertions. */
export interface CdnDomainSnapshot {
  name: string;
  product: CdnProduct;
  /** CAS ID the domain is configured with; `null` when HTTPS is off. */
  certId: number | null;
  certType: 'cas' | 'upload' | null;
  /** CAS ID the edge serves now. */
  servedCertId: number | null;
  processing: boolean;
}

/** The CDN and DCDN domains of the fake account. */
export class CdnDomainStore {
  readonly #domains = new Map<string, CdnDomain>();
  readonly #cas: CasStore;

  constructor(cas: CasStore) {
    this.#cas = cas;
  }

  add(name: string, product: CdnProduct): void {
    const key = name.toLowerCase();
    if (this.#domains.has(key)) throw new Error(`Aliyun CDN domain ${key} already exists`);
    this.#domains.set(key, {
      name: key,
      product,
      edge: new EdgeDeployment(),
      createdAt: new Date(),
      modifiedAt: new Date(),
    });
  }

  /** Returns the domain of `product`, or throws `InvalidDomain.NotFound`. */
  get(product: CdnProduct, name: string): CdnDomain {
    const domain = this.#domains.get(name.toLowerCase());
    if (domain === undefined || domain.product !== product) throw aliyunErrors.domainNotFound();
    return domain;
  }

  isCasCertificateInUse(casId: number): boolean {
    for (const domain of this.#domains.values()) {
      if (domain.edge.latest?.casId === casId || domain.edge.served?.casId === casId) return true;
    }
    return false;
  }

  holdProcessing(name: string, hold: ProcessingHold): void {
    this.#requireForControl(name).edge.setHold(hold);
  }

  finishProcessing(name: string): void {
    this.#requireForControl(name).edge.finish();
  }

  snapshot(name: string): CdnDomainSnapshot {
    const domain = this.#requireForControl(name);
    const latest = domain.edge.latest;
    return {
      name: domain.name,
      product: domain.product,
      certId: latest?.casId ?? null,
      certType: latest?.certType ?? null,
      servedCertId: domain.edge.served?.casId ?? null,
      processing: domain.edge.processing,
    };
  }

  /** Returns the certificate the edge serves for an SNI name: exact domain first, then `*.parent`. */
  servedCertificate(servername: string): CasCertificate | null {
    const dot = servername.indexOf('.');
    for (const candidate of [servername, dot > 0 ? `*${servername.slice(dot)}` : undefined]) {
      const binding = candidate === undefined ? undefined : this.#domains.get(candidate)?.edge.served;
      if (binding) return this.#cas.find(binding.casId) ?? null;
    }
    return null;
  }

  dispose(): void {
    for (const domain of this.#domains.values()) domain.edge.dispose();
  }

  #requireForControl(name: string): CdnDomain {
    const domain = this.#domains.get(name.toLowerCase());
    if (domain === undefined) throw new Error(`Aliyun CDN domain ${name} was never added to the fake`);
    return domain;
  }
}

/** Builds one product's actions: the `Set*DomainSSLCertificate` binding and the certificate query. */
export function cdnHandlers(product: CdnProduct, domains: CdnDomainStore, cas: CasStore): Record<string, RpcHandler> {
  const prefix = product === 'cdn' ? 'Cdn' : 'Dcdn';
  const describeCertificate = product === 'cdn' ? 'DescribeDomainCertificateInfo' : 'DescribeDcdnDomainCertificateInfo';

  const handlers: Record<string, RpcHandler> = {
    [`Set${prefix}DomainSSLCertificate`]: (parameters) => {
      const domain = domains.get(product, parameters.required('DomainName'));
      const sslProtocol = parameters.required('SSLProtocol');
      if (sslProtocol !== 'on' && sslProtocol !== 'off') throw aliyunErrors.sslProtocolInvalid();

      domain.edge.deploy(sslProtocol === 'off' ? null : resolveBinding(parameters, domain.name, cas));
      domain.modifiedAt = new Date();
      return {};
    },

    [describeCertificate]: (parameters) => {
      const domain = domains.get(product, parameters.required('DomainName'));
      return { CertInfos: { CertInfo: [certificateInfo(product, domain, cas)] } };
    },
  };

  if (product === 'cdn') {
    handlers.DescribeCdnDomainDetail = (parameters) => {
      const domain = domains.get('cdn', parameters.required('DomainName'));
      return { GetDomainDetailModel: domainDetail(domain) };
    };
  }
  return handlers;
}

/** Reads `CertType=cas` (CertId, CertRegion) or `upload` (SSLPub, SSLPri, CertName). */
function resolveBinding(parameters: CallParameters, domainName: string, cas: CasStore): CdnBinding {
  const certType = parameters.optional('CertType') ?? (parameters.optional('CertId') === undefined ? 'upload' : 'cas');
  if (certType === 'cas') {
    const casId = Number(parameters.required('CertId'));
    const region = parameters.optional('CertRegion') ?? CAS_REGION;
    if (region !== 'cn-hangzhou' && region !== 'ap-southeast-1') throw aliyunErrors.invalidParameter('CertRegion');

    const certificate = cas.findByIdentifier(`${casId}-${region}`);
    if (certificate === null) throw aliyunErrors.casCertificateNotFound();
    requireCoverage(certificate, domainName);
    return { casId, certType: 'cas', certName: certificate.name };
  }
  if (certType !== 'upload') throw aliyunErrors.invalidParameter('CertType', 'Expected cas or upload.');

  const certPem = parameters.optional('SSLPub');
  if (certPem === undefined) throw aliyunErrors.sslPubMissing();
  const keyPem = parameters.optional('SSLPri');
  if (keyPem === undefined) throw aliyunErrors.sslPriMissing();

  const certName = parameters.optional('CertName') ?? cas.unusedName(domainName);
  let certificate: CasCertificate;
  try {
    certificate = cas.upload(certName, certPem, keyPem);
  } catch (error) {
    if (error instanceof AliyunError && error.code === 'InvalidSource.Content.Malformed') {
      throw /does not match/.test(error.message)
        ? aliyunErrors.certificateKeyMismatch()
        : aliyunErrors.certificateFormat();
    }
    throw error;
  }
  requireCoverage(certificate, domainName);
  return { casId: certificate.id, certType: 'upload', certName };
}

function requireCoverage(certificate: CasCertificate, domainName: string): void {
  const covered = certificate.details.dnsNames.some(
    (name) => name.toLowerCase() === domainName || certificateNameCovers(name, domainName),
  );
  if (!covered) throw aliyunErrors.invalidParameter('CertId', `The certificate does not cover ${domainName}.`);
}

function certificateInfo(product: CdnProduct, domain: CdnDomain, cas: CasStore): Record<string, unknown> {
  const binding = domain.edge.latest;
  const certificate = binding === null ? undefined : cas.find(binding.casId);
  const enabled = certificate !== undefined;
  const common = {
    DomainName: domain.name,
    CertId: binding === null ? '' : String(binding.casId),
    CertName: binding?.certName ?? '',
    CertType: binding?.certType ?? '',
    CertRegion: binding === null ? '' : CAS_REGION,
    CertDomainName: certificate?.details.commonName ?? '',
    CertExpireTime: certificate === undefined ? '' : isoSeconds(certificate.details.notAfter),
    CertLife: '',
    CertOrg: certificate?.details.issuerOrganization ?? certificate?.details.issuerCommonName ?? '',
    Status: domain.edge.processing ? 'configuring' : 'success',
  };

  if (product === 'dcdn') {
    return { ...common, SSLProtocol: enabled ? 'on' : 'off', SSLPub: certificate?.certPem ?? '' };
  }
  return {
    ...common,
    CertStartTime: certificate === undefined ? '' : isoSeconds(certificate.details.notBefore),
    CertUpdateTime: isoSeconds(domain.modifiedAt),
    ServerCertificateStatus: enabled ? 'on' : 'off',
    ServerCertificate: certificate?.certPem ?? '',
    DomainCnameStatus: 'ok',
  };
}

function domainDetail(domain: CdnDomain): Record<string, unknown> {
  return {
    DomainName: domain.name,
    DomainStatus: domain.edge.processing ? 'configuring' : 'online',
    Cname: `${domain.name.replace(/^\*\./, 'all.')}.w.kunlunsl.com`,
    CdnType: 'web',
    Scope: 'domestic',
    ServerCertificateStatus: domain.edge.latest === null ? 'off' : 'on',
    GmtCreated: isoSeconds(domain.createdAt),
    GmtModified: isoSeconds(domain.modifiedAt),
    SourceModels: { SourceModel: [] },
  };
}

/** `2024-01-01T00:00:00Z`: the timestamp form the CDN APIs return, without milliseconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
