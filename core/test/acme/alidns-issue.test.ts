import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';
import { freePort, startPebble, type Pebble } from '@certpilot/testkit';
import { mirrorTxtToChallTestSrv, startFakeAliyun, type FakeAliyun } from '@certpilot/testkit/fakes/index';
import type { AccountStore, AcmeAccount } from '../../src/acme/account.js';
import { AcmeIssuer } from '../../src/acme/issuer.js';
import type { ChallengeInput, ChallengeSolver } from '../../src/acme/solver.js';
import { inspectCertificatePem } from '../../src/cert/inspect.js';
import { generatePrivateKey } from '../../src/cert/keys.js';
import { AlidnsSolver, type AlidnsSolverOptions } from '../../src/cloud/aliyun/alidns-solver.js';
import { CertPilotError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

const ACCOUNT = { accessKeyId: 'issue-test-ak', accessKeySecret: 'issue-test-secret' };

describe('dns-01 issuance through Alidns and Pebble', () => {
  let pebble: Pebble;
  let fake: FakeAliyun;
  let issuer: AcmeIssuer;
  let dns: Resolver;

  before(async () => {
    pebble = await startPebble();
    fake = await startFakeAliyun({ accounts: [ACCOUNT], onTxtChange: mirrorTxtToChallTestSrv(pebble.managementUrl) });
    for (const zone of ['wild.test', 'fail.test', 'half.test', 'slow.test']) fake.addDnsDomain(zone);
    issuer = new AcmeIssuer({
      directoryUrl: pebble.directoryUrl,
      caCertPem: pebble.caCertPem,
      accounts: memoryAccounts(),
      logger: silentLogger(),
    });
    dns = new Resolver();
    dns.setServers([`127.0.0.1:${pebble.dnsPort}`]);
  });

  after(async () => {
    await fake?.close();
    await pebble?.stop();
  });

  const solver = (options: Partial<AlidnsSolverOptions> = {}) =>
    new AlidnsSolver({
      credential: { provider: 'aliyun', ...ACCOUNT },
      siteId: 'issue-site',
      endpoint: `http://${fake.endpoint}`,
      resolvers: [`127.0.0.1:${pebble.dnsPort}`],
      propagationTimeoutMs: 10_000,
      pollIntervalMs: 100,
      logger: silentLogger(),
      ...options,
    });

  const issue = async (names: string[], challengeSolver: ChallengeSolver) => {
    const order = await issuer.createOrder({ names });
    return issuer.completeOrder(order, { names, keyPem: await generatePrivateKey(), solver: challengeSolver });
  };

  const served = async (name: string): Promise<string[]> => {
    try {
      return (await dns.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENODATA' || (error as { code?: string }).code === 'ENOTFOUND')
        return [];
      throw error;
    }
  };

  test('wildcard and apex certificate', async () => {
    const alidns = solver();
    const valuesWhileWaiting: string[][] = [];
    const watched: ChallengeSolver = {
      type: alidns.type,
      present: (input) => alidns.present(input),
      waitUntilVisible: async (input) => {
        valuesWhileWaiting.push(fake.txtValues('_acme-challenge.wild.test'));
        await alidns.waitUntilVisible(input);
      },
      cleanUp: (input) => alidns.cleanUp(input),
    };

    const pem = await issue(['wild.test', '*.wild.test'], watched);

    const certificate = inspectCertificatePem(pem, 'Pebble');
    assert.deepEqual([...certificate.names].sort(), ['*.wild.test', 'wild.test']);
    assert.equal(valuesWhileWaiting.length, 2);
    for (const values of valuesWhileWaiting) assert.equal(values.length, 2, 'both TXT values at one name');
    assert.deepEqual(fake.dnsRecords('wild.test'), []);
    assert.deepEqual(await served('_acme-challenge.wild.test'), []);
  });

  test('wrong TXT value fails and cleans up', async () => {
    const unrelated = solver();
    const keep: ChallengeInput = {
      identifier: 'fail.test',
      wildcard: false,
      token: 't',
      keyAuthorization: 'unrelated',
    };
    await unrelated.present(keep);
    const alidns = solver();
    const wrongForBad = withWrongValue(alidns, 'bad.fail.test');

    const error = await rejection(issue(['ok.fail.test', 'bad.fail.test'], wrongForBad));

    assert.match(error.message, /bad\.fail\.test/);
    assert.match(error.message, /Correct value not found/);
    assert.deepEqual(
      fake.dnsRecords('fail.test').map((record) => record.value),
      ['unrelated'],
    );
    assert.deepEqual(await served('_acme-challenge.ok.fail.test'), []);
    assert.deepEqual(await served('_acme-challenge.bad.fail.test'), []);
    await unrelated.cleanUp(keep);
  });

  test('wrong TXT value is a challenge failure', async () => {
    const error = await rejection(issue(['bad.fail.test'], withWrongValue(solver(), 'bad.fail.test')));
    assert.equal(error.code, 'ACME_CHALLENGE_FAILED', error.message);
    assert.deepEqual(fake.dnsRecords('fail.test'), []);
  });

  test('name in no zone stops after first record', async () => {
    const alidns = solver();
    const error = await rejection(issue(['www.half.test', 'www.no-zone.test'], alidns));

    assert.equal(error.code, 'DNS_ZONE_NOT_FOUND');
    assert.equal(error.params.name, '_acme-challenge.www.no-zone.test');
    assert.ok(fake.requests.some((request) => request.action === 'AddDomainRecord' && request.status === 200));
    assert.deepEqual(fake.dnsRecords('half.test'), []);
    assert.deepEqual(await served('_acme-challenge.www.half.test'), []);
  });

  test('propagation timeout cleans up', async () => {
    const alidns = solver({ resolvers: [`127.0.0.1:${await freePort()}`], propagationTimeoutMs: 300 });
    const error = await rejection(issue(['slow.test', '*.slow.test'], alidns));

    assert.equal(error.code, 'DNS_PROPAGATION_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.deepEqual(fake.dnsRecords('slow.test'), []);
    assert.deepEqual(await served('_acme-challenge.slow.test'), []);
  });
});

/** Publishes a wrong value for `identifier` through `inner`, as a misbehaving solver would. */
function withWrongValue(inner: ChallengeSolver, identifier: string): ChallengeSolver {
  const spoil = (input: ChallengeInput): ChallengeInput =>
    input.identifier === identifier ? { ...input, keyAuthorization: `wrong-${input.keyAuthorization}` } : input;
  return {
    type: inner.type,
    present: (input) => inner.present(spoil(input)),
    waitUntilVisible: (input) => inner.waitUntilVisible!(spoil(input)),
    cleanUp: (input) => inner.cleanUp(spoil(input)),
  };
}

function memoryAccounts(): AccountStore {
  const accounts = new Map<string, AcmeAccount>();
  return {
    load: async (directoryUrl) => accounts.get(directoryUrl) ?? null,
    save: async (account) => {
      accounts.set(account.directoryUrl, account);
    },
  };
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
