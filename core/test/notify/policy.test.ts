import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { NotificationEvent } from '../../src/notify/events.js';
import {
  planNotifications,
  type AgentSnapshot,
  type NotifiedState,
  type SiteSnapshot,
} from '../../src/notify/policy.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const START = Date.UTC(2025, 0, 1);
const EMPTY: NotifiedState = { sites: {}, agents: {} };

/** Returns a certificate issued `issuedDay` days after START, valid for `lifetimeDays` (90 by default). */
function certificate(serial: string, issuedDay: number, lifetimeDays = 90) {
  return {
    serial,
    names: ['shop.example.com'],
    notBefore: new Date(START + issuedDay * DAY_MS).toISOString(),
    notAfter: new Date(START + (issuedDay + lifetimeDays) * DAY_MS).toISOString(),
  };
}

function site(overrides: Partial<SiteSnapshot> = {}): SiteSnapshot {
  return { site: 'shop.example.com', certificate: certificate('01', 0), renewal: { status: 'ok' }, ...overrides };
}

const FAILING: SiteSnapshot['renewal'] = {
  status: 'failing',
  error: { code: 'ACME_CA_UNREACHABLE', text: 'Cannot reach the ACME CA.' },
  nextRetryAt: '2025-03-01T00:10:00Z',
};

/** Feeds each step's state into the next, as a host storing `next` would, and returns the events per step. */
function run(steps: Array<{ day: number; sites?: SiteSnapshot[]; agents?: AgentSnapshot[] }>): NotificationEvent[][] {
  let previous = EMPTY;
  return steps.map((step) => {
    const plan = planNotifications({
      previous,
      sites: step.sites ?? [],
      agents: step.agents ?? [],
      now: new Date(START + step.day * DAY_MS),
    });
    previous = plan.next;
    return plan.events;
  });
}

function kinds(events: NotificationEvent[]): string[] {
  return events.map((event) => (event.kind === 'expiring' ? `expiring:${event.daysLeft}` : event.kind));
}

describe('planNotifications, renewals', () => {
  test('first sight is a baseline', () => {
    const [first] = run([{ day: 1, sites: [site()] }]);

    assert.deepEqual(first, []);
  });

  test('renewed once per new serial', () => {
    const steps = run([
      { day: 1, sites: [site()] },
      { day: 61, sites: [site({ certificate: certificate('02', 60) })] },
      { day: 62, sites: [site({ certificate: certificate('02', 60) })] },
    ]);

    assert.deepEqual(steps[1], [
      {
        kind: 'renewed',
        site: 'shop.example.com',
        names: ['shop.example.com'],
        serial: '02',
        notAfter: certificate('02', 60).notAfter,
      },
    ]);
    assert.deepEqual(steps[2], []);
  });

  test('first certificate of a known site', () => {
    const steps = run([
      { day: 0, sites: [site({ certificate: undefined })] },
      { day: 1, sites: [site({ certificate: certificate('01', 1) })] },
    ]);

    assert.deepEqual(kinds(steps[0]!), []);
    assert.deepEqual(kinds(steps[1]!), ['renewed']);
  });

  test('nothing changed, no flood', () => {
    const steps = run(Array.from({ length: 30 }, (_, day) => ({ day: day + 1, sites: [site()] })));

    assert.deepEqual(steps.flat(), []);
  });
});

describe('planNotifications, failure streaks', () => {
  test('once per streak, again after recovery', () => {
    const steps = run([
      { day: 60, sites: [site({ renewal: FAILING })] },
      { day: 60.1, sites: [site({ renewal: FAILING })] },
      { day: 61, sites: [site({ renewal: FAILING })] },
      { day: 62, sites: [site({ renewal: { status: 'ok' } })] },
      { day: 63, sites: [site({ renewal: FAILING })] },
    ]);

    assert.deepEqual(steps.map(kinds), [['renewal-failing'], [], [], [], ['renewal-failing']]);
    assert.deepEqual(steps[0]![0], {
      kind: 'renewal-failing',
      site: 'shop.example.com',
      error: { code: 'ACME_CA_UNREACHABLE', text: 'Cannot reach the ACME CA.' },
      nextRetryAt: '2025-03-01T00:10:00Z',
    });
  });

  test('renewal absent counts as ok', () => {
    const steps = run([
      { day: 60, sites: [site({ renewal: FAILING })] },
      { day: 61, sites: [site({ renewal: undefined })] },
      { day: 62, sites: [site({ renewal: FAILING })] },
    ]);

    assert.deepEqual(steps.map(kinds), [['renewal-failing'], [], ['renewal-failing']]);
  });

  test('terminal failure has no retry time', () => {
    const terminal: SiteSnapshot['renewal'] = { status: 'failing', error: { code: 'ACME_UNAUTHORIZED', text: 'no' } };
    const [first] = run([{ day: 60, sites: [site({ renewal: terminal })] }]);

    assert.equal('nextRetryAt' in first![0]!, false);
  });
});

