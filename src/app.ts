import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { composeGateway, type GatewayDeps } from './composition';
import { metricsHandler } from './soap/metrics-route';
import { createGibEndpoint } from './soap/gib-endpoint';
import { requestLogger } from './soap/request-log';
import { mountSoapServer } from './soap/server';
import { getStatusOperation } from './soap/operations/GetStatus';
import { sendInvoiceOperation } from './soap/operations/SendInvoice';
import { gibOperations } from './soap/operations/gib-operations';
import { ledgerOperations } from './soap/operations/ledger-operations';
import { ledgerArchiveOperations } from './soap/operations/ledger-archive-operations';
import { creditOperations } from './soap/operations/credit-operations';
import { activationOperations } from './soap/operations/activation-operations';
import { mountPostBoxService } from './elogo/postbox-server';
import { createPostBoxService } from './elogo/postbox.service';
import { outgoingOperations } from './soap/operations/outgoing-operations';
import { mountPortal } from './portal/portal';

export const SOAP_PATH = '/soap/gateway';
export const WSDL_FILE = path.resolve(__dirname, '..', 'wsdl', 'gateway.wsdl');

export interface AppDeps extends GatewayDeps {
  /** The address written into the served WSDL's soap:address. */
  publicUrl?: string;
}

/**
 * The gateway over HTTP, without listening (server.ts listens; tests build apps with their own database, clock and
 * components): the composed services (composition.ts) behind the SOAP API and GİB's EFatura endpoint. The worker is
 * built but started by the caller.
 */
export async function createApp(deps: AppDeps) {
  const gateway = composeGateway(deps);
  const { config, db, logger, clock, worker, blobs, authenticator } = gateway;
  const { invoices, outgoing, inbox, gib, ledgers, ledgerArchive } = gateway.services;

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger));
  // Starting: set by server.ts while its start-up work runs (the demo companies' accounts opened at the simulator).
  let starting = false;
  app.get('/health', (_req, res) => {
    const pkg = gateway.gibPackage.current();
    res.status(starting ? 503 : 200).json({ status: starting ? 'starting' : 'ok', gibPackage: pkg ? { id: pkg.id, date: pkg.date, origin: pkg.origin } : null });
  });
  app.get('/metrics', metricsHandler);
  if (gib) {
    app.use(
      createGibEndpoint({
        inbound: gib.inbound,
        logger: logger.child({ component: 'gib' }),
        maxBytes: config.limits.maxRequestBytes,
        wsdlFile: config.gibDir ? path.join(config.gibDir, 'e-fatura-paketi', 'wsdl', 'EFatura_Test.wsdl') : null,
        publicUrl: config.gib.publicUrl,
        onReceived: () => worker.nudge(),
      }),
    );
  }
  await gateway.ensurePeriodicJobs();

  const wsdlXml = fs.readFileSync(WSDL_FILE, 'utf8');
  const opDeps = { authenticator, logger };
  mountSoapServer(app, {
    path: SOAP_PATH,
    wsdlXml,
    publicUrl: deps.publicUrl,
    maxRequestBytes: config.limits.maxRequestBytes,
    operations: {
      SendInvoice: sendInvoiceOperation({ ...opDeps, invoices }),
      GetStatus: getStatusOperation({ ...opDeps, invoices }),
      ...outgoingOperations({ ...opDeps, outgoing, visuals: gateway.services.visuals }),
      ...ledgerOperations({ ...opDeps, ledgers }),
      ...ledgerArchiveOperations({ ...opDeps, archive: ledgerArchive }),
      ...creditOperations({ ...opDeps, credits: gateway.services.credits }),
      ...activationOperations({ ...opDeps, activation: gateway.services.activation }),
      ...(gib ? gibOperations({ ...opDeps, gib, invoices, inbox, blobs, clock, visuals: gateway.services.visuals }) : {}),
    },
  });

  // e-Logo's PostBoxService beside our API, on the same services (src/elogo).
  mountPostBoxService(app, {
    maxRequestBytes: config.limits.maxRequestBytes,
    publicUrl: deps.publicUrl,
    service: createPostBoxService({
      db,
      clock,
      logger: logger.child({ component: 'postbox' }),
      authenticator,
      invoices,
      outgoing,
      blobs,
      invoiceCancel: gib?.invoiceCancel ?? null,
      applicationResponses: gib?.applicationResponses ?? null,
      users: gib?.users ?? null,
      visuals: gateway.services.visuals,
      sessionMinutes: config.auth.elogoSessionMinutes,
    }),
  });

  // The web portal (src/portal): the same users and services, for people.
  mountPortal(app, {
    db,
    clock,
    logger: logger.child({ component: 'portal' }),
    blobs,
    authenticator,
    settings: config.portal,
    nudge: () => worker.nudge(),
    services: {
      invoices,
      outgoing,
      inbox,
      ledgers,
      ledgerArchive,
      activation: gateway.services.activation,
      credits: gateway.services.credits,
      visuals: gateway.services.visuals,
      invoiceCancel: gib?.invoiceCancel ?? null,
      efaturaCancel: gib?.efaturaCancel ?? null,
      applicationResponses: gib?.applicationResponses ?? null,
      gibStatus: gib?.status ?? null,
    },
  });

  return {
    ...gateway,
    app,
    /** /health answers 503 "starting" while set. */
    setStarting(value: boolean) {
      starting = value;
    },
  };
}

export type GatewayApp = Awaited<ReturnType<typeof createApp>>;
