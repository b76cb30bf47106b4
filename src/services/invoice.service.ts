import type { Knex } from 'knex';
import { invoiceChargeRef, type CreditService } from '../activation/credits';
import { latestCancelRequest } from '../db/cancel-requests';
import { isUniqueViolation } from '../db/connect';
import { findInvoice, insertInvoice, invoiceById, nextInvoiceNumber, type InvoiceRow } from '../db/invoices';
import { entities, type HistoryEntry, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { displayEnvelopeId, toEttn, type Ettn } from '../ids';
import { describeState, earsivInvoiceMachine, efaturaInvoiceMachine, machineById, portalTab, type ElogoStatus, type PortalTab } from '../machines';
import type { Caller } from '../security/authenticator';
import { sha256Hex, type BlobStore } from '../storage/blob-store';
import type { ArithmeticPolicy, Channel, InvoiceFacts, InvoiceWarning } from '../validation';

export interface SendInvoiceInput {
  document: Buffer;
  container: 'auto' | 'xml' | 'zip';
  /** The gateway takes the next number of the tenant's series (e-Logo's SETDOCUMENTNUMBER). */
  assignNumber: boolean;
  /** 3-character series prefix for an assigned number; the tenant's default for the document kind otherwise. */
  numberSeries?: string | null;
  /** The caller signed the document itself (its signature is verified instead of signing again). */
  signed: boolean;
  /** The GİB channel the caller means (e-Logo's DOCUMENTTYPE); unset: inferred from the profile. */
  channel?: Channel | null;
  /** The receiver's postbox alias to deliver to (e-Logo's ALIAS), when it has several; unset: its first. */
  receiverAlias?: string | null;
}

export interface InvoiceStatusView {
  ettn: Ettn;
  invoiceNumber: string | null;
  documentKind: 'EFATURA' | 'EARSIV';
  profileId: string;
  state: string;
  status: number;
  code: number;
  description: string;
  portalTab: PortalTab | null;
  /** e-Fatura: the SENDERENVELOPE that carries it, once enveloped (stage 40). */
  envelopeId: string | null;
  /** TICARIFATURA: the receiver's answer, once it came. */
  applicationResponse: 'KABUL' | 'RED' | null;
  /** e-Fatura: the latest cancellation request at GİB's portal and its state as the portal words it. */
  cancelRequest: { requestId: string; state: string } | null;
  /** Inconsistencies the invoice was accepted with (the tenant's arithmetic policy warn), as SendInvoice reported them. */
  warnings: InvoiceWarning[];
  /** The GİB package whose XSDs and schematron checked the invoice (id: date and digest); null: none was configured. */
  gibPackage: string | null;
  receivedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
}

export interface InvoiceValidator {
  validate(
    input: Buffer,
    opts: { container: 'auto' | 'xml' | 'zip'; numberWillBeAssigned: boolean; channel?: Channel; arithmetic: ArithmeticPolicy },
  ): Promise<{ xml: Buffer; fileName: string | null; facts: InvoiceFacts; warnings: InvoiceWarning[]; gibPackage?: string | null }>;
}

export interface InvoiceServiceDeps {
  db: Knex;
  store: MachineStore;
  writer: WriteBatcher;
  validator: InvoiceValidator;
  blobs: BlobStore;
  clock: () => Date;
  /** Verifies a caller-signed document (XAdES, chain, signer = tenant); throws a typed fault. */
  verifySignature: (xml: Buffer, expectedSignerId: string) => Promise<void>;
  /**
   * Checks the receiver against GİB's user list: an e-Fatura only to a registered user, an e-Arşiv invoice only to
   * someone who is not (DOMAIN.md). Absent when no GİB is configured.
   */
  checkReceiver?: (kind: 'EFATURA' | 'EARSIV', receiverId: string) => Promise<void>;
  /** Tells an in-process worker that a job is waiting (it would find it at its next poll anyway). */
  onEnqueued?: () => void;
  /**
   * A service ordered through activation (src/activation) is used only while open: SERVICE_NOT_ACTIVE otherwise
   * (absent, or a service never ordered there: no check).
   */
  requireService?: (tenantId: number, kind: 'EFATURA' | 'EARSIV') => Promise<void>;
  /** Kontör: each accepted invoice takes its credit in the unit that stores it (absent: nothing is metered). */
  credits?: Pick<CreditService, 'charge'>;
}

/** What the ERP sees of an invoice's state: its machine's status, code and description, and the e-Arşiv portal tab. */
export function invoiceStateOf(row: InvoiceRow): { state: string; status: ElogoStatus; code: number; description: string; portalTab: PortalTab | null } {
  const described = describeState(machineById(row.machine), row.state, row.context);
  return { state: row.state, ...described, portalTab: row.kind === 'EARSIV' ? portalTab(described.status) : null };
}

/** States in which an e-Fatura can have a cancellation request (delivered, answered KABUL, cancelled). */
const CANCELLABLE_OR_CANCELLED = new Set(['DELIVERED', 'ACCEPTED', 'CANCELLED']);

export function createInvoiceService(deps: InvoiceServiceDeps) {
  const { db } = deps;

  async function latestCancel(invoiceId: number, q: Knex): Promise<{ requestId: string; state: string } | null> {
    const r = await latestCancelRequest(q, invoiceId);
    if (!r) return null;
    return { requestId: r.portalId, state: describeState(machineById(r.machine), r.state, r.context).description };
  }

  async function statusView(row: InvoiceRow, q: Knex = db): Promise<InvoiceStatusView> {
    return {
      ettn: row.ettn,
      invoiceNumber: row.number,
      documentKind: row.kind,
      profileId: row.profileId,
      ...invoiceStateOf(row),
      envelopeId: row.envelopeId ? displayEnvelopeId(row.envelopeId) : null,
      applicationResponse: (row.context.applicationResponse as { code?: 'KABUL' | 'RED' } | undefined)?.code ?? null,
      cancelRequest: row.kind === 'EFATURA' && CANCELLABLE_OR_CANCELLED.has(row.state) ? await latestCancel(row.id, q) : null,
      warnings: (row.context.warnings as InvoiceWarning[] | undefined) ?? [],
      gibPackage: (row.context.gibPackage as string | undefined) ?? null,
      receivedAt: row.createdAt,
      updatedAt: row.updatedAt,
      history: await deps.store.history(row.machine, row.id, q),
    };
  }

  /** A resend of a known ETTN: the first result when the content is the same, a fault when it is not. */
  async function existingResult(tenantId: number, ettn: Ettn, receivedSha: string): Promise<InvoiceStatusView | null> {
    const row = await findInvoice(db, tenantId, { ettn });
    if (!row) return null;
    if (row.receivedSha256 !== receivedSha) throw new GatewayError('ETTN_CONFLICT', { ettn });
    return statusView(row);
  }

  return {
    async sendInvoice(caller: Caller, input: SendInvoiceInput): Promise<InvoiceStatusView> {
      const tenant = await tenantById(db, caller.tenantId);
      if (!tenant) throw new GatewayError('AUTH_FAILED'); // removed since the login was cached
      const { xml, facts, warnings, gibPackage } = await deps.validator.validate(input.document, {
        container: input.container,
        numberWillBeAssigned: input.assignNumber,
        ...(input.channel ? { channel: input.channel } : {}),
        arithmetic: tenant.arithmeticPolicy,
      });
      if (facts.senderId !== caller.tenantVkn) throw new GatewayError('TENANT_MISMATCH', { vkn: facts.senderId });
      if (!input.assignNumber && !facts.number) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:ID (fatura numarası)' });
      if (input.numberSeries && !/^[A-Z0-9]{3}$/.test(input.numberSeries)) {
        throw new GatewayError('REQUEST_FIELD', { field: 'numberSeries' });
      }

      if (input.signed && input.assignNumber) {
        throw new GatewayError('REQUEST_FIELD', { field: 'assignNumber (imzali belgenin numarasi degistirilemez)' });
      }
      if (!input.signed && facts.hasSignature) {
        throw new GatewayError('REQUEST_FIELD', { field: 'signed (belge imzali gonderildi, signed=true olmali)' });
      }

      const receivedSha = sha256Hex(xml);
      const ettn = toEttn(facts.ettn);
      const known = await existingResult(caller.tenantId, ettn, receivedSha);
      if (known) return known;

      await deps.requireService?.(caller.tenantId, facts.kind);
      if (input.signed) await deps.verifySignature(xml, caller.tenantVkn);
      await deps.checkReceiver?.(facts.kind, facts.receiverId);

      const machine = facts.kind === 'EARSIV' ? earsivInvoiceMachine : efaturaInvoiceMachine;
      const now = deps.clock().toISOString();
      let number = input.assignNumber ? null : facts.number;
      let id: number;
      try {
        id = await deps.writer.run(async (trx) => {
          // Kontör first, in this same unit: past the limit (CREDIT_LIMIT) nothing of the invoice is stored, and the
          // credit is taken exactly when the invoice is. The ETTN is new here (a resend was answered above; a
          // concurrent one fails this unit on the invoice's or the movement's unique key and is answered below).
          await deps.credits?.charge(trx, {
            tenantId: caller.tenantId,
            document: facts.kind,
            ref: invoiceChargeRef(facts.kind, ettn),
            description: `${facts.kind === 'EARSIV' ? 'e-Arşiv' : 'e-Fatura'} ${number ? `${number} ` : ''}ETTN ${ettn}`,
            actor: `user:${caller.username}`,
            at: now,
          });
          // The original commits with the row that names it (a large one is a file, fsynced first).
          await deps.blobs.put(xml, trx);
          if (input.assignNumber) {
            number = await nextInvoiceNumber(trx, {
              tenantId: caller.tenantId,
              kind: facts.kind,
              prefix: input.numberSeries ?? (facts.kind === 'EARSIV' ? tenant.earsivSeries : tenant.efaturaSeries),
              year: Number(facts.issueDate.slice(0, 4)),
            });
          }
          const newId = await insertInvoice(trx, {
            tenantId: caller.tenantId,
            machine: machine.id,
            state: machine.initial,
            ettn,
            number,
            kind: facts.kind,
            profileId: facts.profileId,
            typeCode: facts.typeCode,
            issueDate: facts.issueDate,
            receiverId: facts.receiverId,
            receiverName: facts.receiverName,
            currency: facts.currency,
            payableAmount: facts.payableAmount,
            receivedSha256: receivedSha,
            callerSigned: input.signed,
            context: {
              profileId: facts.profileId,
              numberAssigned: input.assignNumber,
              lineCount: facts.lineCount,
              ...(input.receiverAlias ? { receiverAlias: input.receiverAlias } : {}),
              ...(warnings.length > 0 ? { warnings } : {}),
              ...(gibPackage ? { gibPackage } : {}),
            },
            createdAt: now,
          });
          await deps.store.recordCreated(trx, machine, entities.invoice(newId), `user:${caller.username}`, 'SendInvoice');
          return newId;
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // A concurrent send of the same ETTN won the race, or the caller's own number is taken.
        const raced = await existingResult(caller.tenantId, ettn, receivedSha);
        if (raced) return raced;
        throw new GatewayError('NUMBER_IN_USE', { number: number ?? '' });
      }
      deps.onEnqueued?.();
      return statusView((await invoiceById(db, id))!);
    },

    async getStatus(caller: Caller, query: { ettn?: Ettn | null; invoiceNumber?: string | null }): Promise<InvoiceStatusView> {
      if (!query.ettn && !query.invoiceNumber) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber' });
      // Always scoped by tenant: another tenant's document gets the same answer as one that does not exist.
      const row = await findInvoice(db, caller.tenantId, { ettn: query.ettn, number: query.invoiceNumber });
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return statusView(row);
    },
  };
}

export type InvoiceService = ReturnType<typeof createInvoiceService>;
