import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost, probeCertificate, type CertificateInfo } from '@certpilot/core';
import {
  issueCertificate,
  makeCertificateAuthority,
  startNginx,
  startPebble,
  type NginxInstance,
  type Pebble,
  type PebbleOptions,
  type TestCertificateAuthority,
} from '@certpilot/testkit';

const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const DAY_MS = 86_400_000;

/** A running Pebble and private nginx plus an agent config pointing at both. */
export interface Scenario {
  pebble: Pebble;
  nginx: NginxInstance;
  /** Directory for site certificates and keys. */
  certDir: string;
  stateDir: string;
  configPath: string;
  httpPort: number;
  tlsPort: number;
  runAgent(args: string[], options?: AgentRunOptions): Promise<AgentRun>;
  served(name: string, port?: number): Promise<CertificateInfo>;
  stop(): Promise<void>;
}

export interface AgentRunOptions {
  env?: Record<string, string>;
  lang?: string;
  /** Runs this JavaScript file (the bundle) instead of the agent's TypeScript source. */
  script?: string;
}

export interface AgentRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ScenarioOptions {
  /** Writes certificate files into certDir before nginx starts. */
  prepare?: (certDir: string, ca: TestCertificateAuthority) => Promise<void>;
  /** Server blocks for the `http` context, given [httpPort, tlsPort, spare]. */
  serverBlocks: (ports: number[], certDir: string) => string;
  /** More config files by path relative to conf/, e.g. `conf.d/site.conf`. */
  extraFiles?: Record<string, (ports: number[], certDir: string) => string>;
  agentConfig?: (ports: number[]) => Record<string, unknown>;
  /** Extra Pebble options, e.g. to require External Account Binding. */
  pebble?: Omit<PebbleOptions, 'http01Port'>;
}

/** Starts nginx (its first port takes http-01), then Pebble validating against it, and writes the agent config. */
export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const work = await mkdtemp(join(tmpdir(), 'certpilot-agent-test-'));
  await chmod(work, 0o755);
  const certDir = join(work, 'certs');
  const stateDir = join(work, 'state');
  await mkdir(certDir, { recursive: true });
  const ca = await makeCertificateAuthority();
  await options.prepare?.(certDir, ca);

  const nginx = await startNginx({
    serverBlocks: (ports) => options.serverBlocks(ports, certDir),
    extraFiles: Object.fromEntries(
      Object.entries(options.extraFiles ?? {}).map(([path, render]) => [
        path,
        (ports: number[]) => render(ports, certDir),
      ]),
    ),
  });
  const [httpPort, tlsPort] = nginx.ports as [number, number];
  let pebble: Pebble;
  try {
    pebble = await startPebble({ http01Port: httpPort, ...options.pebble });
  } catch (error) {
    await nginx.stop();
    throw error;
  }

  const configPath = join(work, 'agent.json');
  const config = {
    acme: {
      directoryUrl: pebble.directoryUrl,
      caCertFile: pebble.caCertFile,
      http01Port: httpPort,
      email: 'ops@example.test',
    },
    nginx: { bin: nginx.bin, conf: nginx.confPath, prefix: nginx.dir },
    stateDir,
    probe: { timeoutSeconds: 5 },
    ...options.agentConfig?.(nginx.ports),
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));

  return {
    pebble,
    nginx,
    certDir,
    stateDir,
    configPath,
    httpPort,
    tlsPort,
    runAgent: (args, runOptions) => runAgent(['--config', configPath, ...args], runOptions),
    served: (name, port = tlsPort) =>
      probeCertificate({ host: new LocalHost(), address: '127.0.0.1', port, servername: name }),
    async stop() {
      await Promise.allSettled([nginx.stop(), pebble.stop()]);
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Runs the agent CLI from source in a child process, as a user would run it. */
export function runAgent(args: string[], options: AgentRunOptions = {}): Promise<AgentRun> {
  const entry = options.script
    ? [options.script]
    : ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'agent/src/cli.ts')];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: options.script ? tmpdir() : REPO_ROOT,
      env: { ...process.env, LANG: options.lang ?? 'en_US.UTF-8', LC_ALL: '', CERTPILOT_LANG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Writes a certificate for `names` issued by `ca`, valid from `daysAgo` days ago for `daysLeft` more days. */
export async function writeSiteCertificate(
  ca: TestCertificateAuthority,
  paths: { cert: string; key: string },
  names: string[],
  validity: { daysAgo: number; daysLeft: number },
): Promise<{ certPem: string; keyPem: string }> {
  const now = Date.now();
  const issued = await issueCertificate(ca, {
    names,
    notBefore: new Date(now - validity.daysAgo * DAY_MS),
    notAfter: new Date(now + validity.daysLeft * DAY_MS),
  });
  const certPem = issued.certPem + (issued.chainPem ?? '');
  await writeFile(paths.cert, certPem);
  await writeFile(paths.key, issued.keyPem, { mode: 0o600 });
  return { certPem, keyPem: issued.keyPem };
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** The nginx master's PID, from the pid file of the private instance. */
export async function nginxMasterPid(nginx: NginxInstance): Promise<number> {
  return Number((await readFile(join(nginx.dir, 'logs', 'nginx.pid'), 'utf8')).trim());
}
