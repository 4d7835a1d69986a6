import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';
import {
  fallbackSm3,
  hmacSm3,
  nativeSm3,
  sm3,
  sm3Implementation,
  SM3_BLOCK_LENGTH,
  type Sm3Implementation,
} from '../../src/security/sm3.js';

// GB/T 32905-2016, appendix A: examples 1 and 2.
const VECTORS = [
  { input: 'abc', digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
  { input: 'abcd'.repeat(16), digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732' },
];

const noNative = nativeSm3 === undefined ? 'node:crypto has no sm3 here' : false;

/** RFC 2104 built from the bare digest, independent of either implementation's HMAC code. */
function referenceHmac(implementation: Sm3Implementation, key: Buffer, data: Buffer): Buffer {
  const blockKey = Buffer.alloc(SM3_BLOCK_LENGTH);
  (key.length > SM3_BLOCK_LENGTH ? implementation.digest(key) : key).copy(blockKey);
  const inner = Buffer.from(blockKey.map((byte) => byte ^ 0x36));
  const outer = Buffer.from(blockKey.map((byte) => byte ^ 0x5c));
  const innerHash = implementation.digest(Buffer.concat([inner, data]));
  return implementation.digest(Buffer.concat([outer, innerHash]));
}

for (const implementation of [nativeSm3, fallbackSm3]) {
  const name = implementation?.name ?? 'node:crypto';
  test(`${name} sm3 matches GB/T 32905 vectors`, { skip: implementation === undefined && noNative }, () => {
    for (const vector of VECTORS) {
      const digest = implementation!.digest(Buffer.from(vector.input, 'ascii'));
      assert.equal(digest.toString('hex'), vector.digest, vector.input);
    }
  });

  test(`${name} hmac follows RFC 2104`, { skip: implementation === undefined && noNative }, () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const data = randomBytes(randomInt(0, 300));
      assert.deepEqual(implementation!.hmac(key, data), referenceHmac(implementation!, key, data), `key ${keyLength}`);
    }
  });
}

test('sm3 uses node:crypto when available', () => {
  assert.equal(sm3Implementation.name, nativeSm3 === undefined ? 'sm-crypto' : 'node:crypto');
});

test('sm3 hashes strings as UTF-8', () => {
  assert.equal(sm3('abc').toString('hex'), VECTORS[0]!.digest);
  assert.deepEqual(sm3('证书领航'), sm3(Buffer.from('证书领航', 'utf8')));
  assert.deepEqual(fallbackSm3.digest(Buffer.from('😀𠀀', 'utf8')), sm3('😀𠀀'));
  assert.equal(sm3('').length, 32);
});

test('hmacSm3 accepts strings and buffers', () => {
  assert.deepEqual(hmacSm3('密钥', 'data'), hmacSm3(Buffer.from('密钥'), Buffer.from('data')));
  assert.notDeepEqual(hmacSm3('key-a', 'data'), hmacSm3('key-b', 'data'));
});

test('native and fallback agree on random input', { skip: noNative }, () => {
  for (let round = 0; round < 200; round++) {
    const key = randomBytes(randomInt(0, 150));
    const data = randomBytes(randomInt(0, 1000));
    const label = `key ${key.toString('hex')} data ${data.toString('hex')}`;
    assert.deepEqual(fallbackSm3.digest(data), nativeSm3!.digest(data), label);
    assert.deepEqual(fallbackSm3.hmac(key, data), nativeSm3!.hmac(key, data), label);
  }
});
