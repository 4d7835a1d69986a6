/**
 * A private ACME CA for tests: Debian's `pebble` (2.4) and its DNS server `pebble-challtestsrv`,
 * both on 127.0.0.1 with random free ports and their files in a fresh temp dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { rmSync } from 'node:fs';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueCertificate, makeCertificateAuthority } from './certs.js';
import { freePorts } from './ports.js';

export const PEBBLE_BINARY = '/usr/bin/pebble';
export const CHALLTESTSRV_BINARY = '/usr/bin/pebble-challtestsrv';

/** Options of {@link startPebble}. Every field has a default. */
export interface PebbleOptions {
  /** Port where Pebble sends http-01 validations: the port of the nginx under test. Default a free port. */
  http01Port?: number;
  /** Require External Account Binding with this key, as ZeroSSL and Google Trust Services do. */
  externalAccountBinding?: { kid: string; hmacKey: string };
  /** Lifetime of issued certificates in seconds. Default Pebble's own, 157766400 s (5 years). */
  certificateValiditySeconds?: number;
  /** Time allowed for both servers to come up, in milliseconds. Default 15000. */
  startTimeoutMs?: number;
  /** Path of the pebble binary. Default {@link PEBBLE_BINARY}. */
  pebbleBinary?: string;
  /** Path of the pebble-challtestsrv binary. Default {@link CHALLTESTSRV_BINARY}. */
  challtestsrvBinary?: string;
}

/** A running Pebble and challtestsrv pair. Call {@link Pebble.stop} when done. */
export interface Pebble {
  /** ACME directory, such as `https://127.0.0.1:40123/dir`. */
  directoryUrl: string;
  /** PEM file of the throwaway CA that signed Pebble's own HTTPS listener: what clients must trust. */
  caCertFile: string;
  /** Contents of {@link Pebble.caCertFile}. */
  caCertPem: string;
  /** UDP and TCP port of the DNS server that Pebble resolves every name with. */
  dnsPort: number;
  /** challtestsrv management API, such as `http://127.0.0.1:40124`. */
  managementUrl: string;
  /** Pebble's own management API (HTTPS, same trust as the directory). */
  pebbleManagementUrl: string;
  /** Port on 127.0.0.1 where Pebble sends http-01 validations. */
  http01Port: number;
  /** Fetches the root that signs issued certificates. Pebble makes a new one at every start. */
  getRootPem(): Promise<string>;
  /** Fetches the intermediate that signs issued certificates. */
  getIntermediatePem(): Promise<string>;
  /** Adds a TXT value for `host`, such as `_acme-challenge.example.test`, keeping earlier values. */
  setTxt(host: string, value: string): Promise<void>;
  /** Removes every TXT value of `host`. */
  clearTxt(host: string): Promise<void>;
  /** Orders Pebble created: lines `Added order "<id>" to the db` in its log. See {@link Pebble.flushLog}. */
  orderCount(): number;
  /** Certificates Pebble issued: lines `Issued certificate serial <hex> for order <id>` in its log. */
  issuedCount(): number;
  /**
   * Waits until Pebble's log has caught up with every ACME response received so far. Pebble writes
   * a log line before it sends the response, but the line can reach this process after the response.
   */
  flushLog(): Promise<void>;
  /** The last lines both servers printed, for a failing test's message. */
  recentOutput(): string;
  /** Stops both servers, waits until they exited and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const ORDER_ADDED = /Added order "[^"]+" to the db/;
const CERTIFICATE_ISSUED = /Issued certificate serial [0-9a-f]+ for order \S+/;
const DIRECTORY_REQUEST = /GET \/dir -> calling handler\(\)/;
const MAX_START_ATTEMPTS = 3;

/**
 * Starts pebble-challtestsrv and pebble on 127.0.0.1 and waits until the ACME directory and the
 * DNS server answer. Ports that another process took meanwhile are retried with new ones.
 *
 * @throws Error when a binary is missing, a server exits during startup (with its last output),
 *   or startup exceeds `startTimeoutMs`.
 */
export async function startPebble(options: PebbleOptions = {}): Promise<Pebble> {
  checkOptions(options);
  await checkInstalled('pebble', options.pebbleBinary ?? PEBBLE_BINARY);
  await checkInstalled('pebble-challtestsrv', options.challtestsrvBinary ?? CHALLTESTSRV_BINARY);

  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes('address already in use');
      if (!portTaken || attempt >= MAX_START_ATTEMPTS) throw error;
    }
  }
}

