import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { queryRows } from './support/databases.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(() => relay.stop());

async function credential(token: string, provider: 'qiniu' | 'aliyun'): Promise<string> {
  const keys = { accessKeyId: 'LTAI5tExampleKeyabcd', accessKeySecret: 'duplicate-test-secret' };
  const response = await relay.api('POST', '/credentials', { token, body: { provider, name: provider, ...keys } });
  assert.equal(response.status, 201, JSON.stringify(response.json));
  return response.json.credential.id;
}

/** Creates qiniu and aliyun (dns-01) credentials and returns a qiniu-cdn site body using them. */
async function qiniuBody(token: string, domain: string) {
  const aliyun = await credential(token, 'aliyun');
  const qiniu = await credential(token, 'qiniu');
  return { origin: 'qiniu-cdn', domain, credentialId: qiniu, config: { 'challenge.credentialId': aliyun } };
}

async function liveSites(userId: string, domain: string): Promise<Array<{ id: string }>> {
  return queryRows<{ id: string }>(
    relay.databaseUrl,
    'select id from user_sites where user_id = ? and domain = ? and delete_time is null',
    userId,
    domain,
  );
}

test('duplicate site returns 409 naming first', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'twice.example.test');
  const first = await relay.api('POST', '/sites', { token, body });
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const siteId = first.json.site.id as string;

  for (const domain of ['twice.example.test', 'TWICE.Example.Test.', ' twice.example.test']) {
    const again = await relay.api('POST', '/sites', { token, body: { ...body, domain }, lang: 'zh-CN' });
    assert.equal(again.status, 409, `${domain}: ${JSON.stringify(again.json)}`);
    assert.equal(again.json.code, 'SITE_EXISTS');
    assert.match(again.json.message, new RegExp(`已有站点 ${siteId}`));
    assert.match(again.json.message, /twice\.example\.test/);
  }
  const english = await relay.api('POST', '/sites', { token, body, lang: 'en' });
  assert.equal(english.status, 409);
  assert.equal(
    english.json.message,
    `Site ${siteId} already has origin qiniu-cdn and domain twice.example.test: change that site instead of adding it again.`,
  );
  assert.deepEqual(await liveSites(userId, 'twice.example.test'), [{ id: siteId }]);

  // Another origin, or another user, may have the same domain.
  const oss = await relay.api('POST', '/sites', {
    token,
    body: { ...body, origin: 'qiniu-kodo' },
  });
  assert.equal(oss.status, 201, JSON.stringify(oss.json));
  const other = await newUser(relay, 'dup');
  const theirs = await relay.api('POST', '/sites', {
    token: other.token,
    body: await qiniuBody(other.token, body.domain),
  });
  assert.equal(theirs.status, 201, JSON.stringify(theirs.json));
});

test('nginx sites added by hand are unique too', async () => {
  const { token } = await newUser(relay, 'dup');
  const body = { origin: 'nginx', domain: 'www.nginx-dup.example.test' };
  const first = await relay.api('POST', '/sites', { token, body });
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const again = await relay.api('POST', '/sites', { token, body });
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'SITE_EXISTS');
  assert.match(again.json.message, new RegExp(first.json.site.id as string));
});

test('deleted site can be added again', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'readd.example.test');
  const first = await relay.api('POST', '/sites', { token, body });
  assert.equal(first.status, 201);
  assert.equal((await relay.api('DELETE', `/sites/${first.json.site.id}`, { token })).status, 204);

  const again = await relay.api('POST', '/sites', { token, body });
  assert.equal(again.status, 201, JSON.stringify(again.json));
  assert.deepEqual(await liveSites(userId, 'readd.example.test'), [{ id: again.json.site.id }]);
});

