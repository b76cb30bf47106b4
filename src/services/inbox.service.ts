import type { Knex } from 'knex';
import { parseJson } from '../db/connect';
import { GatewayError } from '../faults';
import { describeState, incomingInvoiceMachine, type ElogoStatus } from '../machines';

/**
 * A tenant's inbox: the invoices other companies sent it (incoming_invoices, filled by the gib.inbound task). Reads
 * only; answering an invoice (KABUL/RED) is an event of its machine. Another tenant's invoice gets the answer of one
 * that does not exist.
 */
export interface IncomingInvoiceView {
  id: number;
  ettn: string;
  invoiceNumber: string;
  profileId: string;
  typeCode: string;
  issueDate: string;
  senderVkn: string;
  senderName: string | null;
  senderAlias: string;
  receiverAlias: string;
  currency: string;
  payableAmount: string;
  /** SHA-256 of the invoice as it came (blob store). */
  documentSha256: string;
  envelopeId: string;
  state: string;
  status: ElogoStatus;
  code: number;
  description: string;
  /** When it reached the inbox. */
  receivedAt: string;
  updatedAt: string;
}

export interface InboxQuery {
  /** Received at or after (ISO-8601); inclusive. */
  from?: string | null;
  /** Received before (ISO-8601); exclusive. */
  to?: string | null;
  /** At most this many, oldest first (default 1000). */
  limit?: number;
}

const COLUMNS = [
  'id', 'ettn', 'invoice_number', 'profile_id', 'type_code', 'issue_date', 'sender_vkn', 'sender_name', 'sender_alias',
  'receiver_alias', 'currency', 'payable_amount', 'document_sha256', 'envelope_id', 'state', 'context', 'created_at', 'updated_at',
];

function toView(row: Record<string, unknown>): IncomingInvoiceView {
  const state = String(row.state);
  const d = describeState(incomingInvoiceMachine, state, parseJson<Record<string, unknown>>(row.context, {}));
  return {
    id: Number(row.id),
    ettn: String(row.ettn),
    invoiceNumber: String(row.invoice_number),
    profileId: String(row.profile_id),
    typeCode: String(row.type_code),
    issueDate: String(row.issue_date),
    senderVkn: String(row.sender_vkn),
    senderName: (row.sender_name as string | null) ?? null,
    senderAlias: String(row.sender_alias),
    receiverAlias: String(row.receiver_alias),
    currency: String(row.currency),
    payableAmount: String(row.payable_amount),
    documentSha256: String(row.document_sha256),
    envelopeId: String(row.envelope_id),
    state,
    status: d.status,
    code: d.code,
    description: d.description,
    receivedAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export function createInboxService(deps: { db: Knex }) {
  return {
    async listInbox(tenantId: number, q: InboxQuery = {}): Promise<IncomingInvoiceView[]> {
      const limit = q.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new GatewayError('REQUEST_FIELD', { field: 'limit (1–10000)' });
      const query = deps.db('incoming_invoices').where({ tenant_id: tenantId });
      if (q.from) query.andWhere('created_at', '>=', q.from);
      if (q.to) query.andWhere('created_at', '<', q.to);
      const rows = await query.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit).select(COLUMNS);
      return rows.map(toView);
    },

    /** One incoming invoice by its ETTN (any case); DOCUMENT_NOT_FOUND when the tenant has none. */
    async getIncoming(tenantId: number, ettn: string): Promise<IncomingInvoiceView> {
      const row = await deps.db('incoming_invoices').where({ tenant_id: tenantId, ettn: ettn.trim().toLowerCase() }).first(COLUMNS);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return toView(row);
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
