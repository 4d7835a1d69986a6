import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalHost, probeCertificate } from '@certpilot/core';
import {
  issueCertificate,
  startNginx,
  startSmtpReceiver,
  startWebhookReceiver,
  type NginxInstance,
  type SmtpReceiver,
  type WebhookReceiver,
} from '@certpilot/testkit';
import { runAgent } from '../../agent/test/support/scenario.js';
import { addTestChannels } from './support/channels.js';
import { addQiniuSite, waitForDone } from './support/cloud-sites.js';
import { startCloudRelay, startCloudWorld, type CloudRelay, type CloudWorld } from './support/cloud-world.js';

// One user's whole day through the HTTP API, on real parts: Pebble, the Qiniu and Aliyun fakes,
// an SMTP receiver, a private nginx and the agent's real CLI.
let world: CloudWorld;
let relay: CloudRelay;
let smtp: SmtpReceiver;
let hook: WebhookReceiver;
let nginx: NginxInstance | undefined;
let agentDir: string;

before(async () => {
  world = await startCloudWorld();
  smtp = await startSmtpReceiver();
  hook = await startWebhookReceiver();
  relay = await startCloudRelay(world, await world.dataDir());
  agentDir = await mkdtemp(join(tmpdir(), 'certpilot-e2e-agent-'));
});
after(async () => {
  await relay?.close();
  await nginx?.stop();
  await smtp?.close();
  await hook?.close();
  await world?.stop();
  await rm(agentDir, { recursive: true, force: true });
});

test('register, add a Qiniu CDN site, renew, notify, enroll an agent', { timeout: 120_000 }, async () => {
  const account = `e2e_${process.pid}`;
  const password = 'Correct-horse-42';
  const registered = await relay.api('POST', '/auth/register', { body: { account, name: '运维', password } });
  assert.equal(registered.status, 201, JSON.stringify(registered.json));
  const login = await relay.api('POST', '/auth/login', { body: { account, password } });
  assert.equal(login.status, 200);
  const token = login.json.token as string;

  const channels = await addTestChannels(relay, token, { smtp, hook }, 'e2e');
  // Credentials and the site, through the API; the fake CDN serves a certificate 3 days from expiry.
  const domain = 'e2e.example.test';
  const siteId = await addQiniuSite(world, relay, token, domain);

  // The scheduler finds the site due (3 days left) and renews it without being asked.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a job as the API sends it
  const job: any = await waitForDone(relay, token, siteId);
  assert.deepEqual(
    job.steps.map((step: { step: string }) => step.step),
    ['planned', 'issuing', 'issued', 'deploying', 'deployed', 'verifying', 'done'],
  );
  assert.equal(job.error, null);
  const edge = await probeCertificate({
    host: new LocalHost(),
    address: '127.0.0.1',
    port: world.qiniu.edgePort,
    servername: domain,
  });
  assert.match(edge.issuer, /Pebble/);
  assert.equal(edge.serial, job.certificate.serial);
  assert.deepEqual(edge.names, [domain]);
  assert.equal(world.pebble.issuedCount(), 1);

  await channels.expectMessages(1);
  const mail = channels.mails()[0]!;
  assert.match(mail.subject, /e2e\.example\.test/);
  assert.match(mail.subject + mail.text, /证书/);
  assert.match(mail.text, /e2e\.example\.test/);
  const webhook = channels.hooks()[0]!;
  assert.equal(webhook.locale, 'en');
  assert.match(webhook.message.title, /e2e\.example\.test/);

  // An agent on a server with nginx: enrolled with the real CLI, then its scan report shows up.
  const agent = await relay.api('POST', '/agents', { token, body: { name: 'web1' } });
  assert.equal(agent.status, 201, JSON.stringify(agent.json));
  const serverCert = await issueCertificate(world.ca, {
    names: ['shop.e2e.test'],
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() + 80 * 86_400_000),
  });
  await writeFile(join(agentDir, 'shop.pem'), serverCert.certPem + (serverCert.chainPem ?? ''));
  await writeFile(join(agentDir, 'shop.key'), serverCert.keyPem, { mode: 0o600 });
  nginx = await startNginx({
    serverBlocks: ([, tls]) => `
      server {
        listen 127.0.0.1:${tls} ssl;
        server_name shop.e2e.test;
        ssl_certificate ${join(agentDir, 'shop.pem')};
        ssl_certificate_key ${join(agentDir, 'shop.key')};
        location / { return 200 "shop\\n"; }
      }`,
  });
  const configPath = join(agentDir, 'agent.json');
  await writeFile(
    configPath,
    JSON.stringify({
      acme: { directoryUrl: world.pebble.directoryUrl, caCertFile: world.pebble.caCertFile, email: 'ops@example.test' },
      nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
      stateDir: join(agentDir, 'state'),
    }),
  );
  const enroll = await runAgent(
    ['--config', configPath, 'enroll', '--relay', relay.relay.url, '--token', agent.json.enrollmentToken],
    { lang: 'zh_CN.UTF-8' },
  );
  assert.equal(enroll.status, 0, enroll.stderr);
  const scan = await runAgent(['--config', configPath, 'scan']);
  assert.equal(scan.status, 0, scan.stderr);

  const agents = (await relay.api('GET', '/agents', { token })).json.agents as Array<{
    id: string;
    status: string;
    lastReportAt: string | null;
    sites: Array<Record<string, unknown>>;
  }>;
  assert.equal(agents.length, 1);
  assert.equal(agents[0]!.id, agent.json.agentId);
  assert.equal(agents[0]!.status, 'active');
  assert.ok(agents[0]!.lastReportAt);
  assert.match(JSON.stringify(agents[0]!.sites), /shop\.e2e\.test/);
  const sites = (await relay.api('GET', '/sites', { token })).json.sites as Array<{ origin: string; domain: string }>;
  assert.deepEqual(sites.map((site) => `${site.origin}:${site.domain}`).sort(), [
    'nginx:shop.e2e.test',
    `qiniu-cdn:${domain}`,
  ]);
});
