/**
 * Starting and stopping the relay: sealing key, database, HTTP server.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSealer, loadSealingKey, type Logger } from '@certpilot/core';
import { checkDatabaseUrl, openDatabase } from './db/database.js';
import { createApp } from './http/app.js';
import { startRelayTls, type RelayTls, type RelayTlsOptions } from './https/relay-tls.js';
import { LoginLimiter, type LoginLimits } from './http/rate-limit.js';
import { checkCanListen, isLoopbackHost, listenError, listenOn, type ListenTarget } from './listen.js';
import type { RelayCloudEndpoints } from './scheduler/job-context.js';
import { readAcmeSettings, type AcmeOptions } from './scheduler/acme-settings.js';
import { startScheduler, type SchedulerOptions } from './scheduler/scheduler.js';

export interface RelayOptions {
  port: number;
  host: string;
  databaseUrl: string;
  /** Created (mode 0700) when missing; any other directory of a SQLite database must exist. */
  dataDir?: string;
  sealingKeyFile: string;
  /** The address users reach the relay at; https turns on `Secure` cookies. */
  publicUrl?: string | undefined;
  logger: Logger;
  loginLimits?: LoginLimits;
  /** The CA cloud sites are renewed with; Let's Encrypt by default. */
  acme?: AcmeOptions;
  /** Scheduler timing, or false for a relay that renews nothing (API-only tests). */
  scheduler?: Partial<SchedulerOptions> | false;
  /** Provider API endpoints; for tests against local fakes only. */
  cloudEndpoints?: RelayCloudEndpoints;
  /** Serve HTTPS with a certificate for the relay's own name from the ACME CA; plain HTTP when unset. */
  tls?: RelayTlsOptions | undefined;
  /**
   * Trust the X-Forwarded-For/-Proto/-Host headers of a reverse proxy in front of the relay. Only
   * the last X-Forwarded-For entry counts, the address the proxy itself saw. Off by default,
   * because without a proxy any client could name any address and dodge the login limits.
   */
  trustProxy?: boolean;
  /** The agent bundle `/agent/install.sh` serves; build/out/certpilot-agent.mjs by default. */
  agentBundleFile?: string;
}

export interface RunningRelay {
  /** The address the server listens on, such as `http://127.0.0.1:8787` (`https:` with `tls`). */
  url: string;
  /** Stops accepting connections, lets open requests finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the relay. The database URL and the ports are checked before any file is created, so
 * a wrong option leaves nothing behind. A missing sealing key file is created (mode 0600) and
 * logged, so the operator knows to back it up: losing it loses every sealed credential.
 *
 * @throws CertPilotError `CONFIG_INVALID` for a bad database URL, a port in use or a host that
 *   is not an address of this machine. `openDatabase` lists the database errors.
 */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const logger = options.logger;
  const acme = await readAcmeSettings(options.acme);
  checkDatabaseUrl(options.databaseUrl, options.dataDir);
  for (const target of listenTargets(options)) await checkCanListen(target);
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true, mode: 0o700 });

  // The database opens before the sealing key is created, so a PostgreSQL login that fails
  // leaves no new key file behind.
  const db = await openDatabase(options.databaseUrl, logger.child({ subsystem: 'database' }));
  const sealingKey = await loadSealingKey({ file: options.sealingKeyFile }).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  const sealer = createSealer(sealingKey.key);
  if (sealingKey.created) {
    logger.warn({ path: options.sealingKeyFile, keyId: sealer.keyId }, 'created a new sealing key file: back it up');
  }
  const app = createApp({
    db,
    sealer,
    limiter: new LoginLimiter(options.loginLimits),
    secureCookies: options.publicUrl?.startsWith('https:') ?? false,
    publicUrl: options.publicUrl,
    agentBundleFile: options.agentBundleFile,
    logger: logger.child({ subsystem: 'http' }),
  });
  app.proxy = options.trustProxy ?? false;
  app.maxIpsCount = 1;
  let server: Server | HttpsServer | undefined;
  let tls: RelayTls | undefined;
  try {
    // Redirects name the port the HTTPS server got, which differs from options.port when that is 0.
    const httpsPort = () => (server?.address() as AddressInfo | null)?.port ?? options.port;
    tls = options.tls && (await startTls(options, options.tls, httpsPort, { db, sealer, acme }));
    server = await listen(app.callback(), { host: options.host, port: options.port, option: '--port' }, tls);
  } catch (error) {
    await tls?.close();
    await db.destroy();
    throw options.tls ? listenError(error as Error, httpListenTarget(options, options.tls)) : error;
  }
  if (tls) tls.keepRenewed(server as HttpsServer);
  const { address, port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url, keyId: sealer.keyId, sealingKeySource: sealingKey.source }, 'relay listening');
  warnIfUnencrypted(options, logger);
  const scheduler =
    options.scheduler === false
      ? undefined
      : startScheduler(
          { db, sealer, acme, ...(options.cloudEndpoints ? { endpoints: options.cloudEndpoints } : {}), logger },
          options.scheduler,
        );
  return {
    url,
    async close() {
      await scheduler?.stop();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await tls?.close();
      await db.destroy();
      logger.info('relay stopped');
    },
  };
}

function startTls(
  options: RelayOptions,
  tlsOptions: RelayTlsOptions,
  httpsPort: () => number,
  deps: Pick<Parameters<typeof startRelayTls>[0], 'db' | 'sealer' | 'acme'>,
): Promise<RelayTls> {
  return startRelayTls({
    ...deps,
    options: tlsOptions,
    host: options.host,
    httpsOrigin: () => new URL(options.publicUrl ?? `https://${tlsOptions.name}:${httpsPort()}`).origin,
    logger: options.logger,
  });
}

async function listen(handler: RequestListener, target: ListenTarget, tls?: RelayTls): Promise<Server | HttpsServer> {
  const server = tls
    ? createHttpsServer({ cert: tls.certificate.certPem, key: tls.certificate.keyPem }, handler)
    : createServer(handler);
  await listenOn(server, target);
  return server;
}

/** Lists the ports start listens on: `--port`, and `--http-port` with `--tls-name`. */
function listenTargets(options: RelayOptions): ListenTarget[] {
  const main: ListenTarget = { host: options.host, port: options.port, option: '--port' };
  return options.tls ? [main, httpListenTarget(options, options.tls)] : [main];
}

function httpListenTarget(options: RelayOptions, tls: RelayTlsOptions): ListenTarget {
  return { host: options.host, port: tls.httpPort, option: '--http-port' };
}

/**
 * Warns when people reach the relay over plain HTTP from other machines: passwords, session
 * cookies and agent tokens then cross the network unencrypted.
 */
function warnIfUnencrypted(options: RelayOptions, logger: Logger): void {
  if (options.tls || isLoopbackHost(options.host)) return;
  if (options.publicUrl?.startsWith('https:')) return;
  logger.warn(
    { host: options.host, publicUrl: options.publicUrl },
    'serving plain HTTP on a non-loopback address: passwords and tokens travel unencrypted; use --tls-name, or an HTTPS reverse proxy with --public-url https://…',
  );
}
