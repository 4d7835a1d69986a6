import type { ChannelOptions, NotificationChannel } from '../channel.js';
import type { WecomChannelConfig } from '../config.js';
import { truncateMarkdown, type NotificationMessage } from '../message.js';
import { channelRuntime, numberField, postToRobot, stringField } from './setup.js';

/** WeCom's group robot documentation limits `markdown.content` to 4096 bytes of UTF-8. */
const MAX_MARKDOWN_BYTES = 4096;

/**
 * Codes after which a retry cannot help.
 * NOTE: 93000 is read as "invalid webhook URL" (wrong or deleted key) from how it is reported in
 * use; WeCom's global error-code table was not available to confirm it.
 */
const FINAL_CODES: ReadonlyMap<number, string> = new Map([
  [93000, "Check the channel's key against the robot's webhook URL; the robot may have been removed"],
]);

/**
 * Creates the channel of a WeCom (企业微信) group robot (`POST /cgi-bin/webhook/send?key=…`) sending a `markdown`
 * message, which carries no separate title. The reply's `errcode` is 0 on success.
 */
export function createWecomChannel(config: WecomChannelConfig, options: ChannelOptions = {}): NotificationChannel {
  const runtime = channelRuntime(config, [config.key], options);

  return {
    kind: 'wecom',
    name: config.name,
    async send(message: NotificationMessage) {
      const url = new URL(`${config.baseUrl}/cgi-bin/webhook/send`);
      url.searchParams.set('key', config.key);

      const content = truncateMarkdown(message.markdown, MAX_MARKDOWN_BYTES, message.locale);
      await postToRobot(runtime, url, { msgtype: 'markdown', markdown: { content } }, readResult, FINAL_CODES);
      runtime.log.info({ events: message.events.length }, 'notification sent');
    },
  };
}

function readResult(json: unknown) {
  return { code: numberField(json, 'errcode'), message: stringField(json, 'errmsg') };
}
