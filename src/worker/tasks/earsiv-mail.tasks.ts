/**
 * eArsivMailing's jobs (src/services/earsiv-mail.service.ts), the e-Arşiv invoice machine's effects:
 * earsiv.mail.invoice (Başarılı: the invoice with its PDF and signed UBL) and earsiv.mail.cancellation (the notice).
 * A failed send is retried with the worker's backoff and, once the attempts are used up, queued again an hour later
 * (as the 'mail.send' notices are): never dropped. A job run again after its mail went changes nothing.
 */
import { EARSIV_MAIL_TASKS, type EarsivMailService } from '../../services/earsiv-mail.service';
import type { MailDeliveryKind } from '../../db/invoice-mails';
import { RETRY_LATER_MS, type Task } from '../worker';

export function earsivMailTasks(mail: Pick<EarsivMailService, 'deliver'>, opts: { retryLaterMs?: number } = {}): Record<string, Task> {
  const task = (kind: MailDeliveryKind): Task => ({
    run: async (job) => {
      if (job.payload.table === 'invoices') await mail.deliver(Number(job.payload.id), kind);
    },
    retryLater: {
      afterMs: opts.retryLaterMs ?? RETRY_LATER_MS,
      key: (job, n) => `${EARSIV_MAIL_TASKS[kind]}:${Number(job.payload.id)}:retry-${n}`,
      message: 'e-Arşiv e-mail still not sent: trying again later',
      alsoPermanent: true,
    },
  });
  return { [EARSIV_MAIL_TASKS.INVOICE]: task('INVOICE'), [EARSIV_MAIL_TASKS.CANCELLATION]: task('CANCELLATION') };
}