test('PATCH to taken domain returns 409', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'taken.example.test');
  const taken = await relay.api('POST', '/sites', { token, body });
  const moving = await relay.api('POST', '/sites', { token, body: { ...body, domain: 'moving.example.test' } });
  assert.equal(taken.status, 201);
  assert.equal(moving.status, 201);

  const clash = await relay.api('PATCH', `/sites/${moving.json.site.id}`, {
    token,
    body: { domain: 'Taken.example.test' },
  });
  assert.equal(clash.status, 409, JSON.stringify(clash.json));
  assert.equal(clash.json.code, 'SITE_EXISTS');
  assert.match(clash.json.message, new RegExp(taken.json.site.id as string));
  assert.deepEqual(await liveSites(userId, 'moving.example.test'), [{ id: moving.json.site.id }]);

  // Keeping its own domain, or pausing, is no clash.
  const same = await relay.api('PATCH', `/sites/${taken.json.site.id}`, {
    token,
    body: { domain: 'taken.example.test', status: 'paused' },
  });
  assert.equal(same.status, 200, JSON.stringify(same.json));
  assert.equal(same.json.site.status, 'paused');
});

test('parallel adds: one 201, the rest 409', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'race.example.test');
  const responses = await Promise.all(Array.from({ length: 6 }, () => relay.api('POST', '/sites', { token, body })));
  const statuses = responses.map((response) => response.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], JSON.stringify(responses.map((r) => r.json)));
  for (const response of responses.filter((r) => r.status === 409)) assert.equal(response.json.code, 'SITE_EXISTS');
  assert.equal((await liveSites(userId, 'race.example.test')).length, 1);
});

test('database rejects a second live cloud row', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'index.example.test');
  assert.equal((await relay.api('POST', '/sites', { token, body })).status, 201);
  const insert = (origin: string, deleteTime: string | null) =>
    queryRows(
      relay.databaseUrl,
      `insert into user_sites (id, user_id, origin, domain, credential_id, config, status, create_time, update_time, delete_time)
       values (?, ?, ?, 'index.example.test', null, '{}', 'active', ?, ?, ?) returning id`,
      randomUUID(),
      userId,
      origin,
      new Date().toISOString(),
      new Date().toISOString(),
      deleteTime,
    );

  await assert.rejects(insert('qiniu-cdn', null), /unique|duplicate/i);
  // A deleted copy and agent-style nginx rows are allowed.
  await insert('qiniu-cdn', new Date().toISOString());
  await insert('nginx', null);
  await insert('nginx', null);
});

test('migration retires copies made before it', async () => {
  const { token, id: userId } = await newUser(relay, 'dup');
  const body = await qiniuBody(token, 'old-copies.example.test');
  const kept = await relay.api('POST', '/sites', { token, body });
  assert.equal(kept.status, 201);

  // An older relay allowed copies: drop the index and the migration's record, then add two.
  await queryRows(relay.databaseUrl, 'drop index user_sites_live_domain');
  await queryRows(relay.databaseUrl, "delete from kysely_migration where name = '0006_unique_sites'");
  const later = new Date(Date.now() + 1_000).toISOString();
  for (const id of [randomUUID(), randomUUID()]) {
    await queryRows(
      relay.databaseUrl,
      `insert into user_sites (id, user_id, origin, domain, credential_id, config, status, create_time, update_time, delete_time)
       values (?, ?, 'qiniu-cdn', 'old-copies.example.test', null, '{}', 'active', ?, ?, null)`,
      id,
      userId,
      later,
      later,
    );
  }
  assert.equal((await liveSites(userId, 'old-copies.example.test')).length, 3);

  await relay.restart();
  assert.deepEqual(await liveSites(userId, 'old-copies.example.test'), [{ id: kept.json.site.id }]);
  const retired = await queryRows<{ n: number }>(
    relay.databaseUrl,
    'select count(*) as n from user_sites where domain = ? and delete_time is not null',
    'old-copies.example.test',
  );
  assert.equal(Number(retired[0]!.n), 2);
  assert.equal((await relay.api('POST', '/sites', { token, body })).status, 409);
});
