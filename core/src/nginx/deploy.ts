import { posix } from 'node:path';
import { waitForServedSerial } from '../cert/wait-for-serial.js';
import { CertPilotError, serializeError } from '../errors.js';
import type { LifecycleEmitter } from '../events.js';
import type { Logger } from '../log.js';
import type { IssuedCertificate, RenewalJob } from '../jobs/job.js';
import type { DeployTarget } from '../jobs/target.js';
import type { NginxControl } from './control.js';
import { backupFiles, readManifest, replaceFiles, restoreFiles, type BackupManifest } from './replace-files.js';
import type { ListenAddress, NginxSite } from './types.js';

export interface NginxTargetOptions {
  control: NginxControl;
  site: NginxSite;
  /** Parent directory of per-job backups (`<stateDir>/backups`). */
  backupRoot: string;
  events: LifecycleEmitter;
  logger: Logger;
  /** How long to wait for a reloaded nginx to serve the new certificate; 15 s by default. */
  probeTimeoutMs?: number;
}

const PROBE_INTERVAL_MS = 100;

/**
 * Right after a reload, workers of the old generation may still accept a few connections with
 * the old certificate while new workers serve the new one; one good handshake proves little. The
 * new serial must be seen on this many handshakes in a row.
 */
const REQUIRED_CONFIRMATIONS = 3;

/**
 * Deploys to nginx the safe way: back up, write beside, fsync, rename into place, `nginx -t`,
 * reload, then probe every TLS listen address of the site. Any failure restores the backup and
 * reloads, so nginx keeps serving the old certificate.
 */
export class NginxTarget implements DeployTarget {
  readonly kind = 'nginx';
  readonly #options: NginxTargetOptions;
  readonly #log: Logger;

  constructor(options: NginxTargetOptions) {
    this.#options = options;
    this.#log = options.logger.child({ subsystem: 'nginx-deploy', siteId: options.site.id });
  }

  async deploy(job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void> {
    const { control, site } = this.#options;
    const before = await control.test();
    if (!before.ok) {
      throw new CertPilotError(
        'NGINX_CONFIG_INVALID',
        `nginx -t already fails before deploying ${site.id}; nothing was changed. Fix the configuration first:\n${before.output}`,
        {
          params: { site: site.id, output: before.output },
        },
      );
    }

    const manifest = await backupFiles(
      control.host,
      [site.certificatePath, site.certificateKeyPath],
      this.#backupDir(job),
    );
    await replaceFiles(control.host, [
      { path: site.certificatePath, content: certificate.pem, mode: 0o644 },
      { path: site.certificateKeyPath, content: keyPem, mode: 0o600 },
    ]);

    const after = await control.test();
    if (!after.ok) {
      await this.#rollback(job, manifest, `nginx -t failed with the new certificate`);
      throw new CertPilotError(
        'DEPLOY_TEST_FAILED',
        `nginx -t failed after the new certificate for ${site.id} was put in place; the old files were restored:\n${after.output}`,
        {
          params: { site: site.id, output: after.output },
        },
      );
    }

    try {
      await control.reload();
    } catch (error) {
      await this.#rollback(job, manifest, 'nginx reload failed');
      throw error;
    }
  }

  async verify(job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    const targets = probeTargets(this.#options.site);
    try {
      for (const target of targets) await this.#waitForSerial(target, certificate.serial);
    } catch (error) {
      const manifest = await readManifest(this.#options.control.host, this.#backupDir(job));
      if (manifest) await this.#rollback(job, manifest, (error as Error).message);
      throw error;
    }
    return { address: targets.map((target) => `${target.address}:${target.port}`).join(', ') };
  }

  async #waitForSerial(target: ProbeTarget, serial: string): Promise<void> {
    await waitForServedSerial({
      host: this.#options.control.host,
      ...target,
      serial,
      timeoutMs: this.#options.probeTimeoutMs ?? 15_000,
      intervalMs: PROBE_INTERVAL_MS,
      confirmations: REQUIRED_CONFIRMATIONS,
    });
    this.#log.info(
      { address: `${target.address}:${target.port}`, servername: target.servername, serial },
      'new certificate is live',
    );
  }

  async #rollback(job: RenewalJob, manifest: BackupManifest, reason: string): Promise<void> {
    const { control, site, events } = this.#options;
    this.#log.warn({ reason }, 'rolling back to the previous certificate');
    await restoreFiles(control.host, manifest);
    const test = await control.test();
    if (test.ok) {
      await control.reload().catch((error: unknown) => this.#log.error({ err: error }, 'reload after rollback failed'));
    } else {
      this.#log.error({ output: test.output }, 'nginx -t still fails after the rollback');
    }
    events.emit('deploy.rolled-back', {
      jobId: job.id,
      siteId: site.id,
      reason: serializeError(new CertPilotError('DEPLOY_TEST_FAILED', reason, { params: { site: site.id } })),
    });
  }

  #backupDir(job: RenewalJob): string {
    return posix.join(this.#options.backupRoot, job.id);
  }
}

interface ProbeTarget {
  address: string;
  port: number;
  servername: string;
}

/** One probe per distinct TLS listen address of each block, with the block's first name as SNI. */
export function probeTargets(site: NginxSite): ProbeTarget[] {
  const seen = new Set<string>();
  const targets: ProbeTarget[] = [];
  for (const block of site.blocks) {
    const servername = block.names[0] ?? site.id;
    for (const listen of block.listens.filter((candidate) => candidate.ssl)) {
      const target = { address: connectAddress(listen), port: listen.port, servername };
      const key = `${target.address}|${target.port}|${servername}`;
      if (!seen.has(key)) {
        seen.add(key);
        targets.push(target);
      }
    }
  }
  return targets;
}

/** The address to connect to for a `listen`: wildcards mean loopback of the same family. */
function connectAddress(listen: ListenAddress): string {
  if (listen.address === '*' || listen.address === '0.0.0.0') return '127.0.0.1';
  if (listen.address === '[::]' || listen.address === '::') return '::1';
  return listen.address.replace(/^\[(.*)\]$/, '$1');
}
