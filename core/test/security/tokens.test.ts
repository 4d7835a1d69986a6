import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  constantTimeEqualHex,
  createToken,
  hashToken,
  tokenPrefix,
  type TokenPrefix,
} from '../../src/security/tokens.js';

const PREFIXES: TokenPrefix[] = ['cps', 'cpa', 'cpe'];

test('createToken makes prefixed random tokens', () => {
  for (const prefix of PREFIXES) {
    const { token, hash } = createToken(prefix);
    assert.match(token, new RegExp(`^${prefix}_[A-Za-z0-9_-]{43}$`));
    assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(tokenPrefix(token), prefix);
  }
});

test('createToken never repeats', () => {
  const tokens = new Set(Array.from({ length: 1000 }, () => createToken('cps').token));
  assert.equal(tokens.size, 1000);
});

test('hashToken is lowercase hex SHA-256', () => {
  assert.equal(hashToken('cps_abc'), createHash('sha256').update('cps_abc', 'utf8').digest('hex'));
  assert.match(hashToken(''), /^[0-9a-f]{64}$/);
  assert.notEqual(hashToken('cps_abc'), hashToken('cpa_abc'));
});

test('tokenPrefix rejects other shapes', () => {
  const { token } = createToken('cpa');
  const body = token.slice(4);
  for (const bad of [
    '',
    'cpa_',
    `cpx_${body}`,
    `CPA_${body}`,
    `cpa-${body}`,
    `cpa_${body}A`,
    `cpa_${body.slice(1)}`,
    `cpa_${body.slice(1)}=`,
    ` ${token}`,
    `${token}\n`,
  ]) {
    assert.equal(tokenPrefix(bad), undefined, JSON.stringify(bad));
  }
});

test('constantTimeEqualHex compares hex values', () => {
  const hash = hashToken('cps_x');
  assert.equal(constantTimeEqualHex(hash, hash), true);
  assert.equal(constantTimeEqualHex(hash, hash.toUpperCase()), true);
  assert.equal(constantTimeEqualHex(hash, hashToken('cps_y')), false);
  assert.equal(constantTimeEqualHex(hash, `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`), false);
});

test('constantTimeEqualHex rejects malformed input', () => {
  const hash = hashToken('cps_x');
  for (const [a, b] of [
    [hash, hash.slice(0, -2)],
    ['', ''],
    ['abc', 'abc'],
    ['zz', 'zz'],
    [`${hash.slice(0, -2)}zz`, `${hash.slice(0, -2)}zz`],
    [hash, `${hash.slice(0, -2)}zz`],
  ] as const) {
    assert.equal(constantTimeEqualHex(a, b), false, `${a} / ${b}`);
  }
});
