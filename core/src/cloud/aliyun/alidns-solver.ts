import Alidns from '@alicloud/alidns20150109';
import {
  checkWaitForTxtOptions,
  DEFAULT_DNS_RESOLVERS,
  waitForTxt,
  type WaitForTxtOptions,
} from '../../acme/dns-check.js';
import type { ChallengeInput, ChallengeSolver } from '../../acme/solver.js';
import { CertPilotError, isCertPilotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { normalizeDomainName } from '../../names.js';
import { providerError } from '../provider-error.js';
import type { CloudCredential } from '../types.js';
import { createAlidnsClient, type AlidnsClient } from './alidns-client.js';
import { AlidnsZones, type AlidnsRecordLocation } from './alidns-zones.js';
import { createAliyunCaller, type AliyunCaller, type ThrottleRetryOptions } from './call.js';

export interface AlidnsSolverOptions {
  credential: CloudCredential;
  /** The site the certificate is for, named in errors and logs. */
  siteId: string;
  /** The Alidns API host (`host[:port]`) or an http(s) URL without a path. Default `alidns.aliyuncs.com`. */
  endpoint?: string;
  /** Protocol for an `endpoint` written without a scheme. Default `https`. */
  protocol?: 'https' | 'http';
  /**
   * Resolvers that must all return the TXT value before the CA is asked to validate: IP
   * addresses, optionally with a port (`127.0.0.1:5353`). Default AliDNS and DNSPod (223.5.5.5,
   * 119.29.29.29).
   */
  resolvers?: readonly string[];
  /** Time the TXT record may take to reach every resolver, in milliseconds. Default 5 minutes. */
  propagationTimeoutMs?: number;
  /** Pause between resolver queries, in milliseconds. Default 5 seconds. */
  pollIntervalMs?: number;
  /** TTL of the TXT records, in seconds. Default 600, the minimum of Alidns's free edition. */
  ttl?: number;
  /** How often a throttled API call is repeated. Default 3 attempts, 1 s apart and doubling. */
  throttleRetry?: ThrottleRetryOptions;
  logger: Logger;
}

/** A TXT record this solver added, kept until `cleanUp` deletes it. */
interface AddedRecord {
  recordId: string;
  domainName: string;
}

const CHALLENGE_LABEL = '_acme-challenge';

/**
 * dns-01 through Aliyun DNS (Alidns): adds a TXT record at `_acme-challenge.<name>` in the
 * longest matching zone of the account, waits until resolvers return it, and deletes it again.
 * Records are added, never replaced, so a wildcard and its apex can validate in one order with two
 * values at one name. Only records this instance added are ever deleted.
 */
export class AlidnsSolver implements ChallengeSolver {
  readonly type = 'dns-01' as const;
  readonly #options: AlidnsSolverOptions;
  readonly #client: AlidnsClient;
  readonly #call: AliyunCaller;
  readonly #zones: AlidnsZones;
  readonly #log: Logger;
  readonly #waitOptions: WaitForTxtOptions;
  /** Records added by `present`, keyed by challenge name and value. */
  readonly #added = new Map<string, AddedRecord>();

  constructor(options: AlidnsSolverOptions) {
    checkTtl(options.ttl);
    this.#options = options;
    this.#client = createAlidnsClient({
      credential: options.credential,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    });
    this.#log = options.logger.child({ subsystem: 'alidns', site: options.siteId });
    this.#call = createAliyunCaller(options.siteId, this.#log, options.throttleRetry);
    this.#zones = new AlidnsZones(this.#client, this.#call, options.siteId);
    this.#waitOptions = {
      resolvers: options.resolvers ?? DEFAULT_DNS_RESOLVERS,
      timeoutMs: options.propagationTimeoutMs ?? 5 * 60_000,
      intervalMs: options.pollIntervalMs ?? 5_000,
      site: options.siteId,
      logger: this.#log,
    };
    checkWaitForTxtOptions(this.#waitOptions);
  }

  async present(input: ChallengeInput): Promise<void> {
    const name = challengeName(input);
    const location = await this.#zones.locate(name);
    const key = recordKey(name, input.keyAuthorization);
    if (this.#added.has(key)) return;

    const recordId = await this.#addTxt(location, input.keyAuthorization);
    if (recordId === null) {
      this.#log.info(
        { name, zone: location.zone.domainName },
        'identical TXT record already exists; it is left in place',
      );
      return;
    }
    this.#added.set(key, { recordId, domainName: location.zone.domainName });
    this.#log.info({ name, zone: location.zone.domainName, recordId }, 'added TXT record');
  }

  async waitUntilVisible(input: ChallengeInput): Promise<void> {
    await waitForTxt(challengeName(input), input.keyAuthorization, this.#waitOptions);
  }

  async cleanUp(input: ChallengeInput): Promise<void> {
    const name = challengeName(input);
    const key = recordKey(name, input.keyAuthorization);
    const record = this.#added.get(key);
    if (record === undefined) return;

    await this.#deleteRecord(record, name);
    this.#added.delete(key);
  }

  /** Adds the TXT record and returns its RecordId, or null when an identical record exists. */
  async #addTxt(location: AlidnsRecordLocation, value: string): Promise<string | null> {
    const request = new Alidns.AddDomainRecordRequest({
      domainName: location.zone.domainName,
      RR: location.rr,
      type: 'TXT',
      value,
      TTL: this.#options.ttl ?? 600,
    });
    const domain = location.zone.domainName;
    let response;
    try {
      response = await this.#call('alidns:AddDomainRecord', () => this.#client.addDomainRecord(request), domain);
    } catch (error) {
      if (hasProviderCode(error, 'DomainRecordDuplicate')) return null;
      throw error;
    }
    const recordId = response.body?.recordId;
    if (!recordId) throw this.#missingRecordId(location, response.body?.requestId);
    return recordId;
  }

  #missingRecordId(location: AlidnsRecordLocation, requestId: string | undefined): CertPilotError {
    return providerError('PROVIDER_REQUEST_FAILED', {
      site: this.#options.siteId,
      provider: 'aliyun',
      call: 'alidns:AddDomainRecord',
      domain: location.zone.domainName,
      providerMessage: 'the reply has no RecordId, so the record cannot be deleted later',
      ...(requestId === undefined ? {} : { requestId }),
    });
  }

  async #deleteRecord(record: AddedRecord, name: string): Promise<void> {
    const request = new Alidns.DeleteDomainRecordRequest({ recordId: record.recordId });
    try {
      await this.#call('alidns:DeleteDomainRecord', () => this.#client.deleteDomainRecord(request), record.domainName);
      this.#log.info({ name, recordId: record.recordId }, 'deleted TXT record');
    } catch (error) {
      // A RecordId the account no longer has means someone deleted the record by hand or through
      // another tool, so the goal is reached. NOTE: this is the code the testkit fake returns.
      // Which code Alidns itself returns for a deleted record is unconfirmed.
      if (!hasProviderCode(error, 'DomainRecordNotBelongToUser')) throw error;
      this.#log.warn({ name, recordId: record.recordId }, 'TXT record was already gone');
    }
  }
}

/** Returns `_acme-challenge.<identifier>` in lowercase ASCII. A wildcard's record sits at its base name. */
function challengeName(input: ChallengeInput): string {
  const identifier = normalizeDomainName(input.identifier.replace(/^\*\./, ''));
  return `${CHALLENGE_LABEL}.${identifier}`;
}

function hasProviderCode(error: unknown, providerCode: string): boolean {
  return isCertPilotError(error) && error.params.providerCode === providerCode;
}

function recordKey(name: string, value: string): string {
  return `${name} ${value}`;
}

function checkTtl(ttl: number | undefined): void {
  if (ttl === undefined || (Number.isInteger(ttl) && ttl >= 1 && ttl <= 86_400)) return;
  throw new CertPilotError(
    'CONFIG_INVALID',
    `Invalid Alidns TTL ${String(ttl)}: expected whole seconds from 1 to 86400.`,
    {
      params: { ttl },
    },
  );
}
