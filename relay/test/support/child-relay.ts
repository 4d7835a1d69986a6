/**
 * A relay in a child process, for tests that kill it with SIGKILL in the middle of a job and
 * start another one on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RelayOptions } from '../../src/server.js';
import type { CloudWorld } from './cloud-world.js';
import { databaseUrlFor } from './databases.js';
import { callApi, type ApiResponse, type CallOptions } from './relay.js';

const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(REPO_ROOT, 'relay/test/support/child-relay-main.ts');

export interface ChildRelay {
  url: string;
  child: ChildProcess;
  api(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** Resolves with the signal or exit code once the process is gone. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Everything the process wrote to stderr, for failure messages. */
  stderr(): string;
  kill(): Promise<void>;
}

/** Builds the options of a relay renewing against `world`, with its data in `dataDir`. */
export async function cloudRelayOptions(
  world: CloudWorld,
  dataDir: string,
  leaseMs: number,
): Promise<Omit<RelayOptions, 'logger'>> {
  return {
    port: 0,
    host: '127.0.0.1',
    databaseUrl: await databaseUrlFor(dataDir),
    dataDir,
    sealingKeyFile: join(dataDir, 'sealing.key'),
    acme: { directoryUrl: world.pebble.directoryUrl, caFile: world.pebble.caCertFile },
    scheduler: { intervalMs: 300, jitterMs: 100, leaseMs, shutdownGraceMs: 200 },
    cloudEndpoints: {
      qiniu: world.qiniu.url,
      aliyunCas: world.aliyun.endpoint,
      aliyunCdn: world.aliyun.endpoint,
      aliyunDcdn: world.aliyun.endpoint,
      alidns: world.aliyun.endpoint,
      aliyunProtocol: 'http',
    },
  };
}

/** Starts the child and waits until it listens; `env` adds variables such as CERTPILOT_FAILPOINT. */
export async function startChildRelay(
  options: Omit<RelayOptions, 'logger'>,
  env: Record<string, string> = {},
): Promise<ChildRelay> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CERTPILOT_TEST_RELAY_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child relay did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the child relay exited (${how}) before listening: ${stderr}`));
    });
  });
  return {
    url,
    child,
    api: (method, path, call = {}) => callApi(url, method, path, call),
    exited,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
