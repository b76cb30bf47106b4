/**
 * e-Arşiv e-mail deliveries (migration 013, issue 16's eArsivMailing): one row per invoice and kind — the invoice
 * mailed to its buyer once Başarılı, the notice of its cancellation — with the recipient, the state, the attempts,
 * the last error, when it went out and its Message-ID. The unique (invoice_id, kind) is what makes a delivery
 * happen once, whatever runs twice. Not a hot path: knex's builder.
 */
import { reading, type Queryable } from './connect';

export type MailDeliveryKind = 'INVOICE' | 'CANCELLATION';

/**
 * The states (stable codes) and the Turkish labels users see. PENDING and ERROR are still being tried (ERROR: the
 * last try failed, another follows); the others are final.
 */
export const MAIL_DELIVERY_STATES = {
  PENDING: 'Bekliyor',
  SENT: 'Gönderildi',
  ERROR: 'Hata',
  NO_ADDRESS: 'E-posta adresi yok',
  SKIPPED: 'Gönderilmedi (fatura iptal edildi)',
  SERVICE_OFF: 'eArsivMailing hizmeti aktif değil',
  OFF: 'E-posta gönderimi kapalı',
} as const;

export type MailDeliveryState = keyof typeof MAIL_DELIVERY_STATES;

/** The kinds' labels (the portal's column: "Fatura: Gönderildi", "İptal bildirimi: Hata"). */
export const MAIL_DELIVERY_KINDS: Record<MailDeliveryKind, string> = { INVOICE: 'Fatura', CANCELLATION: 'İptal bildirimi' };

export interface MailDeliveryRow {
  id: number;
  tenantId: number;
  invoiceId: number;
  kind: MailDeliveryKind;
  recipient: string | null;
  state: MailDeliveryState;
  attempts: number;
  lastError: string | null;
  /** The claim of a send in progress (null when none is). */
  sendingAt: string | null;
  sentAt: string | null;
  messageId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the outbox shows of a delivery. */
export interface MailDeliveryView {
  kind: MailDeliveryKind;
  recipient: string | null;
  state: MailDeliveryState;
  /** MAIL_DELIVERY_STATES[state]. */
  label: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  messageId: string | null;
  updatedAt: string;
}

function toRow(r: Record<string, unknown>): MailDeliveryRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    invoiceId: Number(r.invoice_id),
    kind: r.kind as MailDeliveryKind,
    recipient: (r.recipient as string | null) ?? null,
    state: r.state as MailDeliveryState,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    sendingAt: (r.sending_at as string | null) ?? null,
    sentAt: (r.sent_at as string | null) ?? null,
    messageId: (r.message_id as string | null) ?? null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export function mailDeliveryView(r: MailDeliveryRow): MailDeliveryView {
  return {
    kind: r.kind,
    recipient: r.recipient,
    state: r.state,
    label: MAIL_DELIVERY_STATES[r.state] ?? r.state,
    attempts: r.attempts,
    lastError: r.lastError,
    sentAt: r.sentAt,
    messageId: r.messageId,
    updatedAt: r.updatedAt,
  };
}

export async function mailDeliveryOf(q: Queryable, invoiceId: number, kind: MailDeliveryKind): Promise<MailDeliveryRow | null> {
  const row = await reading(q)('invoice_mails').where({ invoice_id: invoiceId, kind }).first();
  return row ? toRow(row) : null;
}

/**
 * Records a delivery unless one of the same invoice and kind exists already (then that one stands); returns the row
 * that stands.
 */
export async function openMailDelivery(
  q: Queryable,
  d: { tenantId: number; invoiceId: number; kind: MailDeliveryKind; recipient: string | null; state: MailDeliveryState; lastError?: string | null; at: string },
): Promise<MailDeliveryRow> {
  await q('invoice_mails')
    .insert({
      tenant_id: d.tenantId,
      invoice_id: d.invoiceId,
      kind: d.kind,
      recipient: d.recipient === null ? null : d.recipient.slice(0, 254),
      state: d.state,
      attempts: 0,
      last_error: d.lastError ?? null,
      created_at: d.at,
      updated_at: d.at,
    })
    .onConflict(['invoice_id', 'kind'])
    .ignore();
  return (await mailDeliveryOf(q, d.invoiceId, d.kind))!;
}

/**
 * Claims the send of a delivery still to be made (PENDING or ERROR) that no one is sending — or whose sender's
 * claim is older than `staleBefore` (it died mid-send): counts the attempt. False when there is nothing to claim.
 */
export async function claimMailSend(q: Queryable, id: number, at: string, staleBefore: string): Promise<boolean> {
  const n = await q('invoice_mails')
    .where({ id })
    .whereIn('state', ['PENDING', 'ERROR'])
    .andWhere((w) => w.whereNull('sending_at').orWhere('sending_at', '<', staleBefore))
    .update({ sending_at: at, attempts: q.raw('attempts + 1'), updated_at: at });
  return n === 1;
}

export async function recordMailSent(q: Queryable, id: number, at: string, messageId: string): Promise<void> {
  await q('invoice_mails').where({ id }).update({ state: 'SENT', sending_at: null, sent_at: at, message_id: messageId.slice(0, 250), last_error: null, updated_at: at });
}

/** A failed try: ERROR with its (short) reason; the claim is given up so the next try may take it at once. */
export async function recordMailFailed(q: Queryable, id: number, at: string, error: string): Promise<void> {
  await q('invoice_mails').where({ id }).whereNot({ state: 'SENT' }).update({ state: 'ERROR', sending_at: null, last_error: error.slice(0, 500), updated_at: at });
}

/** Ends a delivery that is not sent (SKIPPED, OFF, …), unless it was sent meanwhile. */
export async function closeMailDelivery(q: Queryable, id: number, state: Exclude<MailDeliveryState, 'SENT' | 'PENDING' | 'ERROR'>, at: string, reason: string | null = null): Promise<void> {
  await q('invoice_mails').where({ id }).whereNot({ state: 'SENT' }).update({ state, sending_at: null, last_error: reason === null ? null : reason.slice(0, 500), updated_at: at });
}

/**
 * The e-Arşiv outbox's column: the deliveries of a tenant's invoices, by invoice id (another tenant's invoices are
 * not found). An invoice with no row has not been looked at yet (not Başarılı, or its job has not run).
 */
export async function mailDeliveriesOf(
  q: Queryable,
  tenantId: number,
  invoiceIds: readonly number[],
): Promise<Map<number, { invoice: MailDeliveryView | null; cancellation: MailDeliveryView | null }>> {
  const out = new Map<number, { invoice: MailDeliveryView | null; cancellation: MailDeliveryView | null }>();
  const ids = [...new Set(invoiceIds.map(Number).filter((n) => Number.isInteger(n)))];
  // In chunks: SQLite limits a statement's parameters.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await reading(q)('invoice_mails').where({ tenant_id: tenantId }).whereIn('invoice_id', ids.slice(i, i + 500));
    for (const raw of rows) {
      const row = toRow(raw);
      const entry = out.get(row.invoiceId) ?? { invoice: null, cancellation: null };
      if (row.kind === 'INVOICE') entry.invoice = mailDeliveryView(row);
      else entry.cancellation = mailDeliveryView(row);
      out.set(row.invoiceId, entry);
    }
  }
  return out;
}
