/**
 * Kontör (issue 14, seed 003 and seed 001's "Kalan: 21.957,81 Ekst. Limit: -2.200"): orders of services and credits,
 * their payment, and the credits every billable document consumes.
 *
 *   metering   A tenant with a credit_accounts row is metered: a balance and an overdraft limit (the balance may go
 *              down to -limit). A tenant without one — a company running the gateway for itself — is not: nothing is
 *              charged and nothing refused. A tenant gets its account with its first order, or from the operator
 *              (`npm run cli -- credits:limit`).
 *   orders     An order names services of the catalogue (./catalogue.ts) at the price list's prices (./prices.ts)
 *              and/or credits to buy. In one transaction: the order row, its services in Onay Bekliyor
 *              (./service-rows.ts), the account opened if missing; paid by card it is paid at once in the same
 *              transaction (there is no card provider behind this gateway: a card order counts as paid), by wire
 *              transfer (Havale/EFT) it waits until the operator confirms it (`npm run cli -- order:confirm`).
 *   payment    One transaction: the order PAID, a PURCHASE movement of its credits (ref ORDER:<id>), its services
 *              Aktivasyon Bekliyor; a confirmed wire transfer also calls onWireConfirmed (the e-mail notice).
 *   charges    charge() runs inside the transaction that accepts the document (SendInvoice's unit of work, the
 *              e-Defter month's request), so the credit and the document commit or roll back together. The debit is
 *              one conditional UPDATE (src/db/credits.ts debitWithinLimit): two concurrent documents that would both
 *              cross the limit cannot both pass. A reference (EFATURA:<ettn>, EARSIV:<ettn>, LEDGER:<YYYY-MM>) is
 *              charged once: the movements' unique key (tenant, kind, ref) backs the check.
 *   refunds    A document GİB or the gateway refused (the invoice machines' refused final states) gives its charge
 *              back once (the credits.refund job; REFUND with the CHARGE's reference).
 * Every change of a balance writes its movement with the balance after it, in the same transaction: the movements of
 * a tenant always sum to its balance.
 */
import type { Knex } from 'knex';
import {
  creditAccount,
  creditBalance,
  debitWithinLimit,
  insertMovement,
  insertOrder,
  lastMovements,
  markOrderPaid,
  movementOf,
  openCreditAccount,
  orderById,
  setCreditLimit,
  type CreditMovementRow,
  type ServiceOrderRow,
} from '../db/credits';
import { invoiceById } from '../db/invoices';
import type { MachineStore } from '../db/machine-store';
import { serviceOfTenant } from '../db/tenant-services';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { activationMachine, describeState, machineById } from '../machines';
import { SERVICES, serviceCode, type ServiceCode } from './catalogue';
import { formatKurus, formatLimit, MAX_KURUS, type BillableDocument, type PriceList } from './prices';
import { orderServices, payServices } from './service-rows';

export type PaymentMethod = 'CARD' | 'WIRE';

export interface OrderInput {
  /** Service codes as the caller wrote them (any case): unknown ones are SERVICE_UNKNOWN (4701). */
  services: readonly string[];
  /** Credits to buy, in kuruş (0: none). */
  creditsKurus: number;
  paymentMethod: PaymentMethod;
  /** Who orders (the SOAP user, the operator). */
  actor: string;
}

export interface OrderView {
  id: number;
  state: ServiceOrderRow['state'];
  /** "Ödeme Bekliyor" or "Ödendi". */
  stateDescription: string;
  paymentMethod: PaymentMethod;
  services: Array<{ service: string; name: string; priceKurus: number; state: string | null; stateDescription: string | null }>;
  creditsKurus: number;
  totalKurus: number;
  /** The total in Turkish: "1.234,50". */
  total: string;
  createdAt: string;
  paidAt: string | null;
  confirmedBy: string | null;
  /** What the customer is told about the payment. */
  message: string;
}

/** A movement as the company sees it: the row without its keys. */
export type CreditMovementView = Omit<CreditMovementRow, 'id' | 'tenantId'>;

export interface CreditBalanceView {
  /** False: the tenant has no account and is not metered (every amount below is 0). */
  metered: boolean;
  balanceKurus: number;
  /** The overdraft as a positive number: the balance may go down to -limitKurus. */
  limitKurus: number;
  /** "21.957,81" */
  balance: string;
  /** "-2.200,00" (the seed's "Ekst. Limit: -2.200") */
  limit: string;
  /** "Kalan: 21.957,81 Ekst. Limit: -2.200,00", as the seed's screen shows it. */
  summary: string;
  /** The last movements, newest first. */
  movements: CreditMovementView[];
}

