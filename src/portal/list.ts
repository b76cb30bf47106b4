/**
 * The outgoing invoice lists (e-Fatura and e-Arşiv Giden Kutusu): the page's address read into the outgoing list
 * service's query, the filter form, the table and the keyset pager. Everything is paged on the server by the
 * service (its page tokens, its page sizes): a page never holds more than one page of invoices, whatever the date
 * range, so ten years of invoices cost what one day does.
 */
import { GatewayError, isGatewayError } from '../faults';
import { toEttn, type Ettn } from '../ids';
import { earsivInvoiceMachine, efaturaInvoiceMachine, portalTab, type PortalTab, type StateSpec } from '../machines';
import type { DocumentKind } from '../db/invoices';
import type { MailDeliveryView } from '../db/invoice-mails';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type OutgoingInvoiceSummary, type OutgoingListQuery } from '../services/outgoing-invoices.service';
import { turkishDay } from '../turkish-time';
import { csvAmount, EXPORT_MAX_ROWS, streamCsv } from './export';
import { formatAmount, formatDay, formatTime, html, type Html } from './html';
import { faultText, type PortalContext } from './router';

/** Where the portal is mounted (src/portal/portal.ts PORTAL_PATH; not imported from there: it imports the screens). */
export const PORTAL_PREFIX = '/portal';

/** e-Arşiv's tabs (seed 000) as they appear in the address. */
export const TABS: ReadonlyArray<{ slug: string; tab: PortalTab; css: string }> = [
  { slug: 'sonuclanmamis', tab: 'Henüz Sonuçlanmamış', css: '' },
  { slug: 'basarili', tab: 'Başarılı', css: 'tab-ok' },
  { slug: 'hatali', tab: 'Hatalı', css: 'tab-error' },
];

export const PAGE_SIZES: readonly number[] = [...new Set([20, 50, DEFAULT_PAGE_SIZE, 200, MAX_PAGE_SIZE])].filter((n) => n <= MAX_PAGE_SIZE).sort((a, b) => a - b);

/** What the page's address says (Turkish names, as a user may read and bookmark them). */
export interface OutboxParams {
  baslangic: string | null;
  bitis: string | null;
  /** Which date the range and the date order use: when the gateway took the invoice, or the invoice's own date. */
  tarihTuru: 'olusturma' | 'fatura';
  alici: string | null;
  onek: string | null;
  durum: string | null;
  /** tarih: newest first by the chosen date; numara: by invoice number (a Fatura No öneki, no dates). */
  siralama: 'tarih' | 'numara';
  boyut: number;
  /** The keyset token of the page (the service's nextPageToken); absent on the first page. */
  sayfa: string | null;
  /** The page's number, only to show it. */
  no: number;
  /** e-Arşiv's tab. */
  sekme: string | null;
}

export function machineOf(kind: DocumentKind) {
  return kind === 'EARSIV' ? earsivInvoiceMachine : efaturaInvoiceMachine;
}

