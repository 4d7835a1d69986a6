import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountStore, AcmeAccount, JobStore, KeyStore, RenewalJob } from '@certpilot/core';
import { FINAL_STEPS } from '@certpilot/core';
import { readJson, writeJsonAtomic, writeTextAtomic } from './json-file.js';

/**
 * The agent's state directory:
 *   jobs/<job id>.json       renewal jobs, one file each
 *   keys/<job id>.pem        private keys of jobs in flight (0600), removed when a job is done
 *   accounts/<hash>.json     ACME account per directory URL (0600)
 *   backups/<job id>/        files replaced by a deploy or a config edit
 *   webroot/                 http-01 answers nginx serves
 *   last-run.json            per-site outcome of the latest run, for `status`
 */
export class StateDir {
  constructor(readonly root: string) {}

  get jobsDir(): string {
    return join(this.root, 'jobs');
  }
  get keysDir(): string {
    return join(this.root, 'keys');
  }
  get accountsDir(): string {
    return join(this.root, 'accounts');
  }
  get backupsDir(): string {
    return join(this.root, 'backups');
  }
  get lastRunFile(): string {
    return join(this.root, 'last-run.json');
  }
}

export class FileJobStore implements JobStore {
  constructor(private readonly state: StateDir) {}

  get(id: string): Promise<RenewalJob | null> {
    return readJson<RenewalJob>(join(this.state.jobsDir, `${safeFileName(id)}.json`));
  }

  async findActive(siteId: string): Promise<RenewalJob | null> {
    const jobs = (await this.list()).filter((job) => job.siteId === siteId && !FINAL_STEPS.has(job.step));
    return jobs.at(-1) ?? null;
  }

  async findLatest(siteId: string): Promise<RenewalJob | null> {
    return (await this.list()).filter((job) => job.siteId === siteId).at(-1) ?? null;
  }

  save(job: RenewalJob): Promise<void> {
    return writeJsonAtomic(join(this.state.jobsDir, `${safeFileName(job.id)}.json`), job);
  }

  /** All jobs, oldest first. */
  async list(): Promise<RenewalJob[]> {
    let names: string[];
    try {
      names = await readdir(this.state.jobsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const jobs = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) => JSON.parse(await readFile(join(this.state.jobsDir, name), 'utf8')) as RenewalJob),
    );
    return jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}

export class FileKeyStore implements KeyStore {
  constructor(private readonly state: StateDir) {}

  async save(jobId: string, pem: string): Promise<string> {
    const path = join(this.state.keysDir, `${safeFileName(jobId)}.pem`);
    await writeTextAtomic(path, pem, 0o600);
    return path;
  }

  load(ref: string): Promise<string> {
    return readFile(ref, 'utf8');
  }

  async remove(ref: string): Promise<void> {
    await rm(ref, { force: true });
  }
}

export class FileAccountStore implements AccountStore {
  constructor(private readonly state: StateDir) {}

  load(directoryUrl: string): Promise<AcmeAccount | null> {
    return readJson<AcmeAccount>(this.#pathOf(directoryUrl));
  }

  save(account: AcmeAccount): Promise<void> {
    return writeJsonAtomic(this.#pathOf(account.directoryUrl), account, 0o600);
  }

  #pathOf(directoryUrl: string): string {
    const hash = createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16);
    return join(this.state.accountsDir, `${hash}.json`);
  }
}

function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}
