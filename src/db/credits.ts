/**
 * Kontör (migration 010): a metered tenant's balance and overdraft limit (credit_accounts), every movement of it
 * (credit_movements, unique per tenant, kind and reference) and the orders that buy services and credits
 * (service_orders). Amounts are integer kuruş (bigint columns: PostgreSQL returns them as strings, read with Number).
 *
 * The statements SendInvoice runs for every invoice (the account's read, the conditional debit, the movement) are SQL
 * text run through ./sql.ts; the rest uses knex's builder.
 */
import type { Knex } from 'knex';
import { insertedId, parseJson, reading, type Queryable } from './connect';
import { execute, executeReturning, selectAll, selectFirst } from './sql';

export interface CreditAccountRow {
  tenantId: number;
  balanceKurus: number;
  /** The overdraft, a positive number: the balance may go down to -limitKurus. */
  limitKurus: number;
  updatedAt: string;
}

export type MovementKind = 'PURCHASE' | 'CHARGE' | 'REFUND' | 'ADJUST';

export interface CreditMovementRow {
  id: number;
  tenantId: number;
  kind: MovementKind;
  ref: string;
  /** Signed: a purchase or refund adds, a charge takes. */
  amountKurus: number;
  balanceAfterKurus: number;
  description: string;
  actor: string;
  at: string;
}

export interface OrderedService {
  service: string;
  priceKurus: number;
}

export interface ServiceOrderRow {
  id: number;
  tenantId: number;
  services: OrderedService[];
  creditsKurus: number;
  totalKurus: number;
  paymentMethod: 'CARD' | 'WIRE';
  state: 'PENDING' | 'PAID';
  createdAt: string;
  paidAt: string | null;
  confirmedBy: string | null;
}

function toAccount(r: Record<string, unknown>): CreditAccountRow {
  return { tenantId: Number(r.tenant_id), balanceKurus: Number(r.balance_kurus), limitKurus: Number(r.limit_kurus), updatedAt: String(r.updated_at) };
}

function toMovement(r: Record<string, unknown>): CreditMovementRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    kind: r.kind as MovementKind,
    ref: String(r.ref),
    amountKurus: Number(r.amount_kurus),
    balanceAfterKurus: Number(r.balance_after_kurus),
    description: String(r.description),
    actor: String(r.actor),
    at: String(r.at),
  };
}

function toOrder(r: Record<string, unknown>): ServiceOrderRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    services: parseJson<OrderedService[]>(r.services, []),
    creditsKurus: Number(r.credits_kurus),
    totalKurus: Number(r.total_kurus),
    paymentMethod: r.payment_method as ServiceOrderRow['paymentMethod'],
    state: r.state as ServiceOrderRow['state'],
    createdAt: String(r.created_at),
    paidAt: (r.paid_at as string | null) ?? null,
    confirmedBy: (r.confirmed_by as string | null) ?? null,
  };
}

// --- accounts ---

/** The tenant's account; null: the tenant is not metered. */
export async function creditAccount(q: Queryable, tenantId: number): Promise<CreditAccountRow | null> {
  const row = await selectFirst(q, 'select tenant_id, balance_kurus, limit_kurus, updated_at from credit_accounts where tenant_id = ?', [tenantId]);
  return row ? toAccount(row) : null;
}

/** Opens the tenant's account at balance 0 with `limitKurus`; false when it had one already (left as it is). */
export async function openCreditAccount(trx: Knex.Transaction, tenantId: number, limitKurus: number, at: string): Promise<boolean> {
  const n = await execute(trx, 'insert into credit_accounts (tenant_id, balance_kurus, limit_kurus, updated_at) values (?, 0, ?, ?) on conflict (tenant_id) do nothing', [tenantId, limitKurus, at]);
  return n === 1;
}

export async function setCreditLimit(trx: Knex.Transaction, tenantId: number, limitKurus: number, at: string): Promise<void> {
  await execute(trx, 'update credit_accounts set limit_kurus = ?, updated_at = ? where tenant_id = ?', [limitKurus, at, tenantId]);
}

