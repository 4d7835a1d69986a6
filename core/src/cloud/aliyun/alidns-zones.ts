import { domainToASCII } from 'node:url';
import Alidns from '@alicloud/alidns20150109';
import { CertPilotError } from '../../errors.js';
import type { AlidnsClient } from './alidns-client.js';
import type { AliyunCaller } from './call.js';

/** A domain hosted in the account's Alidns. */
export interface AlidnsZone {
  /** The name as Alidns lists it, possibly Unicode. API calls pass it back unchanged. */
  domainName: string;
  /** Lowercase ASCII (punycode) form, used for matching. */
  ascii: string;
}

/** Location of a record: its zone and its host record (`RR`) relative to the zone, `@` for the apex. */
export interface AlidnsRecordLocation {
  zone: AlidnsZone;
  rr: string;
}

/** Largest page DescribeDomains accepts. */
const PAGE_SIZE = 100;

/**
 * The account's Alidns domains, listed once on first use. A failed listing is not kept, so the
 * next call lists again.
 */
export class AlidnsZones {
  readonly #client: AlidnsClient;
  readonly #call: AliyunCaller;
  readonly #site: string;
  #zones: Promise<AlidnsZone[]> | undefined;

  constructor(client: AlidnsClient, call: AliyunCaller, site: string) {
    this.#client = client;
    this.#call = call;
    this.#site = site;
  }

  /**
   * Splits the ASCII name `fqdn` at the longest zone that contains it, so `a.b.example.com` goes
   * into `b.example.com` when the account hosts both that and `example.com`.
   *
   * @throws CertPilotError `DNS_ZONE_NOT_FOUND` naming `fqdn` when no zone contains it.
   */
  async locate(fqdn: string): Promise<AlidnsRecordLocation> {
    const zones = await this.#list();
    const zone = zones
      .filter((candidate) => fqdn === candidate.ascii || fqdn.endsWith(`.${candidate.ascii}`))
      .sort((first, second) => second.ascii.length - first.ascii.length)[0];

    if (zone === undefined) {
      throw new CertPilotError(
        'DNS_ZONE_NOT_FOUND',
        `No Alidns domain of this AccessKey contains ${fqdn} (site ${this.#site}). Add the domain to Alidns, or use an AccessKey of the account that hosts it.`,
        { params: { name: fqdn, site: this.#site, zones: zones.length } },
      );
    }
    const rr = fqdn === zone.ascii ? '@' : fqdn.slice(0, -(zone.ascii.length + 1));
    return { zone, rr };
  }

  #list(): Promise<AlidnsZone[]> {
    this.#zones ??= this.#fetchAll().catch((error: unknown) => {
      this.#zones = undefined;
      throw error;
    });
    return this.#zones;
  }

  async #fetchAll(): Promise<AlidnsZone[]> {
    const zones: AlidnsZone[] = [];
    let listed = 0;
    for (let pageNumber = 1; ; pageNumber++) {
      const request = new Alidns.DescribeDomainsRequest({ pageNumber, pageSize: PAGE_SIZE });
      const response = await this.#call('alidns:DescribeDomains', () => this.#client.describeDomains(request));

      const page = response.body?.domains?.domain ?? [];
      for (const domain of page) {
        const zone = toZone(domain.domainName, domain.punyCode);
        if (zone) zones.push(zone);
      }
      listed += page.length;
      if (page.length === 0 || listed >= (response.body?.totalCount ?? 0)) return zones;
    }
  }
}

function toZone(domainName: string | undefined, punyCode: string | undefined): AlidnsZone | null {
  if (!domainName) return null;
  const ascii = domainToASCII((punyCode || domainName).replace(/\.$/, '')).toLowerCase();
  return ascii === '' ? null : { domainName, ascii };
}
