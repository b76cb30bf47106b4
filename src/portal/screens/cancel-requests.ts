/**
 * e-Fatura İptal Talepleri (seed 004): the requests the company made at GİB's e-Fatura İptal Portalı and those made
 * to it, for the last 10 days or a Başlangıç/Bitiş range; Seçilen Talepleri Sil for its own waiting requests; approval
 * or refusal of requests made to it; and a new request from the seed's form (Fatura No + Ödenecek Tutar). Everything
 * goes through src/services/efatura-cancel.service.ts (GİB's portal decides; its refusals are shown with their text).
 */
import { latestCancelRequest } from '../../db/cancel-requests';
import { findInvoice } from '../../db/invoices';
import { GatewayError } from '../../faults';
import { cancelPortalMessage, sameAmount } from '../../gib/protocol';
import type { CancelDecisionKind } from '../../gib/protocol/cancel-request';
import { turkishDay } from '../../turkish-time';
import { formatAmount } from '../html';
import type { PortalContext, PortalScreen } from '../router';
import { cancelFormBody, cancelListBody, CANCEL_PATH, DEFAULT_LIST_DAYS, listPath, MAX_LIST_DAYS, type ListResult } from './cancel-requests-views';
import { daysBetween, faultLine, formDay, gibService, queryString } from './efatura-shared';

const REQUEST_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The list's range: the form's days, or the last 10 days (today in Türkiye and the 9 before it). */
function listRange(ctx: PortalContext, from: string | null, to: string | null): { from: string; to: string } {
  const end = formDay(to, 'Bitiş Tarihi') ?? turkishDay(ctx.deps.clock());
  const start = formDay(from, 'Başlangıç Tarihi') ?? shiftDay(end, -(DEFAULT_LIST_DAYS - 1));
  if (start > end) throw new GatewayError('PORTAL_DATE_RANGE', { detail: 'BAŞLANGIÇ TARİHİ BİTİŞ TARİHİNDEN SONRA' });
  if (daysBetween(start, end) >= MAX_LIST_DAYS) throw new GatewayError('PORTAL_DATE_RANGE', { detail: `EN FAZLA ${MAX_LIST_DAYS} GÜN SEÇİLEBİLİR` });
  return { from: start, to: end };
}

/**
 * An amount as a person types it: Turkish (7.840,80 — dots group thousands, the comma is the decimal point) or as
 * the portal lists it (7840.80). Null when it is neither.
 */
export function parseAmount(text: string): string | null {
  const t = text.replace(/\s+/g, '').replace(/(TL|TRY|₺)$/i, '');
  if (/^\d{1,3}(\.\d{3})+(,\d{1,8})?$/.test(t) || /^\d+,\d{1,8}$/.test(t)) return t.replace(/\./g, '').replace(',', '.');
  if (/^\d+(\.\d{1,8})?$/.test(t)) return t;
  return null;
}

/** Decides each selected request in turn; one line per request for the message. */
async function decideAll(ctx: PortalContext, decision: CancelDecisionKind, done: string): Promise<void> {
  const back = listPath({ from: ctx.field('baslangic'), to: ctx.field('bitis') });
  const ids = ctx.fields('talep');
  if (ids.length === 0) return ctx.redirect(back, { kind: 'error', text: 'İşlem için listeden en az bir talep seçiniz.' });
  const lines: string[] = [];
  let failed = false;
  for (const id of ids.slice(0, 100)) {
    try {
      if (!REQUEST_ID.test(id)) throw new GatewayError('PORTAL_INPUT', { field: 'talep' });
      const view = await gibService(ctx.deps.services, 'efaturaCancel').decide(ctx.session.caller, id, decision);
      lines.push(`${view.invoiceNumber} numaralı fatura için iptal talebi ${done} (${view.state}).`);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      failed = true;
      lines.push(`${id}: ${faultLine(err)}`);
    }
  }
  ctx.deps.nudge();
  await ctx.redirect(back, { kind: failed ? 'error' : 'ok', text: lines.join('\n') });
}

