import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSealer, loadSealingKey } from '@certpilot/core';
import { queryRows, storedText } from './support/databases.js';
import { newUser, startTestRelay, type TestRelay } from './support/relay.js';

let relay: TestRelay;
before(async () => {
  relay = await startTestRelay();
});
after(() => relay.stop());

const SECRET = 'aliyun-secret-value-9f8e7d6c5b4a';
const aliyunKey = { provider: 'aliyun', name: 'main', accessKeyId: 'LTAI5tExampleKeyabcd', accessKeySecret: SECRET };
/** Builds the minimum a cloud site needs: an aliyun credential for the dns-01 challenge. */
const challenge = (credentialId: string) => ({ 'challenge.credentialId': credentialId });

test('a credential secret is sealed at rest and never returned', async () => {
  const { token } = await newUser(relay);
  const created = await relay.api('POST', '/credentials', { token, body: aliyunKey });
  assert.equal(created.status, 201);
  assert.equal(created.json.credential.accessKeyId, 'LTAI****abcd');
  const list = await relay.api('GET', '/credentials', { token });
  assert.equal(list.json.credentials.length, 1);
  assert.doesNotMatch(JSON.stringify(list.json) + JSON.stringify(created.json), /aliyun-secret|LTAI5tExample/);

  await relay.restart(); // checkpoints a SQLite WAL into the main file
  assert.equal((await storedText(relay.databaseUrl)).includes(SECRET), false, 'the database holds the plain secret');
  const [row] = await queryRows<{ id: string; access_key_secret_sealed: string }>(
    relay.databaseUrl,
    'select id, access_key_secret_sealed from credentials',
  );
  assert.ok(row, 'no credential row');
  const sealer = createSealer(
    (await loadSealingKey({ file: join(relay.dataDir, 'sealing.key'), environment: {} })).key,
  );
  assert.match(row.access_key_secret_sealed, new RegExp(`^v1:${sealer.keyId}:`));
  assert.equal(sealer.open(row.access_key_secret_sealed, row.id), SECRET);
});

