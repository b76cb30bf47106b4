/**
 * The daily e-Arşiv reports: `earsiv_reports` (driven by the earsiv-report machine) and `earsiv_report_items`, whose
 * primary key (invoice, kind) makes "nothing is reported twice" a rule of the database. Also the reads of the
 * e-Arşiv invoices still to be reported.
 */
import type { Ettn } from '../ids';
import { insertedId, parseJson, reading, type Queryable } from './connect';

export type ReportItemKind = 'INVOICE' | 'CANCEL';

const INVOICE_MACHINE = 'earsiv-invoice';

export interface ReportRow {
  id: number;
  tenantId: number;
  state: string;
  version: number;
  context: Record<string, unknown>;
  uuid: string;
  /** The Istanbul day reported. */
  periodDate: string;
  /** bölüm: 1, 2, … within the day. */
  section: number;
  blobSha256: string;
  paketId: string | null;
}

function toReport(r: Record<string, unknown>): ReportRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    state: String(r.state),
    version: Number(r.version),
    context: parseJson<Record<string, unknown>>(r.context, {}),
    uuid: String(r.uuid),
    periodDate: String(r.period_date),
    section: Number(r.section),
    blobSha256: String(r.blob_sha256),
    paketId: (r.paket_id as string | null) ?? null,
  };
}

/** Tenants with a signed e-Arşiv invoice or a cancellation that may still need reporting. */
export async function tenantsWithEarsivToReport(q: Queryable): Promise<number[]> {
  const rows = await reading(q)('invoices')
    .where({ kind: 'EARSIV', machine: INVOICE_MACHINE })
    .whereIn('state', ['SIGNED', 'CANCELLED'])
    .distinct('tenant_id')
    .orderBy('tenant_id');
  return rows.map((r) => Number(r.tenant_id));
}

function notInAReport(q: Queryable, kind: ReportItemKind) {
  return function (this: import('knex').Knex.QueryBuilder) {
    this.select(q.raw('1')).from('earsiv_report_items').whereRaw('earsiv_report_items.invoice_id = invoices.id').andWhere('earsiv_report_items.kind', kind);
  };
}

export interface SignedEarsivInvoice {
  id: number;
  version: number;
  ettn: Ettn;
  number: string;
  issueDate: string;
  signedSha256: string;
}

/** A tenant's signed e-Arşiv invoices issued up to `lastDay` and in no report yet, oldest first. */
export async function signedEarsivNotReported(q: Queryable, tenantId: number, lastDay: string): Promise<SignedEarsivInvoice[]> {
  const rows = await reading(q)('invoices')
    .where({ tenant_id: tenantId, kind: 'EARSIV', machine: INVOICE_MACHINE, state: 'SIGNED' })
    .andWhere('issue_date', '<=', lastDay)
    .whereNotExists(notInAReport(reading(q), 'INVOICE'))
    .orderBy('id')
    .select('id', 'version', 'ettn', 'invoice_number', 'issue_date', 'signed_sha256');
  return rows.map((r) => ({
    id: Number(r.id),
    version: Number(r.version),
    ettn: r.ettn as Ettn,
    number: String(r.invoice_number),
    issueDate: String(r.issue_date),
    signedSha256: String(r.signed_sha256),
  }));
}

export interface CancelledEarsivInvoice {
  id: number;
  ettn: Ettn;
  number: string;
  payableAmount: string;
  /** When it was cancelled (context.cancelledAt, else the row's last change). */
  cancelledAt: string;
}

