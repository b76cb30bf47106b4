/**
 * The composition root: which services exist, which client of GİB each gets, and which tasks the worker runs. Built
 * once for the HTTP gateway (app.ts adds the SOAP API and GİB's endpoint on top) and once for a worker-only process
 * (worker/main.ts), so a standalone worker runs exactly the tasks of the gateway's own.
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { GatewayConfig, GibUrls } from './config';
import { createMachineStore, type MachineStore } from './db/machine-store';
import { createWriteBatcher, type WriteBatcher } from './db/write-batcher';
import { GatewayError } from './faults';
import { createCancelPortalClient } from './gib/cancel-portal-client';
import { createGibClient } from './gib/client';
import { asGibFault } from './gib/client-errors';
import { createEarsivClient } from './gib/earsiv-client';
import { createEdefterClient } from './gib/edefter-client';
import { createRfc3161Client } from './gib/tsa-client';
import { createAuthenticator } from './security/authenticator';
import { createSecretBox, loadOrCreateKey, type SecretBox } from './security/secret-box';
import { createApplicationResponseService } from './services/application-response.service';
import { createEarsivReportService } from './services/earsiv-report.service';
import { createLedgerService } from './services/ledger.service';
import { createLedgerDropFolder } from './services/ledger-drop.service';
import { createLedgerSteps } from './services/ledger-steps';
import { createLedgerStore } from './storage/ledger-store';
import { createMailQueue } from './notify/mail-queue';
import { createMailer } from './notify/mailer';
import { createLedgerArchiveService } from './services/ledger-archive.service';
import { createArchiveStore } from './storage/archive-backend';
import { createEfaturaCancelService } from './services/efatura-cancel.service';
import { createGibInbound } from './services/gib-inbound.service';
import { createGibStatusService } from './services/gib-status.service';
import { createGibUserDirectory } from './services/gib-users';
import { createInboxService } from './services/inbox.service';
import { createInvoiceCancelService } from './services/invoice-cancel.service';
import { createInvoicePipeline, senderEnvelopeHooks } from './services/invoice-pipeline.service';
import { createGibPackageHolder } from './services/gib-package.service';
import { packageChecks } from './validation/gib-package';
import { createInvoiceService, type InvoiceValidator } from './services/invoice.service';
import { createOutgoingInvoiceService } from './services/outgoing-invoices.service';
import { createOutbox } from './services/outbox.service';
import { createSignerRegistry, type SignerRegistry } from './services/signer-registry';
import { createTenantService } from './services/tenant.service';
import { verifyXml } from './signing/verify';
import { createBlobStore, type BlobStore } from './storage/blob-store';
import { ensurePeriodicJobs } from './worker/periodic';
import { watchQueue } from './worker/queue-metrics';
import { earsivTasks } from './worker/tasks/earsiv.tasks';
import { gibTasks } from './worker/tasks/gib.tasks';
import { invoiceTasks } from './worker/tasks/invoice.tasks';
import { ledgerTasks } from './worker/tasks/ledger.tasks';
import { creditTasks } from './worker/tasks/credit.tasks';
import { createCreditService, type CreditServiceDeps } from './activation/credits';
import { mailTasks } from './worker/tasks/mail.tasks';
import { createEarsivMailService, type InvoicePdf } from './services/earsiv-mail.service';
import { createInvoiceVisualService } from './services/invoice-visual.service';
import { createInvoiceRenderer } from './visuals/invoice-renderer';
import { earsivMailTasks } from './worker/tasks/earsiv-mail.tasks';
import { createWorker, type Task } from './worker/worker';
import { createActivationService, DEVELOPMENT_INTEGRATOR, type ActivationService } from './activation/activation.service';
import { activationTasks } from './worker/tasks/activation.tasks';
import { wireConfirmedNotice } from './activation/notices';
import { tenantById } from './db/tenants';
import type { GibCallError } from './gib/client';

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
  /** The PDF visual of an invoice, mailed to e-Arşiv buyers (default: src/visuals). */
  invoicePdf?: InvoicePdf;
}

/** gl-bus:sourceApplication's `Program##Sürüm` (after the company's VKN and title). */
const LEDGER_PROGRAM = `Acik Entegrator##${(require('../package.json') as { version: string }).version}`;

/** Duties that run on their own schedule (one job row each, see src/worker/periodic.ts). */
export const PERIODIC_TASKS = ['gib.poll', 'gib.user-list.sync', 'earsiv.report', 'cancel-requests.sync'] as const;

