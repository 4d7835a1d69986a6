/**
 * Starting and stopping the relay: sealing key, database, HTTP server.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSealer, loadSealingKey, type Logger } from '@certpilot/core';
import { openDatabase } from './db/database.js';
import { createApp } from './http/app.js';
import { startRelayTls, type RelayTls, type RelayTlsOptions } from './https/relay-tls.js';
import { LoginLimiter, type LoginLimits } from './http/rate-limit.js';
import type { RelayCloudEndpoints } from './scheduler/job-context.js';
import { readAcmeSettings, type AcmeOptions } from './scheduler/acme-settings.js';
import { startScheduler, type SchedulerOptions } from './scheduler/scheduler.js';

export interface RelayOptions {
  port: number;
  host: string;
  databaseUrl: string;
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
 * Starts the relay. A missing sealing key file is created (mode 0600) and logged, so the
 * operator knows to back it up: losing it loses every sealed credential.
 */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const logger = options.logger;
  const sealingKey = await loadSealingKey({ file: options.sealingKeyFile });
  const sealer = createSealer(sealingKey.key);
  if (sealingKey.created) {
    logger.warn({ path: options.sealingKeyFile, keyId: sealer.keyId }, 'created a new sealing key file: back it up');
  }
  const acme = await readAcmeSettings(options.acme);
  const db = await openDatabase(options.databaseUrl, logger.child({ subsystem: 'database' }));
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
    server = await listen(app.callback(), options.port, options.host, tls);
  } catch (error) {
    await tls?.close();
    await db.destroy();
    throw error;
  }
  if (tls) tls.keepRenewed(server as HttpsServer);
  const { address, port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url, keyId: sealer.keyId, sealingKeySource: sealingKey.source }, 'relay listening');
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

function listen(handler: RequestListener, port: number, host: string, tls?: RelayTls): Promise<Server | HttpsServer> {
  const server = tls
    ? createHttpsServer({ cert: tls.certificate.certPem, key: tls.certificate.keyPem }, handler)
    : createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
