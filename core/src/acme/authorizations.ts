import type { Authorization, Client, Order } from 'acme-client';
import { CertPilotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ChallengeInput, ChallengeSolver } from './solver.js';

type Call = <T>(action: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Answers every pending authorization of `order` with `solver`. All answers are published first
 * and the CA is asked to validate only after each one is visible, so a wildcard and its apex
 * (two TXT values at one name) validate in the same order. Published answers are always removed.
 */
export async function solveAuthorizations(
  client: Client,
  order: Order,
  solver: ChallengeSolver,
  call: Call,
  log: Logger,
): Promise<void> {
  const authorizations = await call("reading the order's authorizations", () => client.getAuthorizations(order));
  const pending = authorizations.filter((authorization) => authorization.status === 'pending');
  const published: Array<{
    authorization: Authorization;
    challenge: Authorization['challenges'][number];
    input: ChallengeInput;
  }> = [];

  try {
    for (const authorization of pending) {
      const challenge = authorization.challenges.find((candidate) => candidate.type === solver.type);
      const name = authorizationName(authorization);
      if (!challenge) {
        throw new CertPilotError(
          'ACME_CHALLENGE_FAILED',
          `The CA offers no ${solver.type} challenge for ${name}; use a solver of another type.`,
          {
            retryable: false,
            params: { name, challengeType: solver.type },
          },
        );
      }
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      const input: ChallengeInput = {
        identifier: authorization.identifier.value,
        wildcard: authorization.wildcard === true,
        token: challenge.token,
        keyAuthorization,
      };
      await solver.present(input);
      published.push({ authorization, challenge, input });
      log.debug({ name, challengeType: solver.type }, 'published challenge answer');
    }

    for (const { input } of published) await solver.waitUntilVisible?.(input);

    for (const { authorization, challenge } of published) {
      const name = authorizationName(authorization);
      await call(`the ${solver.type} challenge for ${name}`, () => client.completeChallenge(challenge));
      await waitForValidation(client, authorization, name, solver, call);
      log.info({ name, challengeType: solver.type }, 'authorization valid');
    }
  } finally {
    for (const { input } of published) {
      await solver.cleanUp(input).catch((error: unknown) => {
        log.warn({ name: input.identifier, err: error }, 'could not remove a challenge answer');
      });
    }
  }
}

/**
 * Waits for the CA to validate `authorization`. An authorization the CA marked invalid is reported
 * as a challenge failure with the CA's own detail. It stays retryable even for `unauthorized`:
 * a TXT record still propagating or a briefly misrouted request fails the same way.
 */
async function waitForValidation(
  client: Client,
  authorization: Authorization,
  name: string,
  solver: ChallengeSolver,
  call: Call,
): Promise<void> {
  try {
    await call(`the validation of ${name}`, () => client.waitForValidStatus(authorization));
  } catch (error) {
    const problem = challengeProblem(error, solver.type);
    if (!problem) throw error;
    throw new CertPilotError(
      'ACME_CHALLENGE_FAILED',
      `The CA could not validate ${name} with ${solver.type}: ${problem.detail}`,
      {
        cause: error,
        params: { name, challengeType: solver.type, problemType: problem.type, detail: problem.detail },
      },
    );
  }
}

/**
 * acme-client 5.4 reports an invalid authorization by throwing an Error whose message is the
 * authorization object as JSON (it has no top-level `error`); the reason is in the challenge.
 */
function challengeProblem(error: unknown, type: string): { type: string; detail: string } | null {
  const raw = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  try {
    const parsed = JSON.parse(raw) as {
      status?: string;
      challenges?: Array<{ type?: string; error?: { type?: string; detail?: string } }>;
    };
    const failed = parsed.challenges?.find((challenge) => challenge.type === type && challenge.error);
    if (parsed.status !== 'invalid' || !failed?.error) return null;
    return {
      type: (failed.error.type ?? 'unknown').replace('urn:ietf:params:acme:error:', ''),
      detail: failed.error.detail ?? 'no detail',
    };
  } catch {
    return null;
  }
}

function authorizationName(authorization: Authorization): string {
  return `${authorization.wildcard ? '*.' : ''}${authorization.identifier.value}`;
}
