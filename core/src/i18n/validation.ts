/**
 * Turns zod issues into messages for people, in Simplified Chinese and English. Each message
 * names the field, the value sent (unless the field contains a secret) and what is expected.
 *
 * Messages are built from the issue's structure after the parse, never from `issue.message`,
 * because a schema's own `error` text outranks every zod error map and is English only.
 */
import type { z } from 'zod';

export type ValidationLocale = 'zh-CN' | 'en';

/** A text in both languages. */
export type BilingualText = Record<ValidationLocale, string>;

/**
 * Descriptions of what each field expects, as noun phrases ("an OSS region such as
 * oss-cn-hangzhou"). Keys are a field path (`config.ossRegion`), a last path segment
 * (`ossRegion`), `parent.*` for a record's keys, or the `error` key a schema's regex sets. A refine's `error` key maps to advice instead
 * ("set user too when password is set"). zod's own text would show a regex pattern, in English.
 */
export type FieldTexts = Readonly<Record<string, BilingualText>>;

type Issue = z.core.$ZodIssue;

/** Field names whose values are secrets: never echoed, not even their length. */
const SECRET_FIELD = /password|secret|token|passphrase|(^|[a-z_])key$/i;
const MAX_SHOWN_CHARS = 60;

const TYPE_NAMES: Record<string, BilingualText> = {
  string: { 'zh-CN': '文本', en: 'text' },
  number: { 'zh-CN': '数字', en: 'a number' },
  int: { 'zh-CN': '整数', en: 'a whole number' },
  boolean: { 'zh-CN': 'true 或 false', en: 'true or false' },
  object: { 'zh-CN': 'JSON 对象', en: 'a JSON object' },
  array: { 'zh-CN': '列表', en: 'a list' },
  record: { 'zh-CN': 'JSON 对象', en: 'a JSON object' },
  null: { 'zh-CN': 'null', en: 'null' },
};

/** The expectation of each string format, as a noun phrase. */
const FORMAT_NAMES: Record<string, BilingualText> = {
  email: { 'zh-CN': '邮箱地址，例如 name@example.com', en: 'an email address such as name@example.com' },
  url: { 'zh-CN': 'http:// 或 https:// 开头的网址', en: 'an http:// or https:// URL' },
  uuid: {
    'zh-CN': 'UUID 格式的 id（例如 3f1c2b9e-0d5a-4c1e-9b7a-2f6e8d4c1a05），请从列表接口返回的 id 复制',
    en: 'an id in UUID form (such as 3f1c2b9e-0d5a-4c1e-9b7a-2f6e8d4c1a05), copied from a list response',
  },
  datetime: {
    'zh-CN': 'ISO 8601 时间，例如 2026-01-31T08:00:00Z',
    en: 'an ISO 8601 time such as 2026-01-31T08:00:00Z',
  },
};

/**
 * Describes each issue and joins them, in `locale`. `root` names the value itself when an issue
 * has an empty path.
 */
export function describeIssues(
  issues: readonly Issue[],
  locale: ValidationLocale,
  texts: FieldTexts = {},
  root = '(body)',
): string {
  return issues.map((issue) => describeIssue(issue, locale, texts, root)).join(locale === 'zh-CN' ? '；' : '; ');
}

/**
 * Describes one issue: the field, the value where safe, and what is expected. English reads
 * `field: problem`, and Chinese is written as a sentence.
 */
export function describeIssue(issue: Issue, locale: ValidationLocale, texts: FieldTexts = {}, root = '(body)'): string {
  const path = issue.path.length === 0 ? root : issue.path.map(String).join('.');
  const words = { path, value: shownValue(issue.input, path), texts, root };
  if (locale === 'en') return englishText(issue, words);
  // Latin words and numbers get a space on each side in Chinese text, but never next to full-width punctuation.
  return chineseText(issue, words)
    .replace(/([\u4e00-\u9fff])([A-Za-z0-9])/g, '$1 $2')
    .replace(/([A-Za-z0-9])([\u4e00-\u9fff])/g, '$1 $2')
    .replace(/ +([：，；（）、])/g, '$1')
    .replace(/([：，；（）、]) +/g, '$1')
    .trim();
}

interface Words {
  path: string;
  /** The value quoted for a message, or undefined when it is a secret or not a scalar. */
  value: string | undefined;
  texts: FieldTexts;
  root: string;
}

