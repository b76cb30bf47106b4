/**
 * How e-Fatura İptal Talepleri looks (seed 004, GİB's e-Fatura İptal Portalı): the two lists with the seed's columns
 * and date range, and the request form (Fatura No + Ödenecek Tutar). Pure functions of what the routes read.
 */
import type { CancelRequestView } from '../../gib/cancel-portal-client';
import { html, type Html } from '../html';
import { csrfField } from '../layout';
import type { PortalSession } from '../session';
import { queryString } from './efatura-shared';

export const CANCEL_PATH = '/portal/e-fatura/iptal-talepleri';
/** Seed 004: the lists show the last 10 days unless a range is chosen. */
export const DEFAULT_LIST_DAYS = 10;
/** The longest range a list asks the portal for (the portal's lists are not paged). */
export const MAX_LIST_DAYS = 366;
/** Rows shown per list; more asks for a narrower range. */
export const MAX_LIST_ROWS = 1000;

/** One list as read: its requests, or why the portal did not answer. */
export type ListResult = { requests: CancelRequestView[] } | { error: string };

export interface CancelListPage {
  from: string;
  to: string;
  made: ListResult;
  received: ListResult;
  /** A wrong date range: the message instead of the lists. */
  inputError?: string;
}

/** "2020-01-29T14:02:48+03:00" (the portal's Turkish time) as the seed's list writes it: 29-01-2020 14:02:48. */
export function seedTime(iso: string | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[3]}-${m[2]}-${m[1]} ${m[4]}` : iso;
}

const WAITING = 'Onay Bekliyor';

function rowClass(r: CancelRequestView): string {
  if (r.state === 'Fatura İptal Edildi') return 'ok';
  if (r.state === 'Talep Reddedildi') return 'error';
  return '';
}

function requestRows(list: CancelRequestView[]): Html[] {
  return list.slice(0, MAX_LIST_ROWS).map(
    (r) => html`<tr class="${rowClass(r)}" data-request="${r.id}"><td>${r.senderVknTckn}</td><td>${r.receiverVknTckn}</td><td class="ettn">${r.ettn.toUpperCase()}</td>
<td class="number">${r.invoiceNumber}</td><td>${r.invoiceDate}</td><td class="num">${r.amount}</td><td>${seedTime(r.requestedAt)}</td><td class="state">${r.state}</td>
<td>${seedTime(r.decidedAt)}</td><td>${r.state === WAITING ? html`<input type="checkbox" name="talep" value="${r.id}" aria-label="${r.invoiceNumber} seç">` : html``}</td></tr>`,
  );
}

const HEADER = html`<tr><th>Gönderen VKN/TCKN</th><th>Alan VKN/TCKN</th><th>ETTN</th><th>Fatura No</th><th>Fatura Tarihi</th><th>Tutar</th><th>Talep Zamanı</th><th>Durum</th><th>Onay Zamanı</th><th>Seç</th></tr>`;

function listTable(kind: 'made' | 'received', result: ListResult, actions: Html, session: PortalSession, range: { from: string; to: string }): Html {
  if ('error' in result) return html`<p class="flash error" role="alert">${result.error}</p>`;
  // "Seçilen Talepleri Sil" (seed 004) removes the row at GİB's portal: a deleted request is not listed.
  const shown = result.requests.filter((r) => r.state !== 'Silindi');
  const more = shown.length > MAX_LIST_ROWS ? html`<p class="unavailable">İlk ${MAX_LIST_ROWS} talep gösteriliyor; tarih aralığını daraltınız.</p>` : html``;
  const hasWaiting = shown.some((r) => r.state === WAITING);
  return html`<form method="post" action="${CANCEL_PATH}/${kind === 'made' ? 'sil' : 'karar'}" class="requests ${kind}">${csrfField(session)}
<input type="hidden" name="baslangic" value="${range.from}"><input type="hidden" name="bitis" value="${range.to}">
<table class="list cancel-requests ${kind}"><thead>${HEADER}</thead><tbody>${
    shown.length ? requestRows(shown) : html`<tr><td colspan="10">Bu tarih aralığında talep bulunmuyor.</td></tr>`
  }</tbody></table>${more}${hasWaiting ? actions : html``}</form>`;
}

export function cancelListBody(session: PortalSession, p: CancelListPage): Html {
  const dates = html`<form class="filters" method="get" action="${CANCEL_PATH}">
