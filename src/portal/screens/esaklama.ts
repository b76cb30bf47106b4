/**
 * e-Saklama, e-Defter Saklama (seed 002): the months of the 10-year archive with their Yedekleme durumu (Entegratör'e
 * Gönderilmedi, Entegratöre işlendi, Yedeklendi, Yedeklenemedi) and where they came from, "Entegratör'e Gönder" (the
 * gateway's own approved books of the month stored: StoreLedger fromGateway), "Durum Sorgula" (every file read back
 * and hashed), the stored files as downloads, "e-Defter Otomatik Yedekleme", and the whole archive's verification
 * (VerifyLedgerArchive's check of the hash chain and every file). All through the archive service SOAP uses.
 */
import { PassThrough } from 'node:stream';
import { GatewayError } from '../../faults';
import type { ArchiveProblem, ArchiveVerification, BackupMonthView, LedgerArchiveService } from '../../services/ledger-archive.service';
import type { Caller } from '../../security/authenticator';
import { formatDay, formatTime, html, type Html } from '../html';
import { csrfField } from '../layout';
import { attempt, type PortalContext, type PortalScreen } from '../router';
import { orNotFound, sendDownload } from './edefter-actions';
import { PERIOD } from './edefter-month';

export const ESAKLAMA_PATH = '/portal/e-saklama';
const monthPath = (period: string) => `${ESAKLAMA_PATH}/ay/${period}`;

const FILE_KINDS: Record<string, string> = {
  Y: 'Yevmiye Defteri', K: 'Büyük Defter', YB: 'Yevmiye Beratı', KB: 'Kebir Beratı', 'GIB-YB': 'Yevmiye Beratı (GİB onaylı)', 'GIB-KB': 'Kebir Beratı (GİB onaylı)', DR: 'Defter Raporu',
};

const PROBLEMS: Record<ArchiveProblem['problem'], string> = {
  CHAIN_BROKEN: 'Zincir kırık',
  ROW_CHANGED: 'Dosya kaydı değişmiş',
  NOT_CHAINED: 'Zincirde kaydı yok',
  MISSING: 'Dosya yok',
  SIZE_CHANGED: 'Boyutu değişmiş',
  CONTENT_CHANGED: 'İçeriği değişmiş',
  HEAD_MISMATCH: 'Zincirin başı uyuşmuyor',
};

const rowClass = (m: BackupMonthView): Html => (m.status === 2 ? html` class="ok"` : m.status === -1 ? html` class="error"` : html``);
const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(2);

/** The month of the URL, as this tenant's archive knows it (stored, or the gateway's approved books waiting). */
async function monthOf(ctx: PortalContext, archive: LedgerArchiveService): Promise<BackupMonthView> {
  const period = String(ctx.req.params.period ?? '');
  if (!PERIOD.test(period)) throw new GatewayError('PORTAL_NOT_FOUND');
  const m = (await orNotFound(archive.list(ctx.session.caller, period, period, { allVersions: true }), ['LEDGER_PERIOD'])).find((x) => x.period === period);
  if (!m) throw new GatewayError('PORTAL_NOT_FOUND');
  return m;
}

function monthActions(ctx: PortalContext, m: BackupMonthView, back: 'liste' | 'ay'): Html {
  const form = (action: string, label: string, cls = '') =>
    html`<form method="post" action="${monthPath(m.period)}/${action}" class="inline">${csrfField(ctx.session)}<input type="hidden" name="donus" value="${back}"><button type="submit"${cls ? html` class="${cls}"` : html``}>${label}</button></form>`;
  return html`<div class="actions">${form('gonder', "Entegratör'e Gönder", 'secondary')}${m.versions > 0 ? form('durum', 'Durum Sorgula') : html``}${
    back === 'liste' ? html`<a class="button secondary" href="${monthPath(m.period)}">Dosyalar</a>` : html``
  }</div>`;
}

function monthsTable(ctx: PortalContext, months: BackupMonthView[]): Html {
  if (months.length === 0) return html`<p class="unavailable">Saklanan e-Defter yok. Onaylı beratları indirilen aylar burada görünür.</p>`;
  return html`<table class="list esaklama-months"><thead><tr><th>Dönemi</th><th>Yedekleme Durumu</th><th>Açıklama</th><th class="num">Sürüm</th><th class="num">Dosya</th><th class="num">Boyut (MB)</th><th>Hata Açıklaması</th><th>Güncelleme</th><th></th></tr></thead><tbody>${months.map(
    (m) => html`<tr data-period="${m.period}"${rowClass(m)}><td><a href="${monthPath(m.period)}">${m.periodLabel}</a></td><td class="state">${m.description}</td><td>${m.source ?? ''}</td>
<td class="num">${m.versions}</td><td class="num">${m.fileCount}</td><td class="num">${megabytes(m.totalBytes)}</td><td>${m.lastError ?? ''}</td><td>${formatTime(m.updatedAt)}</td><td>${monthActions(ctx, m, 'liste')}</td></tr>`,
  )}</tbody></table>`;
}

