/**
 * The relay serving HTTPS for its own name: certificate from a real Pebble through http-01 on the
 * relay's plain-HTTP listener, stored sealed, reused after a restart, renewed and swapped live.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type PeerCertificate } from 'node:tls';
import { after, before, test } from 'node:test';
import { createSealer, loadSealingKey, normalizeSerial, silentLogger } from '@certpilot/core';
import { freePort, issueCertificate, makeCertificateAuthority, startPebble, type Pebble } from '@certpilot/testkit';
import { RelayCertificateStore } from '../src/https/certificate-store.js';
import { detectLocale } from '../src/locale.js';
import { OptionError, resolveSettings } from '../src/options.js';
import { startRelay, type RelayOptions, type RunningRelay } from '../src/server.js';

const NAME = 'relay.test';

let pebble: Pebble;
let pebbleRoot: string;
let dir: string;
let options: RelayOptions;

before(async () => {
  pebble = await startPebble();
  pebbleRoot = await pebble.getRootPem();
  dir = await mkdtemp(join(tmpdir(), 'certpilot-relay-https-'));
  options = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: `sqlite://${join(dir, 'relay.db')}`,
    sealingKeyFile: join(dir, 'sealing.key'),
    logger: silentLogger(),
    scheduler: false,
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.caCertFile },
    // Pebble sends its http-01 validations to this port of 127.0.0.1 (challtestsrv resolves every name there).
    tls: { name: NAME, httpPort: pebble.http01Port, dir: join(dir, 'tls'), checkIntervalMs: 300 },
  };
});

after(async () => {
  await pebble?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Connects with SNI `NAME`, verifies against `ca`, and returns the certificate `relay` presents. */
function servedCertificate(relay: RunningRelay, ca: string[]): Promise<PeerCertificate> {
  const { port } = new URL(relay.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), servername: NAME, ca }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.on('error', reject);
  });
}

/** GET over HTTPS to 127.0.0.1 with `NAME` as SNI and Host, trusting only Pebble's root. */
function getOverHttps(
  relay: Pick<RunningRelay, 'url'>,
  path: string,
): Promise<{ status: number | undefined; body: string }> {
  const { port } = new URL(relay.url);
  return new Promise((resolve, reject) => {
    const call = httpsRequest(
      { host: '127.0.0.1', port, path, servername: NAME, headers: { Host: NAME }, ca: [pebbleRoot], agent: false },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode, body }));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

function getOverHttp(port: number, path: string): Promise<{ status: number | undefined; location?: string }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: NAME }, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, location: response.headers.location }));
    });
    call.on('error', reject);
    call.end();
  });
}

test('relay serves HTTPS for its name', async () => {
  const relay = await startRelay(options);
  try {
    assert.match(relay.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const served = await servedCertificate(relay, [pebbleRoot]);
    assert.equal(served.subjectaltname, `DNS:${NAME}`);

    const health = await getOverHttps(relay, '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', database: 'ok' });

    const redirect = await getOverHttp(pebble.http01Port, '/healthz?x=1');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.location, `https://${NAME}:${new URL(relay.url).port}/healthz?x=1`);
    assert.equal((await getOverHttp(pebble.http01Port, '/.well-known/acme-challenge/unknown')).status, 404);

    const folder = join(dir, 'tls', NAME);
    assert.equal((await stat(join(folder, 'fullchain.pem'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(folder, 'privkey.sealed'))).mode & 0o777, 0o600);
    assert.doesNotMatch(await readFile(join(folder, 'privkey.sealed'), 'utf8'), /PRIVATE KEY/);
    await pebble.flushLog();
    assert.equal(pebble.orderCount(), 1);
  } finally {
    await relay.close();
  }
});

test('relay restart reuses stored certificate', async () => {
  const first = await startRelay(options);
  const serial = (await servedCertificate(first, [pebbleRoot])).serialNumber;
  await first.close();

  const second = await startRelay(options);
  try {
    assert.equal((await servedCertificate(second, [pebbleRoot])).serialNumber, serial);
    await pebble.flushLog();
    assert.equal(pebble.orderCount(), 1, 'no new order after a restart');
  } finally {
    await second.close();
  }
});

