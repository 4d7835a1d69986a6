import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCertPilotError } from '../../src/errors.js';
import { ERROR_MESSAGES } from '../../src/i18n/errors.js';
import {
  assertPasswordStrength,
  checkPasswordStrength,
  PASSWORD_MAX_LENGTH,
  type PasswordProblem,
} from '../../src/security/password-policy.js';

test('checkPasswordStrength passes mixed passwords', () => {
  for (const password of [
    'abcdefg1',
    'Abcdefgh',
    'abcd-efg',
    '证书领航abcd',
    '12345678!',
    'a'.repeat(PASSWORD_MAX_LENGTH - 1) + '1',
  ]) {
    assert.equal(checkPasswordStrength(password, 'alice'), undefined, password);
  }
});

test('checkPasswordStrength reports each problem', () => {
  const cases: Array<[string, string | undefined, PasswordProblem]> = [
    ['', undefined, 'too-short'],
    ['Abc-123', undefined, 'too-short'],
    // Seven code points, although eight UTF-16 units.
    ['😀Abc-12', undefined, 'too-short'],
    ['a'.repeat(PASSWORD_MAX_LENGTH) + '1', undefined, 'too-long'],
    ['abcdefgh', undefined, 'one-class'],
    ['ABCDEFGH', undefined, 'one-class'],
    ['12345678', undefined, 'one-class'],
    ['!@#$%^&*', undefined, 'one-class'],
    ['        ', undefined, 'one-class'],
    ['证书领航证书领航', undefined, 'one-class'],
    ['Alice-2024', 'alice-2024', 'same-as-account'],
    ['alice-2024', ' ALICE-2024 ', 'same-as-account'],
    ['zhangsan1', 'zhangsan1', 'same-as-account'],
  ];
  for (const [password, account, problem] of cases) {
    assert.equal(checkPasswordStrength(password, account), problem, `${password} / ${account}`);
  }
});

test('checkPasswordStrength ignores other accounts', () => {
  assert.equal(checkPasswordStrength('alice-2024', 'bob'), undefined);
  assert.equal(checkPasswordStrength('alice-2024'), undefined);
});

test('assertPasswordStrength throws a translatable error', () => {
  assert.doesNotThrow(() => assertPasswordStrength('Secret-123', 'alice'));
  assert.throws(
    () => assertPasswordStrength('short1', 'alice'),
    (error: unknown) =>
      isCertPilotError(error, 'PASSWORD_TOO_WEAK') &&
      error.params.variant === 'too-short' &&
      error.params.minLength === 8 &&
      !error.message.includes('short1'),
  );
});

test('every problem has messages in both languages', () => {
  const problems: PasswordProblem[] = ['too-short', 'too-long', 'one-class', 'same-as-account'];
  for (const language of ['zh-CN', 'en'] as const) {
    for (const problem of problems) {
      assert.ok(ERROR_MESSAGES[language][`PASSWORD_TOO_WEAK_${problem}`], `${language} ${problem}`);
    }
  }
});
