import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRenewal, lifetimeRenewalTime, pickTimeInWindow } from '../../src/index.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();
const start = Date.parse('2026-01-01T00:00:00Z');

test('90-day certificate renews with 30 days left', () => {
  assert.equal(
    lifetimeRenewalTime({ notBefore: at(start), notAfter: at(start + 90 * DAY) }).toISOString(),
    at(start + 60 * DAY),
  );
});

test('45-day certificate renews with 15 days left', () => {
  assert.equal(
    lifetimeRenewalTime({ notBefore: at(start), notAfter: at(start + 45 * DAY) }).toISOString(),
    at(start + 30 * DAY),
  );
});

test('6-day certificate renews at half its lifetime', () => {
  assert.equal(
    lifetimeRenewalTime({ notBefore: at(start), notAfter: at(start + 6 * DAY) }).toISOString(),
    at(start + 3 * DAY),
  );
});

test('decision: due, not due, expired, forced', () => {
  const certificate = { notBefore: at(start), notAfter: at(start + 90 * DAY) };
  const early = decideRenewal(certificate, { now: new Date(start + 10 * DAY) });
  assert.equal(early.due, false);
  assert.equal(early.daysLeft, 80);
  assert.equal(early.reason, 'lifetime-remaining');
  assert.equal(decideRenewal(certificate, { now: new Date(start + 87 * DAY) }).due, true);
  assert.equal(decideRenewal(certificate, { now: new Date(start + 91 * DAY) }).reason, 'expired');
  assert.equal(decideRenewal(certificate, { now: new Date(start + 10 * DAY), force: true }).due, true);
});

test('ARI window overrides the lifetime rule', () => {
  const certificate = { notBefore: at(start), notAfter: at(start + 90 * DAY) };
  const ari = {
    start: at(start + 5 * DAY),
    end: at(start + 6 * DAY),
    selectedTime: at(start + 5.5 * DAY),
    explanationUrl: 'https://ca.example/incident',
  };
  const decision = decideRenewal(certificate, { now: new Date(start + 5.6 * DAY), ari });
  assert.equal(decision.due, true);
  assert.equal(decision.reason, 'ari-window');
  assert.equal(decision.explanationUrl, 'https://ca.example/incident');
  assert.equal(decideRenewal(certificate, { now: new Date(start + 5.4 * DAY), ari }).due, false);
});

test('time in window is uniform within bounds', () => {
  const now = new Date(start);
  assert.equal(
    pickTimeInWindow(at(start + DAY), at(start + 2 * DAY), () => 0, now),
    at(start + DAY),
  );
  assert.equal(
    pickTimeInWindow(at(start + DAY), at(start + 2 * DAY), () => 0.5, now),
    at(start + 1.5 * DAY),
  );
  assert.equal(
    pickTimeInWindow(at(start - 2 * DAY), at(start - DAY), () => 0.5, now),
    now.toISOString(),
  );
});