/** Builds every service and the worker (not started) from the configuration and the parts given. */
export function composeGateway(deps: GatewayDeps) {
  const { config, db, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const secretBox = deps.secretBox ?? createSecretBox(loadOrCreateKey(config.auth.secretKeyFile));
  const blobs = deps.blobs ?? createBlobStore({ db, dir: config.blobDir, clock });
  const gibPackage = createGibPackageHolder({
    config,
    logger,
    build: (gibDir) => packageChecks(gibDir, { maxUnzippedBytes: config.limits.maxDocumentBytes, now: clock }),
  });
  const validator = deps.validator ?? gibPackage.validator;
  const writer = createWriteBatcher(db);
  const store = createMachineStore(db, { clock, maxAttempts: config.worker.maxAttempts, writer });
  // Kontör (src/activation/credits.ts): orders and payments, SendInvoice's and the e-Defter months' charges, refunds.
  const credits = composeCredits({ config, db, writer, store, clock, logger });
  const signers =
    deps.signers ??
    createSignerRegistry({ db, clock, defaultSigner: config.signing.defaultSigner, devSealDir: config.signing.devSealDir, trustedRoots: config.signing.trustedRoots });

  // The activation service sends through GİB's outbox, and GİB's news about its envelopes comes back to it: bound
  // once both exist.
  let activation: ActivationService | null = null;
  const userEnvelopes: UserEnvelopeHooks = {
    onSent: async (trx, envelope) => activation?.envelopeHooks.onSent(trx, envelope),
    onRefused: async (trx, envelope, err) => activation?.envelopeHooks.onRefused(trx, envelope, err),
    onResponse: async (trx, envelopeId, code, description) => activation?.applyGibResponse(trx, envelopeId, code, description),
  };
  const gib = deps.gib ? composeGib({ config, db, logger, urls: deps.gib, clock, blobs, writer, store, signers, userEnvelopes }) : null;
  const pipeline = createInvoicePipeline({ db, store, writer, blobs, signers, clock, logger, ...(gib ? { gib: { outbox: gib.services.outbox, users: gib.services.users } } : {}) });
  const ledgerFiles = createLedgerStore(config.ledger.dir);
  const ledgerSteps = createLedgerSteps({ db, writer, store, files: ledgerFiles, signers, clock, maxUnzippedBytes: config.ledger.maxUnzippedBytes, program: LEDGER_PROGRAM, partBytes: config.ledger.partBytes, gib: gib?.edefter ?? null, ...(config.ledger.tsaUrl ? { tsa: createRfc3161Client({ url: config.ledger.tsaUrl, timeoutMs: config.gib.timeoutMs }) } : {}) });
  const archiveSettings = config.ledger.archive;
  const archive = createArchiveStore(archiveSettings);
  const ledgerArchive = createLedgerArchiveService({
    db,
    writer,
    store,
    archive,
    ledgerFiles,
    signers,
    gibRoots: gib ? gib.edefter.sealRoots : async () => [],
    clock,
    workDir: archiveSettings.workDir,
    retentionYears: archiveSettings.retentionYears,
    maxFileBytes: archiveSettings.maxFileBytes,
    maxUnzippedBytes: config.ledger.maxUnzippedBytes,
  });
  // E-mail notices: queued by services inside their own transactions, sent by the worker (SMTP, or .eml files).
  const mailer = createMailer(config.mail, logger);
  const mail = createMailQueue({ clock, logger, maxAttempts: config.worker.maxAttempts });
  activation = createActivationService({
    db,
    writer,
    store,
    blobs,
    signers,
    clock,
    logger: logger.child({ component: 'activation' }),
    maxAttempts: config.worker.maxAttempts,
    // The integrator's VKN as configured; with development seals a development integrator stands in.
    integrator: config.gib.integratorVkn
      ? { vkn: config.gib.integratorVkn, title: config.gib.integratorTitle }
      : config.signing.defaultSigner.type === 'dev'
        ? { ...DEVELOPMENT_INTEGRATOR }
        : null,
    trustedRoots: () => signers.trustedRoots(),
    outbox: gib?.services.outbox ?? null,
    mail: async (trx, m) => void (await mail.enqueue(trx, m)),
  });
  // Invoice visuals (issue 16): UBL / HTML / PDF of any invoice; its browser is launched at the first PDF.
  const renderer = createInvoiceRenderer(config.visuals);
  const outgoing = createOutgoingInvoiceService({ db, blobs });
  const inbox = createInboxService({ db });
  const visuals = createInvoiceVisualService({ db, blobs, outgoing, inbox, renderer });
  // eArsivMailing: a Başarılı e-Arşiv invoice (PDF + signed UBL) and a cancellation's notice, mailed to the buyer.
  const earsivMail = createEarsivMailService({
    db,
    writer,
    blobs,
    mailer,
    clock,
    logger,
    from: config.mail.from,
    enabled: config.earsivMail,
    invoicePdf: deps.invoicePdf ?? ((tenantId, invoiceId, ubl) => visuals.invoicePdf(tenantId, invoiceId, ubl)),
  });
  const tasks: Record<string, Task> = { ...invoiceTasks(pipeline, { gib: Boolean(gib) }), ...gib?.tasks, ...ledgerTasks(ledgerSteps, ledgerArchive), ...mailTasks(mailer, { from: config.mail.from }), ...earsivMailTasks(earsivMail), ...activationTasks(activation), ...creditTasks(credits) };
  const worker = createWorker({ db, writer, tasks, clock, logger, pollMs: config.worker.pollMs, concurrency: config.worker.concurrency, leaseMs: config.worker.leaseMs, backoffBaseMs: config.worker.backoffMs });
  watchQueue(db, clock);

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
    credits,
    requireService: (tenantId, kind) => activation!.requireService(tenantId, kind),
  });
  const authenticator = createAuthenticator({ db, secretBox, clock, ...config.auth });
  const ledgers = createLedgerService({
    db,
    writer,
    store,
    files: ledgerFiles,
    signers,
    clock,
    maxSourceBytes: config.ledger.maxSourceBytes,
    maxUnzippedBytes: config.ledger.maxUnzippedBytes,
    onEnqueued: () => worker.nudge(),
    sendsToGib: Boolean(gib),
    credits,
  });
  const ledgerDrop = createLedgerDropFolder({ db, dir: config.ledger.dropDir, ledgers, logger: logger.child({ component: 'ledger-drop' }), clock, everyMs: config.ledger.dropScanMs });

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
    /** The e-Defter archive's store (closed at shutdown: an object store's client holds sockets). */
    archive,
    /** The e-Defter drop folder's watcher (started with the worker by server.ts). */
    ledgerDrop,
    /** E-mail notices: `mail.enqueue(trx, { key, to, subject, text, html? })` inside the state change's transaction. */
    mail,
    /** The e-mail sender the 'mail.send' task uses (closed at shutdown). */
    mailer,
    /** The invoice visuals' renderer (its PDF browser is closed at shutdown). */
    renderer,
    authenticator,
    gibPackage,
    services: { tenants, invoices, ledgers, ledgerArchive, activation, credits, outgoing, pipeline, inbox, visuals, earsivMail, gib: gib?.services ?? null },
    /** The periodic duties' job rows (idempotent: any number of processes may call it at every start). */
    async ensurePeriodicJobs(): Promise<void> {
      if (gib) await ensurePeriodicJobs(db, PERIODIC_TASKS, clock());
    },
  };
}

