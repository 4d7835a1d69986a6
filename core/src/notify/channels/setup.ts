import { silentLogger, type Logger } from '../../log.js';
import { DEFAULT_NOTIFY_TIMEOUT_MS, type ChannelOptions } from '../channel.js';
import type { ChannelKind } from '../config.js';
import type { ChannelContext } from '../failure.js';
import { isSuccessStatus, postJson, replyFailed } from '../http.js';

/** The settings every channel needs at send time, resolved once from its config and options. */
export interface ChannelRuntime {
  context: ChannelContext;
  log: Logger;
  timeoutMs: number;
  now: () => number;
}

export function channelRuntime(
  config: { kind: ChannelKind; name: string },
  secrets: Array<string | undefined>,
  options: ChannelOptions,
): ChannelRuntime {
  const logger = options.logger ?? silentLogger();
  return {
    context: {
      kind: config.kind,
      name: config.name,
      secrets: secrets.filter((secret): secret is string => secret !== undefined),
    },
    log: logger.child({ subsystem: 'notify', channelKind: config.kind, channel: config.name }),
    timeoutMs: options.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS,
    now: options.now ?? Date.now,
  };
}

/** A robot's verdict on a reply: its result code (0 is success) and message, when the body has them. */
export interface RobotResult {
  code: number | undefined;
  message: string | undefined;
}

/**
 * POSTs `payload` to a chat robot and checks both the HTTP status and the robot's result code.
 * Codes in `finalCodes` mean the channel's settings are wrong, so retrying cannot help; each maps
 * to what the user should check, which the error appends.
 *
 * @throws CertPilotError `NOTIFY_FAILED` for a network error, timeout, HTTP error or non-zero code.
 */
export async function postToRobot(
  runtime: ChannelRuntime,
  url: URL,
  payload: unknown,
  readResult: (json: unknown) => RobotResult,
  finalCodes: ReadonlyMap<number, string>,
): Promise<void> {
  const reply = await postJson(runtime.context, url, JSON.stringify(payload), { timeoutMs: runtime.timeoutMs });
  const result = readResult(reply.json);

  if (isSuccessStatus(reply.status) && result.code === 0) return;
  if (result.code === undefined) throw replyFailed(runtime.context, url, reply);
  throw replyFailed(runtime.context, url, reply, {
    code: result.code,
    message: result.message,
    final: finalCodes.has(result.code) || undefined,
    hint: finalCodes.get(result.code),
  });
}

/** Reads a number field of a JSON object, or undefined. */
export function numberField(json: unknown, key: string): number | undefined {
  const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** Reads a string field of a JSON object, or undefined. */
export function stringField(json: unknown, key: string): string | undefined {
  const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}
