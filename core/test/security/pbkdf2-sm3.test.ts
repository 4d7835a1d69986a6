import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pbkdf2Sm3 } from '../../src/security/pbkdf2-sm3.js';
import { fallbackSm3, nativeSm3, sm3Implementation } from '../../src/security/sm3.js';

const noNative = nativeSm3 === undefined ? 'node:crypto has no sm3 here' : false;
const implementations = [nativeSm3, fallbackSm3].filter((implementation) => implementation !== undefined);

/** RFC 8018 section 5.2, step 3, written out plainly: F(P, S, c, i) = U_1 ^ ... ^ U_c. */
function rfc8018F(password: Buffer, salt: Buffer, iterations: number, index: number): Buffer {
  const indexBytes = Buffer.from([index >>> 24, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff]);
  const us = [sm3Implementation.hmac(password, Buffer.concat([salt, indexBytes]))];
  while (us.length < iterations) us.push(sm3Implementation.hmac(password, us.at(-1)!));
  return us.reduce((sum, u) => Buffer.from(sum.map((byte, position) => byte ^ u[position]!)));
}

const PASSWORD = Buffer.from('password');
const SALT = Buffer.from('salt');

// Known answers: the hand-rolled F above, node:crypto's pbkdf2 with digest sm3 (OpenSSL 3.0) and the loop in
// pbkdf2-sm3.ts all give these bytes.
const KNOWN_ANSWERS = [
  { iterations: 1, derived: '4612f922a1fdcefaf4312fc6f8f3322b489cbf24f2ea361b44c2bd8fa2c6dcb0' },
  { iterations: 2, derived: 'fee723a2bc966e11dffb66133f4e8df577383c78ade30e3298edbd3e54ed85b7' },
  { iterations: 4096, derived: 'b6e8f2074c87432b78f62e5ced980fdff89e86af2f693dab1638e2b3683045dd' },
];

test('rfc8018 F gives the known answers', () => {
  for (const { iterations, derived } of KNOWN_ANSWERS.slice(0, 2)) {
    assert.equal(rfc8018F(PASSWORD, SALT, iterations, 1).toString('hex'), derived, `c=${iterations}`);
  }
});

for (const implementation of implementations) {
  test(`pbkdf2Sm3 ${implementation.name} gives the known answers`, async () => {
    for (const { iterations, derived } of KNOWN_ANSWERS) {
      const key = await pbkdf2Sm3(PASSWORD, SALT, iterations, 32, implementation);
      assert.equal(key.toString('hex'), derived, `c=${iterations}`);
    }
  });

  test(`pbkdf2Sm3 ${implementation.name} derives several blocks`, async () => {
    const key = await pbkdf2Sm3(
      'passwordPASSWORDpassword',
      Buffer.from('saltSALTsaltSALTsaltSALTsaltSALTsalt'),
      4096,
      40,
      implementation,
    );
    assert.equal(
      key.toString('hex'),
      '3b6282ac8519f059e465abff0ea37b0dbfe6c672a76e6b805312d53900db630732ccc1a88fa5512a',
    );

    const salt = randomBytes(16);
    const twoBlocks = Buffer.concat([rfc8018F(PASSWORD, salt, 3, 1), rfc8018F(PASSWORD, salt, 3, 2)]);
    assert.deepEqual(await pbkdf2Sm3(PASSWORD, salt, 3, 64, implementation), twoBlocks);
    assert.deepEqual(await pbkdf2Sm3(PASSWORD, salt, 3, 7, implementation), twoBlocks.subarray(0, 7));
  });
}

test('pbkdf2Sm3 native and fallback agree', { skip: noNative }, async () => {
  const cases = [
    { password: Buffer.from('correct horse battery staple'), salt: randomBytes(16), iterations: 1000 },
    { password: Buffer.from('证书领航-密码'), salt: randomBytes(16), iterations: 777 },
    { password: Buffer.alloc(0), salt: Buffer.alloc(0), iterations: 5 },
    // Longer than one SM3 block: the fallback hashes it once up front, as HMAC would on every call.
    { password: randomBytes(200), salt: randomBytes(16), iterations: 300 },
    { password: randomBytes(64), salt: randomBytes(16), iterations: 300 },
  ];
  for (const { password, salt, iterations } of cases) {
    const native = await pbkdf2Sm3(password, salt, iterations, 32, nativeSm3);
    const fallback = await pbkdf2Sm3(password, salt, iterations, 32, fallbackSm3);
    assert.deepEqual(fallback, native, `password ${password.toString('hex')} c=${iterations}`);
  }
});

test('pbkdf2Sm3 takes strings as UTF-8', async () => {
  const fromString = await pbkdf2Sm3('密码', SALT, 10, 32);
  assert.deepEqual(fromString, await pbkdf2Sm3(Buffer.from('密码', 'utf8'), SALT, 10, 32));
});

test('pbkdf2Sm3 rejects bad counts and lengths', async () => {
  for (const iterations of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
    await assert.rejects(pbkdf2Sm3(PASSWORD, SALT, iterations, 32), RangeError, `iterations ${iterations}`);
  }
  for (const keyLength of [0, -32, 31.5]) {
    await assert.rejects(pbkdf2Sm3(PASSWORD, SALT, 1, keyLength), RangeError, `keyLength ${keyLength}`);
  }
});

test('pbkdf2Sm3 fallback yields to the event loop', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await pbkdf2Sm3(PASSWORD, SALT, 5000, 32, fallbackSm3);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, 'a 1 ms timer should fire while 5000 iterations run');
});
