/**
 * e-Defter (seed 001): the month table with its check marks (Kebir, Yevmiye, their berats, GİB's approved berats,
 * Defter Rapor), a month's books with the seed's step buttons (Dosya Oluştur … Onaylı Beratı İndir, or all of them:
 * "e-Defter Yükle") and a live progress bar while the worker carries a step out, the month's files as downloads, and
 * the company's e-Defter details. All through the ledger service the SOAP operations use (LedgerStep,
 * GetLedgerStatus, GetLedgerFile, SaveLedgerSettings); e-Defter Yükle's upload page is ./edefter-upload.ts.
 */
import { GatewayError } from '../../faults';
import { LEDGER_STEPS } from '../../machines';
import type { LedgerMonthView } from '../../services/ledger.service';
import { formatAmount, formatDay, formatTime, html, type Html } from '../html';
import { csrfField } from '../layout';
import { attempt, type PortalContext, type PortalScreen } from '../router';
import { orNotFound, sendDownload } from './edefter-actions';
import { BOOK_NAMES, FILE_KINDS, isStep, monthColumn, monthProgress, nextStep, PERIOD, stepLabel, underWay } from './edefter-month';
import { edefterSettingsPages } from './edefter-settings';
import { edefterUploadPages } from './edefter-upload';

export const EDEFTER_PATH = '/portal/e-defter';
export const monthPath = (period: string) => `${EDEFTER_PATH}/ay/${period}`;

function mark(present: boolean): Html {
  return present ? html`<span class="mark-yes" data-mark="yes" title="Var">✓</span>` : html`<span class="mark-no" data-mark="no" title="Yok">✗</span>`;
}

/** The month of the URL, this tenant's (another tenant's month is not found, as one that does not exist). */
async function monthOf(ctx: PortalContext): Promise<LedgerMonthView> {
  const period = String(ctx.req.params.period ?? '');
  if (!PERIOD.test(period)) throw new GatewayError('PORTAL_NOT_FOUND');
  return orNotFound(ctx.deps.services.ledgers.month(ctx.session.caller, period), ['LEDGER_NOT_FOUND']);
}

const monthState = (m: LedgerMonthView) => m.books.find((b) => b.book === 'Y')?.description ?? '';

function monthTable(months: LedgerMonthView[]): Html {
  if (months.length === 0) return html`<p class="unavailable">Henüz e-Defter yok. Kaynak dosyanızı <a href="${EDEFTER_PATH}/yukle">e-Defter Yükle</a> ekranından yükleyiniz.</p>`;
  return html`<table class="list edefter-months"><thead><tr><th>Tarih</th><th>Kebir</th><th>Yevmiye</th><th>Kebir Berat</th><th>Yevmiye Berat</th><th>GİB Onaylı Kebir Berat</th><th>GİB Onaylı Yevmiye Berat</th><th>Defter Rapor</th><th>Durumu</th><th></th></tr></thead><tbody>${months.map(
    (m) => html`<tr data-period="${m.period}"${m.books.some((b) => b.status === -1) ? html` class="error"` : m.gibYevmiyeBerat && m.gibKebirBerat ? html` class="ok"` : html``}><td><a href="${monthPath(m.period)}">${monthColumn(m.period)}</a></td>
<td>${mark(m.kebir)}</td><td>${mark(m.yevmiye)}</td><td>${mark(m.kebirBerat)}</td><td>${mark(m.yevmiyeBerat)}</td><td>${mark(m.gibKebirBerat)}</td><td>${mark(m.gibYevmiyeBerat)}</td><td>${mark(m.defterRapor)}</td>
<td>${monthState(m)}${m.books.some(underWay) ? html` <em>(işleniyor)</em>` : html``}</td><td><a class="button secondary" href="${monthPath(m.period)}">Adımlar ve Dosyalar</a></td></tr>`,
  )}</tbody></table>`;
}

