/**
 * e-Defter Yükle (seed 001): the month's source (`VKN-YYYYAA.zip` holding the CSV journal) uploaded from the browser —
 * the same service call as UploadLedger, with the seed's "CSV dosyası başlık satırı içerir" and "CSV Kolon Ayracı" —,
 * "Dosya Sorgula" (the sources, also those from the SFTP folder, with their period, dates, size, state and error),
 * the period's start and end for a partial month ("Tarihleri Kaydet"), "Dosya Sil", "Dosya İndir", and "e-Defter
 * Yükle" (every step, to GİB's approved berats) per month.
 */
import fs from 'node:fs';
import { GatewayError } from '../../faults';
import { monthEnd, NOT_CONVERTED, type LedgerSourceView } from '../../services/ledger.service';
import { formatDay, formatTime, html } from '../html';
import { csrfField } from '../layout';
import { attempt, faultText, type PortalContext, type PortalRoutes } from '../router';
import type { PortalDeps } from '../deps';
import { orNotFound, sendDownload } from './edefter-actions';
import { receiveUpload, removeUpload, type ReceivedFile } from './edefter-multipart';
import { PERIOD } from './edefter-month';

const PATH = '/portal/e-defter/yukle';

/** The seed's CSV Kolon Ayracı choices (the form sends a word for the tab). */
const DELIMITERS: Array<[string, string]> = [[';', ';'], [',', ','], ['|', '|'], ['TAB', 'Sekme']];

/** A date as the form sends it (YYYY-MM-DD from a date field, or GG.AA.YYYY typed), as the service takes it. */
function isoDay(value: string | null): string | null {
  if (value === null) return null;
  const tr = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  return tr ? `${tr[3]}-${tr[2]}-${tr[1]}` : value;
}

const editable = (s: LedgerSourceView) => NOT_CONVERTED.has(s.state);

function sourcesTable(ctx: PortalContext, sources: LedgerSourceView[]): ReturnType<typeof html> {
  if (sources.length === 0) return html`<p class="unavailable">Yüklenmiş kaynak dosyası yok.</p>`;
  return html`<form method="post" action="${PATH}/tarihler" class="edefter-sources">${csrfField(ctx.session)}
<table class="list"><thead><tr><th>CSV Sil</th><th>CSV İndir</th><th>Dosya Adı</th><th>Dönem</th><th>Dönem Başlangıç</th><th>Dönem Bitiş</th><th class="num">Boyut (MB)</th><th>Durum</th><th>Hata Açıklaması</th><th></th></tr></thead><tbody>${sources.map(
    (s) => html`<tr data-source="${s.id}"${s.status === -1 ? html` class="error"` : s.status === 2 ? html` class="ok"` : html``}>
<td><button type="submit" class="danger" formaction="${PATH}/sil" name="kaynak" value="${s.id}" data-confirm="${s.fileName} silinecektir. Devam edilsin mi?"${editable(s) ? html`` : html` disabled title="Dönüştürme başladı: dosya silinemez"`}>Dosya Sil</button></td>
<td><a href="${PATH}/kaynak/${s.id}" download>Dosya İndir</a></td>
<td>${s.fileName}<br><small>${s.receivedVia} · ${formatTime(s.receivedAt)}</small></td><td>${s.periodLabel}</td>
<td><input type="date" name="baslangic_${s.id}" value="${s.periodStart}" min="${s.period}-01" max="${monthEnd(s.period)}" aria-label="Dönem Başlangıç ${s.periodLabel}"${editable(s) ? html`` : html` disabled`}></td>
<td><input type="date" name="bitis_${s.id}" value="${s.periodEnd}" min="${s.period}-01" max="${monthEnd(s.period)}" aria-label="Dönem Bitiş ${s.periodLabel}"${editable(s) ? html`` : html` disabled`}></td>
<td class="num">${s.sizeMb}</td><td class="state">${s.description}</td><td>${s.error ?? ''}</td>
<td><button type="submit" formaction="/portal/e-defter/ay/${s.period}/adim" name="adim" value="ALL">e-Defter Yükle</button> <a href="/portal/e-defter/ay/${s.period}">Adımlar</a></td></tr>`,
  )}</tbody></table>
<input type="hidden" name="donus" value="yukle"><p class="actions"><button type="submit">Tarihleri Kaydet</button></p></form>`;
}

