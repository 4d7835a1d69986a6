import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_SCHEDULE_MS, jitterDelayMs, parseRetryAfter, retryDelayMs } from '../../src/index.js';

const MINUTE = 60_000;

test('schedule is 1 min, 10 min, 100 min, then daily', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(attempt)),
    [MINUTE, 10 * MINUTE, 100 * MINUTE, 1440 * MINUTE, 1440 * MINUTE, 1440 * MINUTE],
  );
  assert.equal(BACKOFF_SCHEDULE_MS.length, 4);
});

test('Retry-After is honored and clamped', () => {
  assert.equal(retryDelayMs(1, 5 * MINUTE), 5 * MINUTE);
  assert.equal(retryDelayMs(1, 1000), MINUTE);
  assert.equal(retryDelayMs(1, 30 * 1440 * MINUTE), 1440 * MINUTE);
  assert.equal(retryDelayMs(3, 2 * MINUTE), 100 * MINUTE);
});

test('Retry-After parses seconds and dates', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:10:00 GMT', now), 600_000);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('jitter stays inside its range', () => {
  assert.equal(
    jitterDelayMs(3_600_000, () => 0),
    0,
  );
  assert.equal(
    jitterDelayMs(3_600_000, () => 0.999),
    3_596_400,
  );
  assert.equal(
    jitterDelayMs(0, () => 0.5),
    0,
  );
});