test('relay swaps renewed certificate live', async () => {
  // A certificate due 5 s from now (under 10 days long, so due at half its lifetime).
  const ca = await makeCertificateAuthority();
  const now = Date.now();
  const shortLived = await issueCertificate(ca, {
    names: [NAME],
    notBefore: new Date(now - 1_000),
    notAfter: new Date(now + 11_000),
  });
  const sealer = createSealer((await loadSealingKey({ file: options.sealingKeyFile })).key);
  await new RelayCertificateStore(join(dir, 'tls'), sealer).save(NAME, shortLived);
  const ordersBefore = pebble.orderCount();

  const relay = await startRelay(options);
  try {
    const trust = [ca.certPem, pebbleRoot];
    const before = await servedCertificate(relay, trust);
    assert.equal(
      normalizeSerial(before.serialNumber),
      normalizeSerial(new X509Certificate(shortLived.certPem).serialNumber),
    );

    let after = before;
    for (let waited = 0; waited < 20_000 && after.serialNumber === before.serialNumber; waited += 250) {
      await sleep(250);
      after = await servedCertificate(relay, trust);
    }
    assert.notEqual(after.serialNumber, before.serialNumber, 'the renewed certificate is served without a restart');
    assert.equal(after.subjectaltname, `DNS:${NAME}`);
    assert.match(String(after.issuer.CN), /Pebble/);
    await pebble.flushLog();
    assert.equal(pebble.orderCount(), ordersBefore + 1);
  } finally {
    await relay.close();
  }
});

test('relay without CA does not start', async () => {
  const otherDir = await mkdtemp(join(tmpdir(), 'certpilot-relay-https-'));
  try {
    await assert.rejects(
      startRelay({
        ...options,
        databaseUrl: `sqlite://${join(otherDir, 'relay.db')}`,
        sealingKeyFile: join(otherDir, 'sealing.key'),
        acme: { directoryUrl: 'https://127.0.0.1:9/dir', caFile: pebble.caCertFile },
        tls: { ...options.tls!, dir: join(otherDir, 'tls') },
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ACME_CA_UNREACHABLE');
        return true;
      },
    );
    // The plain-HTTP listener was closed again, so its port is free for the next start.
    const relay = await startRelay(options);
    await relay.close();
  } finally {
    await rm(otherDir, { recursive: true, force: true });
  }
});

test('tls options reject bad values', () => {
  const en = detectLocale('en');
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { 'tls-name': '203.0.113.7' },
      /Invalid value "203\.0\.113\.7" for --tls-name: expected the relay’s public host name/,
    ],
    [{ 'tls-name': 'relay' }, /for --tls-name/],
    [
      { 'tls-name': NAME, 'public-url': 'http://relay.test' },
      /for --public-url: with --tls-name, --public-url must be an https:\/\/relay\.test address/,
    ],
    [{ 'tls-name': NAME, 'public-url': 'https://other.test' }, /--public-url/],
    [{ 'tls-name': NAME, 'http-port': '80a' }, /Invalid value "80a" for --http-port: expected an integer/],
    [{ 'trust-proxy': 'maybe' }, /Invalid value "maybe" for --trust-proxy: expected true or false/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => resolveSettings(flags, {}, en),
      (error: Error) => {
        assert.ok(error instanceof OptionError);
        assert.match(error.message, message);
        return true;
      },
    );
  }

  const settings = resolveSettings({ 'tls-name': 'Relay.Test', port: '8443' }, {}, en);
  assert.equal(settings.publicUrl, 'https://relay.test:8443');
  assert.deepEqual(settings.tls, { name: NAME, httpPort: 80, dir: join(settings.dataDir, 'tls') });
  assert.equal(resolveSettings({}, { CERTPILOT_RELAY_TRUST_PROXY: 'true' }, en).trustProxy, true);
  assert.equal(resolveSettings({}, {}, en).trustProxy, false);
  assert.match(
    (() => {
      try {
        resolveSettings({ 'tls-name': 'relay' }, {}, detectLocale('zh-CN'));
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })(),
    /--tls-name 的值 "relay" 无效：需要中继的公网域名/,
  );
});

test('relay CLI starts with HTTPS', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'certpilot-relay-https-cli-'));
  const port = await freePort();
  const root = new URL('../..', import.meta.url).pathname;
  // prettier-ignore
  const args = [
    '--conditions=source', '--import', 'tsx', join(root, 'relay/src/cli.ts'), 'start',
    '--port', String(port), '--data-dir', dataDir, '--tls-name', NAME, '--http-port', String(pebble.http01Port),
    '--acme-directory', pebble.directoryUrl, '--acme-ca-file', pebble.caCertFile, '--trust-proxy',
  ];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, LANG: 'en_US.UTF-8' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  try {
    let health: { status: number | undefined; body: string } | undefined;
    for (let waited = 0; waited < 30_000 && health === undefined && child.exitCode === null; waited += 200) {
      await sleep(200);
      health = await getOverHttps({ url: `https://127.0.0.1:${port}` }, '/healthz').catch(() => undefined);
    }
    assert.equal(health?.status, 200, output);
    assert.match(output, /"url":"https:\/\/127\.0\.0\.1:\d+"/);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    await rm(dataDir, { recursive: true, force: true });
  }
});
