/**
 * The `invoices` table (the invoices tenants send, driven by the e-Fatura and e-Arşiv invoice machines) and
 * `number_series` (their gapless numbers).
 */
import type { Knex } from 'knex';
import { GatewayError } from '../faults';
import type { EnvelopeId, Ettn } from '../ids';
import { parseJson, type Queryable } from './connect';
import { execute, executeReturning, selectAll, selectFirst } from './sql';

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

export type NewInvoiceRow = Pick<
  InvoiceRow,
  'tenantId' | 'machine' | 'state' | 'ettn' | 'number' | 'kind' | 'profileId' | 'typeCode' | 'issueDate' | 'receiverId' | 'currency' | 'payableAmount' | 'receivedSha256' | 'callerSigned' | 'context' | 'createdAt'
> & { receiverName: string };

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
  const [row] = await executeReturning<{ id: unknown }>(
    q,
    `insert into invoices (tenant_id, machine, state, version, ettn, invoice_number, kind, profile_id, type_code, issue_date, receiver_id,
       receiver_name, currency, payable_amount, received_sha256, document_sha256, caller_signed, context, created_at, updated_at)
     values (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    [
      i.tenantId, i.machine, i.state, i.ettn, i.number, i.kind, i.profileId, i.typeCode, i.issueDate, i.receiverId, i.receiverName.slice(0, 250),
      i.currency, i.payableAmount, i.receivedSha256, i.receivedSha256, i.callerSigned, JSON.stringify(i.context), i.createdAt, i.createdAt,
    ],
  );
  return Number(row!.id);
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
  return (await execute(q, 'update invoices set signed_sha256 = ? where id = ? and version = ?', [sha256, id, version])) === 1;
}

/** Records the envelope that carries the invoice, unless the row moved on meanwhile (false). */
export async function setEnvelope(q: Queryable, id: number, version: number, envelopeId: EnvelopeId): Promise<boolean> {
  return (await execute(q, 'update invoices set envelope_id = ? where id = ? and version = ?', [envelopeId, id, version])) === 1;
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
  await execute(
    trx,
    'insert into number_series (tenant_id, kind, prefix, year, last_value) values (?, ?, ?, ?, 0) on conflict (tenant_id, prefix, year) do nothing',
    [series.tenantId, series.kind, series.prefix, series.year],
  );
  const [row] = await executeReturning<{ last_value: unknown; kind: string }>(
    trx,
    'update number_series set last_value = last_value + 1 where tenant_id = ? and prefix = ? and year = ? returning last_value, kind',
    [series.tenantId, series.prefix, series.year],
  );
  if (row.kind !== series.kind) {
    throw new GatewayError('REQUEST_FIELD', { field: `numberSeries (${series.prefix} serisi ${row.kind} icin kullaniliyor)` });
  }
  const value = Number(row.last_value);
  if (value > MAX_SEQUENCE) throw new GatewayError('NUMBER_SERIES_EXHAUSTED', { series: `${series.prefix}${series.year}` });
  return `${series.prefix}${series.year}${String(value).padStart(9, '0')}`;
}
