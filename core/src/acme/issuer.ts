import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type * as AcmeClientModule from 'acme-client';
import type { Client, Order } from 'acme-client';
import { CertPilotError, isCertPilotError } from '../errors.js';
import type { Logger } from '../log.js';
import { createCsr, generatePrivateKey } from '../cert/keys.js';
import type { AccountStore } from './account.js';
import { problemToError, readProblem, type AcmeProblem } from './problem.js';
import { solveAuthorizations } from './authorizations.js';
import { getJson, trustedCertificates } from './http.js';
import type { ChallengeSolver } from './solver.js';

/** Let's Encrypt production; every host defaults to it, tests always override it. */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

export interface IssuerOptions {
  directoryUrl: string;
  email?: string;
  /** PEM of an extra CA to trust for the directory's TLS (private or test CAs). */
  caCertPem?: string;
  /** External Account Binding, required by ZeroSSL and Google Trust Services. */
  eab?: { kid: string; hmacKey: string };
  /** Issuer common name of the chain to prefer when the CA offers several. */
  preferredChain?: string;
  accounts: AccountStore;
  logger: Logger;
}

export interface OrderRequest {
  names: string[];
  /** ARI certificate id of the certificate this order replaces (RFC 9773). */
  replaces?: string;
  /** Certificate profile name, for CAs that offer profiles. */
  profile?: string;
}

type AcmeModule = typeof AcmeClientModule;

/** The last problem document seen by the acme-client call running in the current async context. */
const problemContext = new AsyncLocalStorage<{ problem: AcmeProblem | null }>();
const extraCaCertificates = new Set<string>();
let acmeModule: Promise<AcmeModule> | undefined;

/**
 * Loads acme-client once per process and prepares its shared axios instance: problem documents
 * are recorded for error mapping, and its own retries (up to 5, sleeping for any Retry-After,
 * which is hours for rate limits) are turned off so the renewal backoff decides.
 */
