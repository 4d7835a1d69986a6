/**
 * A private nginx for tests: its own prefix in a temp dir, its own config, random ports on
 * 127.0.0.1, and a master process run in the foreground and stopped by its PID.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { freePorts, waitForPort } from './ports.js';

/** Path of the nginx binary that Debian's `nginx-light` installs. */
export const NGINX_BINARY = '/usr/sbin/nginx';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const DEFAULT_PORT_COUNT = 3;

/** Config text, or a function of the instance's ports that returns it. */
export type NginxConfigText = string | ((ports: number[]) => string);

/** Options of {@link startNginx}. */
export interface NginxOptions {
  /** Text put inside the `http { }` block of `conf/nginx.conf`, usually `server` blocks. */
  serverBlocks: NginxConfigText;
  /** More files, by path relative to `conf/` (the conf prefix), such as `conf.d/site.conf`. */
  extraFiles?: Record<string, NginxConfigText>;
  /** How many free ports to pick; default 3. */
  portCount?: number;
  /** nginx binary; default {@link NGINX_BINARY}. */
  bin?: string;
}

/** A running private nginx. */
export interface NginxInstance {
  /** The temp dir, which is nginx's prefix (`-p`). */
  dir: string;
  /** Absolute path of `conf/nginx.conf`. */
  confPath: string;
  /** nginx's conf prefix (`DIR/conf`): what `parseNginxDump` takes as `prefix`. */
  prefix: string;
  bin: string;
  /** Free ports on 127.0.0.1, picked before the config was written. */
  ports: number[];
  /** Runs `nginx -t` against the instance's config; a failed test returns `ok: false` with nginx's output. */
  test(): Promise<{ ok: boolean; output: string }>;
  /** Runs `nginx -T` and returns its standard output. */
  dump(): Promise<string>;
  /** Reloads gracefully and waits until the old worker processes are gone. */
  reload(): Promise<void>;
  /** Stops the master started here (by its PID), waits for it to exit, and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts a private nginx. Fails (never skips) when nginx is not installed.
 *
 * @throws Error when nginx is missing, `nginx -t` rejects the config, or the master does not
 *   start accepting connections on the ports the config uses within 10 s.
 */
export async function startNginx(options: NginxOptions): Promise<NginxInstance> {
  const bin = options.bin ?? NGINX_BINARY;
  await checkInstalled(bin);
  const dir = await mkdtemp(join(tmpdir(), 'certpilot-nginx-'));
  // Worker processes run as `nobody` when the master is root, and must read files under `dir`.
  await chmod(dir, 0o755);

  try {
    return await startIn(dir, bin, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(dir: string, bin: string, options: NginxOptions): Promise<NginxInstance> {
  const ports = await freePorts(options.portCount ?? DEFAULT_PORT_COUNT);
  const prefix = join(dir, 'conf');
  const confPath = join(prefix, 'nginx.conf');
  const texts = await writeFiles(dir, ports, options);

  const control = new NginxControl(bin, dir, confPath);
  const test = await control.test();
  if (!test.ok) throw new Error(`nginx -t rejected the test config in ${dir}:\n${test.output}`);

  await control.start();
  const usedPorts = ports.filter((port) => texts.some((text) => new RegExp(`\\b${port}\\b`).test(text)));
  await Promise.all(usedPorts.map((port) => waitForPort(port, START_TIMEOUT_MS)));

  return {
    dir,
    confPath,
    prefix,
    bin,
    ports,
    test: () => control.test(),
    dump: () => control.dump(),
    reload: () => control.reload(),
    stop: async () => {
      await control.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function checkInstalled(bin: string): Promise<void> {
  try {
    await access(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`nginx not found at ${bin}: install the Debian package nginx-light (apt-get install nginx-light)`);
  }
}

/** Writes `conf/nginx.conf` and the extra files; returns every text written. */
async function writeFiles(dir: string, ports: number[], options: NginxOptions): Promise<string[]> {
  await mkdir(join(dir, 'conf', 'conf.d'), { recursive: true });
  await mkdir(join(dir, 'logs'));
  // nginx creates each *_temp_path directory, but not its parent.
  await mkdir(join(dir, 'temp'));

  const main = mainConfig(dir, render(options.serverBlocks, ports));
  await writeFile(join(dir, 'conf', 'nginx.conf'), main);
  const texts = [main];

  for (const [relativePath, text] of Object.entries(options.extraFiles ?? {})) {
    const path = confFilePath(dir, relativePath);
    const rendered = render(text, ports);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, rendered);
    texts.push(rendered);
  }
  return texts;
}

function render(text: NginxConfigText, ports: number[]): string {
  return typeof text === 'function' ? text(ports) : text;
}

function confFilePath(dir: string, relativePath: string): string {
  const confDir = join(dir, 'conf');
  const path = normalize(join(confDir, relativePath));
  if (isAbsolute(relativePath) || !path.startsWith(confDir + sep)) {
    throw new Error(`Invalid extra file path "${relativePath}": use a path inside conf/, such as conf.d/site.conf.`);
  }
  return path;
}

// `notice` makes the master log reconfiguring and worker starts, which reload() waits for.
function mainConfig(dir: string, serverBlocks: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/logs/nginx.pid;
error_log ${dir}/logs/error.log notice;

events {
    worker_connections 64;
}

http {
    access_log ${dir}/logs/access.log;
    client_body_temp_path ${dir}/temp/client_body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;

    include conf.d/*.conf;

${serverBlocks}
}
`;
}

/** Runs nginx commands against one prefix and config, and owns the master it starts. */
class NginxControl {
  private master: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly errorLog: string;

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly confPath: string,
  ) {
    this.errorLog = join(dir, 'logs', 'error.log');
  }

  private get baseArguments(): string[] {
    return ['-p', `${this.dir}/`, '-c', this.confPath, '-e', this.errorLog];
  }

  async test(): Promise<{ ok: boolean; output: string }> {
    const result = await run(this.bin, [...this.baseArguments, '-t']);
    return { ok: result.exitCode === 0, output: result.stderr };
  }

  async dump(): Promise<string> {
    const result = await run(this.bin, [...this.baseArguments, '-T']);
    if (result.exitCode !== 0) throw new Error(`nginx -T failed with exit code ${result.exitCode}:\n${result.stderr}`);
    return result.stdout;
  }

  async start(): Promise<void> {
    const master = spawn(this.bin, this.baseArguments, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    master.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.master = master;
    this.exited = new Promise((resolve) => master.once('exit', () => resolve()));

    const pidFile = join(this.dir, 'logs', 'nginx.pid');
    const deadline = Date.now() + START_TIMEOUT_MS;
    // The master writes its pid file after it has opened the listening sockets.
    while ((await readText(pidFile)).trim() !== String(master.pid)) {
      if (master.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(`nginx did not start in ${this.dir}:\n${stderr}${await readText(this.errorLog)}`);
      }
      await delay(20);
    }
  }

  async reload(): Promise<void> {
    const master = this.master;
    if (master?.pid === undefined || master.exitCode !== null) throw new Error(`nginx in ${this.dir} is not running.`);

    const oldWorkers = await childrenOf(master.pid);
    const logStart = (await readText(this.errorLog)).length;
    master.kill('SIGHUP');

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const log = (await readText(this.errorLog)).slice(logStart);
      const failure = /\[(emerg|alert)\].*/.exec(log);
      if (failure !== null) throw new Error(`nginx reload failed in ${this.dir}: ${failure[0]}`);

      const workers = await childrenOf(master.pid);
      const started = /reconfiguring[\s\S]*start worker process/.test(log);
      if (started && !workers.some((pid) => oldWorkers.includes(pid))) return;
      if (Date.now() > deadline)
        throw new Error(`nginx in ${this.dir} did not finish reloading within ${START_TIMEOUT_MS} ms:\n${log}`);
      await delay(20);
    }
  }

  async stop(): Promise<void> {
    const master = this.master;
    if (master === undefined || this.exited === undefined) return;
    if (master.exitCode === null && master.signalCode === null) master.kill('SIGTERM');

    const timedOut = await Promise.race([this.exited.then(() => false), delay(STOP_TIMEOUT_MS).then(() => true)]);
    if (timedOut) {
      master.kill('SIGKILL');
      await this.exited;
    }
  }
}

interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      let exitCode = 0;
      if (error !== null) exitCode = typeof error.code === 'number' ? error.code : 1;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

async function childrenOf(pid: number): Promise<number[]> {
  const text = await readText(`/proc/${pid}/task/${pid}/children`);
  return text.split(/\s+/).filter(Boolean).map(Number);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
