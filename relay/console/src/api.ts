/**
 * The relay API client. The login response sets an HttpOnly session cookie, so every call sends
 * cookies and the page stores no token. Responses that fail throw `ApiError` carrying the
 * relay's `code` and its `message`, already in the language sent as `Accept-Language`.
 */
export const API_BASE = '/api/v1';

/** One bad field of a rejected request body (`field` is a dotted path such as `config.bucket`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A failed API call: the HTTP status and the relay's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Bad fields the relay lists for a body that failed validation, or empty otherwise. */
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

let language = 'zh-CN';

/** Sets the language of the relay's error messages. The UI calls this when the user switches. */
export function setApiLanguage(tag: string): void {
  language = tag;
}

/** Calls `method` on `/api/v1<path>` with an optional JSON body and returns the parsed JSON. */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  const text = await response.text();
  const json = text === '' ? undefined : parseJson(text);
  if (!response.ok) {
    const error = (json ?? {}) as { code?: string; message?: string; fields?: FieldProblem[] };
    const message = error.message ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, error.code ?? 'HTTP', message, error.fields ?? []);
  }
  return json as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// The shapes below mirror the relay's responses (relay/src/routes/*.ts).

export interface User {
  id: string;
  account: string;
  name: string;
  mobile: string | null;
  email: string | null;
}

export type Provider = 'qiniu' | 'aliyun';

export interface Credential {
  id: string;
  provider: Provider;
  name: string;
  accessKeyId: string;
  createTime: string;
}

export const CLOUD_ORIGINS = ['qiniu-cdn', 'qiniu-kodo', 'aliyun-oss', 'aliyun-cdn'] as const;
export type CloudOrigin = (typeof CLOUD_ORIGINS)[number];

export interface JobSummary {
  id: string;
  state: string;
  /** True while the site is paused and this job unfinished: it runs again only after the site is resumed. */
  held: boolean;
  createTime: string;
  updateTime: string;
  error: { code: string; message: string } | null;
}

export interface Site {
  id: string;
  origin: string;
  domain: string;
  credentialId: string | null;
  config: Record<string, string | number | boolean>;
  status: string;
  createTime: string;
  /** Whole days until the newest certificate expires, or null before the first one. */
  daysLeft: number | null;
  notAfter: string | null;
  lastJob: JobSummary | null;
}

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Job {
  id: string;
  state: string;
  names: string[];
  attempts: number;
  nextRunAt: string | null;
  /** True while the site is paused and this job unfinished: it runs again only after the site is resumed. */
  held: boolean;
  createTime: string;
  updateTime: string;
  certificate: { serial: string; notBefore: string; notAfter: string } | null;
  error: JobError | null;
  steps: Array<{ step: string; at: string; error?: JobError }>;
}

/** One site from an agent's latest report. */
export interface AgentSite {
  siteId: string;
  names: string[];
  outcome: string;
  notAfter?: string;
  daysLeft?: number;
  error?: { code: string; message: string };
}

export interface Agent {
  id: string;
  name: string;
  status: string;
  hostname: string | null;
  version: string | null;
  createTime: string;
  lastSeenAt: string | null;
  lastReportAt: string | null;
  sites: AgentSite[];
}

export interface NewAgent {
  agentId: string;
  enrollmentToken: string;
  expiresAt: string;
}

export const CHANNEL_KINDS = ['email', 'dingtalk', 'wecom', 'feishu', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  locale: string;
  config: Record<string, unknown>;
  status: string;
  createTime: string;
}
