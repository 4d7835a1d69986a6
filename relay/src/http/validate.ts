/**
 * Validating request bodies and parameters with zod, in the request's language. A failure
 * becomes `REQUEST_INVALID` whose message names each bad field, the value sent (unless it is a
 * secret) and what the field expects.
 */
import { z } from 'zod';
import { CertPilotError, describeIssues } from '@certpilot/core';
import type { Locale } from '../locale.js';
import { RELAY_FIELD_TEXTS } from './field-texts.js';

/**
 * Parses `input` with `schema`, reporting problems in `locale`. The messages come from
 * `describeIssues` rather than a zod error map, because a schema's own `error` text outranks
 * every error map and is English only.
 *
 * @throws CertPilotError `REQUEST_INVALID` with `params.problems` naming each bad field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, locale: Locale): z.infer<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const problems = describeIssues(issues, locale, RELAY_FIELD_TEXTS);
  throw new CertPilotError('REQUEST_INVALID', `Invalid request: ${describeIssues(issues, 'en', RELAY_FIELD_TEXTS)}`, {
    params: { problems },
  });
}

/** A route parameter holding a row id. */
export const idParams = z.object({ id: z.uuid() });
