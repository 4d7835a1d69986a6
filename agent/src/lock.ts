import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CertPilotError } from '@certpilot/core';

/**
 * Holds `<stateDir>/agent.lock` so two runs (cron and a person) never deploy at once. A lock left
 * by a process that no longer exists is taken over.
 */
export async function acquireRunLock(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) break;
      await rm(path, { force: true });
    }
  }
  throw new CertPilotError('FILE_IO_FAILED', `Another certpilot-agent run holds ${path}.`, {
    retryable: true,
    params: { path },
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
