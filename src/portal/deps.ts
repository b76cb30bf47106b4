/**
 * What the portal's screens are built on: the same services as the SOAP API (no rule twice), the database for the
 * session store, and the business clock. GİB's parts are null in a gateway that only signs (no GİB configured).
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ActivationService } from '../activation/activation.service';
import type { CreditService } from '../activation/credits';
import type { GatewayConfig } from '../config';
import type { Authenticator } from '../security/authenticator';
import type { ApplicationResponseService } from '../services/application-response.service';
import type { EfaturaCancelService } from '../services/efatura-cancel.service';
import type { GibStatusService } from '../services/gib-status.service';
import type { InboxService } from '../services/inbox.service';
import type { InvoiceCancelService } from '../services/invoice-cancel.service';
import type { InvoiceService } from '../services/invoice.service';
import type { InvoiceVisualService } from '../services/invoice-visual.service';
import type { LedgerArchiveService } from '../services/ledger-archive.service';
import type { LedgerService } from '../services/ledger.service';
import type { OutgoingInvoiceService } from '../services/outgoing-invoices.service';
import type { BlobStore } from '../storage/blob-store';

export interface PortalServices {
  invoices: InvoiceService;
  outgoing: OutgoingInvoiceService;
  inbox: InboxService;
  ledgers: LedgerService;
  ledgerArchive: LedgerArchiveService;
  activation: ActivationService;
  credits: CreditService;
  /** UBL / HTML / PDF of an invoice, sent or received (src/services/invoice-visual.service.ts). */
  visuals: InvoiceVisualService;
  /** GİB's side; null when the gateway has no GİB configured. */
  invoiceCancel: InvoiceCancelService | null;
  efaturaCancel: EfaturaCancelService | null;
  applicationResponses: ApplicationResponseService | null;
  gibStatus: GibStatusService | null;
}

export interface PortalDeps {
  db: Knex;
  clock: () => Date;
  logger: Logger;
  blobs: BlobStore;
  authenticator: Authenticator;
  settings: GatewayConfig['portal'];
  services: PortalServices;
  /** Wakes the worker after an action queued a job (a step of e-Defter, a status query). */
  nudge: () => void;
}