test('sites: create, list, read, update, delete', async () => {
  const { token } = await newUser(relay);
  const credential = (await relay.api('POST', '/credentials', { token, body: aliyunKey })).json.credential;
  const created = await relay.api('POST', '/sites', {
    token,
    body: {
      origin: 'aliyun-oss',
      domain: 'Static.Example.COM',
      credentialId: credential.id,
      config: { bucket: 'assets', ossRegion: 'oss-cn-hangzhou', ...challenge(credential.id) },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const site = created.json.site;
  assert.equal(site.domain, 'static.example.com');

  const list = await relay.api('GET', '/sites', { token });
  assert.deepEqual(
    list.json.sites.map((s: { id: string }) => s.id),
    [site.id],
  );
  const read = await relay.api('GET', `/sites/${site.id}`, { token });
  assert.equal(read.json.site.config.bucket, 'assets');

  const patched = await relay.api('PATCH', `/sites/${site.id}`, {
    token,
    body: {
      status: 'paused',
      config: { bucket: 'assets2', ossRegion: 'oss-cn-hangzhou', ...challenge(credential.id) },
    },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  assert.equal(patched.json.site.status, 'paused');
  assert.equal(patched.json.site.config.bucket, 'assets2');

  const inUse = await relay.api('DELETE', `/credentials/${credential.id}`, { token });
  assert.equal(inUse.status, 409);
  assert.equal(inUse.json.code, 'CREDENTIAL_IN_USE');

  assert.equal((await relay.api('DELETE', `/sites/${site.id}`, { token })).status, 204);
  assert.equal((await relay.api('GET', `/sites/${site.id}`, { token })).status, 404);
  assert.equal((await relay.api('GET', '/sites', { token })).json.sites.length, 0);
  assert.equal((await relay.api('DELETE', `/credentials/${credential.id}`, { token })).status, 204);
});

test('secret site settings masked and preserved', async () => {
  const { token } = await newUser(relay);
  const created = await relay.api('POST', '/sites', {
    token,
    body: { origin: 'nginx', domain: 'hook.example.com', config: { webhookToken: 'tok-123456' } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.equal(created.json.site.config.webhookToken, '********');
  const path = `/sites/${created.json.site.id}`;
  const patched = await relay.api('PATCH', path, { token, body: { config: { webhookToken: '********', x: 1 } } });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  const [row] = await queryRows<{ id: string; config: string }>(
    relay.databaseUrl,
    'select id, config from user_sites where id = ?',
    created.json.site.id,
  );
  assert.ok(row, 'no user_sites row');
  const sealer = createSealer(
    (await loadSealingKey({ file: join(relay.dataDir, 'sealing.key'), environment: {} })).key,
  );
  const stored = JSON.parse(row.config) as { webhookToken: string; x: number };
  assert.equal(stored.x, 1);
  assert.equal(sealer.open(stored.webhookToken, `${row.id}:webhookToken`), 'tok-123456');
});

test('site credentials must match the origin', async () => {
  const { token } = await newUser(relay);
  const qiniu = (await relay.api('POST', '/credentials', { token, body: { ...aliyunKey, provider: 'qiniu' } })).json
    .credential;
  const mismatch = await relay.api('POST', '/sites', {
    token,
    body: { origin: 'aliyun-cdn', domain: 'cdn.example.com', credentialId: qiniu.id, config: challenge(qiniu.id) },
  });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.json.code, 'CREDENTIAL_MISMATCH');
  const missing = await relay.api('POST', '/sites', {
    token,
    body: { origin: 'qiniu-cdn', domain: 'cdn.example.com' },
  });
  assert.match(missing.json.message, /credentialId/);
  const nginx = await relay.api('POST', '/sites', {
    token,
    body: { origin: 'nginx', domain: 'www.example.com', credentialId: qiniu.id },
  });
  assert.equal(nginx.status, 400);
  const ok = await relay.api('POST', '/sites', { token, body: { origin: 'nginx', domain: 'www.example.com' } });
  assert.equal(ok.status, 201);
});

test('bad input on credentials and sites names the field', async () => {
  const { token } = await newUser(relay);
  const credential = (await relay.api('POST', '/credentials', { token, body: aliyunKey })).json.credential;
  const site = (
    await relay.api('POST', '/sites', {
      token,
      body: {
        origin: 'aliyun-cdn',
        domain: 'a.example.com',
        credentialId: credential.id,
        config: challenge(credential.id),
      },
    })
  ).json.site;
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/credentials', { ...aliyunKey, provider: 'aws' }, /provider/],
    ['POST', '/credentials', { ...aliyunKey, accessKeySecret: undefined }, /accessKeySecret/],
    ['POST', '/credentials', { ...aliyunKey, accessKeyId: 'bad id!' }, /accessKeyId/],
    ['POST', '/sites', { origin: 'ftp', domain: 'a.example.com' }, /origin/],
    ['POST', '/sites', { origin: 'nginx', domain: 'bad domain.com' }, /bad domain\.com/],
    ['POST', '/sites', { origin: 'nginx', domain: 'localhost' }, /at least two labels/],
    ['POST', '/sites', { origin: 'nginx', domain: 'a.example.com', config: { '1bad': 'x' } }, /config/],
    ['POST', '/sites', { origin: 'nginx', domain: 'a.example.com', credentialId: 'nope' }, /credentialId/],
    ['PATCH', `/sites/${site.id}`, { origin: 'nginx' }, /origin/],
    ['PATCH', `/sites/${site.id}`, { status: 'gone' }, /status/],
    ['PATCH', `/sites/${site.id}`, { domain: '-x-.example.com' }, /-x-/],
    ['GET', '/sites/not-a-uuid', undefined, /id/],
    ['PATCH', '/sites/not-a-uuid', {}, /id/],
    ['DELETE', '/sites/not-a-uuid', undefined, /id/],
    ['DELETE', '/credentials/not-a-uuid', undefined, /id/],
  ];
  for (const [method, path, body, field] of cases) {
    const response = await relay.api(method, path, { token, body });
    assert.ok(response.status >= 400 && response.status < 500, `${method} ${path} ${response.status}`);
    assert.match(response.json.message, field, `${method} ${path}: ${response.json.message}`);
  }
  const zh = await relay.api('POST', '/sites', {
    token,
    lang: 'zh-CN',
    body: { origin: 'nginx', domain: 'localhost' },
  });
  assert.match(zh.json.message, /至少需要两级/);
});

test('another user sees 404 on every endpoint', async () => {
  const owner = await newUser(relay, 'owner');
  const other = await newUser(relay, 'other');
  const credential = (await relay.api('POST', '/credentials', { token: owner.token, body: aliyunKey })).json.credential;
  const site = (
    await relay.api('POST', '/sites', {
      token: owner.token,
      body: {
        origin: 'aliyun-cdn',
        domain: 'mine.example.com',
        credentialId: credential.id,
        config: challenge(credential.id),
      },
    })
  ).json.site;
  const attempts: Array<[string, string, unknown]> = [
    ['GET', `/sites/${site.id}`, undefined],
    ['PATCH', `/sites/${site.id}`, { status: 'paused' }],
    ['DELETE', `/sites/${site.id}`, undefined],
    ['DELETE', `/credentials/${credential.id}`, undefined],
    [
      'POST',
      '/sites',
      {
        origin: 'aliyun-cdn',
        domain: 'steal.example.com',
        credentialId: credential.id,
        config: challenge(credential.id),
      },
    ],
  ];
  for (const [method, path, body] of attempts) {
    const response = await relay.api(method, path, { token: other.token, body });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.json.code, 'RESOURCE_NOT_FOUND');
  }
  const ownCredential = (await relay.api('POST', '/credentials', { token: other.token, body: aliyunKey })).json
    .credential;
  const ownSite = (
    await relay.api('POST', '/sites', {
      token: other.token,
      body: {
        origin: 'aliyun-cdn',
        domain: 'o.example.com',
        credentialId: ownCredential.id,
        config: challenge(ownCredential.id),
      },
    })
  ).json.site;
  const borrow = await relay.api('PATCH', `/sites/${ownSite.id}`, {
    token: other.token,
    body: { credentialId: credential.id },
  });
  assert.equal(borrow.status, 404);
  assert.equal((await relay.api('GET', '/sites', { token: other.token })).json.sites.length, 1);
  assert.deepEqual(
    (await relay.api('GET', '/credentials', { token: other.token })).json.credentials.map((c: { id: string }) => c.id),
    [ownCredential.id],
  );
  const still = await relay.api('GET', `/sites/${site.id}`, { token: owner.token });
  assert.equal(still.json.site.status, 'active');

  for (const [method, path] of [
    ['GET', '/sites'],
    ['POST', '/sites'],
    ['GET', '/credentials'],
    ['POST', '/credentials'],
    ['GET', '/me'],
    ['POST', '/auth/logout'],
  ] as const) {
    const anonymous = await relay.api(method, path, { body: method === 'POST' ? {} : undefined });
    assert.equal(anonymous.status, 401, `${method} ${path} without a session`);
  }
});

test('data survives a restart on the same data directory', async () => {
  const user = await newUser(relay);
  await relay.api('POST', '/sites', { token: user.token, body: { origin: 'nginx', domain: 'keep.example.com' } });
  await relay.restart();
  const sites = await relay.api('GET', '/sites', { token: user.token });
  assert.equal(sites.status, 200, 'the session is still valid');
  assert.equal(sites.json.sites[0].domain, 'keep.example.com');
});
