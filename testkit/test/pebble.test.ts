import assert from 'node:assert/strict';
import { X509Certificate, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import acme from 'acme-client';
import { type Pebble, startPebble } from '../src/pebble.js';

const DAY_S = 24 * 60 * 60;

// acme-client logs each request and retry only through this hook. Failures below print the tail.
const acmeLog: string[] = [];
acme.setLogger((message) => {
  acmeLog.push(message);
  if (acmeLog.length > 100) acmeLog.shift();
});

// acme-client 5.4 retries a request that got no response 5 times, waiting 5 s longer each time
// (75 s in all), and then throws "Cannot read properties of undefined (reading 'config')". One quick
// retry fails in milliseconds, and its log line keeps the real cause, such as an untrusted CA.
interface AcmeSettings {
  retryMaxAttempts: number;
  retryDefaultDelay: number;
}
const acmeSettings = (acme.axios.defaults as unknown as { acmeSettings: AcmeSettings }).acmeSettings;
acmeSettings.retryMaxAttempts = 1;
acmeSettings.retryDefaultDelay = 0.05;

/** Points acme-client at `pebble`. Its axios instance is shared by every client in the process. */
function trust(pebble: Pebble): void {
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: pebble.caCertPem });
}

async function newClient(
  pebble: Pebble,
  externalAccountBinding?: { kid: string; hmacKey: string },
): Promise<acme.Client> {
  trust(pebble);
  return new acme.Client({
    directoryUrl: pebble.directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    // Polls pending orders and authorizations after 50 ms rather than acme-client's default 5 s.
    backoffAttempts: 5,
    backoffMin: 50,
    backoffMax: 500,
    ...(externalAccountBinding ? { externalAccountBinding } : {}),
  });
}

