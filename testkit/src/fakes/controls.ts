/** A fault a test asked a fake to inject into one upcoming, correctly signed request. */
export type InjectedFault = { kind: 'throttle' } | { kind: 'fail'; status: number };

/**
 * Queue of injected faults, consumed in order by the next correctly signed requests.
 * `throttleNext(1); failNext(1)` throttles one request, fails the one after, then serves normally.
 */
export class FaultQueue {
  readonly #faults: InjectedFault[] = [];

  /** Makes the next `count` correctly signed requests receive the service's throttling error. */
  throttleNext(count: number): void {
    requireCount(count);
    for (let index = 0; index < count; index++) this.#faults.push({ kind: 'throttle' });
  }

  /** Makes the next `count` correctly signed requests fail with HTTP `status` (500-599). */
  failNext(count: number, status = 500): void {
    requireCount(count);
    if (!Number.isInteger(status) || status < 500 || status > 599) {
      throw new RangeError(`failNext status must be an integer from 500 to 599, got ${status}`);
    }
    for (let index = 0; index < count; index++) this.#faults.push({ kind: 'fail', status });
  }

  /** Removes and returns the next fault, or `undefined` when none is queued. */
  take(): InjectedFault | undefined {
    return this.#faults.shift();
  }
}

function requireCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`fault count must be a positive integer, got ${count}`);
  }
}

/** One request a fake received, kept in its `requests` log for assertions. */
export interface FakeRequestRecord {
  method: string;
  /** Path without the query. */
  path: string;
  /** Query string as sent, without `?`. */
  query: string;
  /** Aliyun action (`x-acs-action` or `Action`), OSS operation, or undefined for Qiniu. */
  action?: string;
  /** True when the request carried a signature that verified against a known account. */
  signed: boolean;
  /**
   * Client quirks the signature needed to verify, e.g. `doubled-port` for the npm `qiniu`
   * helper. Empty when the request was signed exactly as the service documents.
   */
  signatureQuirks: string[];
  /** HTTP status the fake replied with. */
  status: number;
  /** Provider error code of the reply, when it was an error. */
  errorCode?: string;
}

/** Starts a log record for a request; the fake fills in `signed`, `status` and `errorCode` as it goes. */
export function newRequestRecord(
  request: { method: string; path: string; rawQuery: string },
  action?: string,
): FakeRequestRecord {
  return {
    method: request.method,
    path: request.path,
    query: request.rawQuery,
    ...(action === undefined ? {} : { action }),
    signed: false,
    signatureQuirks: [],
    status: 0,
  };
}
