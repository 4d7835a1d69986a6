import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';

import Alidns from '@alicloud/alidns20150109';

import { mirrorTxtToChallTestSrv, startFakeAliyun, type FakeAliyun } from '../../src/fakes/index.js';
import { aliyunClients, sdkError, type AliyunClients } from './aliyun-clients.js';
import { startChallTestSrv, type RunningChallTestSrv } from './challtestsrv.js';

const ACCOUNT = { accessKeyId: 'alidns-test-ak', accessKeySecret: 'alidns-test-secret' };

describe('fake Alidns', () => {
  let fake: FakeAliyun;
  let clients: AliyunClients;
  const txtChanges: Array<[string, string[]]> = [];

  before(async () => {
    fake = await startFakeAliyun({
      accounts: [ACCOUNT],
      onTxtChange: (fqdn, values) => {
        txtChanges.push([fqdn, values]);
      },
    });
    fake.addDnsDomain('example.test');
    fake.addDnsDomain('sub.example.test');
    fake.addDnsDomain('other.test');
    clients = aliyunClients(fake.endpoint, ACCOUNT);
  });

  after(async () => {
    await fake.close();
  });

  const addTxt = (domainName: string, rr: string, value: string) =>
    clients.dns.addDomainRecord(
      new Alidns.AddDomainRecordRequest({ domainName, RR: rr, type: 'TXT', value, TTL: 600 }),
    );

  test('DescribeDomains lists and pages domains', async () => {
    const all = await clients.dns.describeDomains(new Alidns.DescribeDomainsRequest({ pageSize: 100 }));
    const names = all.body?.domains?.domain?.map((domain) => domain.domainName);
    assert.deepEqual(names, ['example.test', 'sub.example.test', 'other.test']);
    assert.equal(all.body?.domains?.domain?.[0]?.punyCode, 'example.test');

    const page = await clients.dns.describeDomains(new Alidns.DescribeDomainsRequest({ pageNumber: 2, pageSize: 2 }));
    assert.equal(page.body?.totalCount, 3);
    assert.deepEqual(
      page.body?.domains?.domain?.map((domain) => domain.domainName),
      ['other.test'],
    );

    const filtered = await clients.dns.describeDomains(new Alidns.DescribeDomainsRequest({ keyWord: 'sub' }));
    assert.deepEqual(
      filtered.body?.domains?.domain?.map((domain) => domain.domainName),
      ['sub.example.test'],
    );
  });

  test('two TXT values at one name coexist', async () => {
    const first = await addTxt('example.test', '_acme-challenge', 'token-wildcard');
    const second = await addTxt('example.test', '_acme-challenge', 'token-apex');
    assert.match(first.body?.recordId ?? '', /^\d+$/);
    assert.notEqual(first.body?.recordId, second.body?.recordId);
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['token-wildcard', 'token-apex']);
    assert.deepEqual(txtChanges.at(-1), ['_acme-challenge.example.test', ['token-wildcard', 'token-apex']]);

    const duplicate = await sdkError(() => addTxt('example.test', '_acme-challenge', 'token-apex'));
    assert.equal(duplicate.code, 'DomainRecordDuplicate');
    assert.equal(duplicate.statusCode, 400);

    const listed = await clients.dns.describeDomainRecords(
      new Alidns.DescribeDomainRecordsRequest({
        domainName: 'example.test',
        RRKeyWord: '_acme-challenge',
        typeKeyWord: 'TXT',
      }),
    );
    assert.equal(listed.body?.totalCount, 2);
    assert.deepEqual(
      listed.body?.domainRecords?.record?.map((record) => record.value),
      ['token-wildcard', 'token-apex'],
    );

    await clients.dns.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId: first.body?.recordId }));
    assert.deepEqual(fake.txtValues('_acme-challenge.example.test'), ['token-apex']);
    assert.deepEqual(txtChanges.at(-1), ['_acme-challenge.example.test', ['token-apex']]);

    await clients.dns.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId: second.body?.recordId }));
    assert.deepEqual(txtChanges.at(-1), ['_acme-challenge.example.test', []]);
  });

  test('record in a subdomain zone uses its own domain', async () => {
    await addTxt('sub.example.test', '_acme-challenge.www', 'token-www');
    assert.deepEqual(fake.txtValues('_acme-challenge.www.sub.example.test'), ['token-www']);
    assert.equal(fake.dnsRecords('sub.example.test').length, 1);
  });

  test('DNS errors use service codes', async () => {
    const unknownDomain = await sdkError(() => addTxt('not-owned.test', '_acme-challenge', 'x'));
    assert.equal(unknownDomain.code, 'InvalidDomainName.NoExist');

    const unknownRecord = await sdkError(() =>
      clients.dns.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId: '42' })),
    );
    assert.equal(unknownRecord.code, 'DomainRecordNotBelongToUser');

    const missingValue = await sdkError(() =>
      clients.dns.addDomainRecord(
        new Alidns.AddDomainRecordRequest({ domainName: 'example.test', RR: 'x', type: 'TXT' }),
      ),
    );
    assert.equal(missingValue.code, 'MissingParameter');
    assert.match(missingValue.message, /Value/);

    const badType = await sdkError(() =>
      clients.dns.addDomainRecord(
        new Alidns.AddDomainRecordRequest({ domainName: 'example.test', RR: 'x', type: 'BOGUS', value: 'v' }),
      ),
    );
    assert.equal(badType.code, 'InvalidParameter');
  });

  test('throttled AddDomainRecord changes nothing', async () => {
    fake.throttleNext(1);
    const throttled = await sdkError(() => addTxt('other.test', '_acme-challenge', 'throttled'));
    assert.equal(throttled.code, 'Throttling.User');
    assert.deepEqual(fake.txtValues('_acme-challenge.other.test'), []);
  });
});

describe('Alidns TXT mirrored into pebble-challtestsrv', () => {
  let challTestSrv: RunningChallTestSrv;
  let fake: FakeAliyun;
  let clients: AliyunClients;
  let resolver: Resolver;

  before(async () => {
    challTestSrv = await startChallTestSrv();
    fake = await startFakeAliyun({
      accounts: [ACCOUNT],
      onTxtChange: mirrorTxtToChallTestSrv(challTestSrv.managementUrl),
    });
    fake.addDnsDomain('mirror.test');
    clients = aliyunClients(fake.endpoint, ACCOUNT);
    resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${challTestSrv.dnsPort}`]);
  });

  after(async () => {
    await fake.close();
    await challTestSrv.stop();
  });

  const txtAnswer = async (name: string): Promise<string[]> => {
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')).sort();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENODATA' || (error as { code?: string }).code === 'ENOTFOUND')
        return [];
      throw error;
    }
  };

  test('DNS answers every current TXT value', async () => {
    const add = (value: string) =>
      clients.dns.addDomainRecord(
        new Alidns.AddDomainRecordRequest({ domainName: 'mirror.test', RR: '_acme-challenge', type: 'TXT', value }),
      );

    const first = await add('value-one');
    const second = await add('value-two');
    assert.deepEqual(await txtAnswer('_acme-challenge.mirror.test'), ['value-one', 'value-two']);

    await clients.dns.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId: first.body?.recordId }));
    assert.deepEqual(await txtAnswer('_acme-challenge.mirror.test'), ['value-two']);

    await clients.dns.deleteDomainRecord(new Alidns.DeleteDomainRecordRequest({ recordId: second.body?.recordId }));
    assert.deepEqual(await txtAnswer('_acme-challenge.mirror.test'), []);
  });
});
