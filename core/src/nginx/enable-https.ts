import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { IssuedCertificate, RenewalJob } from '../jobs/job.js';
import type { DeployTarget } from '../jobs/target.js';
import { applyConfigEdits } from './apply-edit.js';
import type { NginxControl } from './control.js';
import { NginxTarget } from './deploy.js';
import { addTlsServer } from './edit.js';
import { readManifest, replaceFiles, restoreFiles } from './replace-files.js';
import type { NginxConfig, NginxSite, ServerBlock } from './types.js';
import type { LifecycleEmitter } from '../events.js';

export interface EnableHttpsOptions {
  control: NginxControl;
  /** The plain-HTTP block to copy into a TLS block. */
  block: ServerBlock;
  /** Reads the configuration again right before the edit, so offsets are current. */
  rediscover: () => Promise<{ config: NginxConfig; blocks: ServerBlock[] }>;
  port: number;
  certificatePath: string;
  keyPath: string;
  backupRoot: string;
  events: LifecycleEmitter;
  logger: Logger;
  probeTimeoutMs?: number;
}

/**
 * Turns a plain-HTTP site into HTTPS: writes the certificate and key to new files, adds a TLS
 * copy of the server block (validated with `nginx -t`, then reloaded) and probes the new port.
 * A failed test or probe restores the configuration and reloads.
 */
export class EnableHttpsTarget implements DeployTarget {
  readonly kind = 'nginx';
  readonly #options: EnableHttpsOptions;

  constructor(options: EnableHttpsOptions) {
    this.#options = options;
  }

  async deploy(job: RenewalJob, certificate: IssuedCertificate, keyPem: string): Promise<void> {
    const { control, port, certificatePath, keyPath } = this.#options;
    await replaceFiles(control.host, [
      { path: certificatePath, content: certificate.pem, mode: 0o644 },
      { path: keyPath, content: keyPem, mode: 0o600 },
    ]);

    const { config, blocks } = await this.#options.rediscover();
    // A resumed job may find its TLS block already added by the run that crashed.
    if (blocks.some((block) => block.certificatePath === certificatePath)) return;
    const block =
      blocks.find(
        (candidate) => candidate.file === this.#options.block.file && candidate.line === this.#options.block.line,
      ) ?? this.#options.block;
    const file = config.files.find((candidate) => candidate.path === block.file);
    if (!file)
      throw new CertPilotError('NGINX_EDIT_FAILED', `${block.file} is not part of the nginx -T dump.`, {
        params: { path: block.file },
      });

    const newText = addTlsServer(file.text, block, { port, certificatePath, keyPath, names: job.names });
    await applyConfigEdits(
      control,
      [{ path: block.file, dumpedText: file.text, newText }],
      this.#backupDir(job),
      this.#options.logger,
    );
  }

  async verify(job: RenewalJob, certificate: IssuedCertificate): Promise<{ address: string }> {
    const site: NginxSite = {
      id: job.siteId,
      names: job.names,
      certificatePath: this.#options.certificatePath,
      certificateKeyPath: this.#options.keyPath,
      blocks: [
        {
          ...this.#options.block,
          names: job.names,
          listens: [
            {
              address: '127.0.0.1',
              port: this.#options.port,
              ssl: true,
              ipv6: false,
              defaultServer: false,
              raw: `${this.#options.port} ssl`,
            },
          ],
        },
      ],
      problems: [],
    };
    const probe = new NginxTarget({
      control: this.#options.control,
      site,
      backupRoot: this.#options.backupRoot,
      events: this.#options.events,
      logger: this.#options.logger,
      ...(this.#options.probeTimeoutMs ? { probeTimeoutMs: this.#options.probeTimeoutMs } : {}),
    });
    try {
      return await probe.verify({ ...job, id: `${job.id}-no-files` }, certificate);
    } catch (error) {
      const manifest = await readManifest(this.#options.control.host, this.#backupDir(job));
      if (manifest) {
        await restoreFiles(this.#options.control.host, manifest);
        if ((await this.#options.control.test()).ok) await this.#options.control.reload();
      }
      throw error;
    }
  }

  #backupDir(job: RenewalJob): string {
    return posix.join(this.#options.backupRoot, `enable-https-${job.id}`);
  }
}
