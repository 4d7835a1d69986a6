import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { queryRows } from './support/databases.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(() => relay.stop());

const about = { hostname: 'web1.example.test', version: '0.1.0' };

function report(sites: unknown[] = [site()]) {
  return { agentVersion: '0.1.0', hostname: 'web1', runAt: new Date().toISOString(), sites };
}

function site(overrides: Record<string, unknown> = {}) {
  return {
    siteId: 'shop.test',
    names: ['shop.test', 'www.shop.test'],
    outcome: 'renewed',
    serial: '0A1B2C',
    notAfter: '2031-01-01T00:00:00.000Z',
    daysLeft: 89,
    ...overrides,
  };
}

async function enrolledAgent(userToken: string, name = 'web1') {
  const created = await relay.api('POST', '/agents', { token: userToken, body: { name } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const enrolled = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken: created.json.enrollmentToken, ...about },
  });
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
  return { ...created.json, ...enrolled.json } as {
    agentId: string;
    enrollmentToken: string;
    expiresAt: string;
    agentToken: string;
    reportUrl: string;
  };
}

function query<T>(sqlText: string, ...params: unknown[]): Promise<T[]> {
  return queryRows<T>(relay.databaseUrl, sqlText, ...params);
}

test('enrollment token works once', async () => {
  const { token } = await newUser(relay);
  const created = await relay.api('POST', '/agents', { token, body: { name: 'web1' } });
  assert.equal(created.status, 201);
  assert.match(created.json.enrollmentToken, /^cpe_[A-Za-z0-9_-]{43}$/);
  const hours = (Date.parse(created.json.expiresAt) - Date.now()) / 3_600_000;
  assert.ok(hours > 23.9 && hours <= 24, `expires in ${hours} h`);

  const first = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken: created.json.enrollmentToken, ...about },
  });
  assert.equal(first.status, 200);
  assert.equal(first.json.agentId, created.json.agentId);
  assert.match(first.json.agentToken, /^cpa_/);
  assert.equal(first.json.reportUrl, `${relay.relay.url}/api/v1/agent/reports`);

  const again = await relay.api('POST', '/agent/enroll', {
    body: { enrollmentToken: created.json.enrollmentToken, ...about },
  });
  assert.equal(again.status, 401);
  assert.match(again.json.message, /already used/);
  const zh = await relay.api('POST', '/agent/enroll', {
    lang: 'zh-CN',
    body: { enrollmentToken: created.json.enrollmentToken, ...about },
  });
  assert.match(zh.json.message, /已被使用/);

  const dump =
    JSON.stringify(await query('select * from agents')) +
    JSON.stringify(await query('select * from agent_enrollments'));
  assert.equal(dump.includes(created.json.enrollmentToken), false);
  assert.equal(dump.includes(first.json.agentToken), false);
  const list = await relay.api('GET', '/agents', { token });
  assert.doesNotMatch(JSON.stringify(list.json), /cp[ae]_|token/i);
});

test('concurrent reports of one agent store each site once', async () => {
  const { token } = await newUser(relay);
  const agent = await enrolledAgent(token);
  const domains = Array.from({ length: 20 }, (_, index) => `race${index}.test`);
  const body = report(domains.map((name) => site({ siteId: name, names: [name] })));

  const posted = await Promise.all(
    Array.from({ length: 8 }, () => relay.api('POST', '/agent/reports', { token: agent.agentToken, body })),
  );

  assert.deepEqual(
    posted.map((response) => response.status),
    Array.from({ length: 8 }, () => 202),
  );
  const links = await query<{ site_id: string }>('select site_id from agent_sites where agent_id = ?', agent.agentId);
  assert.equal(links.length, domains.length);
  const sites = (await relay.api('GET', '/sites', { token })).json.sites;
  assert.deepEqual(sites.map((s: { domain: string }) => s.domain).sort(), domains.sort());
});

test('expired or unknown enrollment token', async () => {
  const { token } = await newUser(relay);
  const created = await relay.api('POST', '/agents', { token, body: { name: 'old' } });
  await query(
    'update agent_enrollments set expires_at = ? where agent_id = ?',
    '2000-01-01T00:00:00.000Z',
    created.json.agentId,
  );
  for (const enrollmentToken of [created.json.enrollmentToken, 'cpe_' + 'x'.repeat(43), 'nonsense']) {
    const response = await relay.api('POST', '/agent/enroll', { body: { enrollmentToken, ...about } });
    assert.equal(response.status, 401, enrollmentToken);
    assert.equal(response.json.code, 'AUTH_REQUIRED');
  }
});

