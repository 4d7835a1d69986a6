/**
 * Listening on the relay's ports, with the usual failures (port in use, unknown host, port
 * below 1024 without the right) turned into messages that name the option to change.
 */
import { createServer, type Server } from 'node:net';
import { CertPilotError } from '@certpilot/core';

/** A port to listen on and the start option that sets it, named in error messages. */
export interface ListenTarget {
  host: string;
  port: number;
  option: '--port' | '--http-port';
}

/**
 * Binds `target` and closes it again, so that start can stop before it creates any file.
 *
 * NOTE: another program may take the port between this check and the real listen. That
 * listen reports the same error through `listenError`, only after the files exist.
 *
 * @throws CertPilotError `CONFIG_INVALID` as `listenError` describes.
 */
export async function checkCanListen(target: ListenTarget): Promise<void> {
  const server = createServer();
  await listenOn(server, target);
  await new Promise<void>((done) => server.close(() => done()));
}

/** Calls `server.listen` on `target`, resolving once it listens. */
export function listenOn(server: Server, target: ListenTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(listenError(error, target));
    server.once('error', fail);
    server.listen(target.port, target.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/**
 * Turns a listen error into `CONFIG_INVALID` with variant `listen-in-use` (EADDRINUSE),
 * `listen-host` or `listen-denied` (EACCES). `listen-host` means the host does not resolve or
 * is not an address of this machine. Other errors are returned unchanged.
 */
export function listenError(error: Error, target: ListenTarget): Error {
  const { code, syscall, hostname, port } = error as NodeJS.ErrnoException & { hostname?: string; port?: number };
  // Only the errors of this listen count: an ACME CA that does not resolve is not a bad --host.
  const fromListen =
    (syscall === 'listen' && (port === undefined || port === target.port)) ||
    (syscall === 'getaddrinfo' && hostname === target.host);
  if (!fromListen) return error;

  const variant =
    code === 'EADDRINUSE'
      ? 'listen-in-use'
      : code === 'EACCES'
        ? 'listen-denied'
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME'
          ? 'listen-host'
          : undefined;
  if (variant === undefined) return error;

  const { host, option } = target;
  return new CertPilotError('CONFIG_INVALID', `Cannot listen on ${host} port ${target.port} (${option}): ${code}`, {
    cause: error,
    params: { variant, host, port: String(target.port), option },
  });
}

/** Checks whether `host` is reachable only from this machine (127.0.0.0/8, ::1 or localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
