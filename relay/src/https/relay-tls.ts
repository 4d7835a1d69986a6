/**
 * HTTPS for the relay's own public name: a certificate from the configured ACME CA (http-01,
 * served by the plain-HTTP listener), kept in the data directory, renewed inside its renewal
 * window and swapped into the running HTTPS server without a restart.
 */
import type { Server as TlsServer } from 'node:tls';
import {
  AcmeIssuer,
  certificateMatchesKey,
  decideRenewal,
  inspectCertificatePem,
  isCertPilotError,
  retryDelayMs,
  type Logger,
  type Sealer,
} from '@certpilot/core';
import type { RelayDb } from '../db/database.js';
import { DbAccountStore } from '../jobs/account-store.js';
import type { AcmeSettings } from '../scheduler/scheduler.js';
import { RelayCertificateStore, type StoredCertificate } from './certificate-store.js';
import { startChallengeListener, type ChallengeListener } from './challenge-listener.js';

/** Settings for serving HTTPS with the relay's own certificate (`--tls-name`). */
export interface RelayTlsOptions {
  /** The relay's public host name; the certificate is for this one name. */
  name: string;
  /**
   * Port of the plain-HTTP listener for http-01 and redirects. Public CAs connect to port 80 of
   * the name, so another port needs a forward from 80 to it.
   */
  httpPort: number;
  /** Directory of the certificate and its sealed key, such as `<data dir>/tls`. */
  dir: string;
  /** Interval between renewal checks, in milliseconds; 1 hour by default. */
  checkIntervalMs?: number;
}

export interface RelayTls {
  /** The certificate to start the HTTPS server with. */
  certificate: StoredCertificate;
  /** Starts the renewal checks; each renewed certificate is swapped into `server`. */
  keepRenewed(server: TlsServer): void;
  /** Stops the renewal checks and the plain-HTTP listener. */
  close(): Promise<void>;
}

const DEFAULT_CHECK_INTERVAL_MS = 60 * 60_000;

/**
 * Starts the plain-HTTP listener and returns a usable certificate for `options.name`: the stored
 * one unless it is missing, for other names, or due for renewal, else a new one from the CA.
 *
 * @throws the listener's error (port in use, port 80 without root), or the CA's error as a
 *   CertPilotError when no usable certificate is stored and none could be obtained.
 */
export async function startRelayTls(deps: {
  options: RelayTlsOptions;
  host: string;
  /** The HTTPS origin other plain-HTTP requests are redirected to. */
  httpsOrigin: () => string;
  db: RelayDb;
  sealer: Sealer;
  acme: AcmeSettings;
  logger: Logger;
}): Promise<RelayTls> {
  const { options, logger } = deps;
  const log = logger.child({ subsystem: 'relay-tls', name: options.name });
  const listener = await startChallengeListener({
    host: deps.host,
    port: options.httpPort,
    httpsOrigin: deps.httpsOrigin,
    logger: log,
  });
  log.info({ port: listener.port }, 'plain-HTTP listener for http-01 and redirects started');

  const store = new RelayCertificateStore(options.dir, deps.sealer);
  let issuer: AcmeIssuer | undefined;
  const obtain = async (): Promise<StoredCertificate> => {
    issuer ??= new AcmeIssuer({ ...deps.acme, accounts: new DbAccountStore(deps.db, deps.sealer), logger: log });
    return obtainCertificate(issuer, options.name, listener, store, log);
  };

  let certificate: StoredCertificate;
  try {
    const stored = await store.load(options.name);
    certificate = stored !== null && isUsable(stored, options.name, log) ? stored : await obtain();
  } catch (error) {
    await listener.close();
    throw error;
  }
  return withRenewal(certificate, options, obtain, listener, log);
}

function withRenewal(
  initial: StoredCertificate,
  options: RelayTlsOptions,
  obtain: () => Promise<StoredCertificate>,
  listener: ChallengeListener,
  log: Logger,
): RelayTls {
  let current = initial;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;
  const interval = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;

  const check = async (server: TlsServer): Promise<void> => {
    if (!isDue(current)) return schedule(server, interval);
    try {
      current = await obtain();
      server.setSecureContext({ cert: current.certPem, key: current.keyPem });
      failures = 0;
      log.info(
        { serial: inspectCertificatePem(current.certPem, options.name).serial },
        'renewed certificate swapped in',
      );
      schedule(server, interval);
    } catch (error) {
      failures += 1;
      const retryAfterMs = isCertPilotError(error) ? error.retryAfterMs : undefined;
      const delayMs = retryDelayMs(failures, retryAfterMs);
      log.error({ err: error, attempt: failures, retryInMs: delayMs }, 'renewing the relay certificate failed');
      schedule(server, delayMs);
    }
  };
  const schedule = (server: TlsServer, delayMs: number): void => {
    if (closed) return;
    timer = setTimeout(() => void check(server), delayMs);
    timer.unref();
  };

  return {
    certificate: initial,
    keepRenewed: (server) => schedule(server, interval),
    async close() {
      closed = true;
      clearTimeout(timer);
      await listener.close();
    },
  };
}

async function obtainCertificate(
  issuer: AcmeIssuer,
  name: string,
  listener: ChallengeListener,
  store: RelayCertificateStore,
  log: Logger,
): Promise<StoredCertificate> {
  log.info('ordering a certificate for the relay');
  const keyPem = await issuer.generateKey();
  const order = await issuer.createOrder({ names: [name] });
  const certPem = await issuer.completeOrder(order, { names: [name], keyPem, solver: listener.solver });
  const certificate = { certPem, keyPem };
  await store.save(name, certificate);
  const info = inspectCertificatePem(certPem, name);
  log.info({ serial: info.serial, notAfter: info.notAfter }, 'obtained and stored the relay certificate');
  return certificate;
}

/** True when the stored pair is for `name`, matches, and is not due yet; logs why not otherwise. */
function isUsable(stored: StoredCertificate, name: string, log: Logger): boolean {
  let reason: string | undefined;
  try {
    const info = inspectCertificatePem(stored.certPem, name);
    if (!info.names.some((entry) => entry.toLowerCase() === name.toLowerCase())) reason = 'issued for other names';
    else if (!certificateMatchesKey(stored.certPem, stored.keyPem, name)) reason = 'key does not match';
    else if (isDue(stored)) reason = 'due for renewal';
  } catch (error) {
    log.warn({ err: error }, 'stored relay certificate cannot be read');
    reason = 'unreadable';
  }
  if (reason === undefined) {
    log.info('using the stored relay certificate');
    return true;
  }
  log.info({ reason }, 'stored relay certificate not usable; ordering a new one');
  return false;
}

// NOTE: only the lifetime rule applies here; the CA's renewal information (ARI) is not fetched
// for the relay's own certificate.
function isDue(certificate: StoredCertificate): boolean {
  const { notBefore, notAfter } = inspectCertificatePem(certificate.certPem, 'relay certificate');
  return decideRenewal({ notBefore, notAfter }).due;
}