export type Gateway = ReturnType<typeof composeGateway>;

/**
 * The kontör service as the gateway and the command-line tool (order:confirm, credits:*) both build it: the price
 * list and the default overdraft from the configuration.
 */
export function composeCredits(deps: Pick<CreditServiceDeps, 'db' | 'writer' | 'store' | 'clock'> & { config: GatewayConfig; logger: Logger }) {
  const { config, logger, ...rest } = deps;
  // A confirmed wire transfer is mailed to the company, queued in the payment's own transaction.
  const mail = createMailQueue({ clock: deps.clock, logger, maxAttempts: config.worker.maxAttempts });
  const onWireConfirmed: CreditServiceDeps['onWireConfirmed'] = async (trx, order) => {
    const tenant = await tenantById(trx, order.tenantId);
    if (!tenant?.email) return;
    const notice = wireConfirmedNotice({ tenant, orderId: order.orderId, totalKurus: order.totalKurus, at: deps.clock() });
    await mail.enqueue(trx, { key: `order:${order.orderId}:paid`, to: [tenant.email], subject: notice.subject, text: notice.text });
  };
  return createCreditService({ ...rest, onWireConfirmed, prices: config.credits.prices, defaultLimitKurus: config.credits.defaultLimitKurus });
}

interface GibDeps {
  config: GatewayConfig;
  db: Knex;
  logger: Logger;
  urls: GibUrls;
  clock: () => Date;
  blobs: BlobStore;
  writer: WriteBatcher;
  store: MachineStore;
  signers: SignerRegistry;
  /** What becomes of USERENVELOPEs (src/activation): sent, refused, answered by GİB. */
  userEnvelopes: UserEnvelopeHooks;
}

