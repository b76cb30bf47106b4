/**
 * Everything that connects the gateway to GİB, built from its parts in one place: the clients of GİB's three
 * services, the user list, the outbox, what GİB tells us (pushes and polls), the receiving endpoint, and the jobs of
 * the e-Fatura and e-Arşiv pipelines. createApp calls wireGib only when GİB (or the simulator) is configured.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import type { MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { createApplicationResponseService, applicationResponseSendTask } from '../services/application-response.service';
import { createEfaturaCancelService } from '../services/efatura-cancel.service';
import { createGibUserDirectory } from '../services/gib-users';
import type { SignerRegistry } from '../services/signer-registry';
import type { BlobStore } from '../storage/blob-store';
import { periodicTask } from '../worker/periodic';
import { gibInboundTask } from '../worker/tasks/gib-inbound';
import { gibPollTask } from '../worker/tasks/gib-poll';
import { invoiceEnvelopeTask, invoiceSendTask, senderEnvelopeHooks } from '../worker/tasks/invoice-envelope';
import { cancelEarsivInvoice, earsivReportBuildTask, earsivReportCheckTask, earsivReportSendTask } from '../worker/tasks/earsiv-report';
import type { Task } from '../worker/worker';
import { createCancelPortalClient } from './cancel-portal-client';
import { createGibClient } from './client';
import { asGibFault } from './client-errors';
import { createEarsivClient } from './earsiv-client';
import { createGibEndpoint } from './endpoint';
import { ENVELOPE_SEND_TASK, createOutbox } from './outbox';
import { createGibStatusUpdates } from './status-updates';

export interface GibUrls {
  efaturaUrl: string;
  earsivUrl: string;
  cancelPortalUrl: string;
}

/** Duties that run on their own schedule (one job row each, see src/worker/periodic.ts). */
export const PERIODIC_TASKS = ['gib.poll', 'gib.user-list.sync', 'earsiv.report', 'cancel-requests.sync'] as const;

export interface WireGibDeps {
  config: GatewayConfig;
  db: Knex;
  logger: Logger;
  clock: () => Date;
  blobs: BlobStore;
  writer: WriteBatcher;
  store: MachineStore;
  signers: SignerRegistry;
  gib: GibUrls;
  /** The worker's task table, filled in here. */
  tasks: Record<string, Task>;
}

export function wireGib(deps: WireGibDeps) {
  const { config, db, logger, clock, blobs, writer, store, signers } = deps;
  const settings = config.gib;
  const log = logger.child({ component: 'gib' });
  const timeoutMs = settings.timeoutMs;
  const client = createGibClient({ url: deps.gib.efaturaUrl, timeoutMs });
  const earsiv = createEarsivClient({ url: deps.gib.earsivUrl, timeoutMs });
  const portal = createCancelPortalClient({ url: deps.gib.cancelPortalUrl, timeoutMs });

  const users = createGibUserDirectory({ db, writer, clock, logger: log, minIntervalMs: settings.userListSyncMs, fetchUsers: () => earsiv.getUserList() });
  const outbox = createOutbox({
    db,
    writer,
    blobs,
    clock,
    logger: log,
    maxAttempts: config.worker.maxAttempts,
    pollAfterMs: settings.pollAfterMs,
    hooks: { SENDERENVELOPE: senderEnvelopeHooks({ store }) },
  });
  const statusUpdates = createGibStatusUpdates({ store, clock, logger: log, pollAfterMs: settings.pollAfterMs });
  const applicationResponses = createApplicationResponseService({ db, store, writer, clock });
  const efaturaCancel = createEfaturaCancelService({ db, writer, store, signers, portal, clock, logger: log });
  const earsivDeps = {
    db,
    writer,
    store,
    blobs,
    signers,
    client: earsiv,
    clock,
    logger: log,
    everyMs: settings.earsivReportEveryMs,
    checkEveryMs: settings.checkEveryMs,
    maxAttempts: config.worker.maxAttempts,
    ...(settings.integratorVkn ? { integratorVkn: settings.integratorVkn } : {}),
  };

  const invoiceDeps = { db, store, writer, blobs };
  Object.assign(deps.tasks, {
    'invoice.envelope': invoiceEnvelopeTask({ ...invoiceDeps, outbox, users, clock, logger: log }),
    'invoice.send': invoiceSendTask({ ...invoiceDeps, outbox, client }),
    [ENVELOPE_SEND_TASK]: outbox.sendTask(client),
    'gib.inbound': gibInboundTask({ db, writer, blobs, store, outbox, statusUpdates, clock, logger: log }),
    'gib.poll': gibPollTask({ db, writer, client, statusUpdates, clock, logger: log, pollEveryMs: settings.pollEveryMs, tickMs: settings.tickMs }),
    'gib.user-list.sync': periodicTask(() => users.sync(), () => settings.userListSyncMs, clock),
    'application-response.send': applicationResponseSendTask({ db, store, writer, clock, outbox, signers, blobs }),
    'cancel-requests.sync': efaturaCancel.syncTask(settings.checkEveryMs),
    'earsiv.report': earsivReportBuildTask(earsivDeps),
    'earsiv-report.send': earsivReportSendTask(earsivDeps),
    'earsiv-report.check': earsivReportCheckTask(earsivDeps),
  } satisfies Record<string, Task>);

  return {
    users,
    outbox,
    statusUpdates,
    applicationResponses,
    efaturaCancel,
    cancelEarsiv: (tenantId: number, ref: { ettn?: string; number?: string }, actor: string) => cancelEarsivInvoice(earsivDeps, tenantId, ref, actor),

    /** SendInvoice's check of the receiver against the user list (synced once first if it never was). */
    async checkReceiver(kind: 'EFATURA' | 'EARSIV', receiverId: string): Promise<void> {
      // GİB away on the very first send: a retryable fault, not an internal error.
      await users.ensureSynced().catch((err) => Promise.reject(asGibFault(err)));
      const registered = await users.isEfaturaUser(receiverId);
      if (kind === 'EFATURA' && !registered) throw new GatewayError('RECEIVER_NOT_EFATURA_USER', { vkn: receiverId });
      if (kind === 'EARSIV' && registered) throw new GatewayError('RECEIVER_IS_EFATURA_USER', { vkn: receiverId });
    },

    /** Our side of GİB's EFatura contract: what GİB pushes to us. */
    endpoint(onReceived: () => void) {
      const wsdlFile = config.gibDir ? path.join(config.gibDir, 'e-fatura-paketi', 'wsdl', 'EFatura_Test.wsdl') : null;
      return createGibEndpoint({
        db,
        writer,
        blobs,
        clock,
        logger: log,
        maxBytes: config.limits.maxRequestBytes,
        wsdlFile,
        publicUrl: settings.publicUrl,
        maxAttempts: config.worker.maxAttempts,
        onReceived,
      });
    },
  };
}

export type GibWiring = ReturnType<typeof wireGib>;
