import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isCertPilotError, type CertPilotError } from '../../src/errors.js';
import { parseChannelConfig, type ChannelKind } from '../../src/notify/config.js';

const DINGTALK_SECRET = 'SECdingtalk-config-secret-do-not-print';
const DINGTALK_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function invalid(kind: ChannelKind, raw: unknown): CertPilotError {
  try {
    parseChannelConfig(kind, raw);
  } catch (error) {
    assert.ok(isCertPilotError(error, 'NOTIFY_CONFIG_INVALID'), `expected NOTIFY_CONFIG_INVALID, got ${String(error)}`);
    assert.equal(error.retryable, false);
    return error;
  }
  assert.fail('expected the config to be rejected');
}

describe('parseChannelConfig, valid', () => {
  test('dingtalk defaults to the real host', () => {
    const config = parseChannelConfig('dingtalk', {
      name: 'ops',
      accessToken: DINGTALK_TOKEN,
      secret: DINGTALK_SECRET,
    });

    assert.equal(config.kind, 'dingtalk');
    assert.equal(config.baseUrl, 'https://oapi.dingtalk.com');
  });

  test('base URL trailing slash dropped', () => {
    const config = parseChannelConfig('wecom', { name: 'ops', key: 'k-1', baseUrl: 'http://127.0.0.1:8080/' });

    assert.equal(config.baseUrl, 'http://127.0.0.1:8080');
  });

  test('kind in raw must match', () => {
    const config = parseChannelConfig('feishu', { kind: 'feishu', name: 'ops', token: 'abc-123' });

    assert.equal(config.kind, 'feishu');
    assert.equal(config.baseUrl, 'https://open.feishu.cn');
    assert.equal(config.secret, undefined);
  });

  test('email defaults', () => {
    const plain = parseChannelConfig('email', {
      name: 'm',
      host: 'smtp.example.com',
      from: 'a@example.com',
      to: ['b@example.com'],
    });
    const secure = parseChannelConfig('email', {
      name: 'm',
      host: 'smtp.example.com',
      secure: true,
      from: 'CertPilot <a@example.com>',
      to: ['b@example.com'],
    });

    assert.equal(plain.port, 587);
    assert.equal(plain.secure, false);
    assert.equal(plain.requireTls, true);
    assert.equal(secure.port, 465);
    assert.equal(secure.from, 'CertPilot <a@example.com>');
  });
});

describe('parseChannelConfig, invalid', () => {
  test('missing secret named', () => {
    const error = invalid('dingtalk', { name: 'ops', accessToken: DINGTALK_TOKEN });

    assert.equal(error.params.field, 'secret');
    assert.equal(error.params.kind, 'dingtalk');
    assert.equal(error.params.channel, 'ops');
    assert.match(error.message, /dingtalk "ops" has invalid settings: secret: is required/);
  });

  test('whole URL as token', () => {
    const error = invalid('dingtalk', {
      name: 'ops',
      accessToken: `https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}`,
      secret: DINGTALK_SECRET,
    });

    assert.equal(error.params.field, 'accessToken');
    assert.match(error.message, /not the whole URL/);
    assert.doesNotMatch(JSON.stringify(error.toJSON()), new RegExp(DINGTALK_TOKEN));
    assert.doesNotMatch(JSON.stringify(error.toJSON()), new RegExp(DINGTALK_SECRET));
  });

  test('bad base URL', () => {
    const error = invalid('wecom', { name: 'ops', key: 'k', baseUrl: 'qyapi.weixin.qq.com' });

    assert.equal(error.params.field, 'baseUrl');
    assert.match(error.message, /baseUrl: must be an http:\/\/ or https:\/\/ URL/);
  });

  test('webhook URL not a URL', () => {
    assert.equal(invalid('webhook', { name: 'w', url: 'not a url' }).params.field, 'url');
    assert.equal(invalid('webhook', { name: 'w', url: 'ftp://example.com/hook' }).params.field, 'url');
  });

  test('webhook URL with password', () => {
    const error = invalid('webhook', { name: 'w', url: 'https://user:hunter2-pass@example.com/hook' });

    assert.equal(error.params.field, 'url');
    assert.doesNotMatch(error.message, /hunter2-pass/);
  });

  test('bad email addresses', () => {
    const base = { name: 'm', host: 'smtp.example.com', from: 'a@example.com', to: ['b@example.com'] };

    assert.equal(invalid('email', { ...base, to: ['b@example.com', 'not-an-address'] }).params.field, 'to.1');
    assert.equal(invalid('email', { ...base, to: [] }).params.field, 'to');
    assert.equal(invalid('email', { ...base, from: 'CertPilot' }).params.field, 'from');
    assert.match(invalid('email', { ...base, from: 'CertPilot' }).message, /from: must be an email address/);
  });

  test('email password without user', () => {
    const error = invalid('email', {
      name: 'm',
      host: 'smtp.example.com',
      password: 'smtp-password-do-not-print',
      from: 'a@example.com',
      to: ['b@example.com'],
    });

    assert.equal(error.params.field, 'user');
    assert.doesNotMatch(error.message, /smtp-password-do-not-print/);
  });

  test('email host with scheme, bad port', () => {
    const base = { name: 'm', from: 'a@example.com', to: ['b@example.com'] };

    assert.equal(invalid('email', { ...base, host: 'smtp://smtp.example.com' }).params.field, 'host');
    assert.equal(invalid('email', { ...base, host: 'smtp.example.com', port: 0 }).params.field, 'port');
    assert.equal(invalid('email', { ...base, host: 'smtp.example.com', port: '25' }).params.field, 'port');
  });

  test('missing name', () => {
    const error = invalid('feishu', { token: 'abc' });

    assert.equal(error.params.field, 'name');
    assert.equal(error.params.channel, '?');
  });

  test('unknown field', () => {
    const error = invalid('feishu', { name: 'f', token: 'abc', sign: 'x' });

    assert.equal(error.params.field, '(top level)');
    assert.match(error.message, /unknown key "sign": remove it or check the spelling/);
  });

  test('every problem listed', () => {
    const error = invalid('dingtalk', { name: '', accessToken: 'x y' });

    assert.match(String(error.params.problems), /name: /);
    assert.match(String(error.params.problems), /accessToken: /);
    assert.match(String(error.params.problems), /secret: is required/);
  });

  test('kind mismatch and unknown kind', () => {
    assert.equal(invalid('wecom', { kind: 'dingtalk', name: 'w', key: 'k' }).params.field, 'kind');
    assert.equal(invalid('slack' as ChannelKind, { name: 's' }).params.field, 'kind');
  });

  test('not an object', () => {
    for (const raw of [null, undefined, 'https://example.com', ['a'], 42]) {
      assert.equal(invalid('webhook', raw).params.field, '(top level)');
    }
  });
});