function loadAcme(logger: Logger): Promise<AcmeModule> {
  acmeModule ??= import('acme-client').then((acme) => {
    (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts =
      0;
    acme.axios.interceptors.response.use((response) => {
      const context = problemContext.getStore();
      if (context) {
        const { status, headers, data, config } = response;
        context.problem = readProblem({ status, headers, data, url: config.url ?? '' }) ?? context.problem;
      }
      return response;
    });
    acme.setLogger((message: string) => logger.trace({ acmeClient: message }));
    return acme;
  });
  return acmeModule;
}

/** Adds `pem` to the CAs acme-client trusts; its axios instance is shared, so trust is too. */
function trustExtraCa(acme: AcmeModule, pem: string): void {
  if (extraCaCertificates.has(pem)) return;
  extraCaCertificates.add(pem);
  acme.axios.defaults.httpsAgent = new HttpsAgent({
    ca: [...rootCertificates, ...extraCaCertificates],
    keepAlive: true,
  });
}

/**
 * Talks to one ACME CA for one account: orders, authorizations, finalization, chain download.
 * acme-client is loaded on first use so that processes with nothing to issue never load it.
 */
export class AcmeIssuer {
  readonly #options: IssuerOptions;
  readonly #log: Logger;
  // The pending setup, shared so that jobs starting together load or register one account.
  #client?: Promise<Client>;

  constructor(options: IssuerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ subsystem: 'acme', directoryUrl: options.directoryUrl });
  }

  /**
   * Returns the client for the stored account, creating and storing an account on first use.
   * Concurrent first calls share one setup; a failed setup is retried by the next call.
   */
  client(): Promise<Client> {
    this.#client ??= this.#setUpClient().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #setUpClient(): Promise<Client> {
    const acme = await this.#loadAcme();
    const { directoryUrl, email, eab, accounts } = this.#options;

    let account = await accounts.load(directoryUrl);
    const keyWasStored = account !== null;
    if (!account) {
      account = { directoryUrl, keyPem: await generatePrivateKey('ec-p256'), ...(email ? { email } : {}) };
      await accounts.save(account);
      this.#log.info('generated a new ACME account key');
    }

    const client = new acme.Client({
      directoryUrl,
      accountKey: account.keyPem,
      ...(account.url ? { accountUrl: account.url } : {}),
      ...(eab ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey } } : {}),
      backoffAttempts: 12,
      backoffMin: 250,
      backoffMax: 10_000,
    });

    // A stored key without a URL means an earlier run stopped between registering and saving.
    if (!account.url && keyWasStored && (await this.#findExistingAccount(client))) {
      account = { ...account, url: client.getAccountUrl() };
      await accounts.save(account);
      this.#log.info({ accountUrl: account.url }, 'found the ACME account of the stored key');
    }
    if (!account.url) {
      await this.#call('account registration', () =>
        client.createAccount({ termsOfServiceAgreed: true, ...(email ? { contact: [`mailto:${email}`] } : {}) }),
      );
      account = { ...account, url: client.getAccountUrl() };
      await accounts.save(account);
      this.#log.info({ accountUrl: account.url }, 'registered ACME account');
    }

    return client;
  }

  /** Creates a new order and returns its URL; the caller persists it before solving anything. */
  async createOrder(request: OrderRequest): Promise<Order> {
    const client = await this.client();
    const payload = {
      identifiers: request.names.map((value) => ({ type: 'dns' as const, value })),
      ...(request.replaces ? { replaces: request.replaces } : {}),
      ...(request.profile ? { profile: request.profile } : {}),
    };
    const order = await this.#call(`the new order for ${request.names.join(', ')}`, () => client.createOrder(payload));
    this.#log.info({ orderUrl: order.url, names: request.names }, 'created order');
    return order;
  }

  /** Fetches an order created earlier; null when the CA no longer knows it or it expired. */
  async resumeOrder(url: string): Promise<Order | null> {
    const client = await this.client();
    try {
      return await this.#call(`the order ${url}`, () => client.getOrder({ url } as Order));
    } catch (error) {
      if (isCertPilotError(error) && (error.params.status === 404 || error.code === 'ACME_ORDER_FAILED')) {
        this.#log.warn({ orderUrl: url, err: error }, 'stored order is gone; a new one is needed');
        return null;
      }
      throw error;
    }
  }

  /**
   * Brings `order` to a certificate: solves pending authorizations with `solver`, finalizes with
   * a CSR from `keyPem` when ready, waits, and downloads the chain. Returns PEM, leaf first.
   */
  async completeOrder(
    order: Order,
    options: { names: string[]; keyPem: string; solver: ChallengeSolver },
  ): Promise<string> {
    const client = await this.client();
    const what = `the order for ${options.names.join(', ')}`;

    if (order.status === 'invalid') {
      throw new CertPilotError('ACME_ORDER_FAILED', `The CA marked ${what} invalid.`, {
        params: { orderUrl: order.url },
      });
    }
    if (order.status === 'pending') {
      await solveAuthorizations(client, order, options.solver, (action, fn) => this.#call(action, fn), this.#log);
      order = await this.#call(what, () => client.getOrder(order));
    }
    if (order.status === 'ready') {
      const csr = await createCsr(options.names, options.keyPem);
      order = await this.#call(`finalizing ${what}`, () => client.finalizeOrder(order, csr));
    }
    if (order.status !== 'valid') {
      order = await this.#call(`waiting for ${what}`, () => client.waitForValidStatus(order));
    }

    const pem = await this.#call(`downloading the certificate of ${what}`, () =>
      client.getCertificate(order, this.#options.preferredChain),
    );
    this.#log.info({ orderUrl: order.url }, 'downloaded certificate');
    return pem;
  }

  /** Generates a private key for a new certificate. */
  generateKey = generatePrivateKey;

  async #loadAcme(): Promise<AcmeModule> {
    const acme = await loadAcme(this.#log);
    if (this.#options.caCertPem) trustExtraCa(acme, this.#options.caCertPem);
    return acme;
  }

  /** Runs one acme-client call and turns whatever it throws into a typed error naming `action`. */
  /**
   * Asks the CA for the account of the client's key without creating one. A plain registration
   * would not do: acme-client follows an existing account with an update carrying only the terms
   * flag, which Pebble rejects as an empty update.
   */
  async #findExistingAccount(client: Client): Promise<boolean> {
    try {
      await this.#call('account lookup', () => client.createAccount({ onlyReturnExisting: true }));
      return true;
    } catch (error) {
      if (isCertPilotError(error) && error.params?.problemType === 'accountDoesNotExist') return false;
      throw error;
    }
  }

  async #call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    const context = { problem: null as AcmeProblem | null };
    try {
      return await problemContext.run(context, fn);
    } catch (error) {
      if (isCertPilotError(error)) throw error;
      throw await this.#mapError(error, action, context.problem);
    }
  }

  async #mapError(error: unknown, action: string, problem: AcmeProblem | null): Promise<CertPilotError> {
    if (problem) return problemToError(problem, action, error);

    // acme-client 5.4 loses network errors: its axios interceptor reads `response.config` of a
    // response that never came and throws a TypeError instead. A plain request to the directory
    // recovers the real cause (refused, timed out, untrusted certificate).
    let cause = error;
    if (error instanceof TypeError) {
      cause = await getJson(this.#options.directoryUrl, { ca: trustedCertificates(this.#options.caCertPem) }).then(
        () => error,
        (networkError: unknown) => networkError,
      );
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    const networkCode = (cause as { code?: string }).code;
    const tlsTrust = /certificate|self[- ]signed|UNABLE_TO_VERIFY/i.test(`${networkCode} ${message}`);
    const hint = tlsTrust
      ? " The CA's TLS certificate is not trusted: set acme.caCertFile for a private or test CA."
      : '';
    return new CertPilotError(
      'ACME_CA_UNREACHABLE',
      `Could not reach the ACME CA at ${this.#options.directoryUrl} during ${action}: ${message}${networkCode && !message.includes(networkCode) ? ` (${networkCode})` : ''}.${hint}`,
      { cause, params: { action, directoryUrl: this.#options.directoryUrl, ...(networkCode ? { networkCode } : {}) } },
    );
  }
}
