import type { Knex } from 'knex';
import { envelopeById, type EnvelopeRow } from '../db/envelopes';
import { findIncomingInvoice, listIncomingInvoices, listIncomingPage, type IncomingInvoiceRow } from '../db/incoming-invoices';
import { entityHistory, type HistoryEntry } from '../db/machine-store';
import { GatewayError } from '../faults';
import type { Ettn } from '../ids';
import { describeState, incomingInvoiceMachine, type ElogoStatus } from '../machines';
import { turkishDayStart } from '../turkish-time';
import { day, decodePageToken, encodePageToken } from './outgoing-invoices.service';

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

/** A page of the inbox (the portal's Gelen Kutusu): newest first, filtered on the server, keyset pages. */
export interface InboxPageQuery {
  /** Days (YYYY-MM-DD, Turkish) the invoice arrived in, both included. */
  from?: string | null;
  to?: string | null;
  senderVkn?: string | null;
  /** A state of the incoming-invoice machine (INBOX, ACCEPTED, REJECTED, CANCELLED). */
  state?: string | null;
  /** cbc:ProfileID (TEMELFATURA, TICARIFATURA, …). */
  profileId?: string | null;
  invoiceNumber?: string | null;
  pageSize?: number | null;
  /** nextPageToken of the previous page. */
  pageToken?: string | null;
}

export const INBOX_DEFAULT_PAGE_SIZE = 50;
export const INBOX_MAX_PAGE_SIZE = 500;

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

    /** A page of the inbox, newest first; every filter is applied by the database (a tenant may hold millions). */
    async page(tenantId: number, q: InboxPageQuery = {}): Promise<{ invoices: IncomingInvoiceView[]; nextPageToken: string | null }> {
      const from = day(q.from, 'from');
      const to = day(q.to, 'to');
      if (from && to && from > to) throw new GatewayError('REQUEST_FIELD', { field: 'from/to (from, to gününden sonra)' });
      const pageSize = q.pageSize ?? INBOX_DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > INBOX_MAX_PAGE_SIZE) throw new GatewayError('REQUEST_FIELD', { field: `pageSize (1–${INBOX_MAX_PAGE_SIZE})` });
      if (q.senderVkn && !/^[0-9]{10,11}$/.test(q.senderVkn)) throw new GatewayError('REQUEST_FIELD', { field: 'senderVkn' });
      if (q.state && !(q.state in incomingInvoiceMachine.states)) throw new GatewayError('REQUEST_FIELD', { field: 'state' });
      if (q.profileId && !/^[A-Z_]{1,40}$/.test(q.profileId)) throw new GatewayError('REQUEST_FIELD', { field: 'profileId' });
      if (q.invoiceNumber && !/^[A-Z0-9]{1,16}$/.test(q.invoiceNumber)) throw new GatewayError('REQUEST_FIELD', { field: 'invoiceNumber' });
      const rows = await listIncomingPage(deps.db, tenantId, {
        from: from && turkishDayStart(from).toISOString(),
        to: to && turkishDayStart(to, 1).toISOString(),
        senderVkn: q.senderVkn ?? null,
        state: q.state ?? null,
        profileId: q.profileId ?? null,
        number: q.invoiceNumber ?? null,
        after: q.pageToken ? decodePageToken(q.pageToken) : null,
        limit: pageSize + 1, // one more than asked: whether there is a next page, without an empty last one
      });
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1]!;
      return { invoices: page.map(toView), nextPageToken: rows.length > pageSize ? encodePageToken({ key: last.createdAt, id: last.id }) : null };
    },

    /** The incoming invoice's history (its machine's transitions), oldest first; only the tenant's own. */
    async history(tenantId: number, ettn: Ettn): Promise<HistoryEntry[]> {
      const row = await findIncomingInvoice(deps.db, tenantId, ettn);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return entityHistory(deps.db, row.machine, row.id);
    },

    /** The envelope the incoming invoice came in (as received: the ZIP's blob); null when it is not known. */
    async envelope(tenantId: number, ettn: Ettn): Promise<EnvelopeRow | null> {
      const row = await findIncomingInvoice(deps.db, tenantId, ettn);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const envelope = await envelopeById(deps.db, row.envelopeId, 'IN');
      return envelope && envelope.tenantId === tenantId ? envelope : null;
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
