import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { chown, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { CertPilotError } from '../errors.js';
import type { ExecOptions, ExecResult, FileInfo, Host } from './host.js';

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** The machine this process runs on. */
export class LocalHost implements Host {
  readonly label = 'local';

  readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async writeFileDurable(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
    const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, mode);
    try {
      await handle.writeFile(data);
      // The mode argument of open() only applies to new files; set it for existing ones too.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const info = await stat(path);
      return {
        size: info.size,
        mode: info.mode & 0o7777,
        uid: info.uid,
        gid: info.gid,
        mtimeMs: info.mtimeMs,
        isDirectory: info.isDirectory(),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async mkdir(path: string, mode = 0o755): Promise<void> {
    await mkdir(path, { recursive: true, mode });
  }

  async readdir(path: string): Promise<string[]> {
    try {
      return await readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true, recursive: true });
  }

  async syncDirectory(path: string): Promise<void> {
    const handle = await open(path, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    await chown(path, uid, gid);
  }

  exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        {
          timeout: options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
          maxBuffer: 64 * 1024 * 1024,
          env: options.env ? { ...process.env, ...options.env } : process.env,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            const code = error.code === 'ENOENT' ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED';
            reject(
              new CertPilotError(code, `Could not run ${file}: ${error.message}`, {
                cause: error,
                params: { command: file },
              }),
            );
            return;
          }
          resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
    });
  }

  connect(address: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }
}