describe('planNotifications, expiry thresholds', () => {
  test('each threshold once, 14/7/3/1 and expired', () => {
    const days = [75, 76, 76.5, 77, 80, 83, 84, 87, 88, 89, 89.5, 90, 90.5, 95];
    const steps = run(days.map((day) => ({ day, sites: [site()] })));

    assert.deepEqual(steps.map(kinds), [
      [],
      ['expiring:14'],
      [],
      [],
      [],
      ['expiring:7'],
      [],
      ['expiring:3'],
      [],
      ['expiring:1'],
      [],
      ['expiring:0'],
      [],
      [],
    ]);
  });

  test('first sight jumps to the lowest crossed threshold', () => {
    const steps = run([
      { day: 85, sites: [site()] },
      { day: 86, sites: [site()] },
      { day: 87, sites: [site()] },
    ]);

    assert.deepEqual(steps.map(kinds), [['expiring:5'], [], ['expiring:3']]);
  });

  test('new certificate starts afresh', () => {
    const steps = run([
      { day: 84, sites: [site()] },
      { day: 85, sites: [site({ certificate: certificate('02', 85) })] },
      { day: 165, sites: [site({ certificate: certificate('02', 85) })] },
    ]);

    assert.deepEqual(steps.map(kinds), [['expiring:6'], ['renewed'], ['expiring:10']]);
  });

  test('short-lived certificate warns only past its renewal point', () => {
    const shortLived = (serial: string, issuedDay: number) => site({ certificate: certificate(serial, issuedDay, 6) });
    const steps = run([
      { day: 0, sites: [shortLived('01', 0)] },
      { day: 3, sites: [shortLived('02', 3)] },
      { day: 6, sites: [shortLived('03', 6)] },
      { day: 9, sites: [shortLived('03', 6)] },
      { day: 11.5, sites: [shortLived('03', 6)] },
    ]);

    assert.deepEqual(steps.map(kinds), [[], ['renewed'], ['renewed'], [], ['expiring:1']]);
  });

  test('expired on first sight', () => {
    const [first] = run([{ day: 100, sites: [site()] }]);

    assert.deepEqual(kinds(first!), ['expiring:-10']);
  });
});

describe('planNotifications, served certificate', () => {
  test('mismatch once per served serial', () => {
    const steps = run([
      { day: 1, sites: [site({ servedSerial: '01' })] },
      { day: 2, sites: [site({ servedSerial: '7f' })] },
      { day: 3, sites: [site({ servedSerial: '7F' })] },
      { day: 4, sites: [site({ servedSerial: '80' })] },
      { day: 5, sites: [site({ servedSerial: '0001' })] },
      { day: 6, sites: [site({ servedSerial: '7f' })] },
    ]);

    assert.deepEqual(steps.map(kinds), [[], ['served-mismatch'], [], ['served-mismatch'], [], ['served-mismatch']]);
    assert.deepEqual(steps[1]![0], {
      kind: 'served-mismatch',
      site: 'shop.example.com',
      expectedSerial: '01',
      servedSerial: '7f',
    });
  });
});

describe('planNotifications, agents', () => {
  const agent = (lastSeenHoursAfterStart: number): AgentSnapshot => ({
    agent: 'web-1',
    lastSeenAt: new Date(START + lastSeenHoursAfterStart * HOUR_MS).toISOString(),
    intervalMs: 12 * HOUR_MS,
  });

  test('silent once until it reports again', () => {
    const steps = run([
      { day: 0.5, agents: [agent(0)] },
      { day: 1.01, agents: [agent(0)] },
      { day: 1.5, agents: [agent(0)] },
      { day: 3, agents: [agent(0)] },
      { day: 3.1, agents: [agent(74)] },
      { day: 5, agents: [agent(74)] },
    ]);

    assert.deepEqual(steps.map(kinds), [[], ['agent-silent'], [], [], [], ['agent-silent']]);
    assert.deepEqual(steps[1]![0], { kind: 'agent-silent', agent: 'web-1', lastSeenAt: agent(0).lastSeenAt });
  });

  test('exactly two intervals is not silent', () => {
    const [first] = run([{ day: 1, agents: [agent(0)] }]);

    assert.deepEqual(first, []);
  });

  test('silent again without being seen quiet', () => {
    const steps = run([
      { day: 2, agents: [agent(0)] },
      { day: 4, agents: [agent(30)] },
    ]);

    assert.deepEqual(steps.map(kinds), [['agent-silent'], ['agent-silent']]);
  });
});

describe('planNotifications, many changes', () => {
  test('events from every site in one run', () => {
    const sites = [
      site({ site: 'a.example.com', renewal: FAILING }),
      site({ site: 'b.example.com', certificate: certificate('09', -80) }),
      site({ site: 'c.example.com' }),
    ];
    const plan = planNotifications({ previous: EMPTY, sites, agents: [], now: new Date(START + DAY_MS) });

    assert.deepEqual(kinds(plan.events), ['renewal-failing', 'expiring:9']);
    assert.deepEqual(Object.keys(plan.next.sites), ['a.example.com', 'b.example.com', 'c.example.com']);
  });

  test('removed sites dropped from state', () => {
    const first = planNotifications({ previous: EMPTY, sites: [site()], agents: [], now: new Date(START) });
    const second = planNotifications({ previous: first.next, sites: [], agents: [], now: new Date(START) });

    assert.deepEqual(second.next, EMPTY);
  });

  test('undelivered events come again', () => {
    const input = { previous: EMPTY, sites: [site({ renewal: FAILING })], agents: [], now: new Date(START) };

    assert.deepEqual(kinds(planNotifications(input).events), ['renewal-failing']);
    assert.deepEqual(kinds(planNotifications(input).events), ['renewal-failing']);
  });
});
