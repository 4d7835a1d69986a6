import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPebble, type Pebble } from '@certpilot/testkit';
import type { AccountStore, AcmeAccount } from '../../src/acme/account.js';
import { AcmeIssuer } from '../../src/acme/issuer.js';
import { generatePrivateKey } from '../../src/cert/keys.js';
import { silentLogger } from '../../src/log.js';

let pebble: Pebble;

before(async () => {
  pebble = await startPebble();
});

after(async () => {
  await pebble?.stop();
});

test('concurrent first orders register one account', async () => {
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

test('lost account URL found again by key', async () => {
  let stored: AcmeAccount | null = null;
  const accounts: AccountStore = {
    load: async () => stored,
    save: async (account) => {
      stored = account;
    },
  };
  const options = { directoryUrl: pebble.directoryUrl, caCertPem: pebble.caCertPem, accounts, logger: silentLogger() };
  await new AcmeIssuer(options).createOrder({ names: ['first.lost-url.test'] });
  const registered = stored as AcmeAccount | null;
  assert.ok(registered?.url);
  // A crash between registration and saving the URL leaves the key alone in the store.
  stored = { directoryUrl: registered.directoryUrl, keyPem: registered.keyPem };

  const order = await new AcmeIssuer(options).createOrder({ names: ['second.lost-url.test'] });

  assert.ok(order.url);
  assert.equal((stored as AcmeAccount | null)?.url, registered.url);
});

test('stored key unknown to the CA is registered', async () => {
  let stored: AcmeAccount | null = { directoryUrl: pebble.directoryUrl, keyPem: await generatePrivateKey('ec-p256') };
  const accounts: AccountStore = {
    load: async () => stored,
    save: async (account) => {
      stored = account;
    },
  };
  const issuer = new AcmeIssuer({
    directoryUrl: pebble.directoryUrl,
    caCertPem: pebble.caCertPem,
    accounts,
    logger: silentLogger(),
  });

  const order = await issuer.createOrder({ names: ['fresh-key.lost-url.test'] });

  assert.ok(order.url);
  assert.match((stored as AcmeAccount | null)?.url ?? '', /^https:\/\/127\.0\.0\.1:/);
});
