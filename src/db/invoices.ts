/**
 * The `invoices` table (the invoices tenants send, driven by the e-Fatura and e-Arşiv invoice machines) and
 * `number_series` (their gapless numbers).
 */
import type { Knex } from 'knex';
import { GatewayError } from '../faults';
import type { EnvelopeId, Ettn } from '../ids';
import { insertedId, parseJson, type Queryable } from './connect';
import { selectAll, selectFirst } from './sql';

export type DocumentKind = 'EFATURA' | 'EARSIV';

export interface InvoiceRow {
  id: number;
  tenantId: number;
  machine: string;
  state: string;
  version: number;
  ettn: Ettn;
  number: string | null;
  kind: DocumentKind;
  profileId: string;
  typeCode: string;
  issueDate: string;
  receiverId: string;
  receiverName: string | null;
  currency: string;
  payableAmount: string;
  /** What the caller sent: with the ETTN, the idempotency key. */
  receivedSha256: string;
  /** The stored original. */
  documentSha256: string;
  signedSha256: string | null;
  callerSigned: boolean;
  context: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** e-Fatura: the SENDERENVELOPE that carries it, once enveloped. */
  envelopeId: EnvelopeId | null;
}

export interface NewInvoiceRow {
  tenantId: number;
  machine: string;
  state: string;
  ettn: Ettn;
  number: string | null;
  kind: DocumentKind;
  profileId: string;
  typeCode: string;
  issueDate: string;
  receiverId: string;
  receiverName: string;
  currency: string;
  payableAmount: string;
  receivedSha256: string;
  callerSigned: boolean;
  context: Record<string, unknown>;
  createdAt: string;
}

function toInvoice(r: Record<string, unknown>): InvoiceRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    machine: String(r.machine),
    state: String(r.state),
    version: Number(r.version),
    ettn: r.ettn as Ettn,
    number: (r.invoice_number as string | null) ?? null,
    kind: r.kind as DocumentKind,
    profileId: String(r.profile_id),
    typeCode: String(r.type_code),
    issueDate: String(r.issue_date),
    receiverId: String(r.receiver_id),
    receiverName: (r.receiver_name as string | null) ?? null,
    currency: String(r.currency),
    payableAmount: String(r.payable_amount),
    receivedSha256: String(r.received_sha256),
    documentSha256: String(r.document_sha256),
    signedSha256: (r.signed_sha256 as string | null) ?? null,
    callerSigned: Boolean(r.caller_signed),
    context: parseJson<Record<string, unknown>>(r.context, {}),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    envelopeId: (r.envelope_id as EnvelopeId | null) ?? null,
  };
}

export async function insertInvoice(q: Queryable, i: NewInvoiceRow): Promise<number> {
  const returned = await q('invoices')
    .insert({
      tenant_id: i.tenantId,
      machine: i.machine,
      state: i.state,
      version: 1,
      ettn: i.ettn,
      invoice_number: i.number,
      kind: i.kind,
      profile_id: i.profileId,
      type_code: i.typeCode,
      issue_date: i.issueDate,
      receiver_id: i.receiverId,
      receiver_name: i.receiverName.slice(0, 250),
      currency: i.currency,
      payable_amount: i.payableAmount,
      received_sha256: i.receivedSha256,
      document_sha256: i.receivedSha256,
      caller_signed: i.callerSigned,
      context: JSON.stringify(i.context),
      created_at: i.createdAt,
      updated_at: i.createdAt,
    })
    .returning('id');
  return insertedId(returned);
}

export async function invoiceById(q: Queryable, id: number): Promise<InvoiceRow | null> {
  const row = await selectFirst(q, 'select * from invoices where id = ?', [id]);
  return row ? toInvoice(row) : null;
}

/** A tenant's invoice by ETTN and/or number; another tenant's is not found. */
export async function findInvoice(q: Queryable, tenantId: number, ref: { ettn?: Ettn | null; number?: string | null }): Promise<InvoiceRow | null> {
  const where = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  if (ref.ettn) {
    where.push('ettn = ?');
    params.push(ref.ettn);
  }
  if (ref.number) {
    where.push('invoice_number = ?');
    params.push(ref.number);
  }
  const row = await selectFirst(q, `select * from invoices where ${where.join(' and ')}`, params);
  return row ? toInvoice(row) : null;
}

/** The invoices an envelope carries, optionally only those in `state`. */
export async function invoicesOfEnvelope(q: Queryable, envelopeId: EnvelopeId, state?: string): Promise<Array<{ id: number; state: string }>> {
  const rows = state
    ? await selectAll(q, 'select id, state from invoices where envelope_id = ? and state = ?', [envelopeId, state])
    : await selectAll(q, 'select id, state from invoices where envelope_id = ?', [envelopeId]);
  return rows.map((r) => ({ id: Number(r.id), state: String(r.state) }));
}

/** Records the signed document, unless the row moved on meanwhile (false). */
export async function setSignedDocument(q: Queryable, id: number, version: number, sha256: string): Promise<boolean> {
  return (await q('invoices').where({ id, version }).update({ signed_sha256: sha256 })) === 1;
}

/** Records the envelope that carries the invoice, unless the row moved on meanwhile (false). */
export async function setEnvelope(q: Queryable, id: number, version: number, envelopeId: EnvelopeId): Promise<boolean> {
  return (await q('invoices').where({ id, version }).update({ envelope_id: envelopeId })) === 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Number series

const MAX_SEQUENCE = 999_999_999;

/**
 * Takes the next invoice number of a tenant's series for a year, inside the caller's transaction: gapless because a
 * rolled-back transaction gives its number back, restarting each year because the year is part of the key, never
 * reused because the counter only grows. On PostgreSQL the increment's row lock serialises concurrent senders;
 * SQLite has one writer. Format (DOMAIN.md): 3-character prefix + 4-digit year + 9-digit sequence.
 */
export async function nextInvoiceNumber(
  trx: Knex.Transaction,
  series: { tenantId: number; kind: DocumentKind; prefix: string; year: number },
): Promise<string> {
  await trx('number_series')
    .insert({ tenant_id: series.tenantId, kind: series.kind, prefix: series.prefix, year: series.year, last_value: 0 })
    .onConflict(['tenant_id', 'prefix', 'year'])
    .ignore();
  const [row] = await trx('number_series')
    .where({ tenant_id: series.tenantId, prefix: series.prefix, year: series.year })
    .increment('last_value', 1)
    .returning(['last_value', 'kind']);
  if (row.kind !== series.kind) {
    throw new GatewayError('REQUEST_FIELD', { field: `numberSeries (${series.prefix} serisi ${row.kind} icin kullaniliyor)` });
  }
  const value = Number(row.last_value);
  if (value > MAX_SEQUENCE) throw new GatewayError('NUMBER_SERIES_EXHAUSTED', { series: `${series.prefix}${series.year}` });
  return `${series.prefix}${series.year}${String(value).padStart(9, '0')}`;
}
