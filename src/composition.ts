/**
 * The composition root: which services exist, which client of GİB each gets, and which tasks the worker runs. Built
 * once for the HTTP gateway (app.ts adds the SOAP API and GİB's endpoint on top) and once for a worker-only process
 * (worker/main.ts), so a standalone worker runs exactly the tasks of the gateway's own.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { schematronDir, ublXsdDir, type GatewayConfig, type GibUrls } from './config';
import { createMachineStore } from './db/machine-store';
import { createWriteBatcher } from './db/write-batcher';
import { GatewayError } from './faults';
import { createCancelPortalClient } from './gib/cancel-portal-client';
import { createGibClient } from './gib/client';
import { asGibFault } from './gib/client-errors';
import { createEarsivClient } from './gib/earsiv-client';
import { ENVELOPE_SEND_TASK, createOutbox } from './gib/outbox';
import { createGibStatusUpdates } from './gib/status-updates';
import { createAuthenticator } from './security/authenticator';
import { createSecretBox, loadOrCreateKey, type SecretBox } from './security/secret-box';
import { applicationResponseSendTask, createApplicationResponseService } from './services/application-response.service';
import { createEfaturaCancelService } from './services/efatura-cancel.service';
import { createGibUserDirectory } from './services/gib-users';
import { createInvoiceService, type InvoiceValidator } from './services/invoice.service';
import { createSignerRegistry, type SignerRegistry } from './services/signer-registry';
import { createTenantService } from './services/tenant.service';
import { verifyXml } from './signing/verify';
import { createFileBlobStore, type BlobStore } from './storage/blob-store';
import { createInvoiceValidator } from './validation';
import { ensurePeriodicJobs, periodicTask } from './worker/periodic';
import { cancelEarsivInvoice, earsivReportBuildTask, earsivReportCheckTask, earsivReportSendTask } from './worker/tasks/earsiv-report';
import { gibInboundTask } from './worker/tasks/gib-inbound';
import { gibPollTask } from './worker/tasks/gib-poll';
import { invoiceEnvelopeTask, invoiceSendTask, senderEnvelopeHooks } from './worker/tasks/invoice-envelope';
import { invoiceProcessTask } from './worker/tasks/invoice-process';
import { invoiceSignTask } from './worker/tasks/invoice-sign';
import { createWorker, type Task } from './worker/worker';

export interface GatewayDeps {
  config: GatewayConfig;
  db: Knex;
  logger: Logger;
  clock?: () => Date;
  secretBox?: SecretBox;
  blobs?: BlobStore;
  validator?: InvoiceValidator;
  signers?: SignerRegistry;
  /**
   * GİB's services (or the simulator's). Without them the pipeline stops after signing (stage 30): what the
   * gateway tests of the core need, and a gateway that only signs.
   */
  gib?: GibUrls | null;
}

/** Duties that run on their own schedule (one job row each, see src/worker/periodic.ts). */
export const PERIODIC_TASKS = ['gib.poll', 'gib.user-list.sync', 'earsiv.report', 'cancel-requests.sync'] as const;

/** Builds every service and the worker (not started) from the configuration and the parts given. */
export function composeGateway(deps: GatewayDeps) {
  const { config, db, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const secretBox = deps.secretBox ?? createSecretBox(loadOrCreateKey(config.auth.secretKeyFile));
  const blobs = deps.blobs ?? createFileBlobStore(config.blobDir);
  const validator =
    deps.validator ??
    createInvoiceValidator({
      xsdDir: ublXsdDir(config) ?? undefined,
      schematronDir: schematronDir(config) ?? undefined,
      maxUnzippedBytes: config.limits.maxDocumentBytes,
      now: clock,
    });
  const writer = createWriteBatcher(db);
  const store = createMachineStore(db, { clock, maxAttempts: config.worker.maxAttempts, writer });
  const signers =
    deps.signers ??
    createSignerRegistry({ db, clock, defaultSigner: config.signing.defaultSigner, devSealDir: config.signing.devSealDir, trustedRoots: config.signing.trustedRoots });

  const tasks: Record<string, Task> = {
    'invoice.process': invoiceProcessTask({ db, store, writer, blobs }),
    'invoice.sign': invoiceSignTask({ db, store, writer, blobs, signers }),
  };
  const gib = deps.gib ? composeGib({ config, db, logger, urls: deps.gib, clock, blobs, writer, store, signers }) : null;
  if (gib) Object.assign(tasks, gib.tasks);
  const worker = createWorker({ db, writer, tasks, clock, logger, pollMs: config.worker.pollMs, concurrency: config.worker.concurrency });

  const tenants = createTenantService({ db, secretBox, clock });
  const verifySignature = async (xml: Buffer, expectedSignerId: string) => {
    await verifyXml(xml, { trustedRoots: await signers.trustedRoots(), expectedSignerId, now: clock() });
  };
  const invoices = createInvoiceService({
    db,
    store,
    writer,
    validator,
    blobs,
    clock,
    verifySignature,
    onEnqueued: () => worker.nudge(),
    ...(gib ? { checkReceiver: gib.services.checkReceiver } : {}),
  });
  const authenticator = createAuthenticator({ db, secretBox, clock, ...config.auth });

  return {
    config,
    db,
    clock,
    logger,
    writer,
    store,
    blobs,
    signers,
    worker,
    authenticator,
    services: { tenants, invoices, gib: gib?.services ?? null },
    /** The periodic duties' job rows (idempotent: any number of processes may call it at every start). */
    async ensurePeriodicJobs(): Promise<void> {
      if (gib) await ensurePeriodicJobs(db, PERIODIC_TASKS, clock());
    },
  };
}

export type Gateway = ReturnType<typeof composeGateway>;

interface GibDeps {
  config: GatewayConfig;
  db: Knex;
  logger: Logger;
  urls: GibUrls;
  clock: () => Date;
  blobs: BlobStore;
  writer: ReturnType<typeof createWriteBatcher>;
  store: ReturnType<typeof createMachineStore>;
  signers: SignerRegistry;
}

/**
 * Everything that travels GİB's protocols: the clients of GİB's three services, the user list, the outbox, what GİB
 * tells us (pushes and polls), and the tasks of the e-Fatura and e-Arşiv pipelines.
 */
function composeGib(deps: GibDeps) {
  const { config, db, clock, blobs, writer, store, signers } = deps;
  const settings = config.gib;
  const log = deps.logger.child({ component: 'gib' });
  const timeoutMs = settings.timeoutMs;
  const client = createGibClient({ url: deps.urls.efaturaUrl, timeoutMs });
  const earsiv = createEarsivClient({ url: deps.urls.earsivUrl, timeoutMs });
  const portal = createCancelPortalClient({ url: deps.urls.cancelPortalUrl, timeoutMs });

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
  const tasks: Record<string, Task> = {
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
  };

  const services = {
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
  };
  return { tasks, services };
}

export type GibServices = ReturnType<typeof composeGib>['services'];
