/**
 * An outgoing invoice's page (e-Fatura and e-Arşiv Giden Kutusu): its summary, its state history (time, who, why),
 * its envelope, the signed UBL and the PDF to download, and its visual in a sandboxed frame. The visual is the
 * invoice's own XSLT output — untrusted — so it is served from its own address with the visual's strict policy (no
 * scripts, no requests, a CSP sandbox) and framed with `sandbox`. Another tenant's ETTN, one of the other kind or a
 * malformed one is the portal's 404.
 */
import { findInvoice, type DocumentKind, type InvoiceRow } from '../../db/invoices';
import { outgoingInvoiceHistory } from '../../db/invoice-history';
import { mailDeliveriesOf } from '../../db/invoice-mails';
import type { HistoryEntry } from '../../db/machine-store';
import { GatewayError, isGatewayError } from '../../faults';
import { displayEnvelopeId } from '../../ids';
import { describeState } from '../../machines';
import type { VisualFormat } from '../../services/invoice-visual.service';
import { invoiceStateOf } from '../../services/invoice.service';
import { formatAmount, formatDay, formatTime, html, type Html } from '../html';
import { barePage } from '../layout';
import { ettnOf, machineOf, PORTAL_PREFIX, statusText, tabClass } from '../list';
import { sendDownload, sendHtml, type PortalContext, type PortalRoutes } from '../router';

export interface OutgoingDetailOptions {
  /** The list's path under /portal (/e-fatura/giden); the invoice's page is <path>/<ETTN>. */
  path: string;
  kind: DocumentKind;
  menu: string;
  listTitle: string;
  /** Buttons of the screen for this invoice (e-Arşiv: Durum Sorgula, İptal Et). */
  actions?: (ctx: PortalContext, row: InvoiceRow) => Html;
}

/** The tenant's invoice of this kind named in the address, or PORTAL_NOT_FOUND. */
async function invoiceOf(ctx: PortalContext, kind: DocumentKind): Promise<InvoiceRow> {
  const ettn = ettnOf(String(ctx.req.params.ettn));
  const row = ettn ? await findInvoice(ctx.deps.db, ctx.session.caller.tenantId, { ettn }) : null;
  if (!row || row.kind !== kind) throw new GatewayError('PORTAL_NOT_FOUND');
  return row;
}

/** Who did it, in words: the worker is the system, GİB's answers GİB, a user by name. */
function actorText(actor: string): string {
  if (actor === 'worker' || actor === 'system') return 'Sistem';
  if (actor === 'gib') return 'GİB';
  return actor.replace(/^(user|portal):/, '');
}

function stateText(row: InvoiceRow, state: string | null, code: number | null): string {
  if (!state) return '';
  const d = describeState(machineOf(row.kind), state, { code: code ?? undefined });
  return d.code ? `${d.code} ${d.description}` : d.description;
}

