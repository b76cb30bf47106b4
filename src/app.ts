import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { schematronDir, ublXsdDir, type GatewayConfig } from './config';
import { createMachineStore } from './db/machine-store';
import { createWriteBatcher } from './db/write-batcher';
import { createAuthenticator } from './security/authenticator';
import { createSecretBox, loadOrCreateKey, type SecretBox } from './security/secret-box';
import { createInvoiceService, type InvoiceValidator } from './services/invoice.service';
import { createSignerRegistry, type SignerRegistry } from './services/signer-registry';
import { createTenantService } from './services/tenant.service';
import { verifyXml } from './signing/verify';
import { mountSoap, requestLogger } from './soap/mount';
import { getStatusOperation } from './soap/operations/GetStatus';
import { sendInvoiceOperation } from './soap/operations/SendInvoice';
import { createFileBlobStore, type BlobStore } from './storage/blob-store';
import { createInvoiceValidator } from './validation';
import { invoiceProcessTask } from './worker/tasks/invoice-process';
import { invoiceSignTask } from './worker/tasks/invoice-sign';
import { createWorker, type Task } from './worker/worker';
import { ensurePeriodicJobs } from './worker/periodic';
import { PERIODIC_TASKS, wireGib, type GibUrls } from './gib/wiring';
import { gibOperations } from './soap/operations/gib-operations';

export const SOAP_PATH = '/soap/gateway';
export const WSDL_FILE = path.resolve(__dirname, '..', 'wsdl', 'gateway.wsdl');

export interface AppDeps {
  config: GatewayConfig;
  db: Knex;
  logger: Logger;
  clock?: () => Date;
  secretBox?: SecretBox;
  blobs?: BlobStore;
  validator?: InvoiceValidator;
  signers?: SignerRegistry;
  /** The address written into the served WSDL's soap:address. */
  publicUrl?: string;
  /**
   * GİB's services (or the simulator's). Without them the pipeline stops after signing (stage 30): what the
   * gateway tests of the core need, and a gateway that only signs.
   */
  gib?: GibUrls | null;
}


/**
 * Builds the whole gateway from its parts without listening (server.ts listens; tests build apps with their own
 * database, clock and components). The worker is built here but started by the caller.
 */
export async function createApp(deps: AppDeps) {
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
  const gib = deps.gib ? wireGib({ config, db, logger, gib: deps.gib, clock, blobs, writer, store, signers, tasks }) : null;
  const worker = createWorker({
    db,
    writer,
    tasks,
    clock,
    logger,
    pollMs: config.worker.pollMs,
    concurrency: config.worker.concurrency,
  });

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
    ...(gib ? { checkReceiver: gib.checkReceiver } : {}),
  });
  const authenticator = createAuthenticator({ db, secretBox, clock, ...config.auth });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (gib) app.use(gib.endpoint(() => worker.nudge()));
  if (gib) await ensurePeriodicJobs(db, PERIODIC_TASKS, clock());

  const wsdlXml = fs.readFileSync(WSDL_FILE, 'utf8');
  const opDeps = { authenticator, logger };
  await mountSoap(app, {
    path: SOAP_PATH,
    wsdlXml,
    publicUrl: deps.publicUrl,
    maxRequestBytes: config.limits.maxRequestBytes,
    logger,
    services: {
      GatewayService: {
        GatewayPort: {
          SendInvoice: sendInvoiceOperation({ ...opDeps, invoices }),
          GetStatus: getStatusOperation({ ...opDeps, invoices }),
          ...(gib ? gibOperations({ ...opDeps, gib, invoices, db, blobs, clock }) : {}),
        },
      },
    },
  });

  return { app, db, worker, store, blobs, signers, services: { tenants, invoices, gib }, authenticator };
}

export type GatewayApp = Awaited<ReturnType<typeof createApp>>;
