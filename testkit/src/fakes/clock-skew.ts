/** Qiniu, Aliyun and OSS all reject a signed request time more than 15 minutes from their clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Tells whether `time` (ms; NaN counts as outside) is within 15 minutes of `now`. */
export function withinClockSkew(time: number, now: number): boolean {
  return Math.abs(now - time) <= MAX_CLOCK_SKEW_MS;
}

/** Parses the compact UTC form `yyyyMMddTHHmmssZ` used by `X-Qiniu-Date` and OSS V4; NaN when malformed. */
export function parseCompactUtc(text: string): number {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (parts === null) return NaN;

  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