function historyTable(row: InvoiceRow, history: readonly HistoryEntry[]): Html {
  return html`<table class="list history"><thead><tr><th>Zaman</th><th>Önceki Durum</th><th>Yeni Durum</th><th>İşlem</th><th>İşlemi Yapan</th><th>Açıklama</th></tr></thead><tbody>${history.map(
    (h) => html`<tr><td>${formatTime(h.at)}</td><td>${stateText(row, h.fromState, null)}</td><td>${stateText(row, h.toState, h.code)}</td><td>${h.event}</td><td>${actorText(h.actor)}</td><td>${h.reason ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

export function registerOutgoingDetail(r: PortalRoutes, o: OutgoingDetailOptions): void {
  const visual = async (ctx: PortalContext, format: VisualFormat) => {
    const row = await invoiceOf(ctx, o.kind);
    try {
      return await ctx.deps.services.visuals.visual(ctx.session.caller, { direction: 'OUT', ettn: row.ettn }, format);
    } catch (err) {
      if (isGatewayError(err) && err.fault === 'DOCUMENT_NOT_FOUND') throw new GatewayError('PORTAL_NOT_FOUND');
      throw err;
    }
  };

  r.get(`${o.path}/:ettn`, async (ctx) => {
    const row = await invoiceOf(ctx, o.kind);
    const { tenantId } = ctx.session.caller;
    const state = invoiceStateOf(row);
    const history = (await outgoingInvoiceHistory(ctx.deps.db, tenantId, row.ettn)) ?? [];
    const mail = o.kind === 'EARSIV' ? (await mailDeliveriesOf(ctx.deps.db, tenantId, [row.id])).get(row.id) : undefined;
    const answer = (row.context.applicationResponse as { code?: string } | undefined)?.code ?? null;
    const warnings = (row.context.warnings as Array<{ code: number; message: string }> | undefined) ?? [];
    const list = `${PORTAL_PREFIX}${o.path}`;
    const at = `${list}/${row.ettn}`;
    const title = `${o.listTitle}: ${row.number ?? row.ettn}`;
    const body = html`<p><a href="${list}">← ${o.listTitle}</a></p>
<dl class="details">
<dt>Fatura No</dt><dd>${row.number ?? '(numara bekleniyor)'}</dd>
<dt>ETTN</dt><dd>${row.ettn}</dd>
<dt>Belge Türü</dt><dd>${row.kind === 'EARSIV' ? 'e-Arşiv Fatura' : 'e-Fatura'} (${row.profileId}, ${row.typeCode})</dd>
<dt>Fatura Tarihi</dt><dd>${formatDay(row.issueDate)}</dd>
<dt>Alıcı VKN/TCKN</dt><dd>${row.receiverId}</dd>
<dt>Alıcı</dt><dd>${row.receiverName ?? ''}</dd>
<dt>Tutar</dt><dd>${formatAmount(row.payableAmount, row.currency)}</dd>
<dt>Durum</dt><dd class="status ${tabClass(state.portalTab)}">${statusText(state)}${state.portalTab ? ` (${state.portalTab})` : ''}</dd>
${row.kind === 'EFATURA' ? html`<dt>Zarf</dt><dd class="ettn">${row.envelopeId ? displayEnvelopeId(row.envelopeId) : 'Henüz zarflanmadı'}</dd>` : html``}
${answer ? html`<dt>Alıcı Yanıtı</dt><dd>${answer}</dd>` : html``}
${mail ? html`<dt>E-posta</dt><dd>${[mail.invoice ? `Fatura: ${mail.invoice.label}${mail.invoice.recipient ? ` (${mail.invoice.recipient})` : ''}${mail.invoice.lastError ? ` — ${mail.invoice.lastError}` : ''}` : null, mail.cancellation ? `İptal bildirimi: ${mail.cancellation.label}` : null].filter(Boolean).join('; ')}</dd>` : html``}
${warnings.length ? html`<dt>Uyarılar</dt><dd>${warnings.map((w) => html`${w.message} (${w.code})<br>`)}</dd>` : html``}
<dt>Oluşturma</dt><dd>${formatTime(row.createdAt)}</dd>
<dt>Son Güncelleme</dt><dd>${formatTime(row.updatedAt)}</dd>
</dl>
<div class="actions"><a class="button" href="${at}/ubl">İmzalı UBL İndir</a><a class="button" href="${at}/pdf">PDF İndir</a><a class="button secondary" href="${at}/gorsel" target="_blank" rel="noopener">Görüntüyü Yeni Sekmede Aç</a>${o.actions ? o.actions(ctx, row) : html``}</div>
<h2>Durum Geçmişi</h2>${historyTable(row, history)}
<h2>Fatura Görüntüsü</h2><iframe class="visual" sandbox="" src="${at}/gorsel" title="Fatura Görüntüsü"></iframe>`;
    await ctx.render({ title, menu: o.menu, body });
  });

  // The visual alone: the invoice's XSLT output under its own policy, never the portal's (it allows the portal's script).
  r.get(`${o.path}/:ettn/gorsel`, async (ctx) => {
    let v;
    try {
      v = await visual(ctx, 'HTML');
    } catch (err) {
      if (!isGatewayError(err) || err.fault === 'PORTAL_NOT_FOUND') throw err;
      const status = err.spec.http < 500 ? err.spec.http : 503;
      return sendHtml(ctx.res, barePage('Fatura Görüntüsü', html`<p class="flash error" role="alert">${err.message}</p><p class="code">Hata kodu: ${err.code}</p>`), status);
    }
    ctx.res.status(200);
    ctx.res.setHeader('Content-Type', v.contentType);
    ctx.res.setHeader('Content-Security-Policy', `${v.contentSecurityPolicy ?? "default-src 'none'"}; sandbox`);
    ctx.res.setHeader('Cache-Control', 'no-store');
    ctx.res.send(v.body);
  });

  r.get(`${o.path}/:ettn/ubl`, async (ctx) => {
    const v = await visual(ctx, 'UBL');
    sendDownload(ctx.res, v.body, v.contentType, v.fileName);
  });

  r.get(`${o.path}/:ettn/pdf`, async (ctx) => {
    const v = await visual(ctx, 'PDF');
    sendDownload(ctx.res, v.body, v.contentType, v.fileName);
  });
}

