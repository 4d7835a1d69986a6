import { posix } from 'node:path';
import { CertPilotError, isCertPilotError } from '../errors.js';
import type { ExecResult, Host } from '../host/host.js';

/** Where nginx is usually installed when it is not on PATH (distribution packages, source builds, OpenResty). */
const COMMON_NGINX_DIRS = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/nginx/sbin',
  '/usr/local/openresty/nginx/sbin',
  '/opt/nginx/sbin',
];

export interface NginxLocation {
  /** Absolute path of the nginx binary. */
  bin: string;
  /** Main configuration file. */
  conf: string;
  /** The prefix relative paths in the configuration resolve against (`nginx -p`). */
  prefix: string;
  /** True when `prefix` was given explicitly and must be passed as `-p`. */
  explicitPrefix: boolean;
}

/** Runs nginx's own checks and signals with the configuration CertPilot was told to use. */
export class NginxControl {
  constructor(
    readonly host: Host,
    readonly location: NginxLocation,
  ) {}

  /**
   * Finds the nginx binary (given, on PATH, or in a common place) and reads the configuration
   * file and prefix it was built with from `nginx -V`, unless they are given.
   */
  static async locate(host: Host, given: { bin?: string; conf?: string; prefix?: string } = {}): Promise<NginxControl> {
    const bin = given.bin ?? (await findNginx(host));
    const info = await host.stat(bin);
    if (!info || info.isDirectory || (info.mode & 0o111) === 0) {
      const variant = info ? 'not-executable' : 'missing';
      const problem = info ? 'is not an executable file' : 'does not exist';
      throw new CertPilotError(
        'NGINX_NOT_FOUND',
        `nginx.bin ${bin} ${problem}; set nginx.bin in the agent config to the nginx binary.`,
        {
          params: { path: bin, variant },
        },
      );
    }

    let conf = given.conf;
    let prefix = given.prefix;
    if (!conf || !prefix) {
      const built = await run(host, bin, ['-V']);
      const output = `${built.stdout}\n${built.stderr}`;
      prefix ??= /--prefix=(\S+)/.exec(output)?.[1] ?? '/usr/share/nginx';
      const confPath = /--conf-path=(\S+)/.exec(output)?.[1] ?? 'conf/nginx.conf';
      conf ??= posix.isAbsolute(confPath) ? confPath : posix.join(prefix, confPath);
    }
    return new NginxControl(host, { bin, conf, prefix, explicitPrefix: given.prefix !== undefined });
  }

  /** The directory relative `include` and `ssl_certificate` paths resolve against: the main file's. */
  get confPrefix(): string {
    return posix.dirname(this.location.conf);
  }

  /** Runs `nginx -t`; returns its output instead of throwing on a failed test. */
  async test(): Promise<{ ok: boolean; output: string }> {
    const result = await run(this.host, this.location.bin, [...this.#baseArgs(), '-t']);
    return { ok: result.exitCode === 0, output: `${result.stderr}${result.stdout}`.trim() };
  }

  /** Runs `nginx -T` and returns the dump; throws `NGINX_CONFIG_INVALID` when the test part fails. */
  async dump(): Promise<string> {
    const result = await run(this.host, this.location.bin, [...this.#baseArgs(), '-T']);
    if (result.exitCode !== 0) {
      throw new CertPilotError(
        'NGINX_CONFIG_INVALID',
        `nginx -T failed for ${this.location.conf}; fix the configuration first:\n${result.stderr.trim()}`,
        {
          params: { conf: this.location.conf, output: result.stderr.trim() },
        },
      );
    }
    return result.stdout;
  }

  /** Asks the running master to reload gracefully (`nginx -s reload`). */
  async reload(): Promise<void> {
    const result = await run(this.host, this.location.bin, [...this.#baseArgs(), '-s', 'reload']);
    if (result.exitCode !== 0) {
      throw new CertPilotError('DEPLOY_RELOAD_FAILED', `nginx -s reload failed: ${result.stderr.trim()}`, {
        params: { conf: this.location.conf, output: result.stderr.trim() },
      });
    }
  }

  #baseArgs(): string[] {
    return [...(this.location.explicitPrefix ? ['-p', this.location.prefix] : []), '-c', this.location.conf];
  }
}

// NOTE: PATH is this process's; over SSH the remote PATH may differ, which the common dirs cover.
async function findNginx(host: Host): Promise<string> {
  const pathDirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  const searched = [...new Set([...pathDirs, ...COMMON_NGINX_DIRS])];
  for (const dir of searched) {
    const candidate = posix.join(dir, 'nginx');
    if (await host.stat(candidate)) return candidate;
  }
  throw new CertPilotError(
    'NGINX_NOT_FOUND',
    `nginx was not found in ${searched.join(', ')}; set nginx.bin in the agent config.`,
    {
      params: { path: searched.join(', '), variant: 'not-found' },
    },
  );
}

async function run(host: Host, bin: string, args: string[]): Promise<ExecResult> {
  try {
    return await host.exec(bin, args);
  } catch (error) {
    if (isCertPilotError(error, 'COMMAND_NOT_FOUND')) {
      throw new CertPilotError(
        'NGINX_NOT_FOUND',
        `nginx not found at ${bin}; set nginx.bin in the agent config to the nginx binary.`,
        {
          cause: error,
          params: { path: bin },
        },
      );
    }
    throw error;
  }
}
