import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import type { Host } from '../host/host.js';

/** One file to replace and the bytes it should hold. */
export interface FileReplacement {
  path: string;
  content: string;
  /** Mode for a file that does not exist yet; an existing file keeps its own. */
  mode: number;
}

/** What a backup holds, so a later process (after a crash) can restore it. */
export interface BackupManifest {
  createdAt: string;
  files: Array<{ path: string; backup: string | null; mode?: number; uid?: number; gid?: number }>;
}

const MANIFEST = 'manifest.json';
const NEW_SUFFIX = '.certpilot-new';

/**
 * Backs up the current files into `backupDir` once: a manifest that already exists is kept, so a
 * run resumed after a crash never mistakes the new files for the old ones.
 */
export async function backupFiles(host: Host, paths: string[], backupDir: string): Promise<BackupManifest> {
  const existing = await readManifest(host, backupDir);
  if (existing) return existing;

  await host.mkdir(backupDir, 0o700);
  const files: BackupManifest['files'] = [];
  for (const [index, path] of paths.entries()) {
    const info = await host.stat(path);
    if (!info) {
      files.push({ path, backup: null });
      continue;
    }
    const backup = posix.join(backupDir, `${index}-${posix.basename(path)}`);
    await host.writeFileDurable(backup, await host.readFile(path), 0o600);
    files.push({ path, backup, mode: info.mode, uid: info.uid, gid: info.gid });
  }

  const manifest: BackupManifest = { createdAt: new Date().toISOString(), files };
  await host.writeFileDurable(posix.join(backupDir, MANIFEST), JSON.stringify(manifest, null, 2), 0o600);
  await host.syncDirectory(backupDir);
  return manifest;
}

/**
 * Writes each file beside its target, fsyncs it, then renames it into place. A reader of a target
 * sees the old or the new bytes, never a mix. Mode and owner of existing files are kept.
 */
export async function replaceFiles(host: Host, replacements: FileReplacement[]): Promise<void> {
  for (const file of replacements) {
    const current = await host.stat(file.path);
    const temporary = `${file.path}${NEW_SUFFIX}`;
    try {
      await host.mkdir(posix.dirname(file.path));
      await host.writeFileDurable(temporary, file.content, current?.mode ?? file.mode);
      if (current) await host.chown(temporary, current.uid, current.gid);
      await host.rename(temporary, file.path);
      await host.syncDirectory(posix.dirname(file.path));
    } catch (error) {
      await host.remove(temporary).catch(() => undefined);
      throw new CertPilotError('FILE_IO_FAILED', `Could not replace ${file.path}: ${(error as Error).message}`, {
        cause: error,
        params: { path: file.path },
      });
    }
  }
}

/** Puts every backed-up file back the same atomic way; files that did not exist are removed. */
export async function restoreFiles(host: Host, manifest: BackupManifest): Promise<void> {
  for (const file of manifest.files) {
    if (file.backup === null) {
      await host.remove(file.path);
      continue;
    }
    const content = await host.readFile(file.backup);
    await replaceFiles(host, [{ path: file.path, content: content.toString('utf8'), mode: file.mode ?? 0o600 }]);
    if (file.uid !== undefined && file.gid !== undefined) await host.chown(file.path, file.uid, file.gid);
  }
}

export async function readManifest(host: Host, backupDir: string): Promise<BackupManifest | null> {
  const path = posix.join(backupDir, MANIFEST);
  if (!(await host.stat(path))) return null;
  return JSON.parse((await host.readFile(path)).toString('utf8')) as BackupManifest;
}