async function checkInstalled(name: string, binary: string): Promise<void> {
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(`${name} not found at ${binary}: install the Debian package pebble (apt-get install pebble)`);
  }
}

function checkOptions(options: PebbleOptions): void {
  const { http01Port, externalAccountBinding, certificateValiditySeconds, startTimeoutMs } = options;
  if (http01Port !== undefined && !isIntegerBetween(http01Port, 1, 65535)) {
    throw new Error(`Invalid http01Port ${show(http01Port)}: expected a TCP port from 1 to 65535.`);
  }
  if (
    certificateValiditySeconds !== undefined &&
    !isIntegerBetween(certificateValiditySeconds, 1, Number.MAX_SAFE_INTEGER)
  ) {
    const shown = show(certificateValiditySeconds);
    throw new Error(`Invalid certificateValiditySeconds ${shown}: expected a positive integer.`);
  }
  if (
    startTimeoutMs !== undefined &&
    !(typeof startTimeoutMs === 'number' && startTimeoutMs > 0 && startTimeoutMs < Infinity)
  ) {
    throw new Error(`Invalid startTimeoutMs ${show(startTimeoutMs)}: expected a positive number of milliseconds.`);
  }
  if (externalAccountBinding !== undefined) {
    if (!externalAccountBinding.kid) throw new Error('Missing externalAccountBinding.kid.');
    // Pebble and acme-client both read the HMAC key as base64url.
    if (!/^[A-Za-z0-9_-]+$/.test(externalAccountBinding.hmacKey)) {
      throw new Error('Invalid externalAccountBinding.hmacKey: expected base64url without padding.');
    }
  }
}