export interface UserEnvelopeHooks {
  onSent(trx: Knex.Transaction, envelope: { id: string }): Promise<void>;
  onRefused(trx: Knex.Transaction, envelope: { id: string }, err: GibCallError): Promise<void>;
  onResponse(trx: Knex.Transaction, envelopeId: string, code: number, description: string): Promise<void>;
}

/**
 * Everything that travels GİB's protocols: the clients of GİB's three services, the user list, the outbox, what GİB
 * tells us (pushes and polls), KABUL/RED, cancellations and the e-Arşiv report, and their tasks.
 */
function composeGib(deps: GibDeps) {
  const { config, db, clock, blobs, writer, store, signers } = deps;
  const settings = config.gib;
  const logger = deps.logger.child({ component: 'gib' });
  const timeoutMs = settings.timeoutMs;
  const client = createGibClient({ url: deps.urls.efaturaUrl, timeoutMs });
  const earsivClient = createEarsivClient({ url: deps.urls.earsivUrl, timeoutMs });
  const edefterClient = createEdefterClient({ url: deps.urls.edefterUrl, timeoutMs, clock });
  // Read once at start: a configured root that is not there stops the start, not the first download.
  const sealRootPems = settings.sealRoots.map((f) => fs.readFileSync(f));
  const edefter = {
    client: edefterClient,
    checkEveryMs: settings.checkEveryMs,
    sealRoots: async () => [...sealRootPems, ...(deps.urls.sealRoots ? await deps.urls.sealRoots() : [])],
  };
  const portal = createCancelPortalClient({ url: deps.urls.cancelPortalUrl, timeoutMs });
  const { maxAttempts } = config.worker;

  const users = createGibUserDirectory({ db, writer, clock, logger, minIntervalMs: settings.userListSyncMs, fetchUsers: () => earsivClient.getUserList() });
  const outbox = createOutbox({ db, writer, blobs, client, clock, logger, maxAttempts, pollAfterMs: settings.pollAfterMs, hooks: { SENDERENVELOPE: senderEnvelopeHooks({ store }), USERENVELOPE: deps.userEnvelopes } });
  const status = createGibStatusService({ db, writer, store, clock, logger, client, pollAfterMs: settings.pollAfterMs, pollEveryMs: settings.pollEveryMs, onUserEnvelopeResponse: deps.userEnvelopes.onResponse });
  const inbound = createGibInbound({ db, writer, blobs, store, outbox, status, clock, logger, maxAttempts });
  const applicationResponses = createApplicationResponseService({ db, store, writer, clock, outbox, signers });
  const efaturaCancel = createEfaturaCancelService({ db, writer, store, signers, portal, clock, logger });
  const invoiceCancel = createInvoiceCancelService({ db, store, clock, efaturaCancel });
  const earsivReports = createEarsivReportService({
    db,
    writer,
    store,
    blobs,
    signers,
    client: earsivClient,
    clock,
    logger,
    everyMs: settings.earsivReportEveryMs,
    checkEveryMs: settings.checkEveryMs,
    ...(settings.integratorVkn ? { integratorVkn: settings.integratorVkn } : {}),
  });

  const tasks: Record<string, Task> = {
    ...gibTasks({
      outbox,
      inbound,
      status,
      users,
      applicationResponses,
      efaturaCancel,
      clock,
      userListSyncMs: settings.userListSyncMs,
      pollTickMs: settings.tickMs,
      checkEveryMs: settings.checkEveryMs,
    }),
    ...earsivTasks(earsivReports, clock),
  };

  const services = {
    users,
    outbox,
    status,
    inbound,
    applicationResponses,
    efaturaCancel,
    invoiceCancel,
    earsivReports,

    /** SendInvoice's check of the receiver against the user list (synced once first if it never was). */
    async checkReceiver(kind: 'EFATURA' | 'EARSIV', receiverId: string): Promise<void> {
      // GİB away on the very first send: a retryable fault, not an internal error.
      await users.ensureSynced().catch((err) => Promise.reject(asGibFault(err)));
      const registered = await users.isEfaturaUser(receiverId);
      if (kind === 'EFATURA' && !registered) throw new GatewayError('RECEIVER_NOT_EFATURA_USER', { vkn: receiverId });
      if (kind === 'EARSIV' && registered) throw new GatewayError('RECEIVER_IS_EFATURA_USER', { vkn: receiverId });
    },
  };
  return { tasks, services, edefter };
}

export type GibServices = ReturnType<typeof composeGib>['services'];
