/**
 * The password policy for relay accounts. The UI shows a problem through the error messages
 * `PASSWORD_TOO_WEAK_<problem>` (see `i18n/errors.ts`), with `minLength` and `maxLength` as params.
 */
import { CertPilotError } from '../errors.js';

/** Minimum password length, in Unicode code points after NFC normalization. */
export const PASSWORD_MIN_LENGTH = 8;

/** Maximum password length, in code points, which bounds the work one login request can cause. */
export const PASSWORD_MAX_LENGTH = 256;

/** The reason a password fails the policy, also the suffix of its `PASSWORD_TOO_WEAK_*` message key. */
export type PasswordProblem = 'too-short' | 'too-long' | 'one-class' | 'same-as-account';

const CHARACTER_CLASSES = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u];

/**
 * Checks `password` against the policy: `PASSWORD_MIN_LENGTH` to `PASSWORD_MAX_LENGTH`
 * characters, characters of at least two classes (lowercase, uppercase, digits, anything else
 * such as symbols or Chinese characters), and not the account name, compared without case.
 *
 * @returns the first problem found, or undefined when the password passes.
 */
export function checkPasswordStrength(password: string, account?: string): PasswordProblem | undefined {
  const normalized = password.normalize('NFC');
  const characters = [...normalized];
  if (characters.length < PASSWORD_MIN_LENGTH) return 'too-short';
  if (characters.length > PASSWORD_MAX_LENGTH) return 'too-long';
  if (account !== undefined && sameIgnoringCase(normalized, account.normalize('NFC').trim())) {
    return 'same-as-account';
  }
  if (new Set(characters.map(characterClass)).size < 2) return 'one-class';
  return undefined;
}

/**
 * Checks `password` like `checkPasswordStrength` and throws when it fails.
 *
 * @throws CertPilotError `PASSWORD_TOO_WEAK` with the problem in `params.variant`.
 */
export function assertPasswordStrength(password: string, account?: string): void {
  const problem = checkPasswordStrength(password, account);
  if (problem === undefined) return;
  throw new CertPilotError('PASSWORD_TOO_WEAK', `Password rejected by the policy: ${problem}`, {
    params: { variant: problem, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
  });
}

function characterClass(character: string): number {
  const index = CHARACTER_CLASSES.findIndex((pattern) => pattern.test(character));
  return index === -1 ? CHARACTER_CLASSES.length : index;
}

function sameIgnoringCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
