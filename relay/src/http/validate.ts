/**
 * Validating request bodies and parameters with zod, in the request's language. A failure
 * becomes `REQUEST_INVALID` whose message names each bad field.
 */
import { z } from 'zod';
import { CertPilotError } from '@certpilot/core';
import type { Locale } from '../locale.js';

const LOCALE_ERRORS = {
  'zh-CN': z.locales.zhCN().localeError,
  en: z.locales.en().localeError,
};

/**
 * Parses `input` with `schema`, reporting problems in `locale`. `hint` may replace an issue's
 * message: a schema's own messages are fixed English text, which zod's locales do not translate.
 *
 * @throws CertPilotError `REQUEST_INVALID` with `params.problems` naming each bad field.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  locale: Locale,
  hint?: (issue: z.core.$ZodIssue) => string | undefined,
): z.infer<S> {
  const parsed = schema.safeParse(input, { error: LOCALE_ERRORS[locale] });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${hint?.(issue) ?? issue.message}`)
    .join('; ');
  throw new CertPilotError('REQUEST_INVALID', `Invalid request: ${problems}`, { params: { problems } });
}

/** A route parameter holding a row id. */
export const idParams = z.object({ id: z.uuid() });
