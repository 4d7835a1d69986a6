// The quick-start demo: starts a local ACME CA (Pebble) and a private nginx serving a site whose
// certificate expires in 3 days, then lets the agent renew it and shows the certificate nginx
// serves before and after. Everything runs on 127.0.0.1 in a temp directory and is removed after.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost, probeCertificate, type CertificateInfo } from '@certpilot/core';
import { issueCertificate, makeCertificateAuthority, startNginx, startPebble } from '@certpilot/testkit';
import { detectLocale } from '../agent/src/i18n/locale.js';

const SITE = 'shop.certpilot.test';
const DAY_MS = 86_400_000;
const zh = detectLocale() === 'zh-CN';
const say = (chinese: string, english: string) => console.log(zh ? chinese : english);
const REPO_ROOT = new URL('../', import.meta.url).pathname;

function describe(certificate: CertificateInfo): string {
  const days = Math.floor((Date.parse(certificate.notAfter) - Date.now()) / DAY_MS);
  return zh
    ? `  序列号 ${certificate.serial}\n  颁发者 ${certificate.issuer}\n  到期   ${certificate.notAfter}（剩余 ${days} 天）`
    : `  serial  ${certificate.serial}\n  issuer  ${certificate.issuer}\n  expires ${certificate.notAfter} (${days} days left)`;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-demo-'));
  // nginx workers run as nobody and must reach the http-01 webroot below this directory.
  await chmod(work, 0o755);
  const ca = await makeCertificateAuthority({ commonName: 'Old Demo CA' });
  const old = await issueCertificate(ca, {
    names: [SITE],
    notBefore: new Date(Date.now() - 87 * DAY_MS),
    notAfter: new Date(Date.now() + 3 * DAY_MS + 3_600_000),
  });
  await writeFile(join(work, 'site.pem'), old.certPem + (old.chainPem ?? ''));
  await writeFile(join(work, 'site.key'), old.keyPem, { mode: 0o600 });

  say(
    '1. 启动私有 nginx 和本地 ACME CA（Pebble），均只监听 127.0.0.1 ……',
    '1. Starting a private nginx and a local ACME CA (Pebble) on 127.0.0.1 ...',
  );
  const nginx = await startNginx({
    serverBlocks: ([http, tls]) => `
    server { listen 127.0.0.1:${http}; server_name ${SITE}; location / { return 200 "hello\\n"; } }
    server {
        listen 127.0.0.1:${tls} ssl;
        server_name ${SITE};
        ssl_certificate ${work}/site.pem;
        ssl_certificate_key ${work}/site.key;
        location / { return 200 "hello over TLS\\n"; }
    }`,
  });
  const pebble = await startPebble({ http01Port: nginx.ports[0]! });
  try {
    const tlsPort = nginx.ports[1]!;
    const configPath = join(work, 'agent.json');
    await writeFile(
      configPath,
      JSON.stringify(
        {
          acme: {
            directoryUrl: pebble.directoryUrl,
            caCertFile: pebble.caCertFile,
            http01Port: nginx.ports[0],
            email: 'ops@certpilot.test',
          },
          nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
          stateDir: join(work, 'state'),
        },
        null,
        2,
      ),
    );
    const served = () =>
      probeCertificate({ host: new LocalHost(), address: '127.0.0.1', port: tlsPort, servername: SITE });

    say(
      `\n2. 续期前 nginx 在 127.0.0.1:${tlsPort} 为 ${SITE} 提供的证书：`,
      `\n2. Certificate nginx serves for ${SITE} on 127.0.0.1:${tlsPort} before:`,
    );
    console.log(describe(await served()));

    const agent = (args: string[]) => {
      console.log(`\n$ certpilot-agent ${args.join(' ')}`);
      const result = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'agent/bin/certpilot-agent.js'), '--config', configPath, ...args],
        { stdio: 'inherit' },
      );
      return result.status ?? 1;
    };
    say('\n3. 代理程序扫描并续期：', '\n3. The agent scans and renews:');
    agent(['scan']);
    const status = agent(['renew']);

    say('\n4. 续期后 nginx 提供的证书：', '\n4. Certificate nginx serves after:');
    console.log(describe(await served()));
    if (status !== 0) process.exitCode = 1;
  } finally {
    await Promise.allSettled([pebble.stop(), nginx.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