function booksTable(m: LedgerMonthView): Html {
  return html`<table class="list edefter-books"><thead><tr><th>e-Defter Tipi</th><th>Kontrol Numarası</th><th>Dönemi</th><th>Başlangıç Tarihi</th><th>Bitiş Tarihi</th><th>Durumu</th><th>Toplam Borç</th><th>Toplam Alacak</th><th>Hata Açıklaması</th></tr></thead><tbody>${m.books.map(
    (b) => html`<tr data-book="${b.book}"${b.status === -1 || b.lastError ? html` class="error"` : b.status === 2 ? html` class="ok"` : html``}><td>${BOOK_NAMES[b.book]}</td><td>${b.controlNumbers.join(', ')}</td>
<td>${m.periodLabel.split('-').reverse().join(' - ')}</td><td>${formatDay(b.periodStart)}</td><td>${formatDay(b.periodEnd)}</td><td class="state">${b.description}</td>
<td class="num">${b.totalDebit === null ? '' : formatAmount(b.totalDebit)}</td><td class="num">${b.totalCredit === null ? '' : formatAmount(b.totalCredit)}</td><td>${b.lastError ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function stepButtons(ctx: PortalContext, m: LedgerMonthView): Html {
  const busy = m.books.some(underWay);
  const due = nextStep(m);
  const { sendsToGib } = ctx.deps.services.ledgers.limits;
  return html`<form class="actions edefter-steps" method="post" action="${monthPath(m.period)}/adim">${csrfField(ctx.session)}${LEDGER_STEPS.map(
    (s) => html`<button type="submit" name="adim" value="${s.step}"${busy || s.step !== due ? html` disabled` : html``}>${s.label}</button>`,
  )}<button type="submit" class="secondary" name="adim" value="ALL"${busy || due === null ? html` disabled` : html``}>e-Defter Yükle (tüm adımlar)</button></form>
${sendsToGib ? html`` : html`<p class="unavailable">GİB'in e-Defter servisi bu entegratörde yapılandırılmadı: adımlar Berat İmzala'da biter.</p>`}`;
}

function progressBox(m: LedgerMonthView): Html {
  if (!m.books.some(underWay)) return html``;
  const p = monthProgress(m);
  // Polled by portal.js (reloads when done); without scripts the Yenile link shows the month as it is now.
  return html`<div class="progress" data-progress="${monthPath(m.period)}/ilerleme"><progress max="100" value="${p.percent}">%${p.percent}</progress> <span>${p.text}</span> <a href="${monthPath(m.period)}">Yenile</a></div>`;
}

function filesTable(m: LedgerMonthView): Html {
  const files = m.books.flatMap((b) => b.files.map((f) => ({ ...f, book: b.book })));
  if (files.length === 0) return html`<p>Bu ayın henüz oluşturulmuş dosyası yok.</p>`;
  return html`<table class="list edefter-files"><thead><tr><th>Dosya Adı</th><th>Defter</th><th>Tür</th><th>Parça</th><th class="num">Boyut (bayt)</th><th>İmzalı</th><th></th></tr></thead><tbody>${files.map(
    (f) => html`<tr><td>${f.fileName}</td><td>${BOOK_NAMES[f.book]}</td><td>${FILE_KINDS[f.kind] ?? f.kind}</td><td class="num">${f.part}</td><td class="num">${f.sizeBytes}</td><td>${f.signed ? 'Evet' : 'Hayır'}</td>
<td><a href="${monthPath(m.period)}/dosya/${encodeURIComponent(f.fileName)}" download>İndir</a></td></tr>`,
  )}</tbody></table>`;
}

export const edefterScreen: PortalScreen = (r, deps) => {
  const ledgers = deps.services.ledgers;

  r.get('/e-defter', async (ctx) => {
    const months = await ledgers.status(ctx.session.caller, null, null);
    await ctx.render({
      title: 'e-Defter',
      menu: 'edefter',
      body: html`<p class="actions"><a class="button" href="${EDEFTER_PATH}/yukle">e-Defter Yükle</a> <a class="button secondary" href="${EDEFTER_PATH}/ayarlar">e-Defter Bilgileri</a></p>${monthTable(months)}`,
    });
  });

  r.get('/e-defter/ay/:period', async (ctx) => {
    const m = await monthOf(ctx);
    const updated = m.books.map((b) => b.updatedAt).sort().at(-1);
    await ctx.render({
      title: `e-Defter: ${m.periodLabel.split('-').reverse().join(' - ')}`,
      menu: 'edefter',
      body: html`<p><a href="${EDEFTER_PATH}">← e-Defter</a> · <a href="${EDEFTER_PATH}/yukle">e-Defter Yükle</a></p>
${progressBox(m)}${booksTable(m)}${stepButtons(ctx, m)}
<p class="updated">Son değişiklik: ${formatTime(updated)}</p>
<h2>Dosyalar</h2>${filesTable(m)}`,
    });
  });

  // The progress bar's JSON ([data-progress] in portal.js): the month's state as the worker leaves it.
  r.get('/e-defter/ay/:period/ilerleme', async (ctx) => {
    const m = await monthOf(ctx);
    ctx.res.setHeader('Cache-Control', 'no-store');
    ctx.res.json(monthProgress(m));
  });

  r.post('/e-defter/ay/:period/adim', async (ctx) => {
    const m = await monthOf(ctx);
    const step = ctx.field('adim');
    if (!isStep(step)) throw new GatewayError('PORTAL_INPUT', { field: 'adım' });
    const back = ctx.field('donus') === 'yukle' ? `${EDEFTER_PATH}/yukle` : monthPath(m.period);
    await attempt(ctx, back, async () => {
      await ledgers.requestStep(ctx.session.caller, m.period, step);
      ctx.deps.nudge();
      await ctx.redirect(monthPath(m.period), { kind: 'ok', text: `${m.periodLabel}: ${stepLabel(step)} başlatıldı.` });
    });
  });

  // A file of the month by its GİB name: only the files the service lists for this tenant's month (no paths).
  r.get('/e-defter/ay/:period/dosya/:fileName', async (ctx) => {
    const m = await monthOf(ctx);
    const { row, open } = await orNotFound(ledgers.file(ctx.session.caller, m.period, String(ctx.req.params.fileName)), ['LEDGER_NOT_FOUND']);
    await sendDownload(ctx.res, row.fileName, 'application/xml', open());
  });

  edefterUploadPages(r, deps);
  edefterSettingsPages(r, deps);
};
