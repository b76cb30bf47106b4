import type { Knex } from 'knex';
import { isUniqueViolation, parseJson } from '../db/connect';
import { entities, type HistoryEntry, type MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { describeState, earsivInvoiceMachine, efaturaInvoiceMachine, machineById, portalTab, type PortalTab } from '../machines';
import type { Caller } from '../security/authenticator';
import { sha256Hex, type BlobStore } from '../storage/blob-store';
import type { InvoiceFacts } from '../validation';
import { nextInvoiceNumber } from './number-series';

export interface SendInvoiceInput {
  document: Buffer;
  container: 'auto' | 'xml' | 'zip';
  /** The gateway takes the next number of the tenant's series (e-Logo's SETDOCUMENTNUMBER). */
  assignNumber: boolean;
  /** 3-character series prefix for an assigned number; the tenant's default for the document kind otherwise. */
  numberSeries?: string | null;
  /** The caller signed the document itself (its signature is verified instead of signing again). */
  signed: boolean;
}

export interface InvoiceStatusView {
  ettn: string;
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
  receivedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
}

export interface InvoiceValidator {
  validate(
    input: Buffer,
    opts: { container: 'auto' | 'xml' | 'zip'; numberWillBeAssigned: boolean },
  ): Promise<{ xml: Buffer; fileName: string | null; facts: InvoiceFacts }>;
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
}

const INVOICE_COLUMNS = [
  'id', 'tenant_id', 'machine', 'state', 'version', 'ettn', 'invoice_number', 'kind', 'profile_id',
  'received_sha256', 'context', 'created_at', 'updated_at', 'envelope_id', 'receiver_id',
] as const;

/** States in which an e-Fatura can have a cancellation request (delivered, answered KABUL, cancelled). */
const CANCELLABLE_OR_CANCELLED = new Set(['DELIVERED', 'ACCEPTED', 'CANCELLED']);

export function createInvoiceService(deps: InvoiceServiceDeps) {
  const { db } = deps;

  async function latestCancelRequest(invoiceId: number, trx?: Knex): Promise<{ requestId: string; state: string } | null> {
    const r = await (trx ?? db)('cancel_requests').where({ invoice_id: invoiceId }).orderBy('id', 'desc').first('portal_id', 'machine', 'state', 'context');
    if (!r) return null;
    return { requestId: r.portal_id, state: describeState(machineById(r.machine), r.state, parseJson(r.context, {})).description };
  }

  async function statusView(row: Record<string, any>, trx?: Knex): Promise<InvoiceStatusView> {
    const machine = machineById(row.machine);
    const context = parseJson<Record<string, unknown>>(row.context, {});
    const state = describeState(machine, row.state, context);
    return {
      ettn: row.ettn,
      invoiceNumber: row.invoice_number ?? null,
      documentKind: row.kind,
      profileId: row.profile_id,
      state: row.state,
      ...state,
      portalTab: row.kind === 'EARSIV' ? portalTab(state.status) : null,
      envelopeId: row.envelope_id ? String(row.envelope_id).toUpperCase() : null,
      applicationResponse: (context.applicationResponse as { code?: 'KABUL' | 'RED' } | undefined)?.code ?? null,
      cancelRequest: row.kind === 'EFATURA' && CANCELLABLE_OR_CANCELLED.has(row.state) ? await latestCancelRequest(Number(row.id), trx) : null,
      receivedAt: row.created_at,
      updatedAt: row.updated_at,
      history: await deps.store.history(machine.id, Number(row.id), trx),
    };
  }

  /** A resend of a known ETTN: the first result when the content is the same, a fault when it is not. */
  async function existingResult(tenantId: number, ettn: string, receivedSha: string): Promise<InvoiceStatusView | null> {
    const row = await db('invoices').where({ tenant_id: tenantId, ettn }).first(INVOICE_COLUMNS);
    if (!row) return null;
    if (row.received_sha256 !== receivedSha) throw new GatewayError('ETTN_CONFLICT', { ettn });
    return statusView(row);
  }

  return {
    async sendInvoice(caller: Caller, input: SendInvoiceInput): Promise<InvoiceStatusView> {
      const { xml, facts } = await deps.validator.validate(input.document, {
        container: input.container,
        numberWillBeAssigned: input.assignNumber,
      });
      if (facts.senderId !== caller.tenantVkn) throw new GatewayError('TENANT_MISMATCH', { vkn: facts.senderId });
      if (!input.assignNumber && !facts.number) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:ID (fatura numarasi)' });
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
      const ettn = facts.ettn.toLowerCase(); // stored and looked up in one case: a UUID's case carries no meaning
      const known = await existingResult(caller.tenantId, ettn, receivedSha);
      if (known) return known;

      if (input.signed) await deps.verifySignature(xml, caller.tenantVkn);
      await deps.checkReceiver?.(facts.kind, facts.receiverId);

      // The original is stored (fsynced) before the row that names it is committed; a blob left by a failed
      // transaction is harmless, since blobs are content-addressed.
      await deps.blobs.put(xml);

      const machine = facts.kind === 'EARSIV' ? earsivInvoiceMachine : efaturaInvoiceMachine;
      const now = deps.clock().toISOString();
      let number = input.assignNumber ? null : facts.number;
      let id: number;
      try {
        id = await deps.writer.run(async (trx) => {
          if (input.assignNumber) {
            const tenant = await trx('tenants').where({ id: caller.tenantId }).first('efatura_series', 'earsiv_series');
            number = await nextInvoiceNumber(trx, {
              tenantId: caller.tenantId,
              kind: facts.kind,
              prefix: input.numberSeries ?? (facts.kind === 'EARSIV' ? tenant.earsiv_series : tenant.efatura_series),
              year: Number(facts.issueDate.slice(0, 4)),
            });
          }
          const [row] = await trx('invoices')
            .insert({
              tenant_id: caller.tenantId,
              machine: machine.id,
              state: machine.initial,
              version: 1,
              ettn,
              invoice_number: number,
              kind: facts.kind,
              profile_id: facts.profileId,
              type_code: facts.typeCode,
              issue_date: facts.issueDate,
              receiver_id: facts.receiverId,
              receiver_name: facts.receiverName.slice(0, 250),
              currency: facts.currency,
              payable_amount: facts.payableAmount,
              received_sha256: receivedSha,
              document_sha256: receivedSha,
              caller_signed: input.signed,
              context: JSON.stringify({ profileId: facts.profileId, numberAssigned: input.assignNumber, lineCount: facts.lineCount }),
              created_at: now,
              updated_at: now,
            })
            .returning('id');
          const newId = Number(typeof row === 'object' ? row.id : row);
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
      const row = await db('invoices').where({ id }).first(INVOICE_COLUMNS);
      return statusView(row);
    },

    async getStatus(caller: Caller, query: { ettn?: string | null; invoiceNumber?: string | null }): Promise<InvoiceStatusView> {
      if (!query.ettn && !query.invoiceNumber) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber' });
      // Always scoped by tenant: another tenant's document gets the same answer as one that does not exist.
      const where: Record<string, unknown> = { tenant_id: caller.tenantId };
      if (query.ettn) where.ettn = query.ettn.toLowerCase();
      if (query.invoiceNumber) where.invoice_number = query.invoiceNumber;
      const row = await db('invoices').where(where).first(INVOICE_COLUMNS);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return statusView(row);
    },
  };
}

export type InvoiceService = ReturnType<typeof createInvoiceService>;