/** Rethrows `error` with what acme-client and both servers printed last. */
function withDiagnostics(error: unknown, pebble: Pebble): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\nacme-client log:\n${acmeLog.slice(-20).join('\n')}\n${pebble.recentOutput()}`, {
    cause: error,
  });
}

/** Gets a certificate for `names` through dns-01, and returns the PEM chain. */
async function issueWithDns01(pebble: Pebble, client: acme.Client, names: string[]): Promise<string> {
  const [, csr] = await acme.crypto.createCsr({ altNames: names }, await acme.crypto.createPrivateEcdsaKey());
  const hosts = new Set<string>();
  try {
    return await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['dns-01'],
      // acme-client would check the TXT record through the system resolver, which has no such name.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
        const host = `_acme-challenge.${authz.identifier.value}`;
        hosts.add(host);
        await pebble.setTxt(host, keyAuthorization);
      },
      // example.test and *.example.test put their values on one TXT name, and clearTxt removes
      // every value of a name. So records are cleared once the order is done, not per authorization.
      challengeRemoveFn: async () => {},
    });
  } catch (error) {
    throw withDiagnostics(error, pebble);
  } finally {
    for (const host of hosts) await pebble.clearTxt(host);
  }
}

function splitChain(chainPem: string): X509Certificate[] {
  return acme.crypto.splitPemChain(chainPem).map((pem) => new X509Certificate(pem));
}

describe('startPebble', () => {
  let pebble: Pebble;

  before(async () => {
    pebble = await startPebble();
  });

  after(async () => {
    await pebble?.stop();
  });

  test('serves the ACME directory over trusted HTTPS', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(pebble.directoryUrl, { ca: pebble.caCertPem }, (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const directory = JSON.parse(body) as Record<string, unknown>;

    assert.match(pebble.directoryUrl, /^https:\/\/127\.0\.0\.1:\d+\/dir$/);
    assert.equal(typeof directory.newOrder, 'string');
    assert.equal(typeof directory.newAccount, 'string');
    assert.equal(await readFile(pebble.caCertFile, 'utf8'), pebble.caCertPem);
  });

  test('is untrusted without caCertPem', async () => {
    const client = await newClient(pebble);
    acme.axios.defaults.httpsAgent = new https.Agent();
    const started = Date.now();

    await assert.rejects(client.createAccount({ termsOfServiceAgreed: true }));

    assert.ok(Date.now() - started < 5_000, `failing took ${Date.now() - started} ms`);
    assert.match(acmeLog.join('\n'), /Caught UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  test('gives the root and intermediate that sign issued certificates', async () => {
    const root = new X509Certificate(await pebble.getRootPem());
    const intermediate = new X509Certificate(await pebble.getIntermediatePem());

    assert.match(root.subject, /Pebble Root CA/);
    assert.ok(root.ca);
    assert.ok(intermediate.checkIssued(root), 'the root did not issue the intermediate');
    assert.ok(intermediate.verify(root.publicKey), 'the root did not sign the intermediate');
  });

  test('issues a dns-01 certificate through setTxt', async () => {
    const client = await newClient(pebble);
    const ordersBefore = pebble.orderCount();
    const issuedBefore = pebble.issuedCount();

    const chain = splitChain(await issueWithDns01(pebble, client, ['www.example.test']));
    await pebble.flushLog();

    const [leaf, intermediate] = chain;
    assert.ok(leaf, 'the chain is empty');
    assert.ok(intermediate, 'the chain has no intermediate');
    assert.equal(leaf.subjectAltName, 'DNS:www.example.test');
    assert.ok(leaf.checkIssued(intermediate));
    assert.ok(leaf.verify(intermediate.publicKey));
    assert.ok(intermediate.verify(new X509Certificate(await pebble.getRootPem()).publicKey));
    assert.equal(pebble.orderCount(), ordersBefore + 1);
    assert.equal(pebble.issuedCount(), issuedBefore + 1);
  });

  test('issues a wildcard with two TXT values on one name', async () => {
    const client = await newClient(pebble);

    const [leaf] = splitChain(await issueWithDns01(pebble, client, ['example.test', '*.example.test']));

    assert.equal(leaf?.subjectAltName, 'DNS:example.test, DNS:*.example.test');
  });

  test('counts orders and issued certificates apart', async () => {
    const client = await newClient(pebble);
    await client.createAccount({ termsOfServiceAgreed: true });
    await pebble.flushLog();
    const ordersBefore = pebble.orderCount();
    const issuedBefore = pebble.issuedCount();

    await client.createOrder({ identifiers: [{ type: 'dns', value: 'unfinished.example.test' }] });
    await client.createOrder({ identifiers: [{ type: 'dns', value: 'unfinished.example.test' }] });
    await pebble.flushLog();

    assert.equal(pebble.orderCount(), ordersBefore + 2);
    assert.equal(pebble.issuedCount(), issuedBefore);
  });

  test('fails dns-01 when no TXT record was set', async () => {
    const client = await newClient(pebble);
    await client.createAccount({ termsOfServiceAgreed: true });
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'no-txt.example.test' }] });
    const [authorization] = await client.getAuthorizations(order);
    const challenge = authorization?.challenges.find((candidate) => candidate.type === 'dns-01');
    assert.ok(authorization, 'the order has no authorization');
    assert.ok(challenge, 'Pebble offered no dns-01 challenge');

    await client.completeChallenge(challenge);

    await assert.rejects(client.waitForValidStatus(challenge), /No TXT records found/);
  });

  test('rejects an invalid TXT host or value', async () => {
    await assert.rejects(pebble.setTxt('has space.example.test', 'value'), /Invalid DNS name "has space.example.test"/);
    await assert.rejects(pebble.setTxt('', 'value'), /Invalid DNS name ""/);
    await assert.rejects(pebble.setTxt('_acme-challenge.example.test', ''), /Invalid TXT value ""/);
  });

  test('accepts a TXT host with or without the final dot', async () => {
    await pebble.setTxt('_acme-challenge.dot.example.test.', 'a');
    await pebble.setTxt('_acme-challenge.dot.example.test', 'b');
    await pebble.clearTxt('_acme-challenge.dot.example.test.');
  });
});

describe('startPebble options', () => {
  test('sends http-01 validations to http01Port', async () => {
    const tokens = new Map<string, string>();
    const server = createServer((request, response) => {
      const token = request.url?.replace('/.well-known/acme-challenge/', '') ?? '';
      const keyAuthorization = tokens.get(token);
      response.writeHead(keyAuthorization ? 200 : 404).end(keyAuthorization ?? 'unknown token');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const http01Port = (server.address() as AddressInfo).port;
    const pebble = await startPebble({ http01Port });
    try {
      const client = await newClient(pebble);
      const [, csr] = await acme.crypto.createCsr(
        { altNames: ['http.example.test'] },
        await acme.crypto.createPrivateEcdsaKey(),
      );

      const chainPem = await client
        .auto({
          csr,
          termsOfServiceAgreed: true,
          challengePriority: ['http-01'],
          skipChallengeVerification: true,
          challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
            tokens.set(challenge.token, keyAuthorization);
          },
          challengeRemoveFn: async (_authz, challenge) => {
            tokens.delete(challenge.token);
          },
        })
        .catch((error: unknown) => {
          throw withDiagnostics(error, pebble);
        });

      assert.equal(pebble.http01Port, http01Port);
      assert.equal(splitChain(chainPem)[0]?.subjectAltName, 'DNS:http.example.test');
    } finally {
      await pebble.stop();
      server.close();
    }
  });

  test('issues certificates with certificateValiditySeconds', async () => {
    const pebble = await startPebble({ certificateValiditySeconds: 3 * DAY_S });
    try {
      const client = await newClient(pebble);

      const [leaf] = splitChain(await issueWithDns01(pebble, client, ['short.example.test']));
      assert.ok(leaf);
      const lifetimeSeconds = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000;

      // Pebble 2.4 sets notAfter to notBefore + period - 1 s, because RFC 5280 validity includes both ends.
      assert.equal(lifetimeSeconds, 3 * DAY_S - 1);
    } finally {
      await pebble.stop();
    }
  });

  test('requires External Account Binding when configured', async () => {
    const binding = { kid: 'kid-1', hmacKey: randomBytes(32).toString('base64url') };
    const pebble = await startPebble({ externalAccountBinding: binding });
    try {
      const withoutBinding = await newClient(pebble);
      const wrongKey = await newClient(pebble, { kid: 'kid-1', hmacKey: randomBytes(32).toString('base64url') });
      const withBinding = await newClient(pebble, binding);

      await assert.rejects(withoutBinding.createAccount({ termsOfServiceAgreed: true }), /externalAccountBinding/);
      await assert.rejects(
        wrongKey.createAccount({ termsOfServiceAgreed: true }),
        /external account binding JWS verification error/,
      );
      const account = await withBinding.createAccount({ termsOfServiceAgreed: true });
      assert.equal(account.status, 'valid');
    } finally {
      await pebble.stop();
    }
  });

  for (const [name, options, message] of [
    ['http01Port 0', { http01Port: 0 }, /Invalid http01Port 0/],
    ['http01Port 65536', { http01Port: 65536 }, /Invalid http01Port 65536/],
    ['a fractional validity', { certificateValiditySeconds: 1.5 }, /Invalid certificateValiditySeconds 1.5/],
    ['http01Port as a string', { http01Port: '8080' as unknown as number }, /Invalid http01Port "8080"/],
    ['a NaN start timeout', { startTimeoutMs: NaN }, /Invalid startTimeoutMs NaN/],
    [
      'a padded HMAC key',
      { externalAccountBinding: { kid: 'k', hmacKey: 'abc=' } },
      /Invalid externalAccountBinding.hmacKey/,
    ],
    ['an empty kid', { externalAccountBinding: { kid: '', hmacKey: 'abc' } }, /Missing externalAccountBinding.kid/],
  ] as const) {
    test(`rejects ${name}`, async () => {
      await assert.rejects(startPebble(options), message);
    });
  }
});

describe('startPebble failures', () => {
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'certpilot-pebble-test-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function writeScript(name: string, body: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  test('names the Debian package for a missing pebble', async () => {
    await assert.rejects(startPebble({ pebbleBinary: join(scratch, 'missing', 'pebble') }), {
      message: `pebble not found at ${join(scratch, 'missing', 'pebble')}: install the Debian package pebble (apt-get install pebble)`,
    });
  });

  test('names the Debian package for a missing challtestsrv', async () => {
    await assert.rejects(startPebble({ challtestsrvBinary: '/nonexistent/pebble-challtestsrv' }), {
      message:
        'pebble-challtestsrv not found at /nonexistent/pebble-challtestsrv: install the Debian package pebble (apt-get install pebble)',
    });
  });

  test('reports the last output of a pebble that exits early', async () => {
    const pebbleBinary = await writeScript('exits-early', 'echo "fake pebble: config invalid" >&2\nexit 3');

    await assert.rejects(startPebble({ pebbleBinary }), (error: Error) => {
      assert.match(error.message, /Pebble did not start: pebble exited \(exit code 3\)/);
      assert.match(error.message, /pebble: fake pebble: config invalid/);
      return true;
    });
  });

  test('retries with new ports when a port is taken', async () => {
    const attempts = join(scratch, 'attempts');
    const pebbleBinary = await writeScript(
      'port-taken',
      `echo attempt >> '${attempts}'\necho "listen tcp 127.0.0.1:1: bind: address already in use"\nexit 1`,
    );

    await assert.rejects(startPebble({ pebbleBinary }), /address already in use/);

    assert.equal((await readFile(attempts, 'utf8')).trim().split('\n').length, 3);
  });

  test('times out when pebble never answers', async () => {
    const pebbleBinary = await writeScript('silent', 'exec sleep 30');

    await assert.rejects(startPebble({ pebbleBinary, startTimeoutMs: 300 }), /Pebble was not ready after \d+ ms/);
  });

  test('stop ends both servers and removes the temp dir', async () => {
    const pebble = await startPebble();
    const port = Number(new URL(pebble.directoryUrl).port);

    await pebble.stop();
    await pebble.stop();

    await assert.rejects(access(pebble.caCertFile), { code: 'ENOENT' });
    await assert.rejects(pebble.getRootPem(), /pebble exited \(signal SIGTERM\)/);
    await assert.rejects(pebble.setTxt('_acme-challenge.a.test', 'x'), /pebble-challtestsrv exited/);
    assert.ok(await canListenOn(port), `port ${port} is still in use after stop()`);
  });
});

async function canListenOn(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  const listening = await Promise.race([
    once(server, 'listening').then(() => true),
    once(server, 'error').then(() => false),
  ]);
  server.close();
  return listening;
}