/** Formats an option value for a message, quoting strings so that "8080" and 8080 differ. */
function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isIntegerBetween(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

interface Ports {
  acme: number;
  pebbleManagement: number;
  tls: number;
  dns: number;
  challtestsrvManagement: number;
  http01: number;
}

async function launch(options: PebbleOptions): Promise<Pebble> {
  const directory = await mkdtemp(join(tmpdir(), 'certpilot-pebble-'));
  const removeDirectory = async () => {
    await rm(directory, { recursive: true, force: true });
    forgetDirectory();
  };
  const forgetDirectory = cleanUpOnExit(() => rmSync(directory, { recursive: true, force: true }));
  const started: LoggedProcess[] = [];
  try {
    const free = await freePorts(6);
    const nextPort = () => free.shift() as number;
    const ports: Ports = {
      acme: nextPort(),
      pebbleManagement: nextPort(),
      tls: nextPort(),
      dns: nextPort(),
      challtestsrvManagement: nextPort(),
      http01: options.http01Port ?? nextPort(),
    };
    const caCertPem = await writeListenerFiles(directory);
    await writeConfig(directory, ports, options);

    started.push(
      spawnLogged(
        'pebble-challtestsrv',
        options.challtestsrvBinary ?? CHALLTESTSRV_BINARY,
        challtestsrvArguments(ports),
        process.env,
        directory,
      ),
    );
    started.push(
      spawnLogged(
        'pebble',
        options.pebbleBinary ?? PEBBLE_BINARY,
        pebbleArguments(directory, ports),
        pebbleEnvironment(),
        directory,
      ),
    );
    const pebble = makePebble(directory, ports, caCertPem, started, removeDirectory);

    await waitUntilReady(started, options.startTimeoutMs ?? 15_000, async () => {
      await checkChalltestsrv(pebble);
      await requestText(pebble.directoryUrl, { ca: caCertPem });
    });
    return pebble;
  } catch (error) {
    await Promise.all(started.map((child) => child.stop()));
    await removeDirectory();
    throw error;
  }
}

async function writeListenerFiles(directory: string): Promise<string> {
  const now = Date.now();
  const ca = await makeCertificateAuthority({ commonName: 'CertPilot test Pebble listener CA' });
  const listener = await issueCertificate(ca, {
    names: ['localhost', '127.0.0.1'],
    notBefore: new Date(now - 60 * 60 * 1000),
    notAfter: new Date(now + 30 * 24 * 60 * 60 * 1000),
  });
  await writeFile(join(directory, 'ca.pem'), ca.certPem);
  await writeFile(join(directory, 'listener-cert.pem'), listener.certPem);
  await writeFile(join(directory, 'listener-key.pem'), listener.keyPem, { mode: 0o600 });
  return ca.certPem;
}

async function writeConfig(directory: string, ports: Ports, options: PebbleOptions): Promise<void> {
  const binding = options.externalAccountBinding;
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${ports.acme}`,
      managementListenAddress: `127.0.0.1:${ports.pebbleManagement}`,
      certificate: join(directory, 'listener-cert.pem'),
      privateKey: join(directory, 'listener-key.pem'),
      httpPort: ports.http01,
      tlsPort: ports.tls,
      ocspResponderURL: '',
      externalAccountBindingRequired: binding !== undefined,
      externalAccountMACKeys: binding ? { [binding.kid]: binding.hmacKey } : {},
      ...(options.certificateValiditySeconds ? { certificateValidityPeriod: options.certificateValiditySeconds } : {}),
    },
  };
  await writeFile(join(directory, 'pebble-config.json'), JSON.stringify(config, null, 2));
}

function challtestsrvArguments(ports: Ports): string[] {
  // Every A query gets 127.0.0.1 and AAAA queries get nothing, so validations reach this machine
  // over IPv4 only. The challenge servers of challtestsrv stay off because the nginx under test serves http-01.
  // prettier-ignore
  return [
    '-defaultIPv4', '127.0.0.1',
    '-defaultIPv6', '',
    '-dns01', `127.0.0.1:${ports.dns}`,
    '-management', `127.0.0.1:${ports.challtestsrvManagement}`,
    '-http01', '',
    '-https01', '',
    '-tlsalpn01', '',
  ];
}

function pebbleArguments(directory: string, ports: Ports): string[] {
  return ['-config', join(directory, 'pebble-config.json'), '-dnsserver', `127.0.0.1:${ports.dns}`];
}

function pebbleEnvironment(): NodeJS.ProcessEnv {
  // PEBBLE_* variables of the caller are dropped, PEBBLE_VA_ALWAYS_VALID above all: it skips validation.
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('PEBBLE_'));
  return {
    ...Object.fromEntries(inherited),
    // Without it every validation first sleeps up to 5 s.
    PEBBLE_VA_NOSLEEP: '1',
    // By default Pebble rejects 5% of valid nonces and reuses an authorization half the time,
    // which makes runs random.
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_AUTHZREUSE: '0',
  };
}

async function checkChalltestsrv(pebble: Pebble): Promise<void> {
  await pebble.clearTxt('readiness-check.test');
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${pebble.dnsPort}`]);
  await resolver.resolve4('readiness-check.test');
}

