import { notifyFailed, type ChannelContext } from './failure.js';

/** A provider's reply: status, body text, and the body parsed as JSON when it is JSON. */
export interface HttpReply {
  status: number;
  text: string;
  json: unknown;
}

export interface PostOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}

/** Robot replies are a few hundred bytes; more than this is not a provider reply. */
const MAX_REPLY_BYTES = 1024 * 1024;
/** How much of an unexpected reply body an error quotes. */
const QUOTED_BODY_CHARS = 300;

/**
 * POSTs a JSON body and returns the reply whatever its status. Redirects are not followed, so a
 * body never goes to a host other than the configured one.
 *
 * @throws CertPilotError `NOTIFY_FAILED` when the request cannot be sent, or no complete reply
 *   arrives within `timeoutMs`. The error names the host only: paths and queries carry tokens.
 */
export async function postJson(
  channel: ChannelContext,
  url: URL,
  body: string,
  options: PostOptions,
): Promise<HttpReply> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body,
      redirect: 'manual',
      signal,
    });
    const text = await readLimited(response);
    return { status: response.status, text, json: parseJson(text) };
  } catch (error) {
    if (signal.aborted) {
      throw notifyFailed(channel, `no reply from ${url.host} within ${options.timeoutMs} ms (timed out)`);
    }
    throw notifyFailed(channel, `request to ${url.host} failed: ${networkReason(error)}`);
  }
}

/**
 * Builds the error for a reply that is not a success. Client errors other than 408 and 429 are
 * final: the same request would be rejected again.
 */
export function replyFailed(
  channel: ChannelContext,
  url: URL,
  reply: HttpReply,
  provider: { code?: string | number; message?: string; final?: boolean; hint?: string } = {},
) {
  const status = `HTTP ${reply.status} from ${url.host}`;
  const reason =
    provider.code === undefined
      ? `${status}: ${quote(reply.text)}`
      : `${status}, ${channelLabel(channel)} error ${provider.code}: ${provider.message ?? '(no message)'}`;
  const detail = provider.hint === undefined ? reason : `${reason}. ${provider.hint}`;
  const clientError = reply.status >= 400 && reply.status < 500 && reply.status !== 408 && reply.status !== 429;

  return notifyFailed(channel, detail, {
    httpStatus: reply.status,
    providerCode: provider.code,
    providerMessage: provider.message,
    retryable: !(provider.final ?? clientError),
  });
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

function channelLabel(channel: ChannelContext): string {
  return { email: 'SMTP', dingtalk: 'DingTalk', wecom: 'WeCom', feishu: 'Feishu', webhook: 'receiver' }[channel.kind];
}

async function readLimited(response: Response): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_REPLY_BYTES) throw new Error(`reply is larger than ${MAX_REPLY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  return oneLine.length > QUOTED_BODY_CHARS ? `${oneLine.slice(0, QUOTED_BODY_CHARS)}…` : oneLine;
}

/** Returns the most specific reason Node gives, because `fetch failed` hides the socket error in `cause`. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}
