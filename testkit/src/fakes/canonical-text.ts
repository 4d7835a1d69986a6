import { timingSafeEqual } from 'node:crypto';

/**
 * Percent-encodes `value` the RFC 3986 way: everything except unreserved characters
 * (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`. Aliyun's V3, RPC V1 and OSS V4 signatures all
 * canonicalize with this encoding, which is stricter than `encodeURIComponent` (that one
 * leaves `! ' ( ) *` alone).
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Orders strings by UTF-16 code unit, the byte order canonical forms sort in for ASCII names. */
export function compareOrdinal(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

/**
 * Encodes each name and value with RFC 3986, sorts by name then value, and joins them as
 * `name=value&...`. With `bareEmptyValues` an empty value is written as the bare name, the
 * OSS V4 form.
 */
export function canonicalQueryString(
  parameters: ReadonlyArray<readonly [string, string]>,
  options: { bareEmptyValues?: boolean } = {},
): string {
  return parameters
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compareOrdinal(nameA, nameB) || compareOrdinal(valueA, valueB))
    .map(([name, value]) => (options.bareEmptyValues && value === '' ? name : `${name}=${value}`))
    .join('&');
}

/** Canonicalizes a header value for signing: trimmed, repeated values joined with `,`, absent as `''`. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map((item) => item.trim()).join(',') : value.trim();
}

/**
 * Splits the part of an `Authorization` value after the scheme into its comma-separated
 * `Name=value` fields, as ACS3 and OSS V4 write them.
 */
export function parseAuthorizationFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  return fields;
}

/** Compares two signature strings without leaking where they differ through timing. */
export function equalInConstantTime(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}
