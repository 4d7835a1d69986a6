import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  issueCertificate,
  makeCertificateAuthority,
  startPebble,
  type Pebble,
  type TestCertificateAuthority,
} from '@certpilot/testkit';
import {
  mirrorTxtToChallTestSrv,
  startFakeAliyun,
  startFakeOss,
  startFakeQiniu,
  type FakeAliyun,
  type FakeOss,
  type FakeQiniu,
} from '@certpilot/testkit/fakes/index';
import { runAgent, type AgentRun } from './scenario.js';

const DAY_MS = 86_400_000;
export const QINIU = { accessKey: 'qiniu-test-ak', secretKey: 'qiniu-test-sk' };
export const ALIYUN = { accessKeyId: 'LTAI-test-id', accessKeySecret: 'aliyun-test-secret' };

/** Pebble, the Qiniu, Aliyun and OSS fakes (Alidns TXT mirrored into Pebble's DNS), and a cloud config writer. */
export interface CloudWorld {
  pebble: Pebble;
  qiniu: FakeQiniu;
  aliyun: FakeAliyun;
  oss: FakeOss;
  ca: TestCertificateAuthority;
  stateDir: string;
  /** Writes a cloud config with `sites` and returns its path. */
  writeConfig(sites: Array<Record<string, unknown>>, overrides?: { qiniuSecret?: string }): Promise<string>;
  run(configPath: string, args?: string[]): Promise<AgentRun>;
  /** A certificate that expires in `daysLeft` days, as a CDN would already serve it. */
  oldCertificate(names: string[], daysLeft: number): Promise<{ certPem: string; keyPem: string }>;
  stop(): Promise<void>;
}

export async function startCloudWorld(): Promise<CloudWorld> {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-cloud-test-'));
  await chmod(work, 0o755);
  const pebble = await startPebble();
  const aliyun = await startFakeAliyun({
    accounts: [ALIYUN],
    onTxtChange: mirrorTxtToChallTestSrv(pebble.managementUrl),
  });
  const qiniu = await startFakeQiniu({ accounts: [QINIU] });
  const oss = await startFakeOss({
    accounts: [ALIYUN],
    buckets: [{ name: 'assets', region: 'oss-cn-hangzhou' }],
    casLookup: (certId) => aliyun.casLookup(certId),
    txtLookup: (fqdn) => aliyun.txtValues(fqdn),
  });
  aliyun.addDnsDomain('example.test');
  const ca = await makeCertificateAuthority({ commonName: 'Old CDN CA' });
  const stateDir = join(work, 'state');

  return {
    pebble,
    qiniu,
    aliyun,
    oss,
    ca,
    stateDir,
    async writeConfig(sites, overrides = {}) {
      const path = join(work, `cloud-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
      const edgeDefaults = { address: '127.0.0.1', timeoutSeconds: 3, intervalSeconds: 0.2 };
      await writeFile(
        path,
        JSON.stringify({
          acme: { directoryUrl: pebble.directoryUrl, caCertFile: pebble.caCertFile },
          stateDir,
          credentials: {
            qiniu: {
              provider: 'qiniu',
              accessKeyId: QINIU.accessKey,
              accessKeySecret: overrides.qiniuSecret ?? QINIU.secretKey,
            },
            aliyun: { provider: 'aliyun', ...ALIYUN },
          },
          endpoints: {
            qiniu: qiniu.url,
            aliyunCas: aliyun.endpoint,
            aliyunCdn: aliyun.endpoint,
            aliyunDcdn: aliyun.endpoint,
            alidns: aliyun.endpoint,
            oss: oss.url,
            aliyunProtocol: 'http',
          },
          sites: sites.map((site) => ({
            challenge: {
              type: 'dns-01',
              provider: 'alidns',
              credential: 'aliyun',
              resolvers: [`127.0.0.1:${pebble.dnsPort}`],
              propagationTimeoutSeconds: 10,
            },
            processingWaitSeconds: 2,
            ...site,
            edge: { ...edgeDefaults, ...(site.edge as object) },
          })),
        }),
        { mode: 0o600 },
      );
      return path;
    },
    run: (configPath, args = []) => runAgent(['cloud-renew', '--config', configPath, ...args]),
    async oldCertificate(names, daysLeft) {
      const issued = await issueCertificate(ca, {
        names,
        notBefore: new Date(Date.now() - 80 * DAY_MS),
        notAfter: new Date(Date.now() + daysLeft * DAY_MS),
      });
      return { certPem: issued.certPem + (issued.chainPem ?? ''), keyPem: issued.keyPem };
    },
    async stop() {
      await Promise.allSettled([qiniu.close(), aliyun.close(), oss.close(), pebble.stop()]);
      await rm(work, { recursive: true, force: true });
    },
  };
}