export function edefterUploadPages(r: PortalRoutes, deps: PortalDeps): void {
  const ledgers = deps.services.ledgers;

  r.get('/e-defter/yukle', async (ctx) => {
    const donem = ctx.query('donem');
    const period = donem !== null && PERIOD.test(donem) ? donem : null;
    const sources = await ledgers.list(ctx.session.caller, period);
    const limitMb = (ledgers.limits.maxSourceBytes / (1024 * 1024)).toFixed(0);
    await ctx.render({
      title: 'e-Defter Yükle',
      menu: 'edefter-yukle',
      body: html`<p><a href="/portal/e-defter">← e-Defter</a></p>
<p>Dosyalarınızı bu ekrandan ya da FTP/SFTP yöntemi ile sisteme yükleyebilirsiniz. İşleminizi tamamlamak için lütfen aşağıdaki adımları takip ediniz.</p>
<ol class="edefter-howto"><li>Kaynak dosyanızı (<code>VKN-YYYYAA.zip</code>, içinde CSV yevmiye) seçip "Yükle" butonuna basınız; SFTP klasörünüze bıraktığınız dosyaları görüntülemek için "Dosya Sorgula" butonuna basınız.</li>
<li>Dosyalarınızın dönüştürmek istediğiniz döneme ait olduğundan emin olunuz.</li>
<li>Dönem Başlangıç ve Bitiş tarihleri otomatik olarak gelmektedir. Tarihleri değiştirmek isterseniz "Dönem Başlangıç" ve "Dönem Bitiş" alanlarını güncelleyip "Tarihleri Kaydet" butonuna basınız.</li>
<li>Eksik veya hatalı veri olduğunu düşünüyorsanız dosyayı yeniden yükleyiniz ve "Dosya Sorgula" butonuna basınız.</li>
<li>"e-Defter Yükle" butonuna basarak dönüştürme işlemini başlatınız.</li>
<li>Dosya büyüklüğüne göre işleminiz biraz süre alabilir; ilerleme ayın sayfasında görünür.</li></ol>
<form class="filters edefter-upload" method="post" enctype="multipart/form-data" action="${PATH}/dosya?_csrf=${ctx.session.csrfToken}">
<label>Dosya (en çok ${limitMb} MB) <input type="file" name="dosya" accept=".zip,application/zip" required></label>
<input type="hidden" name="baslik_alani" value="1">
<label class="check"><span><input type="checkbox" name="baslik" value="1" checked> CSV dosyası başlık satırı içerir</span></label>
<label>CSV Kolon Ayracı <select name="ayrac">${DELIMITERS.map(([v, label]) => html`<option value="${v}">${label}</option>`)}</select></label>
<button type="submit">Yükle</button></form>
<form class="filters" method="get" action="${PATH}"><label>Dönem <input type="month" name="donem" value="${period ?? ''}"></label><button type="submit">Dosya Sorgula</button></form>
${sourcesTable(ctx, sources)}`,
    });
  });

  // Multipart: the CSRF token is in the action's query (portal.ts checks it before this runs), the body read here.
  r.post('/e-defter/yukle/dosya', async (ctx) => {
    let upload: ReceivedFile | null = null;
    try {
      upload = await receiveUpload(ctx.req, { field: 'dosya', maxBytes: ledgers.limits.maxSourceBytes });
      const { fields } = upload;
      const delimiter = fields.ayrac === 'TAB' ? '\t' : fields.ayrac || undefined;
      const header = fields.baslik !== undefined ? true : fields.baslik_alani !== undefined ? false : undefined;
      const source = await ledgers.receive(ctx.session.caller, {
        fileName: upload.fileName,
        data: fs.createReadStream(upload.path),
        via: 'PORTAL',
        ...(delimiter !== undefined ? { delimiter } : {}),
        ...(header !== undefined ? { header } : {}),
      });
      await ctx.redirect(`${PATH}`, { kind: 'ok', text: `${source.fileName} yüklendi: ${source.periodLabel}, ${formatDay(source.periodStart)}–${formatDay(source.periodEnd)}.` });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      await ctx.redirect(PATH, { kind: 'error', text: `Dosya yüklenemedi: ${faultText(err)}` });
    } finally {
      await removeUpload(upload);
    }
  });

  r.post('/e-defter/yukle/tarihler', async (ctx) => {
    await attempt(ctx, PATH, async () => {
      const current = new Map((await ledgers.list(ctx.session.caller, null)).map((s) => [s.id, s]));
      const saved: string[] = [];
      const ids = Object.keys((ctx.req.body ?? {}) as Record<string, unknown>).map((k) => /^baslangic_(\d{1,15})$/.exec(k)?.[1]).filter((x): x is string => x !== undefined);
      for (const id of ids) {
        const start = isoDay(ctx.field(`baslangic_${id}`));
        const end = isoDay(ctx.field(`bitis_${id}`));
        const s = current.get(Number(id));
        if (!s) throw new GatewayError('PORTAL_NOT_FOUND');
        if (start === null || end === null || (start === s.periodStart && end === s.periodEnd)) continue;
        const after = await ledgers.saveDates(ctx.session.caller, s.id, start, end);
        saved.push(`${after.periodLabel}: ${formatDay(after.periodStart)}–${formatDay(after.periodEnd)}`);
      }
      await ctx.redirect(PATH, saved.length ? { kind: 'ok', text: `Tarihler kaydedildi. ${saved.join('; ')}` } : { kind: 'ok', text: 'Değişen tarih yok.' });
    });
  });

  r.post('/e-defter/yukle/sil', async (ctx) => {
    const id = ctx.field('kaynak');
    if (id === null || !/^\d{1,15}$/.test(id)) throw new GatewayError('PORTAL_INPUT', { field: 'kaynak' });
    const { fileName } = await orNotFound(ledgers.source(ctx.session.caller, Number(id)), ['LEDGER_NOT_FOUND']);
    await attempt(ctx, PATH, async () => {
      await ledgers.deleteSource(ctx.session.caller, Number(id));
      await ctx.redirect(PATH, { kind: 'ok', text: `${fileName} silindi.` });
    });
  });

  // "CSV İndir": the source as it was uploaded, this tenant's only.
  r.get('/e-defter/yukle/kaynak/:id', async (ctx) => {
    const id = String(ctx.req.params.id ?? '');
    if (!/^\d{1,15}$/.test(id)) throw new GatewayError('PORTAL_NOT_FOUND');
    const s = await orNotFound(ledgers.source(ctx.session.caller, Number(id)), ['LEDGER_NOT_FOUND']);
    await sendDownload(ctx.res, s.fileName, 'application/zip', s.open());
  });
}
