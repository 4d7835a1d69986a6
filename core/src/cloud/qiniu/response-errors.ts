import type { CertPilotError, ErrorCode } from '../../errors.js';
import { providerError } from '../provider-error.js';

/** Context of a Qiniu call that its errors name: the site, the API call and the domain, if any. */
export interface QiniuCallContext {
  site: string;
  /** Method and path, e.g. `PUT /domain/cdn.example.com/httpsconf`. */
  call: string;
  domain?: string;
  /** Domain API that the call belongs to, used to explain a `domaintype is not allowed` reply. */
  api?: 'cdn' | 'kodo';
}

/** A non-2xx reply: the HTTP status and what the `{code, error}` body and headers carried. */
export interface QiniuFailure {
  status: number;
  /** `code` from the body, absent when the body was not Qiniu's JSON. */
  code?: number;
  /** `error` from the body, or the start of a body that was not JSON. */
  message?: string;
  requestId?: string;
  retryAfter?: string;
}

/** The throttling code: Qiniu sends it with HTTP 403 when the per-user request rate is exceeded. */
const THROTTLED_CODE = 403024;
/**
 * The reply to a bind while the domain still processes an earlier change.
 * NOTE: this code comes from the test fake; the real service may use another one.
 */
const DOMAIN_PROCESSING_CODE = 400030;

/**
 * Maps a failed Qiniu reply to a typed error that names the site, the call and Qiniu's own code
 * and message. Throttling is checked before the generic 403 because Qiniu sends it as 403.
 */
export function qiniuResponseError(failure: QiniuFailure, context: QiniuCallContext): CertPilotError {
  const code = classify(failure);
  const providerMessage =
    code === 'PROVIDER_REQUEST_FAILED' && isDomainTypeMismatch(failure)
      ? `${failure.message}: ${domainTypeMismatchReason(context)}`
      : failure.message;

  return providerError(
    code,
    {
      site: context.site,
      provider: 'qiniu',
      call: context.call,
      providerCode: String(failure.code ?? failure.status),
      ...(providerMessage ? { providerMessage } : {}),
      ...(failure.requestId ? { requestId: failure.requestId } : {}),
      ...(context.domain ? { domain: context.domain } : {}),
      httpStatus: failure.status,
    },
    code === 'PROVIDER_THROTTLED' ? retryAfterOption(failure.retryAfter) : {},
  );
}

/** Builds the error for a request that got no reply: refused connection, reset, timeout. */
export function qiniuNetworkError(error: unknown, context: QiniuCallContext): CertPilotError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const systemCode = (cause as NodeJS.ErrnoException).code;
  return providerError(
    'PROVIDER_UNAVAILABLE',
    {
      site: context.site,
      provider: 'qiniu',
      call: context.call,
      providerCode: systemCode ?? 'network',
      providerMessage: cause.message,
      ...(context.domain ? { domain: context.domain } : {}),
    },
    { cause },
  );
}

/**
 * Builds the error for a 2xx reply whose body is not the documented shape, such as an HTML page
 * from a proxy. It is retryable because such pages usually come from a passing network fault.
 */
export function qiniuUnexpectedReply(detail: string, status: number, context: QiniuCallContext): CertPilotError {
  return providerError('PROVIDER_UNAVAILABLE', {
    site: context.site,
    provider: 'qiniu',
    call: context.call,
    providerCode: String(status),
    providerMessage: `unexpected reply: ${detail}`,
    ...(context.domain ? { domain: context.domain } : {}),
    httpStatus: status,
  });
}

/** Returns Qiniu's code as a number when `error` is a Qiniu provider error, for callers that act on one code. */
export function qiniuErrorCode(error: CertPilotError): number | undefined {
  if (error.params.provider !== 'qiniu') return undefined;
  const code = Number(error.params.providerCode);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * Reads `Retry-After` as milliseconds: delay-seconds or an HTTP date. Returns undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;

  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function classify(failure: QiniuFailure): ErrorCode {
  const { status, code } = failure;
  const message = failure.message ?? '';

  if (status === 401 || code === 401 || /bad token/i.test(message)) return 'PROVIDER_AUTH_FAILED';
  if (status === 429 || code === THROTTLED_CODE) return 'PROVIDER_THROTTLED';
  if (isDomainTypeMismatch(failure)) return 'PROVIDER_REQUEST_FAILED';
  if (status === 612 || code === 612 || /no such domain/i.test(message)) return 'PROVIDER_DOMAIN_NOT_FOUND';
  if (code === DOMAIN_PROCESSING_CODE) return 'PROVIDER_DOMAIN_PROCESSING';
  if (status === 403) return 'PROVIDER_PERMISSION_DENIED';
  if (status >= 500) return 'PROVIDER_UNAVAILABLE';
  return 'PROVIDER_REQUEST_FAILED';
}

function isDomainTypeMismatch(failure: QiniuFailure): boolean {
  return /domaintype is not allowed/i.test(failure.message ?? '');
}

function domainTypeMismatchReason(context: QiniuCallContext): string {
  if (context.api === 'kodo') {
    return 'domain type mismatch: the domain is not a Kodo custom domain, so it cannot be bound through the Kodo API (use the qiniu-cdn target for a CDN domain)';
  }
  return 'domain type mismatch: the domain is not a CDN domain, so the CDN API cannot change it (use the qiniu-kodo target for a Kodo custom domain)';
}

function retryAfterOption(header: string | undefined): { retryAfterMs?: number } {
  const retryAfterMs = parseRetryAfterMs(header);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}