export interface ChargeInput {
  tenantId: number;
  document: BillableDocument;
  /** EFATURA:<ettn>, EARSIV:<ettn>, LEDGER:<YYYY-MM>: charged once per tenant. */
  ref: string;
  description: string;
  actor: string;
  at: string;
}

export interface CreditServiceDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  clock: () => Date;
  prices: PriceList;
  /** The overdraft of an account opened by an order (GW_CREDIT_LIMIT_KURUS). */
  defaultLimitKurus: number;
  /**
   * A wire transfer was confirmed (inside the confirmation's transaction): the e-mail notice is queued here, so it
   * exists exactly when the payment does.
   */
  onWireConfirmed?: (trx: Knex.Transaction, notice: { tenantId: number; orderId: number; totalKurus: number }) => Promise<void>;
}

/** The invoice states whose charge is given back: GİB refused the envelope, or the gateway could not process it. */
const REFUNDED_STATES = new Set(['GIB_REJECTED', 'ERROR']);

const ORDER_STATES = { PENDING: 'Ödeme Bekliyor', PAID: 'Ödendi' } as const;
const DOCUMENT_NAMES: Record<BillableDocument, string> = { EFATURA: 'e-Fatura', EARSIV: 'e-Arşiv', LEDGER_MONTH: 'e-Defter' };
const PAYMENT_NAMES: Record<PaymentMethod, string> = { CARD: 'kredi kartı', WIRE: 'havale/EFT' };

function movementView({ id: _id, tenantId: _tenant, ...view }: CreditMovementRow): CreditMovementView {
  return view;
}

/** An amount the caller gives: whole kuruş, not negative, not absurd. */
function checkKurus(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_KURUS) throw new GatewayError('ORDER_INVALID', { detail: `${what} 0 ile ${MAX_KURUS} arasında tam sayı (kuruş) olmalıdır` });
  return value;
}

