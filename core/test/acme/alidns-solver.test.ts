import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import Alidns from '@alicloud/alidns20150109';
import { freePort } from '@certpilot/testkit';
import { startFakeAliyun, type FakeAliyun } from '@certpilot/testkit/fakes/index';
import type { ChallengeInput } from '../../src/acme/solver.js';
import { createAlidnsClient, type AlidnsClient } from '../../src/cloud/aliyun/alidns-client.js';
import { AlidnsSolver, type AlidnsSolverOptions } from '../../src/cloud/aliyun/alidns-solver.js';
import type { CloudCredential } from '../../src/cloud/types.js';
import { CertPilotError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/log.js';

const ACCOUNT = { accessKeyId: 'solver-test-ak', accessKeySecret: 'solver-test-secret-5f1c' };
const CREDENTIAL: CloudCredential = { provider: 'aliyun', ...ACCOUNT };

describe('AlidnsSolver against the fake Alidns', () => {
  let fake: FakeAliyun;
  let endpoint: string;
  let admin: AlidnsClient;

  before(async () => {
    fake = await startFakeAliyun({ accounts: [ACCOUNT] });
    for (const zone of ['example.test', 'b.example.test', 'two.test', 'keep.test', 'ample.test', '例子.test']) {
      fake.addDnsDomain(zone);
    }
    endpoint = `http://${fake.endpoint}`;
    admin = createAlidnsClient({ credential: CREDENTIAL, endpoint });
  });

  after(async () => {
    await fake.close();
  });

  const solver = (options: Partial<AlidnsSolverOptions> = {}) =>
    new AlidnsSolver({ credential: CREDENTIAL, siteId: 'site-1', endpoint, logger: silentLogger(), ...options });

  beforeEach(() => {
    assert.deepEqual(
      fake.dnsRecords().filter((record) => record.domainName !== 'keep.test'),
      [],
      'a previous test left records behind',
    );
  });

  const actions = (name: string) => fake.requests.filter((request) => request.action === name).length;

  test('longest zone wins', async () => {
    const dns = solver();
    const inputs = [
      challenge('a.b.example.test', 'value-deep'),
      challenge('b.example.test', 'value-sub-apex'),
      challenge('c.example.test', 'value-parent'),
    ];
    for (const input of inputs) await dns.present(input);

    const deep = recordWithValue('value-deep');
    assert.equal(deep.domainName, 'b.example.test');
    assert.equal(deep.rr, '_acme-challenge.a');
    assert.equal(deep.type, 'TXT');
    assert.equal(deep.ttl, 600);
    const subApex = recordWithValue('value-sub-apex');
    assert.equal(subApex.domainName, 'b.example.test');
    assert.equal(subApex.rr, '_acme-challenge');
    const parent = recordWithValue('value-parent');
    assert.equal(parent.domainName, 'example.test');
    assert.equal(parent.rr, '_acme-challenge.c');

    for (const input of inputs) await dns.cleanUp(input);
    assert.deepEqual(fake.dnsRecords('example.test'), []);
    assert.deepEqual(fake.dnsRecords('b.example.test'), []);
  });

  test('zone listing is cached', async () => {
    const dns = solver();
    const listingsBefore = actions('DescribeDomains');
    const inputs = [challenge('x.example.test', 'cache-1'), challenge('y.example.test', 'cache-2')];
    for (const input of inputs) await dns.present(input);
    assert.equal(actions('DescribeDomains') - listingsBefore, 1);
    for (const input of inputs) await dns.cleanUp(input);
  });

  test('wildcard and apex share a name', async () => {
    const dns = solver();
    const wildcard = challenge('two.test', 'value-wildcard', true);
    const apex = challenge('two.test', 'value-apex');
    await dns.present(wildcard);
    await dns.present(apex);
    assert.deepEqual(fake.txtValues('_acme-challenge.two.test'), ['value-wildcard', 'value-apex']);

    await dns.cleanUp(wildcard);
    assert.deepEqual(fake.txtValues('_acme-challenge.two.test'), ['value-apex']);
    await dns.cleanUp(apex);
    assert.deepEqual(fake.txtValues('_acme-challenge.two.test'), []);
  });

  test('cleanup deletes only own records', async () => {
    const unrelated = await addTxt(admin, 'keep.test', '_acme-challenge', 'unrelated-value');
    const identical = await addTxt(admin, 'keep.test', '_acme-challenge', 'shared-value');
    const other = await addTxt(admin, 'keep.test', 'www', 'other-name');

    const dns = solver();
    const own = challenge('keep.test', 'own-value');
    const duplicate = challenge('keep.test', 'shared-value');
    await dns.present(own);
    await dns.present(duplicate);
    assert.deepEqual(fake.txtValues('_acme-challenge.keep.test'), ['unrelated-value', 'shared-value', 'own-value']);

    await dns.cleanUp(own);
    await dns.cleanUp(duplicate);
    const remaining = fake.dnsRecords('keep.test').map((record) => record.recordId);
    assert.deepEqual(remaining, [unrelated, identical, other]);
  });

  test('cleanup without present does nothing', async () => {
    const requestsBefore = fake.requests.length;
    await solver().cleanUp(challenge('example.test', 'never-added'));
    assert.equal(fake.requests.length, requestsBefore);
  });

  test('cleanup after outside deletion', async () => {
    const dns = solver();
    const input = challenge('example.test', 'deleted-elsewhere');
    await dns.present(input);
    const { recordId } = recordWithValue('deleted-elsewhere');
    await admin.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId }));
    await dns.cleanUp(input);
  });

  test('failed cleanup can be retried', async () => {
    const dns = solver();
    const input = challenge('example.test', 'retry-delete');
    await dns.present(input);

    fake.failNext(1, 503);
    const error = await rejection(dns.cleanUp(input));
    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.params.call, 'alidns:DeleteDomainRecord');
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['retry-delete']);

    await dns.cleanUp(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), []);
  });

  test('name in no zone', async () => {
    const dns = solver();
    const addsBefore = actions('AddDomainRecord');
    for (const name of ['nowhere.test', 'www.sample.test']) {
      const error = await rejection(dns.present(challenge(name, 'v')));
      assert.equal(error.code, 'DNS_ZONE_NOT_FOUND', name);
      assert.equal(error.retryable, false);
      assert.equal(error.params.name, `_acme-challenge.${name}`);
      assert.equal(error.params.site, 'site-1');
      assert.match(error.message, new RegExp(name.replace(/\./g, '\\.')));
    }
    assert.equal(actions('AddDomainRecord'), addsBefore);
  });

  test('IDN zone matches in punycode', async () => {
    const dns = solver();
    const ascii = challenge('xn--fsqu00a.test', 'idn-apex');
    const unicode = challenge('www.例子.test', 'idn-www');
    await dns.present(ascii);
    await dns.present(unicode);

    const records = fake.dnsRecords('例子.test');
    assert.deepEqual(
      records.map((record) => [record.rr, record.value]),
      [
        ['_acme-challenge', 'idn-apex'],
        ['_acme-challenge.www', 'idn-www'],
      ],
    );
    await dns.cleanUp(ascii);
    await dns.cleanUp(unicode);
    assert.deepEqual(fake.dnsRecords('例子.test'), []);
  });

  test('wrong secret fails authentication', async () => {
    const dns = solver({ credential: { ...CREDENTIAL, accessKeySecret: 'wrong-secret-9d2e' } });
    const error = await rejection(dns.present(challenge('example.test', 'v')));
    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.retryable, false);
    assert.equal(error.params.providerCode, 'SignatureDoesNotMatch');
    assert.equal(error.params.call, 'alidns:DescribeDomains');
    assert.match(String(error.params.requestId), /^[0-9A-F-]{36}$/);
    assert.doesNotMatch(JSON.stringify(error.toJSON()), /wrong-secret|solver-test-secret/);
  });

  test('unknown AccessKey fails authentication', async () => {
    const dns = solver({ credential: { ...CREDENTIAL, accessKeyId: 'unknown-ak' } });
    const error = await rejection(dns.present(challenge('example.test', 'v')));
    assert.equal(error.code, 'PROVIDER_AUTH_FAILED');
    assert.equal(error.params.providerCode, 'InvalidAccessKeyId.NotFound');
  });

  test('throttled call is repeated', async () => {
    const dns = solver({ throttleRetry: { attempts: 3, delayMs: 10 } });
    const input = challenge('example.test', 'after-throttle');
    fake.throttleNext(2);
    await dns.present(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['after-throttle']);

    fake.throttleNext(2);
    await dns.cleanUp(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), []);
  });

  test('throttling and outages are retryable', async () => {
    const dns = solver({ throttleRetry: { attempts: 2, delayMs: 10 } });
    fake.throttleNext(2);
    const throttled = await rejection(dns.present(challenge('example.test', 'after-faults')));
    assert.equal(throttled.code, 'PROVIDER_THROTTLED');
    assert.equal(throttled.retryable, true);
    assert.equal(throttled.params.providerCode, 'Throttling.User');

    fake.failNext(1, 500);
    const failed = await rejection(dns.present(challenge('example.test', 'after-faults')));
    assert.equal(failed.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(failed.params.httpStatus, 500);

    const input = challenge('example.test', 'after-faults');
    await dns.present(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['after-faults']);
    await dns.cleanUp(input);
  });

  test('AddDomainRecord failure is typed', async () => {
    const dns = solver();
    await dns.present(challenge('example.test', 'warm-cache'));
    fake.failNext(1, 503);
    const error = await rejection(dns.present(challenge('example.test', 'add-fails')));
    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.params.call, 'alidns:AddDomainRecord');
    assert.equal(error.params.domain, 'example.test');
    await dns.cleanUp(challenge('example.test', 'warm-cache'));
  });

  test('unreachable endpoint is retryable', async () => {
    const dns = solver({ endpoint: `http://127.0.0.1:${await freePort()}` });
    const error = await rejection(dns.present(challenge('example.test', 'v')));
    assert.equal(error.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(error.params.providerCode, 'ECONNREFUSED');
  });

  test('propagation timeout names the site', async () => {
    const dns = solver({ resolvers: [`127.0.0.1:${await freePort()}`], propagationTimeoutMs: 100, pollIntervalMs: 20 });
    const error = await rejection(dns.waitUntilVisible(challenge('example.test', 'v')));
    assert.equal(error.code, 'DNS_PROPAGATION_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.params.name, '_acme-challenge.example.test');
    assert.equal(error.params.site, 'site-1');
  });

  test('invalid options are rejected', () => {
    const cases: Array<[string, Partial<AlidnsSolverOptions>]> = [
      ['Qiniu credential', { credential: { ...CREDENTIAL, provider: 'qiniu' } }],
      ['empty AccessKey ID', { credential: { ...CREDENTIAL, accessKeyId: '' } }],
      ['empty secret', { credential: { ...CREDENTIAL, accessKeySecret: '' } }],
      ['endpoint with path', { endpoint: 'http://127.0.0.1:1/dns' }],
      ['endpoint with query', { endpoint: 'http://127.0.0.1:1/?x=1' }],
      ['ftp endpoint', { endpoint: 'ftp://127.0.0.1' }],
      ['endpoint with user', { endpoint: 'https://user:pass@alidns.aliyuncs.com' }],
      ['empty endpoint', { endpoint: '' }],
      ['zero TTL', { ttl: 0 }],
      ['fractional TTL', { ttl: 1.5 }],
      ['host name resolver', { resolvers: ['dns.example.test'] }],
      ['no resolvers', { resolvers: [] }],
      ['negative propagation timeout', { propagationTimeoutMs: -1 }],
      ['zero poll interval', { pollIntervalMs: 0 }],
    ];
    for (const [label, override] of cases) {
      assert.throws(
        () => solver(override),
        (error: unknown) => error instanceof CertPilotError && error.code === 'CONFIG_INVALID',
        label,
      );
    }
    assert.doesNotThrow(() => solver({ endpoint: 'alidns.aliyuncs.com' }));
    assert.doesNotThrow(() => solver({ endpoint: fake.endpoint, protocol: 'http' }));
  });

  test('invalid name is rejected', async () => {
    const error = await rejection(solver().present(challenge('bad name.test', 'v')));
    assert.equal(error.code, 'NAME_INVALID');
  });

  test('host endpoint with http protocol', async () => {
    const dns = solver({ endpoint: fake.endpoint, protocol: 'http' });
    const input = challenge('example.test', 'bare-host');
    await dns.present(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['bare-host']);
    await dns.cleanUp(input);
  });

  test('TTL option reaches the record', async () => {
    const dns = solver({ ttl: 120 });
    const input = challenge('example.test', 'short-ttl');
    await dns.present(input);
    assert.equal(recordWithValue('short-ttl').ttl, 120);
    await dns.cleanUp(input);
  });

  test('logs name the records, never the secret', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'trace', destination });
    const dns = solver({ logger });
    const input = challenge('example.test', 'logged-value');
    await dns.present(input);
    await dns.cleanUp(input);
    await rejection(
      solver({ logger, credential: { ...CREDENTIAL, accessKeySecret: 'wrong-secret-9d2e' } }).present(input),
    );

    const output = lines.join('');
    assert.match(output, /"subsystem":"alidns"/);
    assert.match(output, /added TXT record/);
    assert.match(output, /deleted TXT record/);
    assert.doesNotMatch(output, /solver-test-secret|wrong-secret/);
  });

  function recordWithValue(value: string) {
    const record = fake.dnsRecords().find((candidate) => candidate.value === value);
    assert.ok(record, `no record with value ${value}`);
    return record;
  }
});

