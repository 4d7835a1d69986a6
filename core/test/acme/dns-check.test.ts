import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, startPebble, type Pebble } from '@certpilot/testkit';
import { isResolverAddress, waitForTxt } from '../../src/acme/dns-check.js';
import { CertPilotError } from '../../src/errors.js';

describe('waitForTxt against pebble-challtestsrv', () => {
  let pebble: Pebble;
  let resolver: string;

  before(async () => {
    pebble = await startPebble();
    resolver = `127.0.0.1:${pebble.dnsPort}`;
  });

  after(async () => {
    await pebble.stop();
  });

  const quick = () => ({ resolvers: [resolver], timeoutMs: 3_000, intervalMs: 50 });

  test('visible value returns at once', async () => {
    await pebble.setTxt('_acme-challenge.present.test', 'value-present');
    const startedAt = Date.now();
    await waitForTxt('_acme-challenge.present.test', 'value-present', quick());
    assert.ok(Date.now() - startedAt < 1_000);
  });

  test('trailing dot and zero timeout check once', async () => {
    await pebble.setTxt('_acme-challenge.once.test', 'value-once');
    await waitForTxt('_acme-challenge.once.test.', 'value-once', { ...quick(), timeoutMs: 0 });
  });

  test('value published later is found', async () => {
    const publishing = new Promise<void>((resolve, reject) => {
      setTimeout(() => pebble.setTxt('_acme-challenge.later.test', 'value-later').then(resolve, reject), 300);
    });
    const startedAt = Date.now();
    await waitForTxt('_acme-challenge.later.test', 'value-later', quick());
    await publishing;
    assert.ok(Date.now() - startedAt >= 300);
  });

  test('one of two values at a name', async () => {
    await pebble.setTxt('_acme-challenge.two.test', 'value-wildcard');
    await pebble.setTxt('_acme-challenge.two.test', 'value-apex');
    await waitForTxt('_acme-challenge.two.test', 'value-wildcard', quick());
    await waitForTxt('_acme-challenge.two.test', 'value-apex', quick());
  });

  test('missing value times out', async () => {
    await pebble.setTxt('_acme-challenge.other.test', 'some-other-value');
    const startedAt = Date.now();
    const error = await rejection(
      waitForTxt('_acme-challenge.other.test', 'expected-value', { ...quick(), timeoutMs: 400, site: 'site-7' }),
    );
    const elapsed = Date.now() - startedAt;

    assert.equal(error.code, 'DNS_PROPAGATION_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.params.name, '_acme-challenge.other.test');
    assert.equal(error.params.resolvers, resolver);
    assert.equal(error.params.site, 'site-7');
    assert.match(error.message, /1 other TXT value/);
    assert.ok(elapsed >= 400, `gave up after ${elapsed} ms`);
    assert.ok(elapsed < 2_000, `gave up after ${elapsed} ms`);
  });

  test('name without records times out', async () => {
    const error = await rejection(waitForTxt('_acme-challenge.nothing.test', 'x', { ...quick(), timeoutMs: 200 }));
    assert.equal(error.code, 'DNS_PROPAGATION_TIMEOUT');
    assert.match(error.message, /no TXT records/);
  });

  test('every resolver must return the value', async () => {
    await pebble.setTxt('_acme-challenge.both.test', 'value-both');
    const silent = `127.0.0.1:${await freePort()}`;
    const error = await rejection(
      waitForTxt('_acme-challenge.both.test', 'value-both', {
        resolvers: [resolver, silent],
        timeoutMs: 300,
        intervalMs: 50,
        queryTimeoutMs: 200,
      }),
    );
    assert.equal(error.code, 'DNS_PROPAGATION_TIMEOUT');
    assert.equal(error.params.missingAt, silent);
    assert.equal(error.params.resolvers, `${resolver}, ${silent}`);
    assert.match(error.message, /query failed/);
  });

  test('invalid options are rejected', async () => {
    const cases: Array<[string, Partial<Parameters<typeof waitForTxt>[2]>]> = [
      ['no resolvers', { resolvers: [] }],
      ['host name resolver', { resolvers: ['dns.example.test'] }],
      ['host name with port', { resolvers: ['dns.example.test:53'] }],
      ['port zero', { resolvers: ['127.0.0.1:0'] }],
      ['port too large', { resolvers: ['127.0.0.1:70000'] }],
      ['negative timeout', { timeoutMs: -1 }],
      ['NaN timeout', { timeoutMs: Number.NaN }],
      ['zero interval', { intervalMs: 0 }],
      ['zero query timeout', { queryTimeoutMs: 0 }],
    ];
    for (const [label, override] of cases) {
      const error = await rejection(waitForTxt('_acme-challenge.x.test', 'v', { ...quick(), ...override }));
      assert.equal(error.code, 'CONFIG_INVALID', label);
    }
  });
});

test('resolver address forms', () => {
  const valid = ['223.5.5.5', '127.0.0.1:5353', '::1', '2001:db8::1', '[::1]:53', '[2001:db8::1]:5353'];
  const invalid = [
    '',
    'localhost',
    'dns.example.test:53',
    '1.2.3',
    '127.0.0.1:',
    '127.0.0.1:0',
    '[127.0.0.1]:53',
    '::1:53x',
  ];
  for (const address of valid) assert.equal(isResolverAddress(address), true, address);
  for (const address of invalid) assert.equal(isResolverAddress(address), false, address);
});

async function rejection(promise: Promise<unknown>): Promise<CertPilotError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CertPilotError, `expected a CertPilotError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}
