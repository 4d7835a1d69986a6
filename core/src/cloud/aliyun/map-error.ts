import { CertPilotError, isCertPilotError, type ErrorCode } from '../../errors.js';
import { providerError, type ProviderErrorContext } from '../provider-error.js';

/** Site, call and domain of a failed Aliyun call, for the error message. */
export interface AliyunCallContext {
  /** The site being deployed. */
  site: string;
  /** Product and action, e.g. `cas:UploadUserCertificate` or `oss:PutCname`. */
  call: string;
  domain?: string;
}

/** The provider fields read from an SDK error; nothing else of it is kept. */
interface AliyunFailure {
  httpStatus?: number;
  providerCode?: string;
  providerMessage?: string;
  requestId?: string;
  /** False when no reply arrived: a refused connection, a timeout, a DNS failure. */
  replied: boolean;
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId',
  'InvalidAccessKeyId.Inactive',
  'SignatureDoesNotMatch',
  'InvalidAccessKeySecret',
]);

/**
 * Maps an error thrown by an Aliyun SDK call (CAS, CDN, DCDN through `@alicloud/openapi-*`, OSS
 * through `ali-oss`) to a `CertPilotError` with the service's Code, Message and RequestId.
 * Typed errors pass through unchanged.
 *
 * Only those fields are copied. The SDK error is not kept as the cause because transport
 * errors put the whole request URL in their message (seen with @alicloud/openapi-core 1.0.8 and
 * openapi-client 0.4.15). For `UploadUserCertificate` that URL carries the private key in its query.
 */
export function mapAliyunError(error: unknown, context: AliyunCallContext): CertPilotError {
  if (isCertPilotError(error)) return error;

  const failure = readFailure(error);
  const code = codeForFailure(failure);
  const providerContext: ProviderErrorContext = {
    site: context.site,
    provider: 'aliyun',
    call: context.call,
    ...definedFields({
      providerCode: failure.providerCode,
      providerMessage: failure.providerMessage,
      requestId: failure.requestId,
      domain: context.domain,
      httpStatus: failure.httpStatus,
    }),
  };

  const mapped = providerError(code, providerContext);
  return code === 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED' ? withOwnershipStep(mapped, context.domain) : mapped;
}

function codeForFailure(failure: AliyunFailure): ErrorCode {
  const providerCode = failure.providerCode ?? '';
  if (AUTH_CODES.has(providerCode)) return 'PROVIDER_AUTH_FAILED';
  if (providerCode.startsWith('Forbidden') || providerCode === 'NoPermission') return 'PROVIDER_PERMISSION_DENIED';
  // OSS also returns AccessDenied when the bucket is in another region, and no permission fixes that.
  if (providerCode === 'AccessDenied') {
    return /specified endpoint/i.test(failure.providerMessage ?? '')
      ? 'PROVIDER_REQUEST_FAILED'
      : 'PROVIDER_PERMISSION_DENIED';
  }
  // OSS throttles with MetaOperationQpsLimitExceeded and HTTP 503, so this test comes before the 5xx one.
  if (providerCode.startsWith('Throttling') || providerCode === 'MetaOperationQpsLimitExceeded')
    return 'PROVIDER_THROTTLED';
  if (providerCode === 'InvalidDomain.NotFound') return 'PROVIDER_DOMAIN_NOT_FOUND';
  if (providerCode === 'NeedVerifyDomainOwnership') return 'PROVIDER_DOMAIN_VERIFICATION_REQUIRED';
  if (!failure.replied) return 'PROVIDER_UNAVAILABLE';
  if (failure.httpStatus !== undefined && failure.httpStatus >= 500) return 'PROVIDER_UNAVAILABLE';
  return 'PROVIDER_REQUEST_FAILED';
}

/**
 * Reads the fields of the three error shapes: openapi-core errors (`statusCode`, `data` with the
 * JSON body), openapi-client errors (the same, built by tea-typescript), and ali-oss errors
 * (`status`, `code`, `requestId`, with the XML Message as `message`). ali-oss sets `status` -1
 * or -2 when no reply arrived.
 */
function readFailure(error: unknown): AliyunFailure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const body = (typeof fields.data === 'object' && fields.data !== null ? fields.data : {}) as Record<string, unknown>;
  const status = numberOrUndefined(fields.statusCode) ?? numberOrUndefined(fields.status);
  const replied = status !== undefined && status > 0;

  if (!replied) {
    return {
      replied: false,
      providerCode: transportCode(fields),
      providerMessage: 'no reply from the API endpoint (connection failed or timed out)',
    };
  }
  // ali-oss errors have no `data`: their `message` is the Message of the XML body.
  const fromOss = fields.data === undefined;
  return {
    replied: true,
    httpStatus: status,
    ...definedFields({
      providerCode: textOrUndefined(body.Code) ?? textOrUndefined(fields.code),
      providerMessage: textOrUndefined(body.Message) ?? (fromOss ? textOrUndefined(fields.message) : undefined),
      requestId: textOrUndefined(body.RequestId) ?? textOrUndefined(fields.requestId),
    }),
  };
}

/**
 * Names a transport failure by its errno (`ECONNREFUSED`) or error name (`RequestTimeoutError`),
 * taking only that token from the message, which also contains the request URL.
 */
function transportCode(fields: Record<string, unknown>): string {
  const code = textOrUndefined(fields.code);
  if (code !== undefined && /^E[A-Z_]+$/.test(code)) return code;
  const errno = typeof fields.message === 'string' ? /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(fields.message)?.[1] : undefined;
  if (errno !== undefined) return errno;
  const name = textOrUndefined(fields.name);
  return name !== undefined && name !== 'Error' && /^\w+$/.test(name) ? name : 'NetworkError';
}

/**
 * Adds the next step to an OSS `NeedVerifyDomainOwnership` error: OSS binds a domain to a bucket
 * only after `_dnsauth.<domain>` publishes the token of the CreateCnameToken call.
 */
export function withOwnershipStep(
  error: CertPilotError,
  domain: string | undefined,
  token?: { value: string; expiresAt?: string },
): CertPilotError {
  const txtName = `_dnsauth.${domain ?? '<domain>'}`;
  // A step added earlier, without the token, is replaced rather than repeated.
  const earlierStep = typeof error.params.nextStep === 'string' ? `. ${error.params.nextStep}` : undefined;
  const message =
    earlierStep && error.message.endsWith(earlierStep) ? error.message.slice(0, -earlierStep.length) : error.message;
  const nextStep = token
    ? `Create a TXT record ${txtName} with the value ${token.value}${token.expiresAt ? ` (the token expires ${token.expiresAt})` : ''}, which OSS CreateCnameToken (POST /?cname&comp=token) returned for this bucket, wait until it resolves, then run the renewal again.`
    : `Get a token from OSS CreateCnameToken (POST /?cname&comp=token) for this bucket and domain, create a TXT record ${txtName} with the token as its value, wait until it resolves, then run the renewal again.`;
  return new CertPilotError(error.code, `${message}. ${nextStep}`, {
    params: { ...error.params, txtName, nextStep, ...(token ? { txtValue: token.value } : {}) },
  });
}

function definedFields<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** SDKs write missing fields as the string `undefined`. */
function textOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'undefined' ? value : undefined;
}
