/**
 * Reads of the outgoing invoices' audit trail (`state_history`) for the portal's outbox and detail pages, always by
 * tenant and ETTN: the join with `invoices` on the tenant is what keeps another tenant's invoice out, so an ETTN of
 * another company reads as one that does not exist.
 */
import type { Ettn } from '../ids';
import { reading, type Queryable } from './connect';
import { entityHistory, type HistoryEntry } from './machine-store';

/** The state history of one of the tenant's outgoing invoices, oldest first; null when it has no such invoice. */
export async function outgoingInvoiceHistory(q: Queryable, tenantId: number, ettn: Ettn): Promise<HistoryEntry[] | null> {
  const invoice = await reading(q)('invoices').where({ tenant_id: tenantId, ettn }).first('id', 'machine');
  if (!invoice) return null;
  return entityHistory(reading(q), invoice.machine, Number(invoice.id));
}

/**
 * Why each of the listed invoices entered `toState` (the latest such entry's reason and code), by ETTN — the error
 * text of the e-Arşiv outbox's Hatalı tab. Invoices of other tenants are not read.
 */
export async function reasonsInto(q: Queryable, tenantId: number, ettns: readonly Ettn[], toState: string): Promise<Map<Ettn, { reason: string | null; code: number | null; at: string }>> {
  const out = new Map<Ettn, { reason: string | null; code: number | null; at: string }>();
  if (ettns.length === 0) return out;
  const rows = await reading(q)('invoices as i')
    .join('state_history as h', (j) => j.on('h.entity_id', 'i.id').andOn('h.machine', 'i.machine'))
    .where('i.tenant_id', tenantId)
    .whereIn('i.ettn', [...ettns])
    .andWhere('h.to_state', toState)
    .orderBy('h.id')
    .select('i.ettn', 'h.reason', 'h.code', 'h.at');
  for (const r of rows) out.set(r.ettn as Ettn, { reason: (r.reason as string | null) ?? null, code: r.code === null ? null : Number(r.code), at: String(r.at) });
  return out;
}

/** The row ids of the listed invoices of the tenant, by ETTN (to join other per-invoice tables, e.g. its e-mails). */
export async function invoiceIdsByEttn(q: Queryable, tenantId: number, ettns: readonly Ettn[]): Promise<Map<Ettn, number>> {
  const out = new Map<Ettn, number>();
  if (ettns.length === 0) return out;
  const rows = await reading(q)('invoices').where({ tenant_id: tenantId }).whereIn('ettn', [...ettns]).select('id', 'ettn');
  for (const r of rows) out.set(r.ettn as Ettn, Number(r.id));
  return out;
}