<label>Başlangıç Tarihi<input type="date" name="baslangic" value="${p.from}"></label>
<label>Bitiş Tarihi<input type="date" name="bitis" value="${p.to}"></label><button type="submit">Listele</button></form>`;
  const intro = html`<div class="actions"><a class="button" href="${CANCEL_PATH}/yeni">Fatura iptal talebi oluşturmak için tıklayınız</a></div>
<p><strong>Lütfen dikkat!</strong> İptal talebinde bulunduğunuz ve iptal onayı verdiğiniz faturaların durumunu bu tablodan kontrol edebilirsiniz.
Listede son ${DEFAULT_LIST_DAYS} güne ait iptal talepleri listelenmiştir. Daha eski tarihli taleplerin durumunu tarih aralığını seçerek kontrol edebilirsiniz.</p>`;
  if (p.inputError) return html`${intro}${dates}<p class="flash error" role="alert">${p.inputError}</p>`;
  const range = { from: p.from, to: p.to };
  const deleteButton = html`<div class="actions"><button type="submit" class="danger" data-confirm="Seçilen iptal talepleri silinecektir. Devam etmek istiyor musunuz?">Seçilen Talepleri Sil</button></div>`;
  const decideButtons = html`<div class="actions"><button type="submit" name="islem" value="onayla" data-confirm="Seçilen talepleri onayladığınızda faturalar iptal edilecektir. Devam etmek istiyor musunuz?">Seçilen Talepleri Onayla (Fatura İptal Et)</button>
<button type="submit" name="islem" value="reddet" class="danger" data-confirm="Seçilen talepler reddedilecektir. Devam etmek istiyor musunuz?">Seçilen Talepleri Reddet</button></div>`;
  return html`${intro}${dates}
<h2>İptal Edilmesini Talep Ettiğiniz Faturalar</h2>${listTable('made', p.made, deleteButton, session, range)}
<h2>İptal Ettiğiniz Faturalar</h2><p>Adınıza düzenlenen faturalar için size gelen iptal talepleri. Onay bekleyen talepleri seçip onayladığınızda fatura iptal olur;
reddettiğinizde fatura geçerliliğini korur.</p>${listTable('received', p.received, decideButtons, session, range)}`;
}

export function cancelFormBody(session: PortalSession, values: { faturaNo: string | null; tutar: string | null }): Html {
  return html`<p><a href="${CANCEL_PATH}">« İptal Talepleri</a></p>
<h2>Fatura Bilgileri</h2><p>Lütfen iptal etmek istediğiniz fatura bilgilerinizi giriniz.</p>
<form method="post" action="${CANCEL_PATH}/yeni" class="filters cancel-request">${csrfField(session)}
<label>Fatura No<input type="text" name="faturaNo" maxlength="16" required value="${values.faturaNo ?? ''}" placeholder="DAS2020000000003"></label>
<label>Ödenecek Tutar<input type="text" name="tutar" inputmode="decimal" required value="${values.tutar ?? ''}" placeholder="7.840,80"></label>
<button type="submit">Talep Oluştur</button></form>
<p class="unavailable">GİB'in portalındaki akıllı kart ve şifre adımı burada yoktur: talep, firmanızın bu ağ geçidinde tanımlı mali mührü ile imzalanarak GİB'in e-Fatura İptal Portalı'na iletilir.</p>
<h2>Açıklama</h2><p>Düzenlediğiniz faturaları iptal etmek için, fatura numarası ve fatura tutar bilgilerini imzalayarak fatura iptal talebi oluşturmanız gerekmektedir.
Faturayı adına düzenlediğiniz mükellef fatura iptal talebine onay verdikten sonra fatura iptal olacaktır. İptal talebi yalnızca alıcısına ulaşmış TEMELFATURA
(ve Hal tipi) e-Faturalar için, faturanın alıcıya iletildiği tarihten itibaren 8 gün içinde oluşturulabilir; TICARIFATURA alıcının RED yanıtıyla geri çevrilir.</p>
<p>Adınıza gelen faturaların iptal taleplerini <a href="${CANCEL_PATH}">İptal Talepleri</a> listesinde görüp onay verebilirsiniz.</p>`;
}

export function listPath(range: { from: string | null; to: string | null }): string {
  return `${CANCEL_PATH}${queryString({ baslangic: range.from, bitis: range.to })}`;
}
