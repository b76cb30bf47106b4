/**
 * How the e-Fatura Gelen Kutusu looks: the list with its filters and pager, the CSV of a list, and one invoice's page
 * (details, KABUL / RED, documents, envelope, history, visual). Pure functions of what the routes read.
 */
import type { EnvelopeRow } from '../../db/envelopes';
import type { HistoryEntry } from '../../db/machine-store';
import { displayEnvelopeId } from '../../ids';
import { describeState, incomingInvoiceMachine, type ElogoStatus, type StateSpec } from '../../machines';
import { responseDeadline } from '../../machines/invoice.guards';
import type { IncomingInvoiceView } from '../../services/inbox.service';
import type { PortalSession } from '../session';
import { formatAmount, formatDay, formatTime, html, type Html } from '../html';
import { csrfField } from '../layout';
import { queryString } from './efatura-shared';

export const INBOX_PATH = '/portal/e-fatura/gelen';

/** The list's filters as the form sends them (the query string): kept in links to the next page and the CSV. */
export interface InboxFilterForm {
  baslangic: string | null;
  bitis: string | null;
  gonderen: string | null;
  faturaNo: string | null;
  senaryo: string | null;
  durum: string | null;
  adet: string | null;
}

export const PAGE_SIZES = ['20', '50', '100', '200'] as const;

/** The scenarios an e-Fatura comes in (UBL-TR ProfileID code list; e-Arşiv's never reaches an inbox). */
export const PROFILES = ['TEMELFATURA', 'TICARIFATURA', 'KAMU', 'IHRACAT', 'YOLCUBERABERFATURA', 'HKS', 'ENERJI', 'ILAC_TIBBICIHAZ', 'YATIRIMTESVIK', 'IDIS'] as const;

/** The incoming-invoice machine's states with their descriptions (machines are data: read, not repeated). */
export const INBOX_STATES = Object.entries(incomingInvoiceMachine.states as Record<string, StateSpec>).map(([state, spec]) => ({ state, description: spec.description }));

const STATUS_TEXT: Record<ElogoStatus, string> = { 1: 'İşlemde', 2: 'Tamamlandı', [-1]: 'Hatalı', 0: 'Bilinmiyor' } as Record<ElogoStatus, string>;

export function detailPath(ettn: string): string {
  return `${INBOX_PATH}/${encodeURIComponent(ettn)}`;
}

function rowClass(v: IncomingInvoiceView): string {
  if (v.state === 'ACCEPTED') return 'ok';
  if (v.state === 'REJECTED' || v.state === 'CANCELLED') return 'error';
  return '';
}

function options(values: ReadonlyArray<{ value: string; label: string }>, selected: string | null, all = 'Tümü'): Html {
  return html`<option value="">${all}</option>${values.map((o) => html`<option value="${o.value}"${o.value === selected ? html` selected` : html``}>${o.label}</option>`)}`;
}

function filterForm(f: InboxFilterForm): Html {
  return html`<form class="filters" method="get" action="${INBOX_PATH}">
<label>Başlangıç Tarihi<input type="date" name="baslangic" value="${f.baslangic ?? ''}"></label>
<label>Bitiş Tarihi<input type="date" name="bitis" value="${f.bitis ?? ''}"></label>
<label>Gönderen VKN/TCKN<input type="text" name="gonderen" inputmode="numeric" maxlength="11" value="${f.gonderen ?? ''}"></label>
<label>Fatura No<input type="text" name="faturaNo" maxlength="16" value="${f.faturaNo ?? ''}"></label>
<label>Senaryo<select name="senaryo">${options(PROFILES.map((p) => ({ value: p, label: p })), f.senaryo)}</select></label>
<label>Durum<select name="durum">${options(INBOX_STATES.map((s) => ({ value: s.state, label: s.description })), f.durum)}</select></label>
<label>Kayıt Sayısı<select name="adet">${PAGE_SIZES.map((n) => html`<option value="${n}"${n === (f.adet ?? '50') ? html` selected` : html``}>${n}</option>`)}</select></label>
<button type="submit">Listele</button><a class="button secondary" href="${INBOX_PATH}">Temizle</a></form>`;
}

