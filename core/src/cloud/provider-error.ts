import { CertPilotError, type ErrorCode } from '../errors.js';
import type { CloudProvider } from './types.js';

/** What a provider error names: the site, the provider, the API call, and the provider's own code. */
export interface ProviderErrorContext {
  site: string;
  provider: CloudProvider;
  /** The API call, e.g. `POST /sslcert` or `cas:UploadUserCertificate`. */
  call: string;
  providerCode?: string;
  providerMessage?: string;
  requestId?: string;
  domain?: string;
  httpStatus?: number;
}

/**
 * Builds the typed error for a failed provider call. Provider messages are kept (they are what
 * support staff search for); AccessKey secrets never appear in the context.
 */
export function providerError(
  code: ErrorCode,
  context: ProviderErrorContext,
  options: { cause?: unknown; retryAfterMs?: number } = {},
): CertPilotError {
  const detail = [context.providerCode, context.providerMessage].filter(Boolean).join(' ');
  const target = context.domain ? ` for ${context.domain}` : '';
  const message = `${context.provider} ${context.call}${target} failed for site ${context.site}: ${detail || `HTTP ${context.httpStatus ?? 'error'}`}${context.requestId ? ` (request ${context.requestId})` : ''}`;
  return new CertPilotError(code, message, {
    cause: options.cause,
    params: { ...context },
    ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
  });
}

/** The usual mapping of an HTTP status to a code, for providers whose bodies say nothing more. */
export function codeForHttpStatus(status: number): ErrorCode {
  if (status === 401) return 'PROVIDER_AUTH_FAILED';
  if (status === 403) return 'PROVIDER_PERMISSION_DENIED';
  if (status === 429) return 'PROVIDER_THROTTLED';
  if (status >= 500) return 'PROVIDER_UNAVAILABLE';
  return 'PROVIDER_REQUEST_FAILED';
}
