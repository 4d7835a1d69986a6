import { CertPilotError, type SerializedError } from '@certpilot/core';

/** Rebuilds a stored error so it can be translated like a fresh one. */
export function reviveError(error: SerializedError): CertPilotError {
  return new CertPilotError(error.code, error.message, { params: error.params, retryable: error.retryable });
}