/** The list page; with `error` (a filter the form got wrong), the form and the message instead of the list. */
export function inboxListBody(f: InboxFilterForm, invoices: IncomingInvoiceView[], nextPageToken: string | null, firstPage: boolean, error?: string): Html {
  if (error) return html`${filterForm(f)}<p class="flash error" role="alert">${error}</p>`;
  const filters = { ...f };
  const rows = invoices.map(
    (v) => html`<tr class="${rowClass(v)}" data-ettn="${v.ettn}">
<td>${v.senderVkn}</td><td class="sender">${v.senderName ?? ''}</td>
<td><a href="${detailPath(v.ettn)}">${v.invoiceNumber}</a></td><td class="ettn">${v.ettn.toUpperCase()}</td>
<td>${formatDay(v.issueDate)}</td><td class="num">${formatAmount(v.payableAmount, v.currency)}</td><td>${v.profileId}</td>
<td class="status">${STATUS_TEXT[v.status]}</td><td class="num code">${v.code}</td><td class="description">${v.description}</td>
<td class="envelope">${displayEnvelopeId(v.envelopeId)}</td><td>${formatTime(v.receivedAt)}</td></tr>`,
  );
  const table = invoices.length
    ? html`<table class="list inbox"><thead><tr><th>Gönderen VKN/TCKN</th><th>Gönderen Ünvan</th><th>Fatura No</th><th>ETTN</th><th>Fatura Tarihi</th>
<th>Tutar</th><th>Senaryo</th><th>Durum</th><th>Durum Kodu</th><th>Açıklama</th><th>Zarf</th><th>Alınma Zamanı</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="unavailable">Seçilen ölçütlere uyan gelen fatura bulunamadı.</p>`;
  const pager = html`<div class="pager">${firstPage ? html`` : html`<a href="${INBOX_PATH}${queryString(filters)}">« İlk Sayfa</a>`}${
    nextPageToken ? html`<a class="next" href="${INBOX_PATH}${queryString({ ...filters, sayfa: nextPageToken })}">Sonraki Sayfa »</a>` : html``
  }</div>`;
  return html`${filterForm(f)}
<div class="actions"><a class="button secondary" href="${INBOX_PATH}/csv${queryString(filters)}">Excel (CSV) İndir</a></div>
${table}${pager}
<p>Firmanıza diğer mükelleflerden gelen e-Faturalar, en son gelen en üstte olmak üzere listelenir. TICARIFATURA senaryosundaki faturalara,
faturanın size ulaştığı günden itibaren 8 gün içinde faturanın sayfasından <strong>KABUL</strong> veya <strong>RED</strong> yanıtı verebilirsiniz.</p>`;
}

// --- CSV ---------------------------------------------------------------------------------------------------------

export const CSV_HEADER = ['Gönderen VKN/TCKN', 'Gönderen Ünvan', 'Fatura No', 'ETTN', 'Fatura Tarihi', 'Tutar', 'Para Birimi', 'Senaryo', 'Fatura Tipi', 'Durum', 'Durum Kodu', 'Açıklama', 'Zarf', 'Alınma Zamanı'];

/** A CSV cell for Excel: quoted, and a leading = + - @ defused (a sender's name must never become a formula). */
function cell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** One line of the CSV (Excel in Turkish reads ';' as the separator). */
export function csvLine(values: ReadonlyArray<string | number>): string {
  return `${values.map(cell).join(';')}\r\n`;
}

export function csvRow(v: IncomingInvoiceView): string {
  return csvLine([
    v.senderVkn, v.senderName ?? '', v.invoiceNumber, v.ettn.toUpperCase(), v.issueDate, v.payableAmount, v.currency, v.profileId, v.typeCode,
    STATUS_TEXT[v.status], v.code, v.description, displayEnvelopeId(v.envelopeId), formatTime(v.receivedAt),
  ]);
}

// --- One invoice -------------------------------------------------------------------------------------------------

export interface InboxDetail {
  invoice: IncomingInvoiceView;
  history: HistoryEntry[];
  envelope: EnvelopeRow | null;
  now: Date;
  /** KABUL / RED can be sent from this gateway (GİB configured). */
  canAnswer: boolean;
}

function stateText(state: string | null): string {
  return state ? describeState(incomingInvoiceMachine, state, {}).description : '';
}

function answerSection(session: PortalSession, d: InboxDetail): Html {
  const v = d.invoice;
  if (v.profileId !== 'TICARIFATURA') {
    return html`<p class="unavailable answer-closed">Bu fatura ${v.profileId} senaryosundadır: KABUL / RED yanıtı yalnızca TICARIFATURA senaryosundaki faturalara verilebilir.</p>`;
  }
  if (v.state !== 'INBOX') return html`<p class="answer-given">Bu faturaya yanıt verildi: <strong>${v.description}</strong> (ayrıntısı aşağıdaki tarihçede).</p>`;
  const deadline = responseDeadline(new Date(v.receivedAt));
  if (d.now.getTime() > deadline.getTime()) {
    return html`<p class="unavailable answer-closed">Yanıt süresi doldu: fatura ${formatTime(v.receivedAt)} tarihinde alındı, 8 günlük KABUL / RED süresi ${formatTime(deadline.toISOString())} itibarıyla sona erdi.</p>`;
  }
  if (!d.canAnswer) return html`<p class="unavailable answer-closed">Bu ağ geçidinde GİB bağlantısı yapılandırılmadığı için KABUL / RED yanıtı gönderilemez.</p>`;
  return html`<form class="answer" method="post" action="${detailPath(v.ettn)}/yanit">${csrfField(session)}
<p>Yanıt süresi: <strong>${formatTime(deadline.toISOString())}</strong> tarihine kadar. Yanıt bir kez verilir ve göndericiye uygulama yanıtı olarak iletilir.</p>
<label>Açıklama (RED için zorunlu)<textarea name="aciklama" maxlength="500" rows="3"></textarea></label>
<div class="actions"><button type="submit" name="yanit" value="KABUL" data-confirm="Fatura KABUL edilecektir. Onaylıyor musunuz?">KABUL</button>
<button type="submit" name="yanit" value="RED" class="danger" data-confirm="Fatura RED edilecektir. Onaylıyor musunuz?">RED</button></div></form>`;
}

