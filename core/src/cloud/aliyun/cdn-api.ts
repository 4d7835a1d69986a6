import Cdn from '@alicloud/cdn20180510';
import Dcdn from '@alicloud/dcdn20180115';

import type { CloudCredential } from '../types.js';
import type { AliyunCaller } from './call.js';
import { createCdnClient, createDcdnClient } from './clients.js';
import type { AliyunEndpoints } from './endpoints.js';

/** The Aliyun acceleration product of a domain: CDN (2018-05-10) or DCDN (2018-01-15). */
export type AliyunCdnProduct = 'cdn' | 'dcdn';

/** The certificate binding of one CDN or DCDN domain. */
export interface CdnCertificateBinding {
  /** CAS ID of the configured certificate; `null` when HTTPS is off or none is set. */
  certId: string | null;
  certRegion: string | null;
}

/** The two calls a CDN target makes, with the same shape for CDN and DCDN. */
export interface CdnCertificateApi {
  readonly product: AliyunCdnProduct;
  /** Reads the domain's certificate; fails with `PROVIDER_DOMAIN_NOT_FOUND` for an unknown domain. */
  describe(domain: string): Promise<CdnCertificateBinding>;
  /** Turns HTTPS on with the CAS certificate `certId` from `certRegion`. */
  bindCasCertificate(domain: string, certId: number, certRegion: string): Promise<void>;
}

/** Describe reply fields shared by both products; CDN writes the HTTPS switch as `ServerCertificateStatus`, DCDN as `SSLProtocol`. */
interface CertInfoFields {
  domainName?: string;
  certId?: string;
  certRegion?: string;
  serverCertificateStatus?: string;
  SSLProtocol?: string;
}

/** Creates the API of `product`, signing with `credential`. */
export function createCdnCertificateApi(
  product: AliyunCdnProduct,
  credential: CloudCredential,
  endpoints: AliyunEndpoints | undefined,
  caller: AliyunCaller,
): CdnCertificateApi {
  return product === 'cdn' ? cdnApi(credential, endpoints, caller) : dcdnApi(credential, endpoints, caller);
}

function cdnApi(
  credential: CloudCredential,
  endpoints: AliyunEndpoints | undefined,
  caller: AliyunCaller,
): CdnCertificateApi {
  const client = createCdnClient(credential, endpoints);
  return {
    product: 'cdn',
    describe: async (domain) => {
      const request = new Cdn.DescribeDomainCertificateInfoRequest({ domainName: domain });
      const response = await caller(
        'cdn:DescribeDomainCertificateInfo',
        () => client.describeDomainCertificateInfo(request),
        domain,
      );
      return bindingOf(domain, response.body?.certInfos?.certInfo);
    },
    bindCasCertificate: async (domain, certId, certRegion) => {
      const request = new Cdn.SetCdnDomainSSLCertificateRequest({
        domainName: domain,
        SSLProtocol: 'on',
        certType: 'cas',
        certId,
        certRegion,
      });
      await caller('cdn:SetCdnDomainSSLCertificate', () => client.setCdnDomainSSLCertificate(request), domain);
    },
  };
}

function dcdnApi(
  credential: CloudCredential,
  endpoints: AliyunEndpoints | undefined,
  caller: AliyunCaller,
): CdnCertificateApi {
  const client = createDcdnClient(credential, endpoints);
  return {
    product: 'dcdn',
    describe: async (domain) => {
      const request = new Dcdn.DescribeDcdnDomainCertificateInfoRequest({ domainName: domain });
      const response = await caller(
        'dcdn:DescribeDcdnDomainCertificateInfo',
        () => client.describeDcdnDomainCertificateInfo(request),
        domain,
      );
      return bindingOf(domain, response.body?.certInfos?.certInfo);
    },
    bindCasCertificate: async (domain, certId, certRegion) => {
      const request = new Dcdn.SetDcdnDomainSSLCertificateRequest({
        domainName: domain,
        SSLProtocol: 'on',
        certType: 'cas',
        certId,
        certRegion,
      });
      await caller('dcdn:SetDcdnDomainSSLCertificate', () => client.setDcdnDomainSSLCertificate(request), domain);
    },
  };
}

/** Picks the domain's entry (the reply lists one per domain asked for) and reads its CAS ID. */
function bindingOf(domain: string, infos: CertInfoFields[] | undefined): CdnCertificateBinding {
  const info = infos?.find((entry) => entry.domainName?.toLowerCase() === domain) ?? infos?.[0];
  const httpsOn = (info?.serverCertificateStatus ?? info?.SSLProtocol) === 'on';
  const certId = httpsOn && info?.certId ? info.certId : null;
  return { certId, certRegion: certId !== null && info?.certRegion ? info.certRegion : null };
}
