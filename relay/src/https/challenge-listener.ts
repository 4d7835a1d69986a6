/**
 * The relay's plain-HTTP listener while it serves HTTPS itself: it responds to ACME http-01 challenges
 * for the relay's own name and redirects every other request to the HTTPS address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChallengeInput, ChallengeSolver, Logger } from '@certpilot/core';

const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export interface ChallengeListener {
  /** Publishes key authorizations for http-01 on this listener while an order is validated. */
  solver: ChallengeSolver;
  /** The port it listens on (useful when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the listener on `host:port`. Requests other than challenges get a 301 to the same path
 * under `httpsOrigin()` (such as `https://relay.example.com`), a function because the HTTPS port
 * may be known only once that server listens.
 *
 * @throws the listen error, such as EADDRINUSE or EACCES for port 80 without root.
 */
export async function startChallengeListener(options: {
  host: string;
  port: number;
  httpsOrigin: () => string;
  logger: Logger;
}): Promise<ChallengeListener> {
  const answers = new Map<string, string>();
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path.startsWith(CHALLENGE_PREFIX)) {
      const answer = answers.get(path.slice(CHALLENGE_PREFIX.length));
      options.logger.info({ path, found: answer !== undefined }, 'http-01 challenge request');
      response.writeHead(answer === undefined ? 404 : 200, { 'Content-Type': 'text/plain' });
      response.end(answer ?? 'unknown challenge token\n');
      return;
    }
    response.writeHead(301, { Location: `${options.httpsOrigin()}${path.startsWith('/') ? path : '/'}` });
    response.end();
  });
  await listen(server, options.port, options.host);

  return {
    solver: {
      type: 'http-01',
      present: async (input: ChallengeInput) => {
        answers.set(input.token, input.keyAuthorization);
      },
      cleanUp: async (input: ChallengeInput) => {
        answers.delete(input.token);
      },
    },
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
