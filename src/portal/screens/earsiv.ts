/**
 * e-Arşiv Giden Kutusu (seed 000): the tabs Henüz Sonuçlanmamış / Başarılı (green) / Hatalı (red, with each
 * invoice's error text), Durum Sorgula on the selected invoices, İptal Et through the "Faturanız İptal Edilecektir"
 * confirmation (a page, so it works without scripts), the buyer's e-mail delivery, the CSV export and each invoice's
 * page. The rules are the services': the list and its tabs are the outgoing list service's, the cancellation is
 * CancelInvoice's (only a Başarılı invoice; the others are refused with the service's reason and code).
 */
import { findInvoice, type InvoiceRow } from '../../db/invoices';
import { invoiceIdsByEttn, reasonsInto } from '../../db/invoice-history';
import { mailDeliveriesOf, type MailDeliveryView } from '../../db/invoice-mails';
import { GatewayError, isGatewayError } from '../../faults';
import type { Ettn } from '../../ids';
import { describeState, earsivInvoiceMachine } from '../../machines';
import { MAX_PAGE_SIZE } from '../../services/outgoing-invoices.service';
import { invoiceStateOf } from '../../services/invoice.service';
import { formatAmount, formatDay, html, type Html } from '../html';
import { csrfField } from '../layout';
import { errorBox, ettnOf, exportLink, filterForm, invoiceTable, loadOutbox, outboxExport, pager, PORTAL_PREFIX, statusText, tabClass, tabLinks, TABS } from '../list';
import { faultText, type PortalContext, type PortalScreen } from '../router';
import { registerOutgoingDetail } from './invoice-detail';

const PATH = '/e-arsiv/giden';
const BASE = `${PORTAL_PREFIX}${PATH}`;
const TITLE = 'e-Arşiv Giden Kutusu';
/** Where an action goes back to: this list (any tab, filters, page) or one of its invoices' pages. */
const RETURN_PATH = /^\/portal\/e-arsiv\/giden(\/[0-9a-fA-F-]{36})?(\?[A-Za-z0-9\-_.~=&%+]*)?$/;

function returnPath(ctx: PortalContext): string {
  const v = ctx.field('donus');
  return v && RETURN_PATH.test(v) ? v : BASE;
}

/** The selected invoices' ETTNs (a page's worth at most); none selected is the user's to correct. */
function selection(ctx: PortalContext): Ettn[] {
  const ettns = [...new Set(ctx.fields('secili').map(ettnOf).filter((e): e is Ettn => e !== null))];
  if (ettns.length === 0) throw new GatewayError('PORTAL_INPUT', { field: 'Lütfen en az bir fatura seçiniz' });
  if (ettns.length > MAX_PAGE_SIZE) throw new GatewayError('PORTAL_INPUT', { field: `En fazla ${MAX_PAGE_SIZE} fatura seçilebilir` });
  return ettns;
}

/** The selection, or null once the user has been sent back to `back` with what is wrong with it. */
async function selectionOrBack(ctx: PortalContext, back: string): Promise<Ettn[] | null> {
  try {
    return selection(ctx);
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    await ctx.redirect(back, { kind: 'error', text: faultText(err) });
    return null;
  }
}

/** The tenant's e-Arşiv invoices among the selected, or PORTAL_NOT_FOUND (another tenant's, an e-Fatura, none). */
async function selectedInvoices(ctx: PortalContext, ettns: readonly Ettn[]): Promise<InvoiceRow[]> {
  const rows: InvoiceRow[] = [];
  for (const ettn of ettns) {
    const row = await findInvoice(ctx.deps.db, ctx.session.caller.tenantId, { ettn });
    if (!row || row.kind !== 'EARSIV') throw new GatewayError('PORTAL_NOT_FOUND');
    rows.push(row);
  }
  return rows;
}

function label(row: Pick<InvoiceRow, 'number' | 'ettn'>): string {
  return row.number ?? row.ettn;
}

