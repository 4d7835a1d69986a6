/**
 * Error texts for API responses: core's bilingual `ERROR_MESSAGES`, with `CODE_variant` keys
 * and `{{param}}` placeholders, and the HTTP status each code answers with.
 */
import {
  ERROR_MESSAGES,
  NAME_REASON_MESSAGES,
  type CertPilotError,
  type ErrorCode,
  type ErrorParams,
} from '@certpilot/core';
import type { Locale } from '../locale.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  REQUEST_INVALID: 400,
  PASSWORD_TOO_WEAK: 400,
  NAME_INVALID: 400,
  CREDENTIAL_MISMATCH: 400,
  AUTH_REQUIRED: 401,
  LOGIN_FAILED: 401,
  RESOURCE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ACCOUNT_EXISTS: 409,
  CREDENTIAL_IN_USE: 409,
  SITE_PAUSED: 409,
  SITE_EXISTS: 409,
  REQUEST_TOO_LARGE: 413,
  LOGIN_RATE_LIMITED: 429,
  REPORT_RATE_LIMITED: 429,
  NOTIFY_CONFIG_INVALID: 400,
  // A notification provider's rejection; its message names the provider's reply, never a secret.
  NOTIFY_FAILED: 502,
};

/** The HTTP status for an error code; 500 for codes a client cannot cause. */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Codes whose message has a `CODE_relay` variant, used for every such error the relay describes. */
const RELAY_VARIANT_CODES: ReadonlySet<ErrorCode> = new Set(['ACME_CA_UNREACHABLE']);

/** The error's message in `locale`, its placeholders filled from the error's params. */
export function describeError(error: CertPilotError, locale: Locale): string {
  const table = ERROR_MESSAGES[locale];
  const params: ErrorParams = { ...error.params, message: error.message };
  // Core's messages for these codes advise the agent's config keys; the relay has its own options.
  if (RELAY_VARIANT_CODES.has(error.code) && params.variant === undefined) params.variant = 'relay';
  const variant = typeof params.variant === 'string' ? `${error.code}_${params.variant}` : undefined;
  const template = (variant !== undefined ? table[variant] : undefined) ?? table[error.code];
  if (typeof params.problem === 'string' && error.code === 'NAME_INVALID') {
    const reason = NAME_REASON_MESSAGES[locale][params.problem];
    if (reason !== undefined) params.reasonText = fill(reason, params);
  }
  return fill(template, params);
}

function fill(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''));
}
