import { domainToASCII } from 'node:url';

import { AliyunError, aliyunErrors } from './aliyun-errors.js';
import type { RpcHandler } from './aliyun-cas.js';

/** One record in the fake Alidns. */
export interface AlidnsRecord {
  recordId: string;
  domainName: string;
  /** Host record relative to the domain; `@` is the apex. */
  rr: string;
  type: string;
  value: string;
  ttl: number;
  line: string;
  createdAt: number;
}

/**
 * Called after every change to a name's TXT records with the full current list (empty once
 * the last one is deleted). `fqdn` has no trailing dot.
 */
export type TxtChangeListener = (fqdn: string, values: string[]) => void | Promise<void>;

const RECORD_TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA']);

/** The account's DNS domains and their records. Adding a record never replaces another one. */
export class AlidnsStore {
  readonly #domains = new Map<string, { domainId: string; createdAt: Date }>();
  readonly #records = new Map<string, AlidnsRecord>();
  #nextRecordId = 1_000_000_000_001;
  #nextDomainId = 1;

  addDomain(name: string): void {
    const key = name.toLowerCase();
    if (this.#domains.has(key)) throw new Error(`Alidns domain ${key} already exists`);
    this.#domains.set(key, { domainId: `fake-domain-${this.#nextDomainId++}`, createdAt: new Date() });
  }

  domains(): Array<{ name: string; domainId: string; createdAt: Date }> {
    return [...this.#domains].map(([name, domain]) => ({ name, ...domain }));
  }

  /** Throws `InvalidDomainName.NoExist` unless the account owns the domain. */
  requireDomain(name: string): string {
    const key = name.toLowerCase();
    if (!this.#domains.has(key)) throw aliyunErrors.dnsDomainNotFound();
    return key;
  }

  add(record: Omit<AlidnsRecord, 'recordId' | 'createdAt'>): AlidnsRecord {
    const duplicate = this.records(record.domainName).some(
      (existing) =>
        existing.rr.toLowerCase() === record.rr.toLowerCase() &&
        existing.type === record.type &&
        existing.value === record.value &&
        existing.line === record.line,
    );
    if (duplicate) throw aliyunErrors.dnsRecordDuplicate();

    const stored: AlidnsRecord = { ...record, recordId: String(this.#nextRecordId++), createdAt: Date.now() };
    this.#records.set(stored.recordId, stored);
    return stored;
  }

  delete(recordId: string): AlidnsRecord {
    const record = this.#records.get(recordId);
    if (record === undefined) throw aliyunErrors.dnsRecordNotFound();
    this.#records.delete(recordId);
    return record;
  }

  /** Records of one domain, or of all domains when `domainName` is omitted, oldest first. */
  records(domainName?: string): AlidnsRecord[] {
    return [...this.#records.values()].filter((record) => domainName === undefined || record.domainName === domainName);
  }

  /** Current TXT values at `fqdn` (no trailing dot), in the order they were added. */
  txtValues(fqdn: string): string[] {
    const name = fqdn.toLowerCase().replace(/\.$/, '');
    return this.records()
      .filter((record) => record.type === 'TXT' && recordFqdn(record) === name)
      .map((record) => record.value);
  }
}

/** Returns the record's full name: `rr.domain`, or the domain itself for `@`. */
export function recordFqdn(record: Pick<AlidnsRecord, 'rr' | 'domainName'>): string {
  return (record.rr === '@' ? record.domainName : `${record.rr}.${record.domainName}`).toLowerCase();
}

/** Builds the Alidns 2015-01-09 actions. TXT changes reach `onTxtChange` before the reply is sent. */
export function alidnsHandlers(
  store: AlidnsStore,
  onTxtChange: TxtChangeListener | undefined,
): Record<string, RpcHandler> {
  const notify = async (record: AlidnsRecord): Promise<void> => {
    if (record.type !== 'TXT' || onTxtChange === undefined) return;
    const fqdn = recordFqdn(record);
    try {
      await onTxtChange(fqdn, store.txtValues(fqdn));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AliyunError(500, 'InternalError', `The fake's onTxtChange listener failed for ${fqdn}: ${reason}`);
    }
  };

  return {
    DescribeDomains: (parameters) => {
      const keyword = parameters.optional('KeyWord')?.toLowerCase();
      const pageNumber = parameters.integer('PageNumber', 1, { min: 1, max: 100_000 });
      const pageSize = parameters.integer('PageSize', 20, { min: 1, max: 100 });

      const matching = store.domains().filter((domain) => keyword === undefined || domain.name.includes(keyword));
      const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        TotalCount: matching.length,
        PageNumber: pageNumber,
        PageSize: pageSize,
        Domains: {
          Domain: page.map((domain) => ({
            DomainId: domain.domainId,
            DomainName: domain.name,
            PunyCode: domainToASCII(domain.name),
            AliDomain: false,
            RecordCount: store.records(domain.name).length,
            CreateTimestamp: domain.createdAt.getTime(),
            CreateTime: domain.createdAt.toISOString(),
          })),
        },
      };
    },

    AddDomainRecord: async (parameters) => {
      const domainName = store.requireDomain(parameters.required('DomainName'));
      const type = parameters.required('Type').toUpperCase();
      if (!RECORD_TYPES.has(type)) throw aliyunErrors.invalidParameter('Type');

      const record = store.add({
        domainName,
        rr: parameters.required('RR'),
        type,
        value: parameters.required('Value'),
        ttl: parameters.integer('TTL', 600, { min: 1, max: 86_400 }),
        line: parameters.optional('Line') ?? 'default',
      });
      await notify(record);
      return { RecordId: record.recordId };
    },

    DeleteDomainRecord: async (parameters) => {
      const record = store.delete(parameters.required('RecordId'));
      await notify(record);
      return { RecordId: record.recordId };
    },

    DescribeDomainRecords: (parameters) => {
      const domainName = store.requireDomain(parameters.required('DomainName'));
      const rrKeyword = parameters.optional('RRKeyWord')?.toLowerCase();
      const typeKeyword = parameters.optional('TypeKeyWord')?.toUpperCase();
      const valueKeyword = parameters.optional('ValueKeyWord')?.toLowerCase();
      const pageNumber = parameters.integer('PageNumber', 1, { min: 1, max: 100_000 });
      const pageSize = parameters.integer('PageSize', 20, { min: 1, max: 500 });

      // NOTE: keywords match as substrings (types exactly); Alidns's SearchMode switch is not modeled.
      const matching = store
        .records(domainName)
        .filter(
          (record) =>
            (rrKeyword === undefined || record.rr.toLowerCase().includes(rrKeyword)) &&
            (typeKeyword === undefined || record.type === typeKeyword) &&
            (valueKeyword === undefined || record.value.toLowerCase().includes(valueKeyword)),
        );
      const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        TotalCount: matching.length,
        PageNumber: pageNumber,
        PageSize: pageSize,
        DomainRecords: { Record: page.map(recordView) },
      };
    },
  };
}

function recordView(record: AlidnsRecord): Record<string, unknown> {
  return {
    RecordId: record.recordId,
    DomainName: record.domainName,
    RR: record.rr,
    Type: record.type,
    Value: record.value,
    TTL: record.ttl,
    Line: record.line,
    Status: 'ENABLE',
    Locked: false,
    Weight: 1,
    CreateTimestamp: record.createdAt,
    UpdateTimestamp: record.createdAt,
  };
}
