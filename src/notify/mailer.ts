/**
 * The e-mail sender (nodemailer): over SMTP when GW_SMTP_HOST is set, otherwise each message is written as an .eml
 * file into the data directory's mail-outbox/ (the embedded default), so a developer reads what would have gone out.
 * Notices are not sent from here directly but through the job queue (mail-queue.ts, the 'mail.send' task): a send
 * that fails throws, and the worker tries again.
 *
 * The SMTP password is only ever read from its file, here, and handed to nodemailer, whose own logger stays off; our
 * log lines carry recipients, subject and message id — never the password, never the body.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { ConfigError, type MailSettings } from '../config';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /**
   * The Message-ID header (`<…@…>`); nodemailer makes one when absent. The queue passes one derived from the job's
   * key, so a message sent twice (sent, then the job's completion lost) is recognisably the same message.
   */
  messageId?: string;
  /** Files sent with the message (e-Arşiv: the invoice's PDF and its signed UBL), built when it is sent. */
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** The message as nodemailer takes it (From comes from the transport's defaults). */
function nodemailerMessage(msg: MailMessage) {
  return {
    to: msg.to,
    subject: msg.subject,
    text: msg.text,
    ...(msg.html ? { html: msg.html } : {}),
    ...(msg.messageId ? { messageId: msg.messageId } : {}),
    ...(msg.attachments && msg.attachments.length > 0 ? { attachments: msg.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })) } : {}),
  };
}

export interface Mailer {
  /** 'smtp', or 'outbox' when messages are written as .eml files. */
  readonly kind: 'smtp' | 'outbox';
  /** Sends (or writes) one message; rejects when the server refuses it or cannot be reached. */
  send(msg: MailMessage): Promise<{ messageId: string }>;
  /** Closes the transport's connections (at shutdown). */
  close(): void;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return `${code ? `${String(code)} ` : ''}${err.message}`;
}

/** A Message-ID from a stable key: `<mail.HASH@domain-of-from>`. */
export function messageIdFor(key: string, from: string): string {
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1) || 'localhost';
  return `<mail.${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`;
}

/** Builds the sender from GW_SMTP_* / GW_MAIL_FROM (config.mail); reads the SMTP password file now. */
export function createMailer(settings: MailSettings, logger: Logger): Mailer {
  const log = logger.child({ component: 'mail' });
  const smtp = settings.smtp;
  if (!smtp) return createOutboxMailer(settings, log);

  let pass: string | undefined;
  if (smtp.passwordFile) {
    pass = fs.readFileSync(smtp.passwordFile, 'utf8').replace(/\r?\n$/, '');
    if (!pass) throw new ConfigError(`GW_SMTP_PASSWORD_FILE (${smtp.passwordFile}) is empty`);
  }
  const transport = nodemailer.createTransport(
    {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      ...(smtp.user ? { auth: { user: smtp.user, pass } } : {}),
      tls: { rejectUnauthorized: smtp.rejectUnauthorized },
      connectionTimeout: smtp.timeoutMs,
      greetingTimeout: smtp.timeoutMs,
      socketTimeout: smtp.timeoutMs,
      // nodemailer's own logging would write the SMTP conversation (AUTH included): off.
      logger: false,
      debug: false,
    },
    { from: settings.from },
  );
  return {
    kind: 'smtp',
    async send(msg) {
      try {
        const info = await transport.sendMail(nodemailerMessage(msg));
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0) log.warn({ to: msg.to, rejected, subject: msg.subject, messageId: info.messageId }, 'e-mail sent, but the SMTP server refused some recipients');
        log.info({ to: msg.to, subject: msg.subject, messageId: info.messageId, server: `${smtp.host}:${smtp.port}` }, 'e-mail sent');
        return { messageId: info.messageId };
      } catch (err) {
        // Rethrown for the worker's retry; the error names the SMTP step and the server's answer, never the password.
        log.warn({ to: msg.to, subject: msg.subject, server: `${smtp.host}:${smtp.port}`, error: describe(err) }, 'e-mail not sent');
        throw new Error(`SMTP ${smtp.host}:${smtp.port}: ${describe(err)}`);
      }
    },
    close() {
      transport.close();
    },
  };
}

/** No SMTP server configured: each message becomes `<outboxDir>/<time>-<id>.eml`, written atomically. */
function createOutboxMailer(settings: MailSettings, log: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: settings.from });
  const dir = settings.outboxDir;
  return {
    kind: 'outbox',
    async send(msg) {
      const info = await transport.sendMail(nodemailerMessage(msg));
      const eml = info.message as Buffer;
      await fs.promises.mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const id = info.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 100);
      const file = path.join(dir, `${stamp}-${id}.eml`);
      const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await fs.promises.writeFile(tmp, eml, { mode: 0o640 });
        await fs.promises.rename(tmp, file);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true });
        throw err;
      }
      log.info({ to: msg.to, subject: msg.subject, messageId: info.messageId, file }, 'e-mail written to the outbox folder (no SMTP server configured: GW_SMTP_HOST)');
      return { messageId: info.messageId };
    },
    close() {
      transport.close();
    },
  };
}
