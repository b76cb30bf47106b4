import type { Knex } from 'knex';
import { findIncomingInvoice, listIncomingInvoices, type IncomingInvoiceRow } from '../db/incoming-invoices';
import { GatewayError } from '../faults';
import type { Ettn } from '../ids';
import { describeState, incomingInvoiceMachine, type ElogoStatus } from '../machines';

/**
 * A tenant's inbox: the invoices other companies sent it (incoming_invoices, filled by the gib.inbound task). Reads
 * only; answering an invoice (KABUL/RED) is an event of its machine. Another tenant's invoice gets the answer of one
 * that does not exist.
 */
export type IncomingInvoiceView = Pick<
  IncomingInvoiceRow,
  | 'id' | 'ettn' | 'profileId' | 'typeCode' | 'issueDate' | 'senderVkn' | 'senderName' | 'senderAlias' | 'receiverAlias' | 'currency'
  | 'payableAmount' | 'documentSha256' | 'envelopeId' | 'state' | 'updatedAt'
> & {
  invoiceNumber: string;
  status: ElogoStatus;
  code: number;
  description: string;
  /** When it reached the inbox. */
  receivedAt: string;
};

export interface InboxQuery {
  /** Received at or after (ISO-8601); inclusive. */
  from?: string | null;
  /** Received before (ISO-8601); exclusive. */
  to?: string | null;
  /** At most this many, oldest first (default 1000). */
  limit?: number;
}

function toView(row: IncomingInvoiceRow): IncomingInvoiceView {
  const d = describeState(incomingInvoiceMachine, row.state, row.context);
  return {
    id: row.id,
    ettn: row.ettn,
    invoiceNumber: row.number,
    profileId: row.profileId,
    typeCode: row.typeCode,
    issueDate: row.issueDate,
    senderVkn: row.senderVkn,
    senderName: row.senderName,
    senderAlias: row.senderAlias,
    receiverAlias: row.receiverAlias,
    currency: row.currency,
    payableAmount: row.payableAmount,
    documentSha256: row.documentSha256,
    envelopeId: row.envelopeId,
    state: row.state,
    status: d.status,
    code: d.code,
    description: d.description,
    receivedAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function createInboxService(deps: { db: Knex }) {
  return {
    async listInbox(tenantId: number, q: InboxQuery = {}): Promise<IncomingInvoiceView[]> {
      const limit = q.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new GatewayError('REQUEST_FIELD', { field: 'limit (1–10000)' });
      return (await listIncomingInvoices(deps.db, tenantId, { from: q.from, to: q.to, limit })).map(toView);
    },

    /** One incoming invoice by its ETTN; DOCUMENT_NOT_FOUND when the tenant has none. */
    async getIncoming(tenantId: number, ettn: Ettn): Promise<IncomingInvoiceView> {
      const row = await findIncomingInvoice(deps.db, tenantId, ettn);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return toView(row);
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