export function createCreditService(deps: CreditServiceDeps) {
  const { db, store } = deps;
  const now = () => deps.clock().toISOString();

  async function orderView(order: ServiceOrderRow): Promise<OrderView> {
    const services: OrderView['services'] = [];
    for (const s of order.services) {
      const row = await serviceOfTenant(db, order.tenantId, s.service);
      services.push({
        service: s.service,
        name: SERVICES[s.service as ServiceCode]?.name ?? s.service,
        priceKurus: s.priceKurus,
        state: row?.state ?? null,
        stateDescription: row ? describeState(activationMachine, row.state, row.context).description : null,
      });
    }
    const total = formatKurus(order.totalKurus);
    const message =
      order.state === 'PAID'
        ? `Sipariş ${order.id}: ${total} TL ödendi (${PAYMENT_NAMES[order.paymentMethod]}).${order.creditsKurus > 0 ? ` ${formatKurus(order.creditsKurus)} TL kontör hesabınıza yüklendi.` : ''}${services.length > 0 ? ' Hizmetleriniz Aktivasyon Bekliyor.' : ''}`
        : `Sipariş ${order.id}: ${total} TL. Havale/EFT ile yapacağınız ödemeniz kontrol edildikten sonra sisteme yansıyacaktır (1 iş günü içerisinde); o zamana kadar hizmetleriniz Onay Bekliyor.`;
    return {
      id: order.id,
      state: order.state,
      stateDescription: ORDER_STATES[order.state],
      paymentMethod: order.paymentMethod,
      services,
      creditsKurus: order.creditsKurus,
      totalKurus: order.totalKurus,
      total,
      createdAt: order.createdAt,
      paidAt: order.paidAt,
      confirmedBy: order.confirmedBy,
      message,
    };
  }

  /** The payment of a pending order, inside the caller's transaction. */
  async function pay(trx: Knex.Transaction, order: ServiceOrderRow, at: string, actor: string): Promise<void> {
    if (!(await markOrderPaid(trx, order.id, at, actor))) throw new GatewayError('ORDER_STATE', { order: order.id, state: ORDER_STATES.PAID });
    if (order.creditsKurus > 0) {
      const balance = await creditBalance(trx, order.tenantId, order.creditsKurus, at);
      if (balance === null) throw new Error(`credits: tenant ${order.tenantId} has no account for order ${order.id}`);
      await insertMovement(trx, {
        tenantId: order.tenantId,
        kind: 'PURCHASE',
        ref: `ORDER:${order.id}`,
        amountKurus: order.creditsKurus,
        balanceAfterKurus: balance,
        description: `Sipariş ${order.id}: kontör alımı (${PAYMENT_NAMES[order.paymentMethod]})`,
        actor,
        at,
      });
    }
    await payServices(trx, store, order.tenantId, order.services.map((s) => s.service as ServiceCode), at, actor);
  }

  async function balanceView(q: Knex | Knex.Transaction, tenantId: number, movements: number): Promise<CreditBalanceView> {
    const account = await creditAccount(q, tenantId);
    const balanceKurus = account?.balanceKurus ?? 0;
    const limitKurus = account?.limitKurus ?? 0;
    return {
      metered: account !== null,
      balanceKurus,
      limitKurus,
      balance: formatKurus(balanceKurus),
      limit: formatLimit(limitKurus),
      summary: account ? `Kalan: ${formatKurus(balanceKurus)} Ekst. Limit: ${formatLimit(limitKurus)}` : 'Kontör kullanılmıyor (sınırsız)',
      movements: account && movements > 0 ? (await lastMovements(q, tenantId, movements)).map(movementView) : [],
    };
  }

  /** Gives a charge back once (REFUND under the CHARGE's reference); false when there was nothing to give back. */
  async function refund(trx: Knex.Transaction, r: { tenantId: number; ref: string; description: string; actor: string; at: string }): Promise<boolean> {
    const charged = await movementOf(trx, r.tenantId, 'CHARGE', r.ref);
    if (!charged || (await movementOf(trx, r.tenantId, 'REFUND', r.ref))) return false;
    const amount = -charged.amountKurus;
    const balance = await creditBalance(trx, r.tenantId, amount, r.at);
    if (balance === null) return false;
    await insertMovement(trx, { tenantId: r.tenantId, kind: 'REFUND', ref: r.ref, amountKurus: amount, balanceAfterKurus: balance, description: r.description, actor: r.actor, at: r.at });
    return true;
  }

  return {
    prices: deps.prices,

    /**
     * Orders services and/or credits. Card: paid at once; wire: PENDING until order:confirm. The services are in
     * Onay Bekliyor until paid, then Aktivasyon Bekliyor.
     */
    async order(tenantId: number, input: OrderInput): Promise<OrderView> {
      const codes = input.services.map((s) => serviceCode(s));
      const twice = codes.find((c, i) => codes.indexOf(c) !== i);
      if (twice) throw new GatewayError('ORDER_INVALID', { detail: `${SERVICES[twice].name} iki kez yazıldı` });
      const credits = checkKurus(input.creditsKurus, 'kontör tutarı');
      if (input.paymentMethod !== 'CARD' && input.paymentMethod !== 'WIRE') throw new GatewayError('ORDER_INVALID', { detail: 'ödeme şekli CARD (kredi kartı) veya WIRE (havale/EFT) olmalıdır' });
      if (codes.length === 0 && credits === 0) throw new GatewayError('ORDER_INVALID', { detail: 'hizmet veya kontör seçilmedi' });
      if (!(await tenantById(db, tenantId))) throw new GatewayError('AUTH_FAILED');
      const services = codes.map((service) => ({ service, priceKurus: deps.prices.services[service] }));
      const totalKurus = services.reduce((sum, s) => sum + s.priceKurus, credits);
      const at = now();
      const id = await deps.writer.run(async (trx) => {
        const row = { tenantId, services, creditsKurus: credits, totalKurus, paymentMethod: input.paymentMethod, state: 'PENDING' as const, createdAt: at };
        const orderId = await insertOrder(trx, row);
        await orderServices(trx, store, tenantId, codes, at, input.actor);
        await openCreditAccount(trx, tenantId, deps.defaultLimitKurus, at);
        // No card provider stands behind the gateway: a card order is confirmed as it is made.
        if (input.paymentMethod === 'CARD') await pay(trx, { ...row, id: orderId, paidAt: null, confirmedBy: null }, at, input.actor);
        return orderId;
      });
      return orderView((await orderById(db, id))!);
    },

    /** The operator confirms a wire transfer (order:confirm): the order is paid, the tenant told by e-mail. */
    async confirmOrder(orderId: number, actor: string): Promise<OrderView> {
      const at = now();
      await deps.writer.run(async (trx) => {
        const order = await orderById(trx, orderId);
        if (!order) throw new GatewayError('ORDER_NOT_FOUND', { order: orderId });
        if (order.state !== 'PENDING') throw new GatewayError('ORDER_STATE', { order: orderId, state: ORDER_STATES[order.state] });
        await pay(trx, order, at, actor);
        if (order.paymentMethod === 'WIRE') await deps.onWireConfirmed?.(trx, { tenantId: order.tenantId, orderId: order.id, totalKurus: order.totalKurus });
      });
      return orderView((await orderById(db, orderId))!);
    },

    /** An order of the tenant (another tenant's is not found). */
    async orderOf(tenantId: number, orderId: number): Promise<OrderView> {
      const order = await orderById(db, orderId);
      if (!order || order.tenantId !== tenantId) throw new GatewayError('ORDER_NOT_FOUND', { order: orderId });
      return orderView(order);
    },

    /** GetCreditBalance and credits:show: the balance, the limit and the last `movements` movements. */
    async balance(tenantId: number, movements = 20): Promise<CreditBalanceView> {
      return balanceView(db, tenantId, movements);
    },

    /** The operator sets the overdraft (credits:limit); the account is opened if the tenant had none. */
    async setLimit(tenantId: number, limitKurus: number): Promise<CreditBalanceView> {
      if (!Number.isSafeInteger(limitKurus) || limitKurus < 0 || limitKurus > MAX_KURUS) throw new GatewayError('REQUEST_FIELD', { field: `limit (0 ile ${MAX_KURUS} kuruş arası)` });
      if (!(await tenantById(db, tenantId))) throw new GatewayError('AUTH_FAILED');
      const at = now();
      await deps.writer.run(async (trx) => {
        if (!(await openCreditAccount(trx, tenantId, limitKurus, at))) await setCreditLimit(trx, tenantId, limitKurus, at);
      });
      return balanceView(db, tenantId, 20);
    },

    /**
     * Takes a document's credit inside the transaction that accepts it. Null when nothing was taken: the tenant is
     * not metered, the price is 0, or this reference was charged already. CREDIT_LIMIT (4720) when the balance would
     * go past the overdraft — thrown inside the caller's transaction, so the document is not stored either.
     */
    async charge(trx: Knex.Transaction, c: ChargeInput): Promise<{ amountKurus: number; balanceKurus: number } | null> {
      if (!(await creditAccount(trx, c.tenantId))) return null;
      const price = deps.prices.documents[c.document];
      if (price === 0 || (await movementOf(trx, c.tenantId, 'CHARGE', c.ref))) return null;
      const balance = await debitWithinLimit(trx, c.tenantId, price, c.at);
      if (balance === null) {
        const account = (await creditAccount(trx, c.tenantId))!;
        throw new GatewayError('CREDIT_LIMIT', { balance: formatKurus(account.balanceKurus), limit: formatLimit(account.limitKurus), price: formatKurus(price) });
      }
      await insertMovement(trx, { tenantId: c.tenantId, kind: 'CHARGE', ref: c.ref, amountKurus: -price, balanceAfterKurus: balance, description: c.description, actor: c.actor, at: c.at });
      return { amountKurus: price, balanceKurus: balance };
    },

    refund,

    /** The credits.refund job: a refused invoice's charge given back (once; nothing when it was never charged). */
    async refundInvoice(invoiceId: number): Promise<boolean> {
      const invoice = await invoiceById(db, invoiceId);
      if (!invoice || !REFUNDED_STATES.has(invoice.state)) return false;
      const why = describeState(machineById(invoice.machine), invoice.state, invoice.context).description;
      return deps.writer.run((trx) =>
        refund(trx, {
          tenantId: invoice.tenantId,
          ref: `${invoice.kind}:${invoice.ettn}`,
          description: `${DOCUMENT_NAMES[invoice.kind]} ${invoice.number ?? invoice.ettn} iade: ${why}`,
          actor: 'worker',
          at: now(),
        }),
      );
    },
  };
}

export type CreditService = ReturnType<typeof createCreditService>;

/** SendInvoice's reference of an invoice's charge. */
export const invoiceChargeRef = (kind: 'EFATURA' | 'EARSIV', ettn: string) => `${kind}:${ettn}`;

/** The documents' names in movements' descriptions. */
export const documentName = (d: BillableDocument) => DOCUMENT_NAMES[d];