/**
 * Takes `amount` from the balance only if it stays within the overdraft, in ONE conditional statement: concurrent
 * debits serialise on the account's row (PostgreSQL's row lock re-checks the condition against the committed balance;
 * SQLite has one writer), so two that would both cross the limit cannot both pass. The new balance, or null when the
 * account is missing or the amount does not fit.
 */
export async function debitWithinLimit(trx: Knex.Transaction, tenantId: number, amount: number, at: string): Promise<number | null> {
  const rows = await executeReturning<{ balance_kurus: unknown }>(
    trx,
    'update credit_accounts set balance_kurus = balance_kurus - ?, updated_at = ? where tenant_id = ? and balance_kurus - ? >= -limit_kurus returning balance_kurus',
    [amount, at, tenantId, amount],
  );
  return rows.length === 1 ? Number(rows[0]!.balance_kurus) : null;
}

/** Adds `amount` (a purchase, a refund); the new balance, or null when the tenant has no account. */
export async function creditBalance(trx: Knex.Transaction, tenantId: number, amount: number, at: string): Promise<number | null> {
  const rows = await executeReturning<{ balance_kurus: unknown }>(trx, 'update credit_accounts set balance_kurus = balance_kurus + ?, updated_at = ? where tenant_id = ? returning balance_kurus', [amount, at, tenantId]);
  return rows.length === 1 ? Number(rows[0]!.balance_kurus) : null;
}

// --- movements ---

export async function insertMovement(trx: Knex.Transaction, m: Omit<CreditMovementRow, 'id'>): Promise<void> {
  await execute(trx, 'insert into credit_movements (tenant_id, kind, ref, amount_kurus, balance_after_kurus, description, actor, at) values (?, ?, ?, ?, ?, ?, ?, ?)', [
    m.tenantId,
    m.kind,
    m.ref.slice(0, 100),
    m.amountKurus,
    m.balanceAfterKurus,
    m.description.slice(0, 300),
    m.actor.slice(0, 100),
    m.at,
  ]);
}

export async function movementOf(q: Queryable, tenantId: number, kind: MovementKind, ref: string): Promise<CreditMovementRow | null> {
  const row = await selectFirst(q, 'select * from credit_movements where tenant_id = ? and kind = ? and ref = ?', [tenantId, kind, ref]);
  return row ? toMovement(row) : null;
}

/** The tenant's last `limit` movements, newest first. */
export async function lastMovements(q: Queryable, tenantId: number, limit: number): Promise<CreditMovementRow[]> {
  return (await selectAll(q, 'select * from credit_movements where tenant_id = ? order by id desc limit ?', [tenantId, limit])).map(toMovement);
}

/** The sum of every movement of the tenant: always its balance. */
export async function movementSum(q: Queryable, tenantId: number): Promise<number> {
  const row = await reading(q)('credit_movements').where({ tenant_id: tenantId }).sum({ total: 'amount_kurus' }).first();
  return Number(row?.total ?? 0);
}

// --- orders ---

export async function insertOrder(trx: Knex.Transaction, o: Omit<ServiceOrderRow, 'id' | 'paidAt' | 'confirmedBy'>): Promise<number> {
  const returned = await trx('service_orders')
    .insert({
      tenant_id: o.tenantId,
      services: JSON.stringify(o.services),
      credits_kurus: o.creditsKurus,
      total_kurus: o.totalKurus,
      payment_method: o.paymentMethod,
      state: o.state,
      created_at: o.createdAt,
    })
    .returning('id');
  return insertedId(returned);
}

export async function orderById(q: Queryable, id: number): Promise<ServiceOrderRow | null> {
  const row = await reading(q)('service_orders').where({ id }).first();
  return row ? toOrder(row) : null;
}

/** PENDING → PAID; false when the order was not pending (paid already, by this or a concurrent confirmation). */
export async function markOrderPaid(trx: Knex.Transaction, id: number, at: string, confirmedBy: string): Promise<boolean> {
  const n = await trx('service_orders').where({ id, state: 'PENDING' }).update({ state: 'PAID', paid_at: at, confirmed_by: confirmedBy.slice(0, 100) });
  return n === 1;
}

export async function ordersOfTenant(q: Queryable, tenantId: number): Promise<ServiceOrderRow[]> {
  return (await reading(q)('service_orders').where({ tenant_id: tenantId }).orderBy('id', 'desc')).map(toOrder);
}
