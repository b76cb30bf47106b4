/**
 * Service activation's jobs (src/activation/activation.service.ts): activation.send opens or closes a service when
 * its date comes — a due service is never dropped: a card that is away or GİB being down only moves it later — and
 * activation.notify mails the tenant about an outcome (a machine effect).
 */
import { ACTIVATION_NOTIFY_TASK, ACTIVATION_SEND_TASK, type ActivationService } from '../../activation/activation.service';
import { RETRY_LATER_MS, type Task } from '../worker';

export function activationTasks(activation: ActivationService): Record<string, Task> {
  return {
    [ACTIVATION_SEND_TASK]: {
      run: (job) => activation.send(Number(job.payload.id)),
      // Under the service's own key prefix, so a changed date moves the retry too.
      retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `${ACTIVATION_SEND_TASK}:${Number(job.payload.id)}:retry-${n}`, message: 'service could not be sent: trying again later', alsoPermanent: true },
    },
    [ACTIVATION_NOTIFY_TASK]: { run: (job) => activation.notify(Number(job.payload.id)) },
  };
}