test('report stored, sites upserted', async () => {
  const owner = await newUser(relay, 'owner');
  const bystander = await newUser(relay, 'bystander');
  const byHand = await relay.api('POST', '/sites', {
    token: bystander.token,
    body: { origin: 'nginx', domain: 'shop.test' },
  });
  assert.equal(byHand.status, 201);
  const agent = await enrolledAgent(owner.token);

  const posted = await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: report() });
  assert.equal(posted.status, 202, JSON.stringify(posted.json));
  const second = await relay.api('POST', '/agent/reports', {
    token: agent.agentToken,
    body: report([site({ outcome: 'not-due', daysLeft: 88 }), site({ siteId: 'blog.test', names: ['blog.test'] })]),
  });
  assert.equal(second.status, 202);

  const stored = await query<{ user_id: string }>(
    'select user_id from agent_reports where agent_id = ?',
    agent.agentId,
  );
  assert.equal(stored.length, 2);
  assert.equal(stored[0]!.user_id, owner.id);

  const sites = (await relay.api('GET', '/sites', { token: owner.token })).json.sites;
  assert.deepEqual(sites.map((s: { domain: string }) => s.domain).sort(), ['blog.test', 'shop.test']);
  const shop = sites.find((s: { domain: string }) => s.domain === 'shop.test');
  assert.equal(shop.origin, 'nginx');
  assert.equal(shop.config.outcome, 'not-due');
  assert.equal(shop.config.daysLeft, 88);

  const untouched = (await relay.api('GET', '/sites', { token: bystander.token })).json.sites;
  // The list adds each site's certificate and job status to what `POST /sites` returned.
  assert.deepEqual(untouched, [{ ...byHand.json.site, daysLeft: null, notAfter: null, lastJob: null }]);

  const listed = (await relay.api('GET', '/agents', { token: owner.token })).json.agents;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].status, 'active');
  assert.equal(listed[0].hostname, about.hostname);
  assert.ok(listed[0].lastSeenAt);
  assert.ok(listed[0].lastReportAt);
  assert.deepEqual(
    listed[0].sites.map((s: { siteId: string; outcome: string }) => `${s.siteId}:${s.outcome}`),
    ['shop.test:not-due', 'blog.test:renewed'],
  );
});

test('revoked agent 401, other user 404', async () => {
  const owner = await newUser(relay, 'owner');
  const other = await newUser(relay, 'other');
  const agent = await enrolledAgent(owner.token);

  assert.equal((await relay.api('DELETE', `/agents/${agent.agentId}`, { token: other.token })).status, 404);
  assert.deepEqual((await relay.api('GET', '/agents', { token: other.token })).json.agents, []);
  assert.equal((await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: report() })).status, 202);

  assert.equal((await relay.api('DELETE', `/agents/${agent.agentId}`, { token: owner.token })).status, 204);
  const refused = await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: report() });
  assert.equal(refused.status, 401);
  assert.match(refused.json.message, /revoked/);
  assert.equal((await relay.api('DELETE', `/agents/${agent.agentId}`, { token: owner.token })).status, 404);
  assert.deepEqual((await relay.api('GET', '/agents', { token: owner.token })).json.agents, []);
});

test('reports need agent token', async () => {
  const owner = await newUser(relay);
  for (const token of [undefined, owner.token, 'cpa_' + 'y'.repeat(43)]) {
    const response = await relay.api('POST', '/agent/reports', { ...(token ? { token } : {}), body: report() });
    assert.equal(response.status, 401);
  }
  assert.equal((await relay.api('GET', '/agents')).status, 401);
  assert.equal((await relay.api('POST', '/agents', { body: { name: 'x' } })).status, 401);
});

test('bad bodies name the field', async () => {
  const owner = await newUser(relay);
  const agent = await enrolledAgent(owner.token);
  const cases: Array<[string, unknown, RegExp]> = [
    ['/agent/reports', { ...report(), runAt: 'yesterday' }, /runAt/],
    ['/agent/reports', { ...report(), agentVersion: undefined }, /agentVersion/],
    ['/agent/reports', report([site({ outcome: 'exploded' })]), /sites\.0\.outcome/],
    ['/agent/reports', report([site({ names: [] })]), /sites\.0\.names/],
    ['/agent/reports', report([site({ names: ['bad name.test'] })]), /sites\.0\.names\.0/],
    ['/agent/reports', report([site({ error: { code: 'X' } })]), /sites\.0\.error\.message/],
    ['/agent/reports', report([site({ userId: 'someone' })]), /userId/],
    ['/agent/reports', { ...report(), sites: 'all' }, /sites/],
  ];
  for (const [path, body, field] of cases) {
    const response = await relay.api('POST', path, { token: agent.agentToken, body });
    assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.status}`);
    assert.match(response.json.message, field);
  }
  const notJson = await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: '{' });
  assert.equal(notJson.status, 400);
  const enroll = await relay.api('POST', '/agent/enroll', { body: { enrollmentToken: 'cpe_x' } });
  assert.match(enroll.json.message, /hostname/);
  const name = await relay.api('POST', '/agents', { token: owner.token, body: { name: ' ' } });
  assert.match(name.json.message, /name/);
  assert.equal((await relay.api('DELETE', '/agents/not-a-uuid', { token: owner.token })).status, 400);
});

test('reports size and rate limited', async () => {
  const owner = await newUser(relay);
  const agent = await enrolledAgent(owner.token);
  const huge = report(Array.from({ length: 501 }, (_, index) => site({ siteId: `s${index}.test` })));
  const tooMany = await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: huge });
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.json.message, /sites/);
  const padding = { ...report(), hostname: 'x'.repeat(600 * 1024) };
  assert.equal((await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: padding })).status, 413);

  let last = 0;
  for (let index = 0; index < 121 && last !== 429; index += 1) {
    last = (await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: report([]) })).status;
  }
  assert.equal(last, 429);
  const limited = await relay.api('POST', '/agent/reports', { token: agent.agentToken, body: report([]) });
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  assert.match(limited.json.message, /Too many reports/);
  const kept = await query<{ count: number }>(
    'select count(*) as count from agent_reports where agent_id = ?',
    agent.agentId,
  );
  assert.equal(kept[0]!.count, 100);
});
