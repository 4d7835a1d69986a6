import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ariCertificateId } from '@certpilot/core';
import { issueCertificate, makeCertificateAuthority, startNginx } from '@certpilot/testkit';
import { runAgent } from './support/scenario.js';
import { tlsServer } from './support/sites.js';

const DAY_MS = 86_400_000;

/** A directory that advertises renewalInfo, and the window it suggests for every certificate. */
async function startRenewalInfoServer(window: {
  start: string;
  end: string;
}): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    response.setHeader('content-type', 'application/json');
    if (request.url === '/directory') {
      response.end(JSON.stringify({ newNonce: `${base}/nonce`, renewalInfo: `${base}/renewal-info` }));
      return;
    }
    response.setHeader('retry-after', '21600');
    response.end(JSON.stringify({ suggestedWindow: window, explanationURL: 'https://ca.example/incident-42' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/directory`, requests };
}

test('ARI window makes a fresh certificate due', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-ari-'));
  await chmod(work, 0o755);
  t.after(() => rm(work, { recursive: true, force: true }));
  const ca = await makeCertificateAuthority();
  const issued = await issueCertificate(ca, {
    names: ['ari.test'],
    notBefore: new Date(Date.now() - 10 * DAY_MS),
    notAfter: new Date(Date.now() + 80 * DAY_MS),
  });
  await writeFile(join(work, 'ari.pem'), issued.certPem);
  await writeFile(join(work, 'ari.key'), issued.keyPem, { mode: 0o600 });

  // The CA asks for early renewal (as after a mass revocation): the window is already open.
  const ari = await startRenewalInfoServer({
    start: new Date(Date.now() - DAY_MS).toISOString(),
    end: new Date(Date.now() - 1000).toISOString(),
  });
  t.after(() => ari.server.close());
  const nginx = await startNginx({
    serverBlocks: ([, tls]) => tlsServer(tls!, 'ari.test', `${work}/ari.pem`, `${work}/ari.key`),
  });
  t.after(() => nginx.stop());
  const config = join(work, 'agent.json');
  await writeFile(
    config,
    JSON.stringify({
      acme: { directoryUrl: ari.url },
      nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
      stateDir: join(work, 'state'),
    }),
  );

  const scan = await runAgent(['scan', '--json', '--config', config]);
  assert.equal(scan.status, 0, scan.stderr);
  const site = (JSON.parse(scan.stdout) as { sites: Array<{ due: boolean; reason: string; daysLeft: number }> })
    .sites[0];
  assert.equal(site?.due, true);
  assert.equal(site?.reason, 'ari-window');
  assert.equal(site?.daysLeft, 79);
  assert.ok(ari.requests.includes(`/renewal-info/${ariCertificateId(issued.certPem)}`), ari.requests.join(' '));

  // The answer is cached: a second scan within Retry-After asks the CA nothing.
  const before = ari.requests.length;
  await runAgent(['scan', '--json', '--config', config]);
  assert.equal(ari.requests.length, before);
});

test('unreachable ARI falls back to the lifetime rule', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-ari-'));
  await chmod(work, 0o755);
  t.after(() => rm(work, { recursive: true, force: true }));
  const ca = await makeCertificateAuthority();
  const issued = await issueCertificate(ca, {
    names: ['ari.test'],
    notBefore: new Date(Date.now() - 10 * DAY_MS),
    notAfter: new Date(Date.now() + 80 * DAY_MS),
  });
  await writeFile(join(work, 'ari.pem'), issued.certPem);
  await writeFile(join(work, 'ari.key'), issued.keyPem, { mode: 0o600 });
  const nginx = await startNginx({
    serverBlocks: ([, tls]) => tlsServer(tls!, 'ari.test', `${work}/ari.pem`, `${work}/ari.key`),
  });
  t.after(() => nginx.stop());
  const config = join(work, 'agent.json');
  // Port 9 on loopback has no listener: the directory request is refused at once.
  await writeFile(
    config,
    JSON.stringify({
      acme: { directoryUrl: 'http://127.0.0.1:9/directory' },
      nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
      stateDir: join(work, 'state'),
    }),
  );

  const scan = await runAgent(['scan', '--json', '--config', config]);
  assert.equal(scan.status, 0, scan.stderr);
  const site = (JSON.parse(scan.stdout) as { sites: Array<{ due: boolean; reason: string }> }).sites[0];
  assert.equal(site?.due, false);
  assert.equal(site?.reason, 'lifetime-remaining');
});