function makePebble(
  directory: string,
  ports: Ports,
  caCertPem: string,
  processes: LoggedProcess[],
  removeDirectory: () => Promise<void>,
): Pebble {
  const [challtestsrv, pebbleProcess] = processes as [LoggedProcess, LoggedProcess];
  const counts = { orders: 0, issued: 0, directoryRequests: 0 };
  pebbleProcess.onLine((line) => {
    if (ORDER_ADDED.test(line)) counts.orders++;
    if (CERTIFICATE_ISSUED.test(line)) counts.issued++;
    if (DIRECTORY_REQUEST.test(line)) counts.directoryRequests++;
  });

  const directoryUrl = `https://127.0.0.1:${ports.acme}/dir`;
  const pebbleManagementUrl = `https://127.0.0.1:${ports.pebbleManagement}`;
  const managementUrl = `http://127.0.0.1:${ports.challtestsrvManagement}`;
  const getFromPebble = (url: string) => pebbleProcess.explainFailure(requestText(url, { ca: caCertPem }));
  const postToChalltestsrv = async (path: string, body: object) => {
    await challtestsrv.explainFailure(
      requestText(`${managementUrl}${path}`, { method: 'POST', body: JSON.stringify(body) }),
    );
  };
  let stopping: Promise<void> | undefined;

  return {
    directoryUrl,
    caCertFile: join(directory, 'ca.pem'),
    caCertPem,
    dnsPort: ports.dns,
    managementUrl,
    pebbleManagementUrl,
    http01Port: ports.http01,
    getRootPem: () => getFromPebble(`${pebbleManagementUrl}/roots/0`),
    getIntermediatePem: () => getFromPebble(`${pebbleManagementUrl}/intermediates/0`),
    setTxt: async (host, value) => postToChalltestsrv('/set-txt', { host: toFqdn(host), value: checkTxtValue(value) }),
    clearTxt: async (host) => postToChalltestsrv('/clear-txt', { host: toFqdn(host) }),
    orderCount: () => counts.orders,
    issuedCount: () => counts.issued,
    flushLog: async () => {
      // Pebble logs a request before it sends the response, and lines arrive in order. So once the
      // line of this request is in, so are the lines of every request that got its response earlier.
      // NOTE: a GET /dir of another client still in flight could satisfy the count first.
      const target = counts.directoryRequests + 1;
      await getFromPebble(directoryUrl);
      await pebbleProcess.waitForLine(() => counts.directoryRequests >= target, 5_000);
    },
    recentOutput: () => `${challtestsrv.recentOutput()}\n${pebbleProcess.recentOutput()}`,
    stop: () => {
      stopping ??= Promise.all(processes.map((child) => child.stop())).then(removeDirectory);
      return stopping;
    },
  };
}

function toFqdn(host: string): string {
  const name = typeof host === 'string' ? host.replace(/\.$/, '') : '';
  if (!/^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_-]+)*$/.test(name) || name.length > 253) {
    throw new Error(`Invalid DNS name "${String(host)}" for a TXT record, such as _acme-challenge.example.test.`);
  }
  return `${name}.`;
}