export const cancelRequestsScreen: PortalScreen = (r, deps) => {
  r.get('/e-fatura/iptal-talepleri', async (ctx) => {
    const title = 'e-Fatura İptal Talepleri';
    const service = deps.services.efaturaCancel;
    let range;
    try {
      range = listRange(ctx, ctx.query('baslangic'), ctx.query('bitis'));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      const fallback = { from: ctx.query('baslangic') ?? '', to: ctx.query('bitis') ?? '' };
      const body = cancelListBody(ctx.session, { ...fallback, made: { requests: [] }, received: { requests: [] }, inputError: faultLine(err) });
      return ctx.render({ title, menu: 'efatura-iptal', body }, 400);
    }
    const read = async (direction: 'MADE' | 'RECEIVED'): Promise<ListResult> => {
      try {
        if (!service) throw new GatewayError('PORTAL_GIB_OFF');
        return { requests: await service.list(ctx.session.caller, { direction, ...range }) };
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        return { error: faultLine(err) };
      }
    };
    const [made, received] = await Promise.all([read('MADE'), read('RECEIVED')]);
    await ctx.render({ title, menu: 'efatura-iptal', body: cancelListBody(ctx.session, { ...range, made, received }) });
  });

  // Seed 004 "Seçilen Talepleri Sil": the sender withdraws its own requests while they wait.
  r.post('/e-fatura/iptal-talepleri/sil', (ctx) => decideAll(ctx, 'DELETE', 'silindi'));

  // The receiver's decision on requests made to it: approving cancels the invoice on both sides.
  r.post('/e-fatura/iptal-talepleri/karar', async (ctx) => {
    const action = ctx.field('islem');
    if (action === 'onayla') return decideAll(ctx, 'APPROVE', 'onaylandı, fatura iptal edildi');
    if (action === 'reddet') return decideAll(ctx, 'REJECT', 'reddedildi');
    throw new GatewayError('PORTAL_INPUT', { field: 'islem' });
  });

  r.get('/e-fatura/iptal-talepleri/yeni', async (ctx) => {
    const body = cancelFormBody(ctx.session, { faturaNo: ctx.query('faturaNo'), tutar: ctx.query('tutar') });
    await ctx.render({ title: 'e-Fatura İptal Talebi Oluştur', menu: 'efatura-iptal', body });
  });

  // "Talep Oluştur": the invoice found by its number among the company's own, the amount checked against it (GİB's
  // portal asks for both), then the request as SOAP's CancelInvoice makes it for an e-Fatura.
  r.post('/e-fatura/iptal-talepleri/yeni', async (ctx) => {
    const number = (ctx.field('faturaNo') ?? '').toUpperCase();
    const typed = ctx.field('tutar') ?? '';
    const again = `${CANCEL_PATH}/yeni${queryString({ faturaNo: number, tutar: typed })}`;
    try {
      const service = gibService(deps.services, 'efaturaCancel');
      if (!/^[A-Z0-9]{16}$/.test(number)) throw new GatewayError('PORTAL_INPUT', { field: 'Fatura No (16 karakter)' });
      const amount = parseAmount(typed);
      if (amount === null) throw new GatewayError('PORTAL_INPUT', { field: 'Ödenecek Tutar (örnek: 7.840,80)' });
      const invoice = await findInvoice(deps.db, ctx.session.caller.tenantId, { number });
      if (!invoice) throw new GatewayError('DOCUMENT_NOT_FOUND');
      if (invoice.kind !== 'EFATURA') {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: 'E-ARSIV FATURALARI E-ARSIV GIDEN KUTUSUNDAN IPTAL EDILIR; IPTAL TALEBI YALNIZCA E-FATURA ICINDIR' });
      }
      if (!sameAmount(amount, invoice.payableAmount)) throw new GatewayError('PORTAL_CANCEL_AMOUNT', { invoiceNumber: number, amount: formatAmount(amount) });
      const waiting = await latestCancelRequest(deps.db, invoice.id, { waiting: true });
      const view = await service.request(ctx.session.caller, invoice.ettn);
      if (waiting && view.id.toLowerCase() === waiting.portalId.toLowerCase()) {
        const text = cancelPortalMessage('BEKLEYEN_TALEP_VAR', { invoiceNumber: view.invoiceNumber, requestId: view.id });
        return ctx.redirect(listPath({ from: null, to: null }), { kind: 'error', text });
      }
      // Seed 004, the portal's answer.
      const text = `${view.senderVknTckn} vergi / tc kimlik numaralı mükellefe ait ${view.invoiceNumber} numaralı ${view.amount} tutarındaki fatura için iptal talebi oluşturuldu.`;
      return ctx.redirect(listPath({ from: null, to: null }), { kind: 'ok', text });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return ctx.redirect(again, { kind: 'error', text: `İptal talebi oluşturulamadı${number ? ` (${number})` : ''}: ${faultLine(err)}` });
    }
  });
};
