import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCertPilotError, nameMatches, normalizeDomainName, normalizeDomainNames } from '../src/index.js';

test('normalize lowercases and strips the root dot', () => {
  assert.equal(normalizeDomainName('WWW.Example.COM.'), 'www.example.com');
});

test('normalize converts IDN to punycode', () => {
  assert.equal(normalizeDomainName('例子.测试'), 'xn--fsqu00a.xn--0zwm56d');
  assert.equal(normalizeDomainName('*.中文.example'), '*.xn--fiq228c.example');
});

test('normalize rejects unsafe and malformed names', () => {
  for (const bad of [
    '',
    'localhost',
    'a..b.com',
    '-a.example.com',
    'a b.com',
    'x.com;rm',
    'x.com/y',
    '192.168.1.1',
    "a'b.com",
    '$(id).com',
    `${'a'.repeat(64)}.com`,
  ]) {
    assert.throws(
      () => normalizeDomainName(bad),
      (error: unknown) => isCertPilotError(error, 'NAME_INVALID') && error.message.includes(bad),
      bad,
    );
  }
});

test('normalize list removes duplicates in order', () => {
  assert.deepEqual(normalizeDomainNames(['b.example', 'A.example', 'b.example']), ['b.example', 'a.example']);
});

test('wildcard matches one label only', () => {
  assert.equal(nameMatches('*.example.com', 'www.example.com'), true);
  assert.equal(nameMatches('*.example.com', 'a.b.example.com'), false);
  assert.equal(nameMatches('*.example.com', 'example.com'), false);
  assert.equal(nameMatches('example.com', 'example.com'), true);
});