function checkTxtValue(value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new Error(`Invalid TXT value ${JSON.stringify(value)}: expected 1 to 255 characters.`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Child processes with captured output

interface LoggedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Calls `listener` with every complete line the process prints on stdout or stderr. */
  onLine(listener: (line: string) => void): void;
  /** Resolves once `condition` holds, checking it after every new line. */
  waitForLine(condition: () => boolean, timeoutMs: number): Promise<void>;
  /** Rethrows a rejection of `operation` with the exit status and last output if the process died. */
  explainFailure<T>(operation: Promise<T>): Promise<T>;
  recentOutput(): string;
  /** Waits for the output to end, then describes the exit status and the last output. */
  describeExit(): Promise<string>;
  hasExited(): boolean;
  /** Resolves once the process exited and its output was read. */
  closed: Promise<void>;
  /** Sends SIGTERM, then SIGKILL after 10 s, and waits until the process exited. */
  stop(): Promise<void>;
}

const KEPT_LINES = 200;
const REPORTED_LINES = 40;
const STOP_GRACE_MS = 10_000;

/** Synchronous cleanups run if this process exits without stop(): an 'exit' handler cannot wait. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

/** Registers `cleanup` for process exit and returns a function that unregisters it. */
function cleanUpOnExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    process.once('exit', () => {
      for (const pending of exitCleanups) pending();
    });
    exitHookInstalled = true;
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

function spawnLogged(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): LoggedProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // SIGKILL at exit because nothing these servers keep is worth a graceful stop.
  const forget = cleanUpOnExit(() => child.kill('SIGKILL'));
  child.once('exit', forget);
  child.once('error', forget);

  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  const addLine = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    for (const listener of listeners) listener(line);
  };
  splitLines(child.stdout, addLine);
  splitLines(child.stderr, addLine);
  child.on('error', (error) => addLine(`[${name} failed to run: ${error.message}]`));
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });

  const hasExited = () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  const recentOutput = () =>
    lines
      .slice(-REPORTED_LINES)
      .map((line) => `${name}: ${line}`)
      .join('\n');
  const describeExit = async () => {
    await closed;
    const status = child.signalCode ? `signal ${child.signalCode}` : `exit code ${String(child.exitCode)}`;
    return `${name} exited (${status}). Last output:\n${recentOutput()}`;
  };

  return {
    name,
    child,
    closed,
    hasExited,
    recentOutput,
    describeExit,
    onLine: (listener) => listeners.push(listener),
    waitForLine: (condition, timeoutMs) => waitForCondition(listeners, condition, timeoutMs, name),
    explainFailure: async (operation) => {
      try {
        return await operation;
      } catch (error) {
        if (!hasExited()) throw error;
        throw new Error(`${describeError(error)}: ${await describeExit()}`, { cause: error });
      }
    },
    stop: async () => {
      if (hasExited()) return closed;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}

function splitLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.on('end', () => {
    if (partial) onLine(partial);
  });
}

function waitForCondition(
  listeners: Array<(line: string) => void>,
  condition: () => boolean,
  timeoutMs: number,
  name: string,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const listener = () => {
      if (!condition()) return;
      finish();
      resolve();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for a line from ${name}.`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      listeners.splice(listeners.indexOf(listener), 1);
    };
    listeners.push(listener);
  });
}

/**
 * Polls `check` every 50 ms until it resolves. Fails at once, with the last output, when one of
 * `processes` exits, and after `timeoutMs` with the last error of `check`.
 */
async function waitUntilReady(
  processes: LoggedProcess[],
  timeoutMs: number,
  check: () => Promise<void>,
): Promise<void> {
  const startedAt = Date.now();
  let lastError: unknown;
  for (;;) {
    const dead = processes.find((child) => child.hasExited());
    if (dead) throw new Error(`Pebble did not start: ${await dead.describeExit()}`);
    try {
      await check();
      return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - startedAt >= timeoutMs) break;
    await sleep(50);
  }
  const output = processes.map((child) => child.recentOutput()).join('\n');
  throw new Error(
    `Pebble was not ready after ${Date.now() - startedAt} ms (last error: ${describeError(lastError)}). Last output:\n${output}`,
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// HTTP requests to the two management APIs

interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: string;
  /** PEM of the CA to trust for an https URL. */
  ca?: string;
}

const REQUEST_TIMEOUT_MS = 5_000;

/** Sends one request on a fresh connection and returns the body of a 200 response. */
function requestText(url: string, options: RequestOptions = {}): Promise<string> {
  const method = options.method ?? 'GET';
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false closes the connection after the response, so no socket outlives stop().
    const request = transport.request(
      url,
      { method, ca: options.ca, agent: false, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) resolve(body);
          else
            reject(new Error(`${method} ${url} returned HTTP ${String(response.statusCode)}: ${body.slice(0, 300)}`));
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`${method} ${url} timed out after ${REQUEST_TIMEOUT_MS} ms`)),
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
