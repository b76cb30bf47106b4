/**
 * E-mail notices go through the job queue: `enqueueMail` inserts a 'mail.send' job inside the caller's transaction,
 * so a notice is recorded atomically with the state change it announces, and an SMTP server that is down never
 * blocks or rolls back the caller. The worker sends it (src/worker/tasks/mail.tasks.ts): a failure is retried with
 * the worker's backoff, and once the attempts are used up it is tried again an hour later — never silently dropped.
 *
 * Recipients are checked here, when enqueued: a clearly invalid address is logged and left out (retrying it could
 * never succeed); a message left with no recipient at all is not queued.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { enqueueJob } from '../db/jobs';

export const MAIL_SEND_TASK = 'mail.send';

/** The 'mail.send' job's payload (`attempt` is added by the worker when the job is tried again later). */
export interface MailJobPayload {
  /** The caller's idempotency key (the job's key is `mail.send:<key>`). */
  key: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  attempt?: number;
}

/** A notice to send: `key` names it for good (e.g. `activation:<tenant>:<service>:aktif:<n>`). */
export interface MailNotice {
  key: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface NewMail extends MailNotice {
  createdAt: Date | string;
  maxAttempts: number;
  /** When to send (default: at once, i.e. `createdAt`). */
  runAt?: Date | string;
}

export interface EnqueuedMail {
  /** False when no recipient was valid: nothing was queued. */
  queued: boolean;
  /** The job's key. */
  jobKey: string;
  to: string[];
  /** The addresses left out as invalid. */
  skipped: string[];
}

/** A plain mailbox `local@domain` (dot-atoms, or an [IP] literal domain): no spaces, quotes or line breaks. */
const MAILBOX = /^(?=[^@]{1,64}@)[^\s@<>()[\]\\,;:".]+(?:\.[^\s@<>()[\]\\,;:".]+)*@(?:[^\s@<>()[\]\\,;:".]+(?:\.[^\s@<>()[\]\\,;:".]+)*|\[[0-9a-fA-F:.]+\])$/u;

/** Whether `address` is a plain e-mail address the queue accepts (`ad@alan.com.tr`; no display name). */
export function isMailAddress(address: string): boolean {
  return address.length <= 254 && MAILBOX.test(address);
}

export function mailJobKey(key: string): string {
  return `${MAIL_SEND_TASK}:${key}`;
}

function iso(d: Date | string): string {
  return typeof d === 'string' ? d : d.toISOString();
}

/**
 * Queues one message inside `trx` (idempotent: a job with the same key still waiting is kept). Invalid recipients
 * are logged (warn) and left out. A message whose job has already been sent and deleted is sent again if enqueued
 * again under the same key: enqueue it with the state change it announces, which happens once.
 */
export async function enqueueMail(trx: Knex | Knex.Transaction, mail: NewMail, logger?: Logger): Promise<EnqueuedMail> {
  if (!mail.key) throw new Error('enqueueMail: a key is required');
  const seen = new Set<string>();
  const to: string[] = [];
  const skipped: string[] = [];
  for (const raw of mail.to) {
    const address = String(raw).trim();
    if (!isMailAddress(address)) {
      skipped.push(String(raw));
      continue;
    }
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    to.push(address);
  }
  const jobKey = mailJobKey(mail.key);
  if (skipped.length > 0) logger?.warn({ mail: mail.key, skipped, to }, 'invalid e-mail addresses left out of a notice');
  if (to.length === 0) {
    logger?.warn({ mail: mail.key, subject: mail.subject }, 'e-mail notice not queued: no valid recipient');
    return { queued: false, jobKey, to, skipped };
  }
  const payload: MailJobPayload = { key: mail.key, to, subject: mail.subject.replace(/\s+/g, ' ').trim(), text: mail.text, ...(mail.html ? { html: mail.html } : {}) };
  await enqueueJob(trx, {
    task: MAIL_SEND_TASK,
    key: jobKey,
    payload: payload as unknown as Record<string, unknown>,
    runAt: iso(mail.runAt ?? mail.createdAt),
    maxAttempts: mail.maxAttempts,
    createdAt: iso(mail.createdAt),
  });
  return { queued: true, jobKey, to, skipped };
}

export interface MailQueueDeps {
  clock: () => Date;
  logger: Logger;
  /** GW_JOB_MAX_ATTEMPTS: attempts before the hour's pause. */
  maxAttempts: number;
}

/**
 * `enqueue(trx, notice)` with the clock, the attempts and the logger filled in (what composition hands services);
 * invalid recipients are logged there (enqueueMail itself answers what was queued).
 */
export function createMailQueue(deps: MailQueueDeps) {
  const logger = deps.logger.child({ component: 'mail' });
  return {
    async enqueue(trx: Knex | Knex.Transaction, notice: MailNotice): Promise<void> {
      await enqueueMail(trx, { ...notice, createdAt: deps.clock(), maxAttempts: deps.maxAttempts }, logger);
    },
  };
}

export type MailQueue = ReturnType<typeof createMailQueue>;
