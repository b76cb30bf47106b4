/**
 * The jobs that travel GİB's protocols, each a thin call of a service: sending what the outbox holds, taking in
 * what GİB pushed, the poll, the user list, KABUL/RED answers and the cancellation portal's decisions.
 */
import { toEnvelopeId } from '../../ids';
import type { ApplicationResponseService } from '../../services/application-response.service';
import type { EfaturaCancelService } from '../../services/efatura-cancel.service';
import { GIB_INBOUND_TASK, type GibInbound } from '../../services/gib-inbound.service';
import type { GibStatusService } from '../../services/gib-status.service';
import type { GibUserDirectory } from '../../services/gib-users';
import { ENVELOPE_SEND_TASK, type Outbox } from '../../services/outbox.service';
import { periodicTask } from '../periodic';
import { RETRY_LATER_MS, type Task } from '../worker';

export interface GibTaskDeps {
  outbox: Outbox;
  inbound: GibInbound;
  status: GibStatusService;
  users: GibUserDirectory;
  applicationResponses: ApplicationResponseService;
  efaturaCancel: EfaturaCancelService;
  clock: () => Date;
  /** GW_USER_LIST_SYNC_MS, GW_GIB_TICK_MS, GW_GIB_CHECK_EVERY_MS. */
  userListSyncMs: number;
  pollTickMs: number;
  checkEveryMs: number;
}

const envelopeOf = (job: { payload: Record<string, unknown> }) => toEnvelopeId(String(job.payload.envelopeId));

export function gibTasks(deps: GibTaskDeps): Record<string, Task> {
  return {
    [ENVELOPE_SEND_TASK]: {
      run: (job, ctx) => deps.outbox.send(envelopeOf(job), ctx?.complete),
      retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `${ENVELOPE_SEND_TASK}:${envelopeOf(job)}:${n}`, message: 'GİB unreachable: sending again later' },
      onExhausted: async (job, err) => deps.outbox.reportCannotSend({ envelopeId: envelopeOf(job) }, err),
    },
    [GIB_INBOUND_TASK]: {
      run: (job, ctx) => deps.inbound.process(envelopeOf(job), ctx?.complete),
      // Every envelope we accepted must be answered: attempts used up (the database or the blob store away), even
      // by a fault that looks permanent, and it is tried again an hour later.
      retryLater: {
        afterMs: RETRY_LATER_MS,
        key: (job, n) => `${GIB_INBOUND_TASK}:${envelopeOf(job)}:${n}`,
        message: 'incoming envelope could not be processed: trying again later',
        alsoPermanent: true,
      },
    },
    'gib.poll': periodicTask(() => deps.status.pollDue(), () => deps.pollTickMs, deps.clock),
    'gib.user-list.sync': periodicTask(() => deps.users.sync(), () => deps.userListSyncMs, deps.clock),
    'application-response.send': { run: (job) => deps.applicationResponses.send(Number(job.payload.id)) },
    'cancel-requests.sync': periodicTask(() => deps.efaturaCancel.syncWaiting(), () => deps.checkEveryMs, deps.clock),
  };
}