/** The buttons of one invoice's page: the same actions on that invoice alone. */
function invoiceActions(ctx: PortalContext, row: InvoiceRow): Html {
  const back = `${BASE}/${row.ettn}`;
  const fields = html`${csrfField(ctx.session)}<input type="hidden" name="secili" value="${row.ettn}"><input type="hidden" name="donus" value="${back}">`;
  return html`<form method="post" action="${BASE}/durum-sorgula" class="inline">${fields}<button type="submit">Durum Sorgula</button></form>${
    ctx.deps.services.invoiceCancel ? html`<form method="post" action="${BASE}/iptal" class="inline">${fields}<button type="submit" class="danger">İptal Et</button></form>` : html``
  }`;
}

type Deliveries = Map<Ettn, { invoice: MailDeliveryView | null; cancellation: MailDeliveryView | null }>;

export const earsivScreen: PortalScreen = (r) => {
  r.get(PATH, async (ctx) => {
    const page = await loadOutbox(ctx, 'EARSIV');
    const { db } = ctx.deps;
    const { tenantId } = ctx.session.caller;
    const ettns = page.invoices.map((i) => i.ettn);
    const tab = TABS.find((t) => t.slug === page.params.sekme)!;
    let errors: Map<Ettn, string> | null = null;
    if (tab.tab === 'Hatalı') {
      const reasons = await reasonsInto(db, tenantId, ettns, 'ERROR');
      errors = new Map(page.invoices.map((i) => [i.ettn, reasons.get(i.ettn)?.reason ?? i.description]));
    }
    const ids = await invoiceIdsByEttn(db, tenantId, ettns);
    const byId = await mailDeliveriesOf(db, tenantId, [...ids.values()]);
    const mails: Deliveries = new Map([...ids].map(([ettn, id]) => [ettn, byId.get(id) ?? { invoice: null, cancellation: null }]));
    const cancel = ctx.deps.services.invoiceCancel;
    const body = html`${tabLinks(BASE, page.params)}${filterForm(BASE, page.params, 'EARSIV')}${errorBox(page.error)}
<form method="post" action="${BASE}/durum-sorgula" class="selection">${csrfField(ctx.session)}<input type="hidden" name="donus" value="${ctx.req.originalUrl}">
<div class="actions"><button type="submit">Durum Sorgula</button>${
      cancel
        ? html`<button type="submit" class="danger" formaction="${BASE}/iptal">İptal Et</button>`
        : html`<button type="button" class="danger" disabled title="GİB bağlantısı yapılandırılmamış">İptal Et</button>`
    }${exportLink(BASE, page.params)}</div>
${invoiceTable(BASE, 'EARSIV', page.invoices, { selectable: true, mails, errors })}
</form>
${pager(BASE, page.params, page.invoices.length, page.next)}`;
    await ctx.render({ title: TITLE, menu: 'earsiv-giden', body }, page.error ? 400 : 200);
  });

  r.get(`${PATH}/excel`, async (ctx) => {
    const sekme = TABS.find((t) => t.slug === ctx.query('sekme')) ?? TABS[0]!;
    await outboxExport(ctx, 'EARSIV', `e-arsiv-giden-${sekme.slug}`);
  });

  // Durum Sorgula: each selected invoice's state, code and description as e-Logo words them, under its tab.
  r.post(`${PATH}/durum-sorgula`, async (ctx) => {
    const back = returnPath(ctx);
    const ettns = await selectionOrBack(ctx, back);
    if (!ettns) return;
    const lines: string[] = [];
    for (const ettn of ettns) {
      try {
        const s = await ctx.deps.services.invoices.getStatus(ctx.session.caller, { ettn });
        if (s.documentKind !== 'EARSIV') throw new GatewayError('PORTAL_NOT_FOUND');
        lines.push(`${s.invoiceNumber ?? s.ettn}: ${s.portalTab} — ${statusText(s)}`);
      } catch (err) {
        if (!isGatewayError(err)) throw err;
        lines.push(`${ettn}: ${faultText(err)}`);
      }
    }
    ctx.deps.nudge(); // whatever the worker has due for them (a report to send or to ask GİB about) runs now
    await ctx.redirect(back, { kind: 'ok', text: `Durum Sorgula:\n${lines.join('\n')}` });
  });

  // İptal Et, step 1: the confirmation (a page of its own: no script needed).
  r.post(`${PATH}/iptal`, async (ctx) => {
    const back = returnPath(ctx);
    const ettns = await selectionOrBack(ctx, back);
    if (!ettns) return;
    const rows = await selectedInvoices(ctx, ettns);
    const body = html`<div class="confirm" role="alertdialog" aria-labelledby="iptal-uyari">
<p id="iptal-uyari" class="flash error confirm-title">Faturanız İptal Edilecektir</p>
<p>Aşağıdaki ${rows.length} e-Arşiv faturası iptal edilecektir. İptal edilen faturanın numarası başka bir faturada kullanılmaz; iptal, iptal tarihinin e-Arşiv raporu ile GİB'e bildirilir. Yalnızca Başarılı durumdaki faturalar iptal edilebilir.</p>
<table class="list"><thead><tr><th>Fatura No</th><th>ETTN</th><th>Alıcı</th><th>Tarih</th><th>Tutar</th><th>Durum</th></tr></thead><tbody>${rows.map((row) => {
      const s = invoiceStateOf(row);
      return html`<tr class="${tabClass(s.portalTab)}"><td>${label(row)}</td><td class="ettn">${row.ettn}</td><td>${row.receiverName ?? row.receiverId}</td><td>${formatDay(row.issueDate)}</td><td class="num">${formatAmount(row.payableAmount, row.currency)}</td><td>${s.portalTab} — ${statusText(s)}</td></tr>`;
    })}</tbody></table>
<form method="post" action="${BASE}/iptal/onay" class="actions">${csrfField(ctx.session)}${rows.map((row) => html`<input type="hidden" name="secili" value="${row.ettn}">`)}<input type="hidden" name="donus" value="${back}">
<button type="submit" class="danger" name="karar" value="evet">Evet</button> <a class="button secondary" href="${back}">Vazgeç</a></form></div>`;
    await ctx.render({ title: 'e-Arşiv Fatura İptali', menu: 'earsiv-giden', body });
  });

  // İptal Et, step 2 (Evet): CancelInvoice's service for each; a refused one says why (its message and code).
  r.post(`${PATH}/iptal/onay`, async (ctx) => {
    const back = returnPath(ctx);
    if (ctx.field('karar') !== 'evet') return ctx.redirect(back);
    const service = ctx.deps.services.invoiceCancel;
    if (!service) return ctx.redirect(back, { kind: 'error', text: 'e-Arşiv iptali için GİB bağlantısı yapılandırılmamış.' });
    const ettns = await selectionOrBack(ctx, back);
    if (!ettns) return;
    const rows = await selectedInvoices(ctx, ettns);
    const { caller } = ctx.session;
    const lines: string[] = [];
    let refused = 0;
    for (const row of rows) {
      try {
        const done = await service.cancelEarsiv(caller.tenantId, { ettn: row.ettn }, `user:${caller.username}`);
        const d = describeState(earsivInvoiceMachine, done.state, {});
        lines.push(`${label(row)}: İPTAL EDİLDİ — ${d.code} ${d.description}`);
      } catch (err) {
        if (!isGatewayError(err)) throw err;
        refused++;
        lines.push(`${label(row)}: ${faultText(err)}`);
      }
    }
    if (refused < rows.length) ctx.deps.nudge(); // the cancellation's notice to the buyer, its report
    await ctx.redirect(back, { kind: refused ? 'error' : 'ok', text: `İptal Et:\n${lines.join('\n')}` });
  });

  registerOutgoingDetail(r, { path: PATH, kind: 'EARSIV', menu: 'earsiv-giden', listTitle: TITLE, actions: invoiceActions });
};
