/**
 * Validating request bodies and parameters with zod, in the request's language. A failure
 * becomes `REQUEST_INVALID` whose message names each bad field, the value sent (unless it is a
 * secret) and what the field expects.
 */
import { z } from 'zod';
import { CertPilotError, describeIssue, describeIssues } from '@certpilot/core';
import type { Locale } from '../locale.js';
import { RELAY_FIELD_TEXTS } from './field-texts.js';

/** One bad field of a request: its dotted path (`config.bucket`) and the problem, in the request's language. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * `REQUEST_INVALID` from `parseInput`, which also lists the bad fields one by one, so that the
 * console can show each problem under its form field.
 */
export class InvalidFieldsError extends CertPilotError {
  constructor(
    message: string,
    problems: string,
    readonly fields: FieldProblem[],
  ) {
    super('REQUEST_INVALID', message, { params: { problems } });
  }
}

/**
 * Parses `input` with `schema`, reporting problems in `locale`. The messages come from
 * `describeIssues` rather than a zod error map, because a schema's own `error` text outranks
 * every error map and is English only.
 *
 * @throws InvalidFieldsError `REQUEST_INVALID` with `params.problems` naming each bad field.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, locale: Locale): z.infer<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const problems = describeIssues(issues, locale, RELAY_FIELD_TEXTS);
  const fields = issues.map((issue) => ({
    // An issue about the body itself (an unknown key, an array body) has an empty path.
    field: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
    message: describeIssue(issue, locale, RELAY_FIELD_TEXTS),
  }));
  const english = `Invalid request: ${describeIssues(issues, 'en', RELAY_FIELD_TEXTS)}`;
  throw new InvalidFieldsError(english, problems, fields);
}

/** A route parameter holding a row id. */
export const idParams = z.object({ id: z.uuid() });
