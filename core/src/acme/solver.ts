/**
 * What makes an ACME challenge answerable. http-01 solvers (webroot) and dns-01 solvers (Aliyun
 * DNS and others) plug into issuance through this interface.
 */
export type ChallengeType = 'http-01' | 'dns-01';

export interface ChallengeInput {
  /** The name being validated, without a `*.` prefix. */
  identifier: string;
  /** True when the order asks for `*.identifier`. */
  wildcard: boolean;
  token: string;
  /**
   * What to publish: the key authorization for http-01, its base64url SHA-256 digest for dns-01
   * (acme-client's `getChallengeKeyAuthorization` returns the right one for each type).
   */
  keyAuthorization: string;
}

export interface ChallengeSolver {
  readonly type: ChallengeType;
  /** Publishes the answer. */
  present(input: ChallengeInput): Promise<void>;
  /** Waits until the answer is visible the way the CA will look for it; optional. */
  waitUntilVisible?(input: ChallengeInput): Promise<void>;
  /** Removes exactly what `present` published; called after success and after failure. */
  cleanUp(input: ChallengeInput): Promise<void>;
}