/** A tenant's cancelled e-Arşiv invoices whose cancellation is in no report yet, oldest first. */
export async function cancellationsNotReported(q: Queryable, tenantId: number): Promise<CancelledEarsivInvoice[]> {
  const rows = await reading(q)('invoices')
    .where({ tenant_id: tenantId, kind: 'EARSIV', machine: INVOICE_MACHINE, state: 'CANCELLED' })
    .whereNotExists(notInAReport(reading(q), 'CANCEL'))
    .orderBy('id')
    .select('id', 'ettn', 'invoice_number', 'payable_amount', 'context', 'updated_at');
  return rows.map((r) => ({
    id: Number(r.id),
    ettn: r.ettn as Ettn,
    number: String(r.invoice_number),
    payableAmount: String(r.payable_amount),
    cancelledAt: parseJson<{ cancelledAt?: string }>(r.context, {}).cancelledAt ?? String(r.updated_at),
  }));
}

/** The highest section of a tenant's reports of a day (0: none yet). */
export async function lastSection(q: Queryable, tenantId: number, day: string): Promise<number> {
  const row = await reading(q)('earsiv_reports').where({ tenant_id: tenantId, period_date: day }).max({ section: 'section' }).first();
  return Number(row?.section ?? 0);
}

export async function insertReport(
  q: Queryable,
  r: { tenantId: number; machine: string; state: string; context: Record<string, unknown>; uuid: string; periodDate: string; section: number; blobSha256: string; at: string },
): Promise<number> {
  const returned = await q('earsiv_reports')
    .insert({
      tenant_id: r.tenantId,
      machine: r.machine,
      state: r.state,
      version: 1,
      context: JSON.stringify(r.context),
      uuid: r.uuid,
      period_date: r.periodDate,
      section: r.section,
      blob_sha256: r.blobSha256,
      created_at: r.at,
      updated_at: r.at,
    })
    .returning('id');
  return insertedId(returned);
}

export async function insertReportItems(q: Queryable, reportId: number, items: ReadonlyArray<{ invoiceId: number; kind: ReportItemKind }>): Promise<void> {
  const rows = items.map((i) => ({ report_id: reportId, invoice_id: i.invoiceId, kind: i.kind }));
  for (let i = 0; i < rows.length; i += 200) await q('earsiv_report_items').insert(rows.slice(i, i + 200));
}

export async function reportById(q: Queryable, id: number): Promise<ReportRow | null> {
  const row = await reading(q)('earsiv_reports').where({ id }).first();
  return row ? toReport(row) : null;
}

export async function setPaketId(q: Queryable, id: number, paketId: string): Promise<void> {
  await q('earsiv_reports').where({ id }).update({ paket_id: paketId });
}

/** The invoices a report carries (or whose cancellation it carries), oldest first. */
export async function reportInvoices(q: Queryable, reportId: number, kind: ReportItemKind): Promise<Array<{ id: number; state: string; version: number; number: string }>> {
  const rows = await reading(q)('earsiv_report_items as i')
    .join('invoices as v', 'v.id', 'i.invoice_id')
    .where('i.report_id', reportId)
    .andWhere('i.kind', kind)
    .orderBy('v.id')
    .select('v.id', 'v.state', 'v.version', 'v.invoice_number');
  return rows.map((r) => ({ id: Number(r.id), state: String(r.state), version: Number(r.version), number: String(r.invoice_number) }));
}

/** The contexts of a tenant's failed reports (rejected or not sent), but one. */
export async function failedReportContexts(q: Queryable, tenantId: number, exceptId: number): Promise<Array<Record<string, unknown>>> {
  const rows = await reading(q)('earsiv_reports').where({ tenant_id: tenantId }).whereIn('state', ['REJECTED', 'ERROR']).whereNot({ id: exceptId }).select('context');
  return rows.map((r) => parseJson<Record<string, unknown>>(r.context, {}));
}

/** Takes cancellations out of a report, so the next build reports them again. */
export async function releaseCancelItems(q: Queryable, reportId: number, invoiceIds: readonly number[]): Promise<void> {
  if (invoiceIds.length === 0) return;
  await q('earsiv_report_items').where({ report_id: reportId, kind: 'CANCEL' }).whereIn('invoice_id', invoiceIds).delete();
}
