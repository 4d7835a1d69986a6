/**
 * Typed errors shared by every CertPilot host.
 *
 * Each error carries a stable `code` that hosts translate for people (see `i18n/`), the values the
 * message names in `params`, and whether a retry can help. Secrets never go into `params` or the
 * message: hosts print both.
 */

/**
 * Error codes, grouped by subsystem. Terminal codes stop the backoff schedule at once. Errors that
 * wait for a person (PROVIDER_DOMAIN_VERIFICATION_REQUIRED) stay retryable so the job picks up
 * once the person has acted.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false },
  CONFIG_NOT_FOUND: { retryable: false },
  NAME_INVALID: { retryable: false },
  SITE_NOT_FOUND: { retryable: false },
  COMMAND_NOT_FOUND: { retryable: false },
  COMMAND_FAILED: { retryable: true },
  NGINX_NOT_FOUND: { retryable: false },
  NGINX_COMMAND_FAILED: { retryable: true },
  NGINX_CONFIG_INVALID: { retryable: false },
  NGINX_CONFIG_CHANGED: { retryable: true },
  NGINX_EDIT_FAILED: { retryable: false },
  CERT_INVALID: { retryable: false },
  CERT_KEY_MISMATCH: { retryable: false },
  FILE_IO_FAILED: { retryable: true },
  ACME_UNAUTHORIZED: { retryable: false },
  ACME_BAD_REQUEST: { retryable: false },
  ACME_RATE_LIMITED: { retryable: true },
  ACME_CA_UNREACHABLE: { retryable: true },
  ACME_CHALLENGE_FAILED: { retryable: true },
  ACME_ORDER_FAILED: { retryable: true },
  DEPLOY_TEST_FAILED: { retryable: false },
  DEPLOY_RELOAD_FAILED: { retryable: true },
  PROBE_FAILED: { retryable: true },
  PROBE_OLD_CERTIFICATE: { retryable: true },
  JOB_STATE_INVALID: { retryable: false },
  JOB_CANCELLED: { retryable: false },
  PROVIDER_AUTH_FAILED: { retryable: false },
  PROVIDER_PERMISSION_DENIED: { retryable: false },
  PROVIDER_THROTTLED: { retryable: true },
  PROVIDER_UNAVAILABLE: { retryable: true },
  PROVIDER_REQUEST_FAILED: { retryable: false },
  PROVIDER_DOMAIN_NOT_FOUND: { retryable: false },
  PROVIDER_DOMAIN_PROCESSING: { retryable: true },
  PROVIDER_DOMAIN_VERIFICATION_REQUIRED: { retryable: true },
  EDGE_NOT_YET_LIVE: { retryable: true },
  DNS_ZONE_NOT_FOUND: { retryable: false },
  DNS_PROPAGATION_TIMEOUT: { retryable: true },
  NOTIFY_FAILED: { retryable: true },
  NOTIFY_CONFIG_INVALID: { retryable: false },
  PASSWORD_HASH_INVALID: { retryable: false },
  PASSWORD_TOO_WEAK: { retryable: false },
  SEAL_KEY_INVALID: { retryable: false },
  SEAL_KEY_FILE_INSECURE: { retryable: false },
  SEAL_KEY_MISMATCH: { retryable: false },
  SEAL_OPEN_FAILED: { retryable: false },
  REQUEST_INVALID: { retryable: false },
  REQUEST_TOO_LARGE: { retryable: false },
  AUTH_REQUIRED: { retryable: false },
  LOGIN_FAILED: { retryable: false },
  LOGIN_RATE_LIMITED: { retryable: true },
  ACCOUNT_EXISTS: { retryable: false },
  RESOURCE_NOT_FOUND: { retryable: false },
  METHOD_NOT_ALLOWED: { retryable: false },
  CREDENTIAL_MISMATCH: { retryable: false },
  CREDENTIAL_IN_USE: { retryable: false },
  SITE_PAUSED: { retryable: false },
  SITE_EXISTS: { retryable: false },
  REPORT_RATE_LIMITED: { retryable: true },
  RELAY_URL_INVALID: { retryable: false },
  RELAY_UNREACHABLE: { retryable: true },
  RELAY_REJECTED: { retryable: false },
  DATABASE_UNREACHABLE: { retryable: true },
  INTERNAL: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Values a message may name: domains, paths, URLs, provider codes. Never secrets. */
export type ErrorParams = Record<string, string | number | boolean | undefined>;

export interface CertPilotErrorOptions {
  cause?: unknown;
  params?: ErrorParams;
  /** Overrides the code's default; set when one instance of a code is known to be final. */
  retryable?: boolean;
  /** Server-sent `Retry-After`, in milliseconds, before clamping. */
  retryAfterMs?: number;
}

export class CertPilotError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: CertPilotErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'CertPilotError';
    this.code = code;
    this.params = options.params ?? {};
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain object for logs, job records and reports: code, message, params, cause chain. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  params: ErrorParams;
  retryable: boolean;
  cause?: string;
}

/** Turns any thrown value into a `SerializedError`, keeping the first cause's message. */
export function serializeError(error: unknown): SerializedError {
  const wrapped = asCertPilotError(error);
  const cause = wrapped.cause instanceof Error ? wrapped.cause.message : undefined;
  return {
    code: wrapped.code,
    message: wrapped.message,
    params: wrapped.params,
    retryable: wrapped.retryable,
    ...(cause === undefined ? {} : { cause }),
  };
}

/** Returns `error` when it is already typed, or wraps it as `INTERNAL` with the original as cause. */
export function asCertPilotError(error: unknown): CertPilotError {
  if (error instanceof CertPilotError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CertPilotError('INTERNAL', message, { cause: error });
}

export function isCertPilotError(error: unknown, code?: ErrorCode): error is CertPilotError {
  return error instanceof CertPilotError && (code === undefined || error.code === code);
}