function filesTable(m: BackupMonthView): Html {
  if (m.files.length === 0) return html`<p>Bu ayın saklanan dosyası yok.</p>`;
  const files = [...m.files].sort((a, b) => b.version - a.version || a.fileName.localeCompare(b.fileName));
  return html`<table class="list esaklama-files"><thead><tr><th>Dosya Adı</th><th>Tür</th><th class="num">Parça</th><th class="num">Sürüm</th><th class="num">Boyut (bayt)</th><th>SHA-256</th><th>Saklandı</th><th>Saklama Süresi Sonu</th><th></th></tr></thead><tbody>${files.map(
    (f) => html`<tr${f.deletedAt ? html` class="error"` : html``}><td>${f.fileName}</td><td>${FILE_KINDS[f.kind] ?? f.kind}</td><td class="num">${f.part}</td><td class="num">${f.version}${f.version === m.versions ? ' (son)' : ''}</td>
<td class="num">${f.sizeBytes}</td><td><code>${f.sha256}</code></td><td>${formatTime(f.storedAt)}</td><td>${formatDay(f.retainUntil.slice(0, 10))}</td>
<td>${f.deletedAt ? `Silindi (${formatTime(f.deletedAt)})` : html`<a href="${monthPath(m.period)}/dosya/${encodeURIComponent(f.fileName)}?surum=${f.version}" download>İndir</a>`}</td></tr>`,
  )}</tbody></table>`;
}

function verificationBody(v: ArchiveVerification): Html {
  const summary = html`<dl class="details"><dt>Zincir kayıtları</dt><dd>${v.entries}</dd><dt>Okunan dosya</dt><dd>${v.filesChecked}</dd><dt>Okunan bayt</dt><dd>${v.bytesChecked}</dd>
<dt>Zincirin başı</dt><dd>${v.headSeq}. kayıt, <code>${v.headHash}</code></dd></dl>`;
  if (v.ok) {
    return html`<p class="flash ok verify-result" data-ok="true">Arşiv bütün: zincirin her kaydı ve saklanan her dosya okunup doğrulandı.</p>${summary}
<p>Zincirin başını (özetini) arşiv dışında saklayınız: sonradan arşivden bir şey kesilmediğini onunla gösterebilirsiniz.</p>`;
  }
  const first = v.firstBroken!;
  return html`<p class="flash error verify-result" data-ok="false">Arşiv bozuk: ilk bozuk kayıt ${first.seq ?? '-'} (${first.period} ${first.fileName}): ${PROBLEMS[first.problem]}, ${first.detail}.</p>${summary}
<table class="list"><thead><tr><th class="num">Kayıt</th><th>Dönem</th><th>Dosya</th><th>Sorun</th><th>Açıklama</th></tr></thead><tbody>${v.problems.map(
    (p) => html`<tr class="error"><td class="num">${p.seq ?? ''}</td><td>${p.period}</td><td>${p.fileName}</td><td>${PROBLEMS[p.problem]}</td><td>${p.detail}</td></tr>`,
  )}</tbody></table>`;
}

