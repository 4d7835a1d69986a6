import type { ChannelOptions, NotificationChannel } from './channel.js';
import type { ChannelConfig } from './config.js';
import { createDingtalkChannel } from './channels/dingtalk.js';
import { createEmailChannel } from './channels/email.js';
import { createFeishuChannel } from './channels/feishu.js';
import { createWebhookChannel } from './channels/webhook.js';
import { createWecomChannel } from './channels/wecom.js';

/** Creates the channel for a config returned by `parseChannelConfig`. */
export function createNotificationChannel(config: ChannelConfig, options: ChannelOptions = {}): NotificationChannel {
  switch (config.kind) {
    case 'email':
      return createEmailChannel(config, options);
    case 'dingtalk':
      return createDingtalkChannel(config, options);
    case 'wecom':
      return createWecomChannel(config, options);
    case 'feishu':
      return createFeishuChannel(config, options);
    case 'webhook':
      return createWebhookChannel(config, options);
  }
}