describe('AlidnsSolver zone paging', () => {
  let fake: FakeAliyun;

  before(async () => {
    fake = await startFakeAliyun({ accounts: [ACCOUNT] });
    for (let index = 0; index < 150; index++) fake.addDnsDomain(`zone${String(index).padStart(3, '0')}.test`);
  });

  after(async () => {
    await fake.close();
  });

  test('zone on second page is found', async () => {
    const dns = new AlidnsSolver({
      credential: CREDENTIAL,
      siteId: 'site-2',
      endpoint: `http://${fake.endpoint}`,
      logger: silentLogger(),
    });
    const input = challenge('www.zone142.test', 'paged');
    await dns.present(input);
    assert.deepEqual(fake.txtValues('_acme-challenge.www.zone142.test'), ['paged']);
    assert.equal(fake.requests.filter((request) => request.action === 'DescribeDomains').length, 2);
    await dns.cleanUp(input);
    assert.deepEqual(fake.dnsRecords(), []);
  });
});

function challenge(identifier: string, keyAuthorization: string, wildcard = false): ChallengeInput {
  return { identifier, wildcard, token: `token-${keyAuthorization}`, keyAuthorization };
}

async function addTxt(client: AlidnsClient, domainName: string, rr: string, value: string): Promise<string> {
  const response = await client.addDomainRecord(
    new Alidns.AddDomainRecordRequest({ domainName, RR: rr, type: 'TXT', value, TTL: 600 }),
  );
  const recordId = response.body?.recordId;
  assert.ok(recordId);
  return recordId;
}

async function rejection(promise: Promise<unknown>): Promise<CertPilotError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CertPilotError, `expected a CertPilotError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}
