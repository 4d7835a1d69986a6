import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPebble, type Pebble } from '@certpilot/testkit';
import type { AccountStore, AcmeAccount } from '../../src/acme/account.js';
import { AcmeIssuer } from '../../src/acme/issuer.js';
import { silentLogger } from '../../src/log.js';

let pebble: Pebble;

before(async () => {
  pebble = await startPebble();
});

after(async () => {
  await pebble?.stop();
});

test('jobs starting together on one issuer register a single ACME account', async () => {
  const saved: AcmeAccount[] = [];
  const accounts: AccountStore = {
    load: async () => saved.at(-1) ?? null,
    save: async (account) => {
      saved.push(account);
    },
  };
  const issuer = new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    caCertPem: pebble.caCertPem,
    accounts,
    logger: silentLogger(),
  });

  const orders = await Promise.all(
    ['one.parallel.test', 'two.parallel.test', 'three.parallel.test'].map((name) =>
      issuer.createOrder({ names: [name] }),
    ),
  );

  assert.equal(orders.length, 3);
  // One key generated and saved, then the same key saved again with the URL Pebble gave it.
  assert.equal(new Set(saved.map((account) => account.keyPem)).size, 1);
  const urls = saved.flatMap((account) => (account.url === undefined ? [] : [account.url]));
  assert.equal(urls.length, 1, `expected one registration, saw ${urls.length}`);
});
