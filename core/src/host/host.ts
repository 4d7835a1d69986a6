import type { Duplex } from 'node:stream';

/**
 * The server a discovery or deploy runs against. The agent implements it on the local machine,
 * the desktop over SSH (agentless mode), so both run the same safe-deploy code.
 *
 * Commands are argument vectors, never shell strings: no user value is ever parsed by a shell.
 */
export interface Host {
  /** Shown in logs and messages, e.g. `local` or `root@203.0.113.5:22`. */
  readonly label: string;

  readFile(path: string): Promise<Buffer>;
  /** Writes `data` to `path` and fsyncs it, so a rename that follows publishes complete bytes. */
  writeFileDurable(path: string, data: string | Buffer, mode?: number): Promise<void>;
  /** Renames within one file system: atomic for readers of `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Returns null when nothing exists at `path`. */
  stat(path: string): Promise<FileInfo | null>;
  mkdir(path: string, mode?: number): Promise<void>;
  /** Names of the entries in a directory; an empty list when it does not exist. */
  readdir(path: string): Promise<string[]>;
  /** Sets the owner; used to keep a replaced file's owner and group. */
  chown(path: string, uid: number, gid: number): Promise<void>;
  remove(path: string): Promise<void>;
  /** Flushes the directory entry after renames, so they survive a power cut. */
  syncDirectory(path: string): Promise<void>;
  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Opens a TCP stream to an address as seen from the server (for the TLS probe). */
  connect(address: string, port: number): Promise<Duplex>;
}

export interface FileInfo {
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  isDirectory: boolean;
}

export interface ExecOptions {
  /** Milliseconds before the command is killed; 60 s by default. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
