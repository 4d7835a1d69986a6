import type { Logger } from '../../log.js';
import { mapAliyunError } from './map-error.js';

/** How often a throttled call is repeated before `PROVIDER_THROTTLED` reaches the renewal job. */
export interface ThrottleRetryOptions {
  /** Attempts in total, the first included. Default 3. */
  attempts?: number;
  /** Pause before the second attempt, in milliseconds, doubled before each later one. Default 1000. */
  delayMs?: number;
}

/**
 * Runs one Aliyun API call and maps its failure with `mapAliyunError`. `call` names the product
 * and action (`cas:UploadUserCertificate`); `domain` is the domain the call is about, if any.
 */
export type AliyunCaller = <T>(call: string, run: () => Promise<T>, domain?: string) => Promise<T>;

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_DELAY_MS = 1000;

/**
 * Creates the caller of one target. The SDKs do not retry, and Aliyun throttles by requests per
 * second, so a throttled call is repeated after a short pause. A throttled request was not
 * carried out, so repeating it is safe even for uploads. Other failures are thrown at once: the
 * renewal job's backoff handles them.
 */
export function createAliyunCaller(site: string, log: Logger, retry: ThrottleRetryOptions = {}): AliyunCaller {
  const attempts = Math.max(1, Math.floor(retry.attempts ?? DEFAULT_ATTEMPTS));
  const baseDelayMs = Math.max(0, retry.delayMs ?? DEFAULT_DELAY_MS);

  return async (call, run, domain) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const mapped = mapAliyunError(error, { site, call, ...(domain === undefined ? {} : { domain }) });
        if (mapped.code !== 'PROVIDER_THROTTLED' || attempt >= attempts) throw mapped;

        const delayMs = baseDelayMs * 2 ** (attempt - 1);
        log.warn(
          { call, domain, attempt, delayMs, providerCode: mapped.params.providerCode },
          'Aliyun throttled the call; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };
}
