import type { FormInstance } from 'antd';
import { ApiError, type FieldProblem } from './api.js';

/** The form that shows a failed call's problems: its field names, and error codes that concern one field. */
export interface FieldTarget {
  form: FormInstance;
  fields: readonly string[];
  /** Error codes that name no field themselves but concern one, such as PASSWORD_TOO_WEAK: password. */
  codeFields?: Readonly<Record<string, string>>;
}

/**
 * Shows the problems of a failed API call under the form fields they name. Returns true when
 * every problem found a field of the form, so that no toast needs to repeat them.
 */
export function showOnFields(error: unknown, { form, fields, codeFields = {} }: FieldTarget): boolean {
  if (!(error instanceof ApiError)) return false;
  const codeField = codeFields[error.code];
  const problems: FieldProblem[] =
    codeField === undefined ? error.fields : [{ field: codeField, message: error.message }];
  const placed = problems.filter((problem) => fields.includes(problem.field));
  if (placed.length === 0) return false;

  const errors = new Map<string, string[]>();
  for (const problem of placed) errors.set(problem.field, [...(errors.get(problem.field) ?? []), problem.message]);
  form.setFields([...errors].map(([name, messages]) => ({ name, errors: messages })));
  return placed.length === problems.length;
}
