/**
 * The `incoming_invoices` table: the receiver side, invoices other companies sent to a tenant (its inbox), driven by
 * the incoming-invoice machine.
 */
import type { EnvelopeId, Ettn } from '../ids';
import { insertedId, parseJson, reading, type Queryable } from './connect';
import { listSource } from './invoices';
import { selectAll, selectFirst } from './sql';

export interface IncomingInvoiceRow {
  id: number;
  tenantId: number;
  machine: string;
  state: string;
  version: number;
  context: Record<string, unknown>;
  ettn: Ettn;
  number: string;
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
  envelopeId: EnvelopeId;
  /** When it reached the inbox. */
  createdAt: string;
  updatedAt: string;
}

export type NewIncomingInvoiceRow = Omit<IncomingInvoiceRow, 'id' | 'version' | 'updatedAt'>;

function toIncoming(r: Record<string, unknown>): IncomingInvoiceRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    machine: String(r.machine),
    state: String(r.state),
    version: Number(r.version),
    context: parseJson<Record<string, unknown>>(r.context, {}),
    ettn: r.ettn as Ettn,
    number: String(r.invoice_number),
    profileId: String(r.profile_id),
    typeCode: String(r.type_code),
    issueDate: String(r.issue_date),
    senderVkn: String(r.sender_vkn),
    senderName: (r.sender_name as string | null) ?? null,
    senderAlias: String(r.sender_alias),
    receiverAlias: String(r.receiver_alias),
    currency: String(r.currency),
    payableAmount: String(r.payable_amount),
    documentSha256: String(r.document_sha256),
    envelopeId: r.envelope_id as EnvelopeId,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export async function insertIncomingInvoice(q: Queryable, i: NewIncomingInvoiceRow): Promise<number> {
  const returned = await q('incoming_invoices')
    .insert({
      tenant_id: i.tenantId,
      machine: i.machine,
      state: i.state,
      version: 1,
      context: JSON.stringify(i.context),
      ettn: i.ettn,
      invoice_number: i.number,
      profile_id: i.profileId,
      type_code: i.typeCode,
      issue_date: i.issueDate,
      sender_vkn: i.senderVkn,
      sender_name: i.senderName,
      sender_alias: i.senderAlias,
      receiver_alias: i.receiverAlias,
      currency: i.currency,
      payable_amount: i.payableAmount,
      document_sha256: i.documentSha256,
      envelope_id: i.envelopeId,
      created_at: i.createdAt,
      updated_at: i.createdAt,
    })
    .returning('id');
  return insertedId(returned);
}

export async function incomingInvoiceById(q: Queryable, id: number): Promise<IncomingInvoiceRow | null> {
  const row = await reading(q)('incoming_invoices').where({ id }).first();
  return row ? toIncoming(row) : null;
}

/** A tenant's incoming invoice by ETTN; another tenant's is not found. */
export async function findIncomingInvoice(q: Queryable, tenantId: number, ettn: Ettn): Promise<IncomingInvoiceRow | null> {
  const row = await selectFirst(q, 'select * from incoming_invoices where tenant_id = ? and ettn = ?', [tenantId, ettn]);
  return row ? toIncoming(row) : null;
}

/** A tenant's inbox, oldest first: received at or after `from`, before `to` (ISO-8601), at most `limit`. */
export async function listIncomingInvoices(q: Queryable, tenantId: number, w: { from?: string | null; to?: string | null; limit: number }): Promise<IncomingInvoiceRow[]> {
  const query = reading(q)('incoming_invoices').where({ tenant_id: tenantId });
  if (w.from) query.andWhere('created_at', '>=', w.from);
  if (w.to) query.andWhere('created_at', '<', w.to);
  return (await query.orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(w.limit).select()).map(toIncoming);
}

export interface IncomingListFilter {
  /** Received at or after (ISO-8601 instant); inclusive. */
  from?: string | null;
  /** Received before (ISO-8601 instant); exclusive. */
  to?: string | null;
  senderVkn?: string | null;
  state?: string | null;
  profileId?: string | null;
  /** One invoice number (exact). */
  number?: string | null;
  /** Continue after this row (the last one of the previous page): its created_at and id. */
  after?: { key: string; id: number } | null;
  limit: number;
}

/**
 * The index each page is read from on SQLite (migration 014): the one that starts with the narrowest filter given
 * and goes on in the page's order. SQLite is told (INDEXED BY) for the reason src/db/invoices.ts gives: without
 * statistics its planner may take the unique (tenant_id, ettn) index and sort every row of the tenant.
 */
function inboxIndex(f: IncomingListFilter): string {
  if (f.number) return 'incoming_tenant_number';
  if (f.senderVkn) return 'incoming_tenant_sender_created';
  if (f.state) return 'incoming_tenant_state_created';
  if (f.profileId) return 'incoming_tenant_profile_created';
  return 'incoming_tenant_created';
}

/**
 * A page of a tenant's inbox, newest first (by when each invoice arrived, then id), with keyset paging: a page costs
 * the same on the millionth row as on the first, and a deep page skips nothing.
 */
export async function listIncomingPage(q: Queryable, tenantId: number, f: IncomingListFilter): Promise<IncomingInvoiceRow[]> {
  const where = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (f.number) add('invoice_number = ?', f.number);
  if (f.senderVkn) add('sender_vkn = ?', f.senderVkn);
  if (f.state) add('state = ?', f.state);
  if (f.profileId) add('profile_id = ?', f.profileId);
  if (f.from) add('created_at >= ?', f.from);
  if (f.to) add('created_at < ?', f.to);
  if (f.after) {
    // A row value: both databases turn it into one range of the index.
    where.push('(created_at, id) < (?, ?)');
    params.push(f.after.key, f.after.id);
  }
  const limit = Number(f.limit);
  const from = listSource(q, 'incoming_invoices', inboxIndex(f));
  const rows = await selectAll(q, `select * from ${from} where ${where.join(' and ')} order by created_at desc, id desc limit ${limit}`, params);
  return rows.map(toIncoming);
}