/** The states of the kind's machine (under a tab: its own), as the state filter offers them: code and e-Logo's words. */
export function stateOptions(kind: DocumentKind, tab: PortalTab | null = null): Array<{ state: string; label: string }> {
  const states = Object.entries(machineOf(kind).states as Record<string, StateSpec>).filter(([, spec]) => !tab || portalTab(spec.status) === tab);
  return states.map(([state, spec]) => ({
    state,
    label: spec.code === null ? spec.description : `${spec.code} ${spec.description}`,
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ETTN from an address or a form, or null when it is not one (the caller answers 404). */
export function ettnOf(value: string | null | undefined): Ettn | null {
  return value && UUID.test(value) ? toEttn(value) : null;
}

/** A day from a date field: YYYY-MM-DD (the browser's date input) or GG.AA.YYYY as typed; a real calendar day. */
function dayOf(value: string | null, label: string): string | null {
  if (value === null) return null;
  const tr = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value);
  const iso = tr ? `${tr[3]}-${tr[2]!.padStart(2, '0')}-${tr[1]!.padStart(2, '0')}` : value;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) throw new GatewayError('PORTAL_INPUT', { field: `${label} (GG.AA.YYYY)` });
  return iso;
}

/** The page's parameters from its address; a value that cannot be right is PORTAL_INPUT naming the field. */
export function readOutboxParams(ctx: PortalContext, kind: DocumentKind): OutboxParams {
  const q = (name: string) => ctx.query(name);
  const baslangic = dayOf(q('baslangic'), 'Başlangıç Tarihi');
  const bitis = dayOf(q('bitis'), 'Bitiş Tarihi');
  if (baslangic && bitis && baslangic > bitis) throw new GatewayError('PORTAL_INPUT', { field: 'Başlangıç Tarihi, Bitiş Tarihinden sonra olamaz' });
  const alici = q('alici');
  if (alici !== null && !/^[0-9]{10,11}$/.test(alici)) throw new GatewayError('PORTAL_INPUT', { field: 'Alıcı VKN/TCKN (10 veya 11 hane)' });
  const onek = q('onek')?.toUpperCase() ?? null; // not tr-TR's: a typed "i" means I, numbers are ASCII
  if (onek !== null && !/^[A-Z0-9]{1,16}$/.test(onek)) throw new GatewayError('PORTAL_INPUT', { field: 'Fatura No öneki (harf ve rakam, en çok 16)' });
  const durum = q('durum');
  if (durum !== null && !stateOptions(kind).some((s) => s.state === durum)) throw new GatewayError('PORTAL_INPUT', { field: 'Durum' });
  const tarihTuru = q('tarihTuru') === 'fatura' ? 'fatura' : 'olusturma';
  const siralama = q('siralama') === 'numara' ? 'numara' : 'tarih';
  // The service lists in number order only for a series without dates (its index); asked otherwise, say so.
  if (siralama === 'numara' && (!onek || baslangic || bitis)) throw new GatewayError('PORTAL_INPUT', { field: 'Fatura No sıralaması: Fatura No öneki girin, tarihleri boş bırakın' });
  const size = Number(q('boyut') ?? DEFAULT_PAGE_SIZE);
  if (!PAGE_SIZES.includes(size)) throw new GatewayError('PORTAL_INPUT', { field: `Sayfa Boyutu (${PAGE_SIZES.join(', ')})` });
  const sekme = kind === 'EARSIV' ? (TABS.find((t) => t.slug === q('sekme'))?.slug ?? TABS[0]!.slug) : null;
  const no = Number(q('no') ?? 1);
  return { baslangic, bitis, tarihTuru, alici, onek, durum, siralama, boyut: size, sayfa: q('sayfa'), no: Number.isSafeInteger(no) && no > 0 ? no : 1, sekme };
}

/** The defaults a fresh page has (the form's reset, and what parsing an empty address gives). */
export function defaultOutboxParams(kind: DocumentKind): OutboxParams {
  return { baslangic: null, bitis: null, tarihTuru: 'olusturma', alici: null, onek: null, durum: null, siralama: 'tarih', boyut: DEFAULT_PAGE_SIZE, sayfa: null, no: 1, sekme: kind === 'EARSIV' ? TABS[0]!.slug : null };
}

/** The service's query for the page (a number order comes from a prefix without dates: the service's own rule). */
export function listQueryOf(p: OutboxParams, kind: DocumentKind): OutgoingListQuery {
  return {
    kind,
    from: p.baslangic,
    to: p.bitis,
    dateBy: p.tarihTuru === 'fatura' ? 'ISSUED' : 'CREATED',
    receiverId: p.alici,
    numberPrefix: p.onek,
    state: p.durum,
    portalTab: p.sekme ? (TABS.find((t) => t.slug === p.sekme)?.tab ?? null) : null,
    pageSize: p.boyut,
    pageToken: p.sayfa,
  };
}

/** The order the page is in, in words. */
export function orderText(p: OutboxParams): string {
  if (p.onek && !p.baslangic && !p.bitis) return 'Fatura No (büyükten küçüğe)';
  return p.tarihTuru === 'fatura' ? 'Fatura Tarihi (yeniden eskiye)' : 'Oluşturma Tarihi (yeniden eskiye)';
}

/** The address of the list with these parameters (defaults left out, so addresses stay short). */
export function outboxHref(base: string, p: OutboxParams, change: Partial<OutboxParams> = {}): string {
  const v = { ...p, ...change };
  const d = defaultOutboxParams(v.sekme ? 'EARSIV' : 'EFATURA');
  const qs = new URLSearchParams();
  const put = (name: keyof OutboxParams) => {
    const value = v[name];
    if (value !== null && value !== undefined && value !== d[name]) qs.set(name, String(value));
  };
  (['sekme', 'baslangic', 'bitis', 'tarihTuru', 'alici', 'onek', 'durum', 'siralama', 'boyut', 'sayfa', 'no'] as const).forEach(put);
  const s = qs.toString();
  return s ? `${base}?${s}` : base;
}

function selected(on: boolean): Html {
  return on ? html` selected` : html``;
}

/** The filter form: a GET of the list itself, so a filtered list is an address. */
export function filterForm(base: string, p: OutboxParams, kind: DocumentKind): Html {
  return html`<form class="filters" method="get" action="${base}" role="search">${p.sekme ? html`<input type="hidden" name="sekme" value="${p.sekme}">` : html``}
<label>Başlangıç Tarihi<input type="date" name="baslangic" value="${p.baslangic ?? ''}"></label>
<label>Bitiş Tarihi<input type="date" name="bitis" value="${p.bitis ?? ''}"></label>
<label>Tarih Türü<select name="tarihTuru"><option value="olusturma"${selected(p.tarihTuru === 'olusturma')}>Oluşturma Tarihi</option><option value="fatura"${selected(p.tarihTuru === 'fatura')}>Fatura Tarihi</option></select></label>
<label>Alıcı VKN/TCKN<input type="text" name="alici" inputmode="numeric" maxlength="11" pattern="[0-9]{10,11}" value="${p.alici ?? ''}"></label>
<label>Fatura No Öneki<input type="text" name="onek" maxlength="16" value="${p.onek ?? ''}" placeholder="ör. EAR2026"></label>
<label>Durum<select name="durum"><option value="">Tümü</option>${stateOptions(kind, TABS.find((t) => t.slug === p.sekme)?.tab ?? null).map((s) => html`<option value="${s.state}"${selected(p.durum === s.state)}>${s.label}</option>`)}</select></label>
<label>Sıralama<select name="siralama"><option value="tarih"${selected(p.siralama === 'tarih')}>Tarihe göre (yeniden eskiye)</option><option value="numara"${selected(p.siralama === 'numara')}>Fatura No'ya göre (önek ile)</option></select></label>
<label>Sayfa Boyutu<select name="boyut">${PAGE_SIZES.map((n) => html`<option value="${n}"${selected(p.boyut === n)}>${n}</option>`)}</select></label>
<button type="submit">Listele</button> <a class="button secondary" href="${outboxHref(base, defaultOutboxParams(kind), { sekme: p.sekme })}">Temizle</a></form>`;
}

/**
 * e-Arşiv's tabs, each a link to the list under it with the same filters (green and red as in seed 000); a state
 * filter is dropped, as a state belongs to one tab only.
 */
export function tabLinks(base: string, p: OutboxParams): Html {
  return html`<nav class="tabs" aria-label="Durum">${TABS.map(
    (t) => html`<a class="${[t.css, t.slug === p.sekme ? 'active' : ''].filter(Boolean).join(' ')}" href="${outboxHref(base, p, { sekme: t.slug, durum: null, sayfa: null, no: 1 })}"${t.slug === p.sekme ? html` aria-current="page"` : html``}>${t.tab}</a>`,
  )}</nav>`;
}

/** The pager: the first page, where we are, and the next page by its keyset token. */
export function pager(base: string, p: OutboxParams, shown: number, next: string | null): Html {
  const first = p.sayfa ? html`<a href="${outboxHref(base, p, { sayfa: null, no: 1 })}">İlk Sayfa</a>` : html`<span>İlk Sayfa</span>`;
  const nextLink = next ? html`<a href="${outboxHref(base, p, { sayfa: next, no: p.no + 1 })}" rel="next">Sonraki Sayfa</a>` : html``;
  return html`<div class="pager">${first}<span>Sayfa ${p.no} · ${shown} fatura · Sıralama: ${orderText(p)}</span>${nextLink}</div>`;
}

/** The row's colour: green under Başarılı, red under Hatalı (seed 000); e-Fatura by the same three groups. */
export function rowClass(inv: OutgoingInvoiceSummary): string {
  return tabClass(inv.portalTab ?? portalTab(inv.status));
}

/** A tab's colour class: ok (green) for Başarılı, error (red) for Hatalı, none otherwise. */
export function tabClass(tab: PortalTab | null | undefined): string {
  return tab === 'Başarılı' ? 'ok' : tab === 'Hatalı' ? 'error' : '';
}

export function statusText(inv: Pick<OutgoingInvoiceSummary, 'code' | 'description'>): string {
  return inv.code ? `${inv.code} ${inv.description}` : inv.description;
}

export interface TableExtras {
  /** A checkbox per row (name "secili", the ETTN) with a select-all box. */
  selectable?: boolean;
  /** e-Arşiv: the e-mail deliveries, by ETTN. */
  mails?: Map<Ettn, { invoice: MailDeliveryView | null; cancellation: MailDeliveryView | null }> | null;
  /** Hatalı: each invoice's error text, by ETTN. */
  errors?: Map<Ettn, string> | null;
}

function mailCell(m: { invoice: MailDeliveryView | null; cancellation: MailDeliveryView | null } | undefined): Html {
  const parts = [m?.invoice ? `Fatura: ${m.invoice.label}` : null, m?.cancellation ? `İptal bildirimi: ${m.cancellation.label}` : null].filter((x): x is string => x !== null);
  const title = [m?.invoice?.recipient, m?.invoice?.lastError, m?.cancellation?.lastError].filter(Boolean).join(' · ');
  return parts.length ? html`<td${title ? html` title="${title}"` : html``}>${parts.join(', ')}</td>` : html`<td></td>`;
}

/** The list's table: e-Logo's columns; the invoice number links to its detail page. */
export function invoiceTable(base: string, kind: DocumentKind, invoices: readonly OutgoingInvoiceSummary[], extras: TableExtras = {}): Html {
  const efatura = kind === 'EFATURA';
  const head = html`<tr>${extras.selectable ? html`<th><input type="checkbox" data-select-all="secili" aria-label="Tümünü seç"></th>` : html``}<th>Fatura No</th><th>ETTN</th><th>Alıcı VKN/TCKN</th><th>Alıcı</th><th>Tarih</th><th>Tutar</th><th>Durum</th>${
    efatura ? html`<th>Zarf</th>` : html``
  }${extras.errors ? html`<th>Hata Açıklaması</th>` : html``}${extras.mails ? html`<th>E-posta</th>` : html``}<th>Son Güncelleme</th></tr>`;
  const rows = invoices.map((inv) => {
    const cls = rowClass(inv);
    return html`<tr${cls ? html` class="${cls}"` : html``}>${
      extras.selectable ? html`<td><input type="checkbox" name="secili" value="${inv.ettn}" aria-label="${inv.invoiceNumber ?? inv.ettn}"></td>` : html``
    }<td><a href="${base}/${inv.ettn}">${inv.invoiceNumber ?? '(numara bekleniyor)'}</a></td><td class="ettn">${inv.ettn}</td><td>${inv.receiverVknTckn}</td><td>${inv.receiverName ?? ''}</td><td>${formatDay(inv.issueDate)}</td><td class="num">${formatAmount(inv.payableAmount, inv.currency)}</td><td class="status">${statusText(inv)}</td>${
      efatura ? html`<td class="ettn">${inv.envelopeId?.toUpperCase() ?? ''}</td>` : html``
    }${extras.errors ? html`<td class="error-text">${extras.errors.get(inv.ettn) ?? inv.description}</td>` : html``}${extras.mails ? mailCell(extras.mails.get(inv.ettn)) : html``}<td>${formatTime(inv.updatedAt)}</td></tr>`;
  });
  const empty = invoices.length === 0 ? html`<tr><td colspan="12" class="empty">Kayıt bulunamadı.</td></tr>` : html``;
  return html`<table class="list outbox"><thead>${head}</thead><tbody>${rows}${empty}</tbody></table>`;
}

/** The page's parameters as typed, unchecked: only to show a refused form again (never given to the service). */
function rawOutboxParams(ctx: PortalContext, kind: DocumentKind): OutboxParams {
  const d = defaultOutboxParams(kind);
  const q = (name: string) => ctx.query(name);
  return {
    ...d,
    baslangic: q('baslangic'),
    bitis: q('bitis'),
    tarihTuru: q('tarihTuru') === 'fatura' ? 'fatura' : 'olusturma',
    alici: q('alici'),
    onek: q('onek'),
    siralama: q('siralama') === 'numara' ? 'numara' : 'tarih',
    sekme: kind === 'EARSIV' ? (TABS.find((t) => t.slug === q('sekme'))?.slug ?? d.sekme) : null,
  };
}

export interface OutboxPage {
  params: OutboxParams;
  invoices: OutgoingInvoiceSummary[];
  next: string | null;
  /** Why the filters (or a page token) were refused: the page shows the form again with it, and no rows. */
  error: GatewayError | null;
}

/** One page of the tenant's outgoing invoices of a kind, as the address asks. */
export async function loadOutbox(ctx: PortalContext, kind: DocumentKind): Promise<OutboxPage> {
  try {
    const params = readOutboxParams(ctx, kind);
    const page = await ctx.deps.services.outgoing.list(ctx.session.caller, listQueryOf(params, kind));
    return { params, invoices: page.invoices, next: page.nextPageToken, error: null };
  } catch (err) {
    if (!isGatewayError(err) || (err.fault !== 'PORTAL_INPUT' && err.fault !== 'REQUEST_FIELD')) throw err;
    return { params: rawOutboxParams(ctx, kind), invoices: [], next: null, error: err };
  }
}

export function errorBox(err: GatewayError | null): Html {
  return err ? html`<div class="flash error" role="alert">${faultText(err)}</div>` : html``;
}

/** "Excel'e Aktar": the link, with the list's filters (from its first row, whatever page is shown). */
export function exportLink(base: string, p: OutboxParams): Html {
  const href = outboxHref(`${base}/excel`, p, { sayfa: null, no: 1 });
  return html`<a class="button secondary export" href="${href}" download>Excel'e Aktar</a> <small>(CSV, en fazla ${EXPORT_MAX_ROWS.toLocaleString('tr-TR')} satır)</small>`;
}

/** The export of the list as filtered: every page of the service's keyset paging, in its largest pages. */
export async function outboxExport(ctx: PortalContext, kind: DocumentKind, fileStem: string): Promise<void> {
  const params = readOutboxParams(ctx, kind);
  const query: OutgoingListQuery = { ...listQueryOf(params, kind), pageSize: MAX_PAGE_SIZE, pageToken: null };
  const { outgoing } = ctx.deps.services;
  const caller = ctx.session.caller;
  async function* pages(): AsyncGenerator<OutgoingInvoiceSummary[]> {
    let token: string | null = null;
    do {
      const page: { invoices: OutgoingInvoiceSummary[]; nextPageToken: string | null } = await outgoing.list(caller, { ...query, pageToken: token });
      yield page.invoices;
      token = page.nextPageToken;
    } while (token);
  }
  const efatura = kind === 'EFATURA';
  await streamCsv(ctx.res, {
    fileName: `${fileStem}-${turkishDay(ctx.deps.clock())}.csv`,
    header: ['Fatura No', 'ETTN', 'Alıcı VKN/TCKN', 'Alıcı', 'Fatura Tarihi', 'Tutar', 'Para Birimi', 'Durum Kodu', 'Durum Açıklaması', efatura ? 'Zarf' : 'Sekme', 'Oluşturma', 'Son Güncelleme'],
    pages: pages(),
    cells: (inv) => [
      inv.invoiceNumber,
      inv.ettn,
      inv.receiverVknTckn,
      inv.receiverName,
      formatDay(inv.issueDate),
      csvAmount(inv.payableAmount),
      inv.currency,
      inv.code,
      inv.description,
      efatura ? (inv.envelopeId?.toUpperCase() ?? '') : inv.portalTab,
      formatTime(inv.receivedAt),
      formatTime(inv.updatedAt),
    ],
    logger: ctx.deps.logger,
  });
}