function envelopeSection(v: IncomingInvoiceView, e: EnvelopeRow | null): Html {
  if (!e) return html`<p>Zarf: ${displayEnvelopeId(v.envelopeId)}</p>`;
  return html`<dl class="details envelope"><dt>Zarf ETTN</dt><dd>${displayEnvelopeId(e.id)}</dd><dt>Zarf Tipi</dt><dd>${e.type}${e.elementType ? ` (${e.elementType})` : ''}</dd>
<dt>Gönderen Etiket</dt><dd>${e.senderAlias ?? ''}</dd><dt>Alıcı Etiket</dt><dd>${e.receiverAlias ?? ''}</dd><dt>Dosya Adı</dt><dd>${e.fileName ?? ''}</dd>
<dt>Zarf Durumu</dt><dd>${e.status}${e.gibCode !== null ? ` — (${e.gibCode}) ${e.gibDescription ?? ''}` : ''}</dd><dt>Alınma Zamanı</dt><dd>${formatTime(e.createdAt)}</dd></dl>
<div class="actions"><a class="button secondary" href="${detailPath(v.ettn)}/zarf">Zarfı İndir (ZIP)</a></div>`;
}

function historyTable(history: HistoryEntry[]): Html {
  return html`<table class="list history"><thead><tr><th>Zaman</th><th>Önceki Durum</th><th>Yeni Durum</th><th>İşlem</th><th>İşlemi Yapan</th><th>Açıklama</th></tr></thead>
<tbody>${history.map((h) => html`<tr><td>${formatTime(h.at)}</td><td>${stateText(h.fromState)}</td><td>${stateText(h.toState)}</td><td>${h.event}</td><td>${h.actor}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody></table>`;
}

export function inboxDetailBody(session: PortalSession, d: InboxDetail): Html {
  const v = d.invoice;
  const base = detailPath(v.ettn);
  return html`<p><a href="${INBOX_PATH}">« Gelen Kutusu</a></p>
<dl class="details invoice"><dt>Gönderen VKN/TCKN</dt><dd>${v.senderVkn}</dd><dt>Gönderen Ünvan</dt><dd class="sender">${v.senderName ?? ''}</dd>
<dt>Gönderen Etiket</dt><dd>${v.senderAlias}</dd><dt>Alıcı Etiket</dt><dd>${v.receiverAlias}</dd>
<dt>Fatura No</dt><dd>${v.invoiceNumber}</dd><dt>ETTN</dt><dd>${v.ettn.toUpperCase()}</dd><dt>Fatura Tarihi</dt><dd>${formatDay(v.issueDate)}</dd>
<dt>Fatura Tipi</dt><dd>${v.typeCode}</dd><dt>Senaryo</dt><dd>${v.profileId}</dd><dt>Tutar</dt><dd>${formatAmount(v.payableAmount, v.currency)}</dd>
<dt>Alınma Zamanı</dt><dd>${formatTime(v.receivedAt)}</dd><dt>Durum</dt><dd class="status">${STATUS_TEXT[v.status]} — (${v.code}) ${v.description}</dd></dl>
<h2>KABUL / RED</h2>${answerSection(session, d)}
<h2>Belgeler</h2><div class="actions"><a class="button" href="${base}/indir/pdf">PDF İndir</a><a class="button secondary" href="${base}/indir/ubl">UBL (XML) İndir</a>
<a class="button secondary" href="${base}/indir/html">HTML İndir</a></div>
<h2>Zarf</h2>${envelopeSection(v, d.envelope)}
<h2>Tarihçe</h2>${historyTable(d.history)}
<h2>Fatura Görüntüsü</h2><iframe class="visual" src="${base}/gorsel" sandbox="" title="Fatura görüntüsü"></iframe>`;
}
