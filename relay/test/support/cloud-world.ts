/**
 * Pebble with the Qiniu and Aliyun fakes (Alidns TXT records mirrored into Pebble's DNS), and
 * relays started in-process against them with a short scheduler tick.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@certpilot/core';
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
  startFakeQiniu,
  type FakeAliyun,
  type FakeQiniu,
} from '@certpilot/testkit/fakes/index';
import type { SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { startRelay, type RunningRelay } from '../../src/server.js';
import { databaseUrlFor } from './databases.js';
import type { ApiResponse, CallOptions } from './relay.js';

export const QINIU = { accessKey: 'qiniu-test-ak', secretKey: 'qiniu-test-sk' };
export const ALIYUN = { accessKeyId: 'LTAI-test-id', accessKeySecret: 'aliyun-test-secret' };
const DAY_MS = 86_400_000;

export interface CloudWorld {
  pebble: Pebble;
  qiniu: FakeQiniu;
  aliyun: FakeAliyun;
  ca: TestCertificateAuthority;
  /** A fresh directory for one relay's database and sealing key. */
  dataDir(): Promise<string>;
  /** A certificate expiring in `daysLeft` days, as a CDN already serves it. */
  oldCertificate(names: string[], daysLeft: number): Promise<{ certPem: string; keyPem: string }>;
  stop(): Promise<void>;
}

export async function startCloudWorld(): Promise<CloudWorld> {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-relay-cloud-'));
  const pebble = await startPebble();
  const aliyun = await startFakeAliyun({
    accounts: [ALIYUN],
    onTxtChange: mirrorTxtToChallTestSrv(pebble.managementUrl),
  });
  const qiniu = await startFakeQiniu({ accounts: [QINIU] });
  aliyun.addDnsDomain('example.test');
  const ca = await makeCertificateAuthority({ commonName: 'Old CDN CA' });
  let dirs = 0;
  return {
    pebble,
    qiniu,
    aliyun,
    ca,
    async dataDir() {
      dirs += 1;
      return join(work, `relay-${dirs}`);
    },
    async oldCertificate(names, daysLeft) {
      const issued = await issueCertificate(ca, {
        names,
        notBefore: new Date(Date.now() - 80 * DAY_MS),
        notAfter: new Date(Date.now() + daysLeft * DAY_MS),
      });
      return { certPem: issued.certPem + (issued.chainPem ?? ''), keyPem: issued.keyPem };
    },
    async stop() {
      await Promise.allSettled([qiniu.close(), aliyun.close(), pebble.stop()]);
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** A relay renewing against the world, with a one-second-ish tick. */
export interface CloudRelay {
  relay: RunningRelay;
  /** The SQLite file the relay would use; only meaningful when `databaseUrl` is `sqlite://`. */
  databaseFile: string;
  /** The relay's database; every relay over one data dir shares it. */
  databaseUrl: string;
  api(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startCloudRelay(
  world: CloudWorld,
  dataDir: string,
  leaseMs = 3_000,
  scheduler: Partial<SchedulerOptions> = {},
): Promise<CloudRelay> {
  const databaseFile = join(dataDir, 'relay.db');
  const databaseUrl = await databaseUrlFor(dataDir);
  const options = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    dataDir,
    sealingKeyFile: join(dataDir, 'sealing.key'),
    logger: silentLogger(),
    acme: { directoryUrl: world.pebble.directoryUrl, caFile: world.pebble.caCertFile },
    // Tests run the expiry watch themselves (support/watch.ts), never at the daily time.
    scheduler: { intervalMs: 300, jitterMs: 100, leaseMs, shutdownGraceMs: 200, watch: false as const, ...scheduler },
    cloudEndpoints: {
      qiniu: world.qiniu.url,
      aliyunCas: world.aliyun.endpoint,
      aliyunCdn: world.aliyun.endpoint,
      aliyunDcdn: world.aliyun.endpoint,
      alidns: world.aliyun.endpoint,
      aliyunProtocol: 'http' as const,
    },
  };
  let relay = await startRelay(options);
  return {
    get relay() {
      return relay;
    },
    databaseFile,
    databaseUrl,
    api: (method, path, call = {}) => callApi(relay.url, method, path, call),
    async restart() {
      await relay.close();
      relay = await startRelay(options);
    },
    close: () => relay.close(),
  };
}

async function callApi(base: string, method: string, path: string, call: CallOptions): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  if (call.token !== undefined) headers.Authorization = `Bearer ${call.token}`;
  if (call.lang !== undefined) headers['Accept-Language'] = call.lang;
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const response = await fetch(`${base}/api/v1${path}`, { method, headers, ...(body ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

/** Waits until `check` returns a value, polling every 200 ms. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