/** A stored ZIP, read from the archive in the service's chunks (≤ 8 MB each) as the browser takes them. */
function archiveStream(archive: LedgerArchiveService, caller: Caller, period: string, fileName: string, version: number, sizeBytes: number): PassThrough {
  const out = new PassThrough();
  void (async () => {
    for (let offset = 0; offset < sizeBytes; ) {
      const { content } = await archive.readFile(caller, period, fileName, version, offset, sizeBytes - offset);
      if (content.length === 0) throw new Error(`${fileName}: ${offset}. baytta okunamadı`);
      offset += content.length;
      if (!out.write(content)) await new Promise((resolve) => out.once('drain', resolve));
    }
    out.end();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

export const esaklamaScreen: PortalScreen = (r, deps) => {
  const archive = deps.services.ledgerArchive;
  const back = (ctx: PortalContext, period: string) => (ctx.field('donus') === 'ay' ? monthPath(period) : ESAKLAMA_PATH);

  r.get('/e-saklama', async (ctx) => {
    const [months, settings] = await Promise.all([archive.list(ctx.session.caller, null, null), archive.settings(ctx.session.caller)]);
    await ctx.render({
      title: 'e-Defter Saklama',
      menu: 'esaklama',
      body: html`<p>GİB'e gönderilen e-Defter dosyaları (Yevmiye Defteri, Büyük Defter, beratları, GİB onaylı beratları ve Defter Raporu) 10 yıl süreyle saklanır.
Gönderimden sonra dosyaların entegratörde hatasız saklandığını "Durum Sorgula" ile kontrol ediniz.</p>
<form class="filters" method="post" action="${ESAKLAMA_PATH}/ayarlar">${csrfField(ctx.session)}<label>e-Defter Otomatik Yedekleme <select name="otomatik"><option value="evet"${settings.automatic ? html` selected` : html``}>Evet</option><option value="hayir"${settings.automatic ? html`` : html` selected`}>Hayır</option></select></label><button type="submit">Kaydet</button></form>
<p class="actions"><a class="button secondary" href="${ESAKLAMA_PATH}/dogrulama">Arşivi Doğrula</a></p>
${monthsTable(ctx, months)}`,
    });
  });

  r.post('/e-saklama/ayarlar', async (ctx) => {
    const value = ctx.field('otomatik');
    if (value !== 'evet' && value !== 'hayir') throw new GatewayError('PORTAL_INPUT', { field: 'e-Defter Otomatik Yedekleme' });
    await archive.saveSettings(ctx.session.caller, value === 'evet');
    await ctx.redirect(ESAKLAMA_PATH, { kind: 'ok', text: `e-Defter Otomatik Yedekleme: ${value === 'evet' ? 'Evet' : 'Hayır'}` });
  });

  r.get('/e-saklama/ay/:period', async (ctx) => {
    const m = await monthOf(ctx, archive);
    await ctx.render({
      title: `e-Defter Saklama: ${m.periodLabel}`,
      menu: 'esaklama',
      body: html`<p><a href="${ESAKLAMA_PATH}">← e-Defter Saklama</a></p>
<dl class="details esaklama-month"><dt>Yedekleme Durumu</dt><dd class="state">${m.description}</dd><dt>Açıklama</dt><dd>${m.source ?? ''}</dd><dt>Sürüm</dt><dd>${m.versions}</dd>
<dt>Dosya</dt><dd>${m.fileCount} (${megabytes(m.totalBytes)} MB)</dd>${m.lastError ? html`<dt>Hata Açıklaması</dt><dd>${m.lastError}</dd>` : html``}</dl>
${monthActions(ctx, m, 'ay')}
${m.uploads.length ? html`<h2>Süren yüklemeler</h2><ul>${m.uploads.map((u) => html`<li>${u.fileName}: ${u.receivedBytes}/${u.totalBytes} bayt</li>`)}</ul>` : html``}
<h2>Saklanan dosyalar</h2>${filesTable(m)}`,
    });
  });

  // Entegratör'e Gönder: the gateway's own books of the month (their approved berats downloaded) stored as a version.
  r.post('/e-saklama/ay/:period/gonder', async (ctx) => {
    const m = await monthOf(ctx, archive);
    await attempt(ctx, back(ctx, m.period), async () => {
      const { message } = await archive.storeLedger(ctx.session.caller, m.period, { fromGateway: true });
      await ctx.redirect(back(ctx, m.period), { kind: 'ok', text: message });
    });
  });

  r.post('/e-saklama/ay/:period/durum', async (ctx) => {
    const m = await monthOf(ctx, archive);
    await attempt(ctx, back(ctx, m.period), async () => {
      const { month, message } = await archive.statusQuery(ctx.session.caller, m.period);
      await ctx.redirect(back(ctx, m.period), { kind: month.status === -1 ? 'error' : 'ok', text: message });
    });
  });

  // A stored ZIP by its name (the last version's, or ?surum=N's): only what the archive lists for this tenant's month.
  r.get('/e-saklama/ay/:period/dosya/:fileName', async (ctx) => {
    const m = await monthOf(ctx, archive);
    const surum = ctx.query('surum');
    const version = surum !== null && /^\d{1,9}$/.test(surum) ? Number(surum) : m.versions;
    const f = m.files.find((x) => x.fileName === String(ctx.req.params.fileName) && x.version === version && !x.deletedAt);
    if (!f) throw new GatewayError('PORTAL_NOT_FOUND');
    await sendDownload(ctx.res, f.fileName, 'application/zip', archiveStream(archive, ctx.session.caller, m.period, f.fileName, f.version, f.sizeBytes));
  });

  // The whole archive proven (VerifyLedgerArchive): reads every file, so it runs when asked for, not on the list.
  r.get('/e-saklama/dogrulama', async (ctx) => {
    const v = await archive.verifyArchive(ctx.session.caller.tenantId);
    await ctx.render({
      title: 'e-Defter Arşiv Doğrulama',
      menu: 'esaklama',
      body: html`<p><a href="${ESAKLAMA_PATH}">← e-Defter Saklama</a></p>${verificationBody(v)}`,
    });
  });
};
