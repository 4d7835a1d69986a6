export * from './events.js';
export * from './message.js';
export * from './config.js';
export * from './channel.js';
export * from './create-channel.js';
export * from './policy.js';
export { createEmailChannel } from './channels/email.js';
export { createDingtalkChannel, dingtalkSign } from './channels/dingtalk.js';
export { createWecomChannel } from './channels/wecom.js';
export { createFeishuChannel, feishuSign } from './channels/feishu.js';
export {
  createWebhookChannel,
  webhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type WebhookPayload,
} from './channels/webhook.js';
