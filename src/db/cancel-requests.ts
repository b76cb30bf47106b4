/**
 * The `cancel_requests` table: e-Fatura cancellation requests a tenant made at GİB's cancellation portal (seed 004),
 * driven by the efatura-cancel-request machine.
 */
import type { CancelRequestId } from '../ids';
import { insertedId, parseJson, reading, type Queryable } from './connect';

export interface CancelRequestRow {
  id: number;
  tenantId: number;
  machine: string;
  state: string;
  version: number;
  context: Record<string, unknown>;
  invoiceId: number;
  portalId: CancelRequestId;
  requestedAt: string;
  decidedAt: string | null;
}

function toRequest(r: Record<string, unknown>): CancelRequestRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    machine: String(r.machine),
    state: String(r.state),
    version: Number(r.version),
    context: parseJson<Record<string, unknown>>(r.context, {}),
    invoiceId: Number(r.invoice_id),
    portalId: r.portal_id as CancelRequestId,
    requestedAt: String(r.requested_at),
    decidedAt: (r.decided_at as string | null) ?? null,
  };
}

export async function insertCancelRequest(
  q: Queryable,
  r: { tenantId: number; machine: string; state: string; context: Record<string, unknown>; invoiceId: number; portalId: CancelRequestId; at: string },
): Promise<number> {
  const returned = await q('cancel_requests')
    .insert({
      tenant_id: r.tenantId,
      machine: r.machine,
      state: r.state,
      version: 1,
      context: JSON.stringify(r.context),
      invoice_id: r.invoiceId,
      portal_id: r.portalId,
      requested_at: r.at,
      created_at: r.at,
      updated_at: r.at,
    })
    .returning('id');
  return insertedId(returned);
}

export async function cancelRequestById(q: Queryable, id: number): Promise<CancelRequestRow | null> {
  const row = await reading(q)('cancel_requests').where({ id }).first();
  return row ? toRequest(row) : null;
}

/** The tenant's own request with this portal id. */
export async function findCancelRequest(q: Queryable, tenantId: number, portalId: CancelRequestId): Promise<CancelRequestRow | null> {
  const row = await reading(q)('cancel_requests').where({ tenant_id: tenantId, portal_id: portalId }).first();
  return row ? toRequest(row) : null;
}

/** The newest request for an invoice, or only a waiting one. */
export async function latestCancelRequest(q: Queryable, invoiceId: number, opts: { waiting?: boolean } = {}): Promise<CancelRequestRow | null> {
  const query = reading(q)('cancel_requests').where({ invoice_id: invoiceId });
  if (opts.waiting) query.andWhere({ state: 'WAITING' });
  const row = await query.orderBy('id', 'desc').first();
  return row ? toRequest(row) : null;
}

/** Every request still waiting for the receiver, all tenants. */
export async function waitingCancelRequests(q: Queryable): Promise<CancelRequestRow[]> {
  return (await reading(q)('cancel_requests').where({ state: 'WAITING' }).orderBy('id')).map(toRequest);
}

export async function setDecidedAt(q: Queryable, id: number, at: string): Promise<void> {
  await q('cancel_requests').where({ id }).update({ decided_at: at });
}
