import { posix } from 'node:path';
import { CertPilotError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { ChallengeInput, ChallengeSolver } from './solver.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const CHALLENGE_PATH = '.well-known/acme-challenge';

export interface WebrootSolverOptions {
  host: Host;
  /**
   * The directory nginx serves `/.well-known/acme-challenge/` from, as its `root`; a function when
   * names use different roots (an existing challenge location of another tool).
   */
  webroot: string | ((identifier: string) => string);
  /** Where to check the answer before asking the CA: nginx's address and http-01 port. */
  selfCheck?: { address: string; port: number; timeoutMs?: number };
}

/**
 * http-01 through files: writes the key authorization where nginx serves it, checks that nginx
 * returns it for the site's name, and deletes it afterwards.
 */
export class WebrootSolver implements ChallengeSolver {
  readonly type = 'http-01' as const;
  readonly #options: WebrootSolverOptions;

  constructor(options: WebrootSolverOptions) {
    this.#options = options;
  }

  async present(input: ChallengeInput): Promise<void> {
    await this.#options.host.mkdir(posix.join(this.#webrootOf(input), CHALLENGE_PATH), 0o755);
    await this.#options.host.writeFileDurable(this.#fileOf(input), input.keyAuthorization, 0o644);
  }

  async waitUntilVisible(input: ChallengeInput): Promise<void> {
    const check = this.#options.selfCheck;
    if (!check) return;
    const path = `/${CHALLENGE_PATH}/${input.token}`;
    const where = `http://${input.identifier}:${check.port}${path} (via ${check.address})`;

    let body: string;
    try {
      body = await httpGetVia(
        this.#options.host,
        check.address,
        check.port,
        input.identifier,
        path,
        check.timeoutMs ?? 10_000,
      );
    } catch (error) {
      const status = (error as Error).message;
      // nginx workers run as an unprivileged user; a 403 almost always means a directory on the
      // webroot's path is not searchable for that user.
      const hint =
        status === 'HTTP 403'
          ? ` Make every directory of ${this.#webrootOf(input)} searchable (chmod o+x) for the nginx worker user.`
          : '';
      throw new CertPilotError(
        'ACME_CHALLENGE_FAILED',
        `nginx did not answer the http-01 check at ${where}: ${status}.${hint}`,
        {
          cause: error,
          params: { name: input.identifier, url: where },
        },
      );
    }
    if (body.trim() !== input.keyAuthorization) {
      throw new CertPilotError(
        'ACME_CHALLENGE_FAILED',
        `nginx returns other content than the challenge answer at ${where}. A server-level return or rewrite in the port ${check.port} server block runs before any location; move it into "location /" so /.well-known/acme-challenge/ reaches ${this.#webrootOf(input)}.`,
        { retryable: false, params: { name: input.identifier, url: where } },
      );
    }
  }

  async cleanUp(input: ChallengeInput): Promise<void> {
    await this.#options.host.remove(this.#fileOf(input));
  }

  #fileOf(input: ChallengeInput): string {
    // Tokens come from the CA; a token that could walk out of the directory is refused.
    if (!TOKEN.test(input.token)) {
      throw new CertPilotError(
        'ACME_BAD_REQUEST',
        `The CA sent an http-01 token with unexpected characters: ${input.token}`,
      );
    }
    return posix.join(this.#webrootOf(input), CHALLENGE_PATH, input.token);
  }

  #webrootOf(input: ChallengeInput): string {
    const { webroot } = this.#options;
    return typeof webroot === 'string' ? webroot : webroot(input.identifier);
  }
}

/** A minimal HTTP/1.1 GET over a host connection, so the check runs from the server itself. */
async function httpGetVia(
  host: Host,
  address: string,
  port: number,
  hostHeader: string,
  path: string,
  timeoutMs: number,
): Promise<string> {
  const socket = await host.connect(address, port);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const response = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = response.split('\r\n\r\n', 2);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      if (status !== '200') reject(new Error(status ? `HTTP ${status}` : 'unreadable HTTP response'));
      else resolve(body);
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\nUser-Agent: certpilot-self-check\r\n\r\n`,
    );
  });
}