function englishText(issue: Issue, { path, value, texts, root }: Words): string {
  const not = value === undefined ? '' : `, not ${value}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectation(path, 'en', texts) ?? typeName(issue.expected, 'en');
      if (issue.input === undefined)
        return issue.expected === 'string' && !described(path, texts)
          ? `${path}: is required`
          : `${path}: is required, expected ${expected}`;
      return `${path}: must be ${expected}, not ${receivedType(issue.input, 'en')}${value === undefined ? '' : ` ${value}`}`;
    }
    case 'too_small':
    case 'too_big':
      return `${path}: ${rangeRule(issue, path, 'en')}`;
    case 'invalid_format': {
      const expected = formatExpectation(issue, path, 'en', texts);
      return expected === undefined ? `${path}: has the wrong form${not}` : `${path}: must be ${expected}${not}`;
    }
    case 'invalid_value': {
      const allowed = `${issue.values.length === 1 ? '' : 'one of '}${issue.values.map(String).join(', ')}`;
      // zod reports a missing enum field as invalid_value without an input.
      if (issue.input === undefined)
        return `${path}: is required, expected ${expectation(path, 'en', texts) ?? allowed}`;
      return `${path}: must be ${allowed}${not}`;
    }
    case 'unrecognized_keys': {
      const many = issue.keys.length > 1;
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const prefix = issue.path.length === 0 ? '' : `${path}: `;
      return `${prefix}unknown key${many ? 's' : ''} ${keys}: remove ${many ? 'them' : 'it'} or check the spelling`;
    }
    case 'invalid_union':
      return unionText(issue, 'en', { path, value, texts, root });
    case 'invalid_key': {
      const parent = issue.path.slice(0, -1).map(String).join('.') || root;
      const expected = expectation(`${parent}.*`, 'en', texts);
      return `${parent}: key ${value ?? ''} is invalid${expected === undefined ? '' : ` (use ${expected})`}`;
    }
    case 'custom': {
      // A refine's `error` is a key of `texts` naming a rule, written as advice after the field.
      const rule = texts[issue.message]?.en;
      if (rule !== undefined) return `${path}: ${rule}`;
      const expected = expectation(path, 'en', texts);
      // A refine without a key has English text only. It is kept, as the specific reason.
      return expected === undefined
        ? `${path}: ${issue.message}`
        : `${path}: must be ${expected}${not} (${issue.message})`;
    }
    default:
      return `${path}: is invalid${not}`;
  }
}

function chineseText(issue: Issue, { path, value, texts, root }: Words): string {
  const quoted = value === undefined ? '' : ` ${value} `;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectation(path, 'zh-CN', texts) ?? typeName(issue.expected, 'zh-CN');
      if (issue.input === undefined)
        return issue.expected === 'string' && !described(path, texts)
          ? `缺少 ${path}：请填写该字段`
          : `缺少 ${path}：请填写${expected}`;
      return `${path} 必须是${expected}，收到的是${receivedType(issue.input, 'zh-CN')}${quoted}`;
    }
    case 'too_small':
    case 'too_big':
      return `${path} ${rangeRule(issue, path, 'zh-CN')}`;
    case 'invalid_format': {
      const expected = formatExpectation(issue, path, 'zh-CN', texts);
      return expected === undefined ? `${path} 的值${quoted}格式不对` : `${path} 的值${quoted}无效：需要${expected}`;
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String).join('、');
      if (issue.input === undefined) return `缺少 ${path}：请填写${expectation(path, 'zh-CN', texts) ?? allowed}`;
      if (issue.values.length === 1) return `${path} 必须是 ${allowed}，收到的是${quoted || '其他值'}`;
      return `${path} 不支持${quoted || '该值'}：可选值为 ${allowed}`;
    }
    case 'unrecognized_keys': {
      const prefix = issue.path.length === 0 ? '' : `${path} 中`;
      return `${prefix}不认识的字段 ${issue.keys.join('、')}：请删除，或检查拼写`;
    }
    case 'invalid_union':
      return unionText(issue, 'zh-CN', { path, value, texts, root });
    case 'invalid_key': {
      const parent = issue.path.slice(0, -1).map(String).join('.') || root;
      const expected = expectation(`${parent}.*`, 'zh-CN', texts);
      return `${parent} 中的键${quoted}无效${expected === undefined ? '' : `：需要${expected}`}`;
    }
    case 'custom': {
      const rule = texts[issue.message]?.['zh-CN'];
      if (rule !== undefined) return `${path}：${rule}`;
      const expected = expectation(path, 'zh-CN', texts);
      return expected === undefined
        ? `${path} 的值${quoted}无效，请检查后重试`
        : `${path} 的值${quoted}无效：需要${expected}`;
    }
    default:
      return `${path} 的值${quoted}无效，请检查后重试`;
  }
}

/**
 * Names what the options of a union expect, because zod reports a union's failure as one list
 * of issues per option.
 */
function unionText(issue: z.core.$ZodIssueInvalidUnion, locale: ValidationLocale, words: Words): string {
  const firsts = issue.errors.map((option) => option[0]).filter((first) => first !== undefined);
  const onlyTypes =
    firsts.length > 0 && firsts.every((first) => first.code === 'invalid_type' && first.path.length === 0);
  if (onlyTypes) {
    const names = firsts.map((first) => typeName((first as z.core.$ZodIssueInvalidType).expected, locale));
    const received = receivedType(issue.input, locale);
    const shown = words.value === undefined ? '' : ` ${words.value}`;
    return locale === 'zh-CN'
      ? `${words.path} 必须是${names.join('或')}，收到的是${received}${shown}`
      : `${words.path}: must be ${names.join(' or ')}, not ${received}${shown}`;
  }
  const first = firsts[0];
  if (first === undefined) return locale === 'zh-CN' ? `${words.path} 的值无效` : `${words.path}: is invalid`;
  return describeIssue({ ...first, path: [...issue.path, ...first.path] }, locale, words.texts, words.root);
}

/** Describes the length or size rule a too_small/too_big issue broke, with what was sent where safe. */
function rangeRule(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  path: string,
  locale: ValidationLocale,
): string {
  const zh = locale === 'zh-CN';
  const small = issue.code === 'too_small';
  const limit = String(small ? issue.minimum : issue.maximum);
  const input = issue.input;

  if (typeof input === 'string' || Array.isArray(input)) {
    const one = limit === '1';
    const unit =
      typeof input === 'string'
        ? zh
          ? '个字符'
          : one
            ? 'character'
            : 'characters'
        : zh
          ? '项'
          : one
            ? 'item'
            : 'items';
    const count = isSecretField(path) ? undefined : input.length;
    if (small && input.length === 0)
      return zh ? `不能为空：至少需要 ${limit} ${unit}` : `must not be empty (at least ${limit} ${unit})`;
    let got = '';
    if (count !== undefined) got = zh ? `（现在是 ${count} ${unit}）` : ` (got ${count})`;
    if (issue.exact) return zh ? `需要正好 ${limit} ${unit}${got}` : `must have exactly ${limit} ${unit}${got}`;
    if (small) return zh ? `太短：至少需要 ${limit} ${unit}${got}` : `must have at least ${limit} ${unit}${got}`;
    return zh ? `太长：最多 ${limit} ${unit}${got}` : `must have at most ${limit} ${unit}${got}`;
  }

  const inclusive = issue.inclusive === true;
  let bound: keyof typeof EN_BOUNDS = inclusive ? 'max' : 'below';
  if (small) bound = inclusive ? 'min' : 'above';
  const value = typeof input === 'number' || typeof input === 'bigint' ? String(input) : undefined;
  if (zh) return value === undefined ? `${ZH_BOUNDS[bound]} ${limit}` : `为 ${value}，${ZH_BOUNDS[bound]} ${limit}`;
  return `must be ${EN_BOUNDS[bound]} ${limit}${value === undefined ? '' : `, not ${value}`}`;
}

const ZH_BOUNDS = { min: '不能小于', above: '必须大于', max: '不能大于', below: '必须小于' };
const EN_BOUNDS = { min: 'at least', above: 'greater than', max: 'at most', below: 'less than' };

function formatExpectation(
  issue: z.core.$ZodIssueInvalidStringFormat,
  path: string,
  locale: ValidationLocale,
  texts: FieldTexts,
): string | undefined {
  return texts[issue.message]?.[locale] ?? expectation(path, locale, texts) ?? FORMAT_NAMES[issue.format]?.[locale];
}

/**
 * Looks up the field's own description of what it expects: by full path, then by shorter and shorter
 * suffixes of the path without list indexes (`sites.0.error.code` tries `sites.error.code`,
 * `error.code`, then `code`).
 */
function expectation(path: string, locale: ValidationLocale, texts: FieldTexts): string | undefined {
  const exact = texts[path]?.[locale];
  if (exact !== undefined) return exact;
  const segments = path.split('.').filter((segment) => !/^\d+$/.test(segment));
  for (let start = 0; start < segments.length; start++) {
    const text = texts[segments.slice(start).join('.')]?.[locale];
    if (text !== undefined) return text;
  }
  return undefined;
}

function described(path: string, texts: FieldTexts): boolean {
  return expectation(path, 'en', texts) !== undefined;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function isSecretField(path: string): boolean {
  return SECRET_FIELD.test(lastSegment(path));
}

function typeName(expected: string, locale: ValidationLocale): string {
  if (expected === 'nonoptional') return locale === 'zh-CN' ? '一个值' : 'a value';
  return TYPE_NAMES[expected]?.[locale] ?? expected;
}

function receivedType(input: unknown, locale: ValidationLocale): string {
  const zh = locale === 'zh-CN';
  if (input === null) return 'null';
  if (Array.isArray(input)) return zh ? '列表' : 'a list';
  if (typeof input === 'boolean') return zh ? '布尔值' : 'the value';
  if (typeof input === 'string') return zh ? '文本' : 'the text';
  if (typeof input === 'number') return zh ? '数字' : 'the number';
  return zh ? '对象' : 'an object';
}

/**
 * Quotes the value as a message may show it: strings quoted and cut to 60 characters, numbers and
 * booleans as they are. Undefined for secrets, objects, lists and null, whose type the message
 * names instead.
 */
function shownValue(input: unknown, path: string): string | undefined {
  if (isSecretField(path)) return undefined;
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  if (typeof input !== 'string') return undefined;
  return JSON.stringify(input.length > MAX_SHOWN_CHARS ? `${input.slice(0, MAX_SHOWN_CHARS)}…` : input);
}
