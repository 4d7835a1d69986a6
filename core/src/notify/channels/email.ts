import nodemailer from 'nodemailer';
import type { ChannelOptions, NotificationChannel } from '../channel.js';
import type { EmailChannelConfig } from '../config.js';
import { notifyFailed } from '../failure.js';
import type { NotificationMessage } from '../message.js';
import { channelRuntime, type ChannelRuntime } from './setup.js';

/** nodemailer's error fields (nodemailer 7): its own code, and the server's last reply. */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
}

/**
 * Sends notifications by SMTP with nodemailer: the title as subject, the plain text, and a simple
 * HTML rendering of the same text. Each send opens and closes its own connection.
 */
export function createEmailChannel(config: EmailChannelConfig, options: ChannelOptions = {}): NotificationChannel {
  const runtime = channelRuntime(config, [config.password], options);

  return {
    kind: 'email',
    name: config.name,
    async send(message: NotificationMessage) {
      const transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: config.requireTls && !config.secure,
        ...(config.user === undefined ? {} : { auth: { user: config.user, pass: config.password } }),
        connectionTimeout: runtime.timeoutMs,
        greetingTimeout: runtime.timeoutMs,
        socketTimeout: runtime.timeoutMs,
      });

      try {
        const mail = {
          from: config.from,
          to: config.to,
          subject: message.title,
          text: message.text,
          html: toHtml(message),
        };
        await withDeadline(transport.sendMail(mail), runtime, `${config.host}:${config.port}`);
      } catch (error) {
        throw smtpFailed(runtime, config, error);
      } finally {
        transport.close();
      }
      runtime.log.info({ events: message.events.length, recipients: config.to.length }, 'notification sent');
    },
  };
}

/** Bounds the whole SMTP exchange by the timeout, because the socket timeouts only bound each wait. */
async function withDeadline<T>(sending: Promise<T>, runtime: ChannelRuntime, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no complete SMTP exchange with ${server} within ${runtime.timeoutMs} ms (timed out)`)),
      runtime.timeoutMs,
    );
  });
  try {
    return await Promise.race([sending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Login failures and permanent (5xx) replies are final, a server rejecting STARTTLS included.
 */
function smtpFailed(runtime: ChannelRuntime, config: EmailChannelConfig, error: unknown) {
  const smtp = error as SmtpError;
  const server = `${config.host}:${config.port}`;
  const reason = error instanceof Error ? error.message : String(error);
  const hint = smtp.code === 'ETLS' && config.requireTls ? ' (requireTls is on: the server must offer STARTTLS)' : '';
  const final = smtp.code === 'EAUTH' || (smtp.responseCode ?? 0) >= 500;

  return notifyFailed(runtime.context, `SMTP to ${server} failed: ${reason}${hint}`, {
    providerCode: smtp.code,
    smtpResponse: smtp.response,
    retryable: !final,
  });
}

/** Renders the plain text as HTML: the title as a heading, a digest's `- ` lines as a list, other lines kept apart. */
function toHtml(message: NotificationMessage): string {
  const lines = message.text.split('\n').slice(1).join('\n').trim().split('\n');
  const isList = lines.every((line) => line.startsWith('- '));
  const body = isList
    ? `<ul>\n${lines.map((line) => `<li>${escapeHtml(line.slice(2))}</li>`).join('\n')}\n</ul>`
    : `<p>${lines.map(escapeHtml).join('<br>\n')}</p>`;
  return `<!doctype html>\n<html><body>\n<h3>${escapeHtml(message.title)}</h3>\n${body}\n</body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
