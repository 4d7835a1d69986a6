import { CertPilotError, type ErrorCode } from '../errors.js';
import { parseRetryAfter } from '../policy/backoff.js';

/** An RFC 8555 problem document as the CA sent it, with the response's Retry-After. */
export interface AcmeProblem {
  type: string;
  detail: string;
  status: number;
  url: string;
  retryAfterMs?: number;
}

const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

/** Maps problem types to CertPilot codes; types not listed are order failures worth a retry. */
const PROBLEM_CODES: Record<string, ErrorCode> = {
  rateLimited: 'ACME_RATE_LIMITED',
  unauthorized: 'ACME_UNAUTHORIZED',
  accountDoesNotExist: 'ACME_UNAUTHORIZED',
  externalAccountRequired: 'ACME_UNAUTHORIZED',
  userActionRequired: 'ACME_UNAUTHORIZED',
  rejectedIdentifier: 'ACME_BAD_REQUEST',
  unsupportedIdentifier: 'ACME_BAD_REQUEST',
  malformed: 'ACME_BAD_REQUEST',
  badCSR: 'ACME_BAD_REQUEST',
  caa: 'ACME_CHALLENGE_FAILED',
  connection: 'ACME_CHALLENGE_FAILED',
  dns: 'ACME_CHALLENGE_FAILED',
  incorrectResponse: 'ACME_CHALLENGE_FAILED',
  tls: 'ACME_CHALLENGE_FAILED',
  serverInternal: 'ACME_CA_UNREACHABLE',
};

/** Reads a problem document from an HTTP response, or returns null when it is none. */
export function readProblem(response: {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
  url: string;
}): AcmeProblem | null {
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.status < 400 || !contentType.includes('problem+json')) return null;
  const data = (response.data ?? {}) as { type?: unknown; detail?: unknown };
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined);
  return {
    type: typeof data.type === 'string' ? data.type : 'unknown',
    detail: typeof data.detail === 'string' ? data.detail : '',
    status: response.status,
    url: response.url,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** Builds the typed error for a problem the CA returned while `action` ran. */
export function problemToError(problem: AcmeProblem, action: string, cause?: unknown): CertPilotError {
  const shortType = problem.type.startsWith(ACME_ERROR_PREFIX)
    ? problem.type.slice(ACME_ERROR_PREFIX.length)
    : problem.type;
  const code = PROBLEM_CODES[shortType] ?? (problem.status >= 500 ? 'ACME_CA_UNREACHABLE' : 'ACME_ORDER_FAILED');
  return new CertPilotError(
    code,
    `The ACME CA rejected ${action}: ${problem.detail || shortType} (${shortType}, HTTP ${problem.status}).`,
    {
      cause,
      params: { action, problemType: shortType, detail: problem.detail, status: problem.status },
      ...(problem.retryAfterMs === undefined ? {} : { retryAfterMs: problem.retryAfterMs }),
    },
  );
}
