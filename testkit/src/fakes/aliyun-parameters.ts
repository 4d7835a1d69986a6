import { aliyunErrors } from './aliyun-errors.js';

/** The decoded parameters of one RPC call, with the service's checks for missing and invalid values. */
export class CallParameters {
  readonly #values: Map<string, string>;

  constructor(entries: Iterable<readonly [string, string]>) {
    this.#values = new Map(entries);
  }

  /** Returns the value, or throws `MissingParameter` when it is absent or empty. */
  required(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined || value === '') throw aliyunErrors.missingParameter(name);
    return value;
  }

  /** Returns the value, or `undefined` when it is absent or empty. */
  optional(name: string): string | undefined {
    const value = this.#values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  /** Parses an integer parameter; absent gives `fallback`, out of range throws `InvalidParameter`. */
  integer(name: string, fallback: number, range: { min: number; max: number }): number {
    const text = this.optional(name);
    if (text === undefined) return fallback;

    const value = Number(text);
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw aliyunErrors.invalidParameter(name, `Expected an integer from ${range.min} to ${range.max}.`);
    }
    return value;
  }

  /** Parses `true`/`false`; absent gives `fallback`. */
  boolean(name: string, fallback: boolean): boolean {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    if (text !== 'true' && text !== 'false') throw aliyunErrors.invalidParameter(name, 'Expected true or false.');
    return text === 'true';
  }
}
