/**
 * 'mail.send': sends a notice queued by enqueueMail (src/notify/mail-queue.ts). A failure throws, so the worker
 * retries with its backoff; once the attempts are used up the notice is queued again an hour later (retryLater,
 * even after an error that looks permanent): a notice is never silently dropped, and an SMTP outage holds up only
 * the e-mails.
 */
import type { JobRow } from '../../db/jobs';
import { MAIL_SEND_TASK, mailJobKey, type MailJobPayload } from '../../notify/mail-queue';
import { messageIdFor, type Mailer } from '../../notify/mailer';
import { RETRY_LATER_MS, type Task } from '../worker';

function payloadOf(job: JobRow): MailJobPayload {
  const p = job.payload as Partial<MailJobPayload>;
  if (typeof p.key !== 'string' || !Array.isArray(p.to) || p.to.length === 0 || typeof p.subject !== 'string' || typeof p.text !== 'string') {
    throw new Error(`mail.send job ${job.key}: malformed payload`);
  }
  return p as MailJobPayload;
}

export function mailTasks(mailer: Mailer, opts: { from: string; retryLaterMs?: number }): Record<string, Task> {
  return {
    [MAIL_SEND_TASK]: {
      run: async (job) => {
        const p = payloadOf(job);
        await mailer.send({ to: p.to.map(String), subject: p.subject, text: p.text, ...(p.html ? { html: p.html } : {}), messageId: messageIdFor(p.key, opts.from) });
      },
      retryLater: {
        afterMs: opts.retryLaterMs ?? RETRY_LATER_MS,
        key: (job, n) => `${mailJobKey(String(job.payload.key))}:${n}`,
        message: 'e-mail notice still not sent: trying again later',
        alsoPermanent: true,
      },
    },
  };
}
