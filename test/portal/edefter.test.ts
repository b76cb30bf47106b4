/**
 * The e-Defter and e-Saklama screens over HTTP (seeds 001 and 002), as a browser without scripts uses them, against
 * GİB's e-Defter service in the simulator: a month's source uploaded (multipart, the CSRF token in the action URL),
 * listed by Dosya Sorgula, its dates saved, the seed's steps asked for one by one and then all at once, the progress
 * JSON while GİB decides, the month table's marks, the files downloaded; the month stored in e-Saklama, its Durum
 * Sorgula and the archive's verification, also of a file changed behind the gateway's back. Another tenant's months
 * and files are 404; oversize, garbage and path-carrying uploads are refused and leave nothing behind.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { LEDGER_STEPS } from '../../src/machines';
import { createSimulator, type Simulator } from '../../src/simulator';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { monthProgress, nextStep } from '../../src/portal/screens/edefter-month';
import type { LedgerBookView, LedgerMonthView } from '../../src/services/ledger.service';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { OTHER_VKN, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startGibWorld, until } from '../helpers/ledger-world';
import { sampleMonth } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';
import { portalLogin, type PortalClient, type PortalResponse } from '../helpers/portal';
import { testRootCa } from '../helpers/softhsm';

const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Content-Disposition as Express writes it (the name quoted only when it must be). */
const attachment = (name: string) => new RegExp(`^attachment; filename="?${name.replace(/[.]/g, '\\.')}"?$`);
const MAX_SOURCE_BYTES = 64 * 1024;

/** The e-Defter Yükle form posted as a browser does: multipart, the token in the action's query. */
export async function uploadSource(c: PortalClient, fileName: string, bytes: Buffer, fields: Record<string, string> = { baslik: '1', baslik_alani: '1', ayrac: ';' }, csrf = c.csrf): Promise<PortalResponse> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('dosya', new Blob([new Uint8Array(bytes)], { type: 'application/zip' }), fileName);
  return c.request('POST', `/portal/e-defter/yukle/dosya${csrf ? `?_csrf=${encodeURIComponent(csrf)}` : ''}`, { body: form });
}

/** The page's one-shot message (the flash box). */
const flashOf = (page: string) => /<div class="flash (ok|error)"[^>]*>([^<]*)<\/div>/.exec(page)?.slice(1, 3) ?? null;
/** The ✓/✗ marks of a month's row of the e-Defter table, in the seed's column order. */
const marksOf = (page: string, period: string) => {
  const row = new RegExp(`<tr data-period="${period}"[^>]*>([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '';
  return [...row.matchAll(/data-mark="(yes|no)"/g)].map((m) => m[1]);
};
/** Which step buttons of a month page are enabled. */
const enabledSteps = (page: string) => [...page.matchAll(/<button type="submit"[^>]*name="adim" value="([A-Z_]+)"([^>]*)>/g)].filter((m) => !m[2]!.includes('disabled')).map((m) => m[1]);

describe(`portal: e-Defter and e-Saklama screens (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  let base: string;
  let c: PortalClient;
  const dir = tempDir('gw-portal-edefter-');

  const progress = async (period: string) => JSON.parse((await c.request('GET', `/portal/e-defter/ay/${period}/ilerleme`, { headers: { accept: 'application/json' } })).text) as { percent: number; text: string; done: boolean };
  /** Asks for a step from the month page and waits for the worker to finish it; the month page after. */
  const step = async (period: string, adim: string) => {
    await c.get(`/portal/e-defter/ay/${period}`);
    const r = await c.post(`/portal/e-defter/ay/${period}/adim`, { adim });
    expect(r.status, r.text.slice(0, 300)).to.equal(303);
    const answer = await c.follow(r.location!); // the page with the message (any request after it takes the message)
    expect(flashOf(answer.text)).to.deep.equal(['ok', `2026-Ocak: ${adim === 'ALL' ? 'e-Defter Yükle' : LEDGER_STEPS.find((s) => s.step === adim)!.label} başlatıldı.`]);
    await until(`${adim} done`, async () => ((await progress(period)).done ? true : undefined));
    return c.get(`/portal/e-defter/ay/${period}`);
  };
  const sources = () => gw.testDb.db('ledger_sources').whereNull('deleted_at').select('id', 'file_name', 'period', 'period_start', 'period_end', 'received_via');

  before(async () => {
    sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => null, trustedRoots: [testRootCa().certPem] });
    ({ gw, client } = await startGibWorld(dir, sim, { GW_WORKER_BACKOFF_MS: '100', GW_LEDGER_MAX_SOURCE_BYTES: String(MAX_SOURCE_BYTES) }));
    base = gw.url.replace(/\/soap\/gateway$/, '');
    c = await portalLogin(base, gw.username, gw.password);
  });
  after(async () => {
    await gw?.gateway.signers.close();
    await gw?.close();
    await sim?.stop();
  });

  it('e-Defter Yükle: the source uploaded, listed by Dosya Sorgula, downloaded again; Tarihleri Kaydet saves a partial period and refuses one outside the month', async () => {
    const page = await c.get('/portal/e-defter/yukle');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('enctype="multipart/form-data"').and.include(`action="/portal/e-defter/yukle/dosya?_csrf=${c.csrf}"`);
    expect(page.text).to.include('CSV dosyası başlık satırı içerir').and.include('CSV Kolon Ayracı').and.include('Dosya Sorgula').and.include('Yüklenmiş kaynak dosyası yok');

    const zip = await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE);
    const up = await uploadSource(c, `${TEST_VKN}-202601.zip`, zip);
    expect(up.status, up.text.slice(0, 300)).to.equal(303);
    expect(up.location).to.equal('/portal/e-defter/yukle');
    const list = await c.follow(up.location!);
    expect(flashOf(list.text)).to.deep.equal(['ok', `${TEST_VKN}-202601.zip yüklendi: 2026-Ocak, 01.01.2026–31.01.2026.`]);
    for (const column of ['CSV Sil', 'CSV İndir', 'Dosya Adı', 'Dönem', 'Dönem Başlangıç', 'Dönem Bitiş', 'Boyut (MB)', 'Durum', 'Hata Açıklaması']) expect(list.text).to.include(`<th${column === 'Boyut (MB)' ? ' class="num"' : ''}>${column}</th>`);
    expect(list.text).to.include('2026-Ocak').and.include('value="2026-01-01"').and.include('value="2026-01-31"').and.include('İşlem Yapılmadı').and.include('Tarihleri Kaydet');
    const [row] = await sources();
    expect(row).to.include({ file_name: `${TEST_VKN}-202601.zip`, period: '2026-01', received_via: 'PORTAL' });

    // Dosya Sorgula for another month lists nothing; CSV İndir gives the stored ZIP back as an attachment.
    expect((await c.get('/portal/e-defter/yukle?donem=2026-02')).text).to.include('Yüklenmiş kaynak dosyası yok');
    const dl = await fetch(`${base}/portal/e-defter/yukle/kaynak/${row.id}`, { headers: { cookie: `oe_portal=${c.cookies.get('oe_portal')}` } });
    expect(dl.status).to.equal(200);
    expect(dl.headers.get('content-disposition')).to.match(attachment(`${TEST_VKN}-202601.zip`));
    expect(dl.headers.get('content-type')).to.equal('application/zip');
    expect(sha(Buffer.from(await dl.arrayBuffer()))).to.equal(sha(zip));

    // A partial period (the entries lie on the 2nd, 5th and 20th), typed the Turkish way; then the whole month again.
    await c.get('/portal/e-defter/yukle');
    let saved = await c.post('/portal/e-defter/yukle/tarihler', { [`baslangic_${row.id}`]: '01.01.2026', [`bitis_${row.id}`]: '2026-01-25' });
    expect(flashOf((await c.follow(saved.location!)).text)).to.deep.equal(['ok', 'Tarihler kaydedildi. 2026-Ocak: 01.01.2026–25.01.2026']);
    expect((await sources())[0]).to.include({ period_start: '2026-01-01', period_end: '2026-01-25' });
    saved = await c.post('/portal/e-defter/yukle/tarihler', { [`baslangic_${row.id}`]: '2026-01-10', [`bitis_${row.id}`]: '2026-02-03' });
    const refused = flashOf((await c.follow(saved.location!)).text)!;
    expect(refused[0]).to.equal('error');
    expect(refused[1]).to.include('2026-01-10–2026-02-03').and.include('(4606)');
    expect((await sources())[0]).to.include({ period_start: '2026-01-01', period_end: '2026-01-25' });
    saved = await c.post('/portal/e-defter/yukle/tarihler', { [`baslangic_${row.id}`]: '2026-01-01', [`bitis_${row.id}`]: '2026-01-31' });
    expect(flashOf((await c.follow(saved.location!)).text)![1]).to.equal('Tarihler kaydedildi. 2026-Ocak: 01.01.2026–31.01.2026');
    saved = await c.post('/portal/e-defter/yukle/tarihler', { [`baslangic_${row.id}`]: '2026-01-01', [`bitis_${row.id}`]: '2026-01-31' });
    expect(flashOf((await c.follow(saved.location!)).text)![1]).to.equal('Değişen tarih yok.');
  });

  it('the seed\'s steps one by one (the due one only), with the month table\'s ✓/✗ marks; then e-Defter Yükle with progress while GİB decides, to GİB\'s approved berats; every file downloadable', async () => {
    let month = await c.get('/portal/e-defter/ay/2026-01');
    expect(month.status).to.equal(200);
    expect(month.text).to.include('e-Defter: Ocak - 2026').and.include('Yevmiye Defteri').and.include('Büyük Defter').and.include('İşlem Yapılmadı');
    expect(enabledSteps(month.text)).to.deep.equal(['DOSYA_OLUSTUR', 'ALL']);
    for (const label of ['Dosya Oluştur', 'Dosya İmzala', 'Berat Oluştur', 'Berat İmzala', 'GİB&#39;e Gönder', 'Onaylı Beratı İndir']) expect(month.text).to.include(`>${label}</button>`);

    month = await step('2026-01', 'DOSYA_OLUSTUR');
    expect(month.text).to.include('Dosya Oluşturuldu').and.include('YEV202601000001').and.include('KEB202601000001').and.include('01.01.2026').and.include('31.01.2026');
    expect(enabledSteps(month.text)).to.deep.equal(['DOSYA_IMZALA', 'ALL']);
    expect(month.text).to.not.include('data-progress');
    // Built but not sealed: no mark yet (the seed's marks are for sealed files).
    expect(marksOf((await c.get('/portal/e-defter')).text, '2026-01')).to.deep.equal(['no', 'no', 'no', 'no', 'no', 'no', 'no']);

    // A step out of order is the service's refusal, shown on the month page; nothing changes.
    const early = await c.post('/portal/e-defter/ay/2026-01/adim', { adim: 'BERAT_OLUSTUR' });
    const refused = flashOf((await c.follow(early.location!)).text)!;
    expect(refused[0]).to.equal('error');
    expect(refused[1]).to.include('önce Dosya İmzala').and.include('(4609)');
    expect((await c.post('/portal/e-defter/ay/2026-01/adim', { adim: 'HEPSI' })).status).to.equal(400);

    await step('2026-01', 'DOSYA_IMZALA');
    const table = await c.get('/portal/e-defter');
    for (const column of ['Tarih', 'Kebir', 'Yevmiye', 'Kebir Berat', 'Yevmiye Berat', 'GİB Onaylı Kebir Berat', 'GİB Onaylı Yevmiye Berat', 'Defter Rapor']) expect(table.text).to.include(`<th>${column}</th>`);
    expect(table.text).to.include('>01.2026</a>');
    expect(marksOf(table.text, '2026-01')).to.deep.equal(['yes', 'yes', 'no', 'no', 'no', 'no', 'no']);
    await step('2026-01', 'BERAT_OLUSTUR');
    month = await step('2026-01', 'BERAT_IMZALA');
    expect(month.text).to.include('Berat İmzalandı');
    expect(enabledSteps(month.text)).to.deep.equal(['GIBE_GONDER', 'ALL']);
    expect(marksOf((await c.get('/portal/e-defter')).text, '2026-01')).to.deep.equal(['yes', 'yes', 'yes', 'yes', 'no', 'no', 'yes']);

    // e-Defter Yükle: GİB holds its verdict for a while; meanwhile the month is under way, buttons off, progress shown.
    sim.timings.ledgerMs = 1500;
    try {
      await c.get('/portal/e-defter/ay/2026-01');
      await c.post('/portal/e-defter/ay/2026-01/adim', { adim: 'ALL' });
      const running = await until('the month under way at GİB', async () => {
        const p = await progress('2026-01');
        return !p.done && p.text.includes("GİB'e Gönderildi") ? p : undefined;
      });
      expect(running.percent).to.be.within(67, 99);
      expect(running.text).to.match(/^Onaylı Beratı İndir sürüyor — Yevmiye Defteri: GİB'e Gönderildi/);
      const busy = await c.get('/portal/e-defter/ay/2026-01');
      expect(busy.text).to.include('data-progress="/portal/e-defter/ay/2026-01/ilerleme"').and.include('<progress max="100" value="').and.include('>Yenile</a>');
      expect(enabledSteps(busy.text)).to.deep.equal([]);
      expect((await c.get('/portal/e-defter')).text).to.include('(işleniyor)');
    } finally {
      sim.timings.ledgerMs = 20;
    }
    await until('both books approved and downloaded', async () => ((await progress('2026-01')).done ? true : undefined), 60_000);
    expect(await progress('2026-01')).to.deep.equal({ percent: 100, text: 'İşlem tamamlandı — Yevmiye Defteri: Onaylı Berat İndirildi, Büyük Defter: Onaylı Berat İndirildi', done: true });
    const done = await c.get('/portal/e-defter');
    expect(marksOf(done.text, '2026-01')).to.deep.equal(['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'yes']);
    expect(done.text).to.match(/<tr data-period="2026-01" class="ok">/);
    month = await c.get('/portal/e-defter/ay/2026-01');
    expect(enabledSteps(month.text)).to.deep.equal([]);

    // Every file the month page lists downloads as an attachment, byte for byte the gateway's (GetLedgerFile's) file.
    const names = [...month.text.matchAll(/href="\/portal\/e-defter\/ay\/2026-01\/dosya\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
    expect(names).to.include.members([`GIB-${TEST_VKN}-202601-YB-000000.xml`, `GIB-${TEST_VKN}-202601-KB-000000.xml`, `${TEST_VKN}-202601-Y-000000.xml`, `${TEST_VKN}-202601-K-000000.xml`, `${TEST_VKN}-202601-YB-000000.xml`, `${TEST_VKN}-202601-KB-000000.xml`, `${TEST_VKN}-202601-DR-000000.xml`]);
    for (const name of names.filter((n) => !n.endsWith('.unsigned'))) {
      const r = await fetch(`${base}/portal/e-defter/ay/2026-01/dosya/${encodeURIComponent(name)}`, { headers: { cookie: `oe_portal=${c.cookies.get('oe_portal')}` } });
      expect(r.status, name).to.equal(200);
      expect(r.headers.get('content-disposition')).to.match(attachment(name));
      expect(r.headers.get('content-type')).to.match(/^application\/xml/);
      const [soapFile] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: name });
      const { xml } = await unpackDocument(Buffer.from(soapFile.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 });
      expect(sha(Buffer.from(await r.arrayBuffer())), name).to.equal(sha(xml));
    }
    // Only the month's listed files: a path, another month's name, an unknown name are 404.
    for (const bad of ['..%2F..%2F..%2Fetc%2Fpasswd', encodeURIComponent(`${TEST_VKN}-202602-Y-000000.xml`), 'x.xml']) {
      expect((await c.get(`/portal/e-defter/ay/2026-01/dosya/${bad}`)).status, bad).to.equal(404);
    }
    expect((await c.get('/portal/e-defter/ay/2026-13')).status).to.equal(404);
    expect((await c.get('/portal/e-defter/ay/2025-12')).status).to.equal(404);

    // The month went to GİB: its source can be neither deleted nor re-dated (the buttons are off; posted anyway, refused).
    const yukle = await c.get('/portal/e-defter/yukle');
    expect(yukle.text).to.match(/name="kaynak" value="\d+" data-confirm="[^"]*" disabled/);
    const id = (await sources())[0]!.id;
    const del = await c.post('/portal/e-defter/yukle/sil', { kaynak: String(id) });
    expect(flashOf((await c.follow(del.location!)).text)![1]).to.include('(4609)');
    expect(await sources()).to.have.length(1);
  });

  it('e-Saklama: the approved month waits as Entegratör\'e Gönderilmedi; Entegratör\'e Gönder stores it, Durum Sorgula makes it Yedeklendi, its seven files download, the archive verifies — and a file changed behind its back is found', async () => {
    let page = await c.get('/portal/e-saklama');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('e-Defter Otomatik Yedekleme').and.include('Arşivi Doğrula');
    expect(page.text).to.match(/<tr data-period="2026-01"><td><a href="\/portal\/e-saklama\/ay\/2026-01">Ocak-2026<\/a><\/td><td class="state">Entegratör&#39;e Gönderilmedi<\/td>/);

    let r = await c.post('/portal/e-saklama/ay/2026-01/gonder', { donus: 'liste' });
    page = await c.follow(r.location!);
    expect(flashOf(page.text)).to.deep.equal(['ok', 'Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız gönderilmiştir. Defter dosyalarınız 10 yıl boyunca güvenle saklanacaktır.']);
    expect(page.text).to.include('<td class="state">Entegratöre işlendi</td>').and.include('Entegratörün e-Defter hizmetinden');

    r = await c.post('/portal/e-saklama/ay/2026-01/durum', { donus: 'ay' });
    expect(r.location).to.equal('/portal/e-saklama/ay/2026-01');
    page = await c.follow(r.location!);
    expect(flashOf(page.text)).to.deep.equal(['ok', 'Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.']);
    expect(page.text).to.include('<dd class="state">Yedeklendi</dd>');

    // The seven kinds of ZIP, each downloaded as the archive holds it (its SHA-256 as listed).
    const files = [...page.text.matchAll(/<tr><td>([^<]+\.zip)<\/td>[\s\S]*?<code>([0-9a-f]{64})<\/code>[\s\S]*?href="([^"]+)"/g)].map((m) => ({ name: m[1]!, sha256: m[2]!, href: m[3]!.replace(/&amp;/g, '&') }));
    expect(files.map((f) => f.name).sort()).to.deep.equal(['DR', 'GIB-KB', 'GIB-YB', 'K', 'KB', 'Y', 'YB'].map((k) => (k.startsWith('GIB-') ? `GIB-${TEST_VKN}-202601-${k.slice(4)}-000000.zip` : `${TEST_VKN}-202601-${k}-000000.zip`)).sort());
    for (const f of files) {
      const dl = await fetch(`${base}${f.href}`, { headers: { cookie: `oe_portal=${c.cookies.get('oe_portal')}` } });
      expect(dl.status, f.name).to.equal(200);
      expect(dl.headers.get('content-disposition')).to.match(attachment(f.name));
      expect(dl.headers.get('content-type')).to.equal('application/zip');
      expect(sha(Buffer.from(await dl.arrayBuffer())), f.name).to.equal(f.sha256);
    }
    expect((await c.get(`/portal/e-saklama/ay/2026-01/dosya/${encodeURIComponent('../x.zip')}`)).status).to.equal(404);
    expect((await c.get(`/portal/e-saklama/ay/2026-01/dosya/${encodeURIComponent(files[0]!.name)}?surum=9`)).status).to.equal(404);
    expect((await c.get('/portal/e-saklama/ay/2026-02')).status).to.equal(404);

    let verify = await c.get('/portal/e-saklama/dogrulama');
    expect(verify.text).to.include('data-ok="true"').and.include('Arşiv bütün').and.include('<dt>Okunan dosya</dt><dd>7</dd>');

    // e-Defter Otomatik Yedekleme is saved as the archive service keeps it.
    await c.get('/portal/e-saklama');
    await c.post('/portal/e-saklama/ayarlar', { otomatik: 'evet' });
    expect(await gw.gateway.services.ledgerArchive.settings({ tenantId: gw.tenant.id } as never)).to.deep.equal({ automatic: true });
    expect((await c.post('/portal/e-saklama/ayarlar', { otomatik: 'belki' })).status).to.equal(400);

    // The Defter Raporu's ZIP edited on disk: the verification names it, Durum Sorgula makes the month Yedeklenemedi.
    const dr = await gw.testDb.db('ledger_archive_files').where({ kind: 'DR' }).first('object_key');
    const [vkn, hash] = String(dr.object_key).split('/') as [string, string];
    const file = path.join(gw.config.ledger.archive.dir, vkn, hash.slice(0, 2), hash);
    fs.chmodSync(file, 0o640);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    verify = await c.get('/portal/e-saklama/dogrulama');
    expect(verify.text).to.include('data-ok="false"').and.include(`Arşiv bozuk: ilk bozuk kayıt`).and.include(`${TEST_VKN}-202601-DR-000000.zip`).and.include('İçeriği değişmiş');
    await c.get('/portal/e-saklama');
    r = await c.post('/portal/e-saklama/ay/2026-01/durum', { donus: 'liste' });
    page = await c.follow(r.location!);
    expect(flashOf(page.text)![0]).to.equal('error');
    expect(flashOf(page.text)![1]).to.include('yedeklenemedi').and.include('DR-000000.zip: içeriği değişmiş');
    expect(page.text).to.match(/<tr data-period="2026-01" class="error">/);
    // Sent again from the gateway's own books: the same bytes heal the archive.
    await c.post('/portal/e-saklama/ay/2026-01/gonder', { donus: 'liste' });
    expect((await c.get('/portal/e-saklama/dogrulama')).text).to.include('data-ok="true"');
  });

  it('another tenant sees none of it: its month, progress, step, files, source and archive URLs are 404', async () => {
    await gw.createTenantUser(OTHER_VKN, 'diger-firma');
    const other = await portalLogin(base, 'diger-firma', gw.password);
    expect((await other.get('/portal/e-defter')).text).to.include('Henüz e-Defter yok').and.not.include('2026-01');
    expect((await other.get('/portal/e-defter/yukle')).text).to.include('Yüklenmiş kaynak dosyası yok');
    expect((await other.get('/portal/e-saklama')).text).to.include('Saklanan e-Defter yok');
    const id = (await sources())[0]!.id;
    for (const url of ['/portal/e-defter/ay/2026-01', '/portal/e-defter/ay/2026-01/ilerleme', `/portal/e-defter/ay/2026-01/dosya/GIB-${TEST_VKN}-202601-YB-000000.xml`, `/portal/e-defter/yukle/kaynak/${id}`, '/portal/e-saklama/ay/2026-01', `/portal/e-saklama/ay/2026-01/dosya/${TEST_VKN}-202601-Y-000000.zip`]) {
      expect((await other.get(url)).status, url).to.equal(404);
    }
    await other.get('/portal/e-defter');
    for (const [url, form] of [['/portal/e-defter/ay/2026-01/adim', { adim: 'ALL' }], ['/portal/e-defter/yukle/sil', { kaynak: String(id) }], ['/portal/e-saklama/ay/2026-01/durum', {}], ['/portal/e-saklama/ay/2026-01/gonder', {}]] as const) {
      expect((await other.post(url, form)).status, url).to.equal(404);
    }
    const dates = await other.post('/portal/e-defter/yukle/tarihler', { [`baslangic_${id}`]: '2026-01-02', [`bitis_${id}`]: '2026-01-30' });
    expect(dates.status).to.equal(404);
    expect(await sources()).to.have.length(1);
    expect((await sources())[0]).to.include({ period_start: '2026-01-01', period_end: '2026-01-31' });
    // The other tenant's own VKN in a file name is theirs to upload; ours is refused (4107).
    const foreign = await uploadSource(other, `${TEST_VKN}-202602.zip`, await zipOne(`${TEST_VKN}-202602.csv`, sampleMonth(SAMPLE.toString('utf8'), 2, 4)));
    expect(flashOf((await other.follow(foreign.location!)).text)![1]).to.include('(4107)');
  });

  it('e-Defter Bilgileri: the saved details shown; a bad phone refused with SaveLedgerSettings\' fault, nothing changed; a good change saved', async () => {
    const page = await c.get('/portal/e-defter/ayarlar');
    expect(page.text).to.include('name="telefon" value="3121111111"').and.include('name="muhasebeci" value="SMMM Ayşe Yılmaz"').and.include('name="giren" value="Ali Can"');
    const form = Object.fromEntries([...page.text.matchAll(/<input name="([a-z]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    const bad = await c.post('/portal/e-defter/ayarlar', { ...form, telefon: 'yok' });
    expect(flashOf((await c.follow(bad.location!)).text)).to.deep.equal(['error', 'E-DEFTER AYARLARI EKSİK: telefon (4608)']);
    expect((await gw.gateway.services.ledgers.settings({ tenantId: gw.tenant.id } as never))!.phone).to.equal('3121111111');
    await c.get('/portal/e-defter/ayarlar');
    const good = await c.post('/portal/e-defter/ayarlar', { ...form, telefon: '3122222222', subeadi: 'Merkez', subeno: '0001' });
    expect(flashOf((await c.follow(good.location!)).text)).to.deep.equal(['ok', 'e-Defter bilgileri kaydedildi.']);
    expect(await gw.gateway.services.ledgers.settings({ tenantId: gw.tenant.id } as never)).to.deep.include({ phone: '3122222222', branch: { name: 'Merkez', number: '0001' }, enteredBy: 'Ali Can' });
  });

  it('bad uploads: oversize (cut off, nothing kept), not a ZIP, not a journal, an unbalanced journal, a name with ../, no file, no CSRF token — each refused with its reason, nothing stored, no temporary file left', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-portal-tmp-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // the gateway runs in this process: its temporary files go here
    const before = (await sources()).length;
    const refusal = async (r: PortalResponse) => {
      expect(r.status, r.text.slice(0, 300)).to.equal(303);
      const f = flashOf((await c.follow(r.location!)).text)!;
      expect(f[0]).to.equal('error');
      return f[1]!;
    };
    try {
      await c.get('/portal/e-defter/yukle');
      const feb = (csv: Buffer) => zipOne(`${TEST_VKN}-202602.csv`, csv);
      const oversize = Buffer.concat([await feb(sampleMonth(SAMPLE.toString('utf8'), 2, 4)), Buffer.alloc(MAX_SOURCE_BYTES + 1, 7)]);
      expect(await refusal(await uploadSource(c, `${TEST_VKN}-202602.zip`, oversize))).to.equal(`Dosya yüklenemedi: ISTEK BOYUTU SINIRI ASIYOR (${MAX_SOURCE_BYTES} bayt) (4003)`);
      expect(await refusal(await uploadSource(c, `${TEST_VKN}-202602.zip`, Buffer.from('bu bir zip değil')))).to.match(/^Dosya yüklenemedi: ZIP ACILAMADI.*\(1130\)$/);
      expect(await refusal(await uploadSource(c, `${TEST_VKN}-202602.zip`, await zipOne('notlar.txt', Buffer.from('merhaba'))))).to.include('(4601)').and.include('notlar.txt');
      const unbalanced = sampleMonth(SAMPLE.toString('utf8'), 2, 4).toString('utf8').replace(';50000,00;0;', ';50001,00;0;');
      expect(await refusal(await uploadSource(c, `${TEST_VKN}-202602.zip`, await feb(Buffer.from(unbalanced))))).to.include('(4602)');
      const escaped = path.join(dir, `${TEST_VKN}-202602.zip`);
      const traversal = await refusal(await uploadSource(c, `../../../../${escaped}`, await feb(sampleMonth(SAMPLE.toString('utf8'), 2, 4))));
      expect(traversal).to.include('(4605)').and.include('../');
      expect(fs.existsSync(escaped)).to.equal(false);
      // The wrong field, or no file: the form's field named.
      const noFile = new FormData();
      noFile.append('baslik', '1');
      expect(await refusal(await c.request('POST', `/portal/e-defter/yukle/dosya?_csrf=${c.csrf}`, { body: noFile }))).to.equal('Dosya yüklenemedi: FORM ALANI EKSİK VEYA GEÇERSİZ: Dosya (4804)');
      // Without the token in the action URL (the body is not read): refused before the handler.
      const forged = await uploadSource(c, `${TEST_VKN}-202602.zip`, await feb(sampleMonth(SAMPLE.toString('utf8'), 2, 4)), undefined, null);
      expect(forged.status).to.equal(403);
      expect(forged.text).to.include('4801');
      expect((await uploadSource(c, `${TEST_VKN}-202602.zip`, await feb(sampleMonth(SAMPLE.toString('utf8'), 2, 4)), undefined, 'x'.repeat(43))).status).to.equal(403);

      expect((await sources()).length).to.equal(before);
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith('gw-portal-upload-'))).to.deep.equal([]);

      // A good February, then deleted from the list (nothing built from it yet: allowed).
      const ok = await uploadSource(c, `${TEST_VKN}-202602.zip`, await feb(sampleMonth(SAMPLE.toString('utf8'), 2, 4)));
      expect(flashOf((await c.follow(ok.location!)).text)![0]).to.equal('ok');
      const feb2 = (await sources()).find((s: { period: string }) => s.period === '2026-02')!;
      const del = await c.post('/portal/e-defter/yukle/sil', { kaynak: String(feb2.id) });
      expect(flashOf((await c.follow(del.location!)).text)).to.deep.equal(['ok', `${TEST_VKN}-202602.zip silindi.`]);
      expect((await sources()).length).to.equal(before);
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith('gw-portal-upload-'))).to.deep.equal([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('portal: e-Defter month progress and the due step (from GetLedgerStatus\'s view)', () => {
  const book = (b: 'Y' | 'K', state: string, description: string, goal: string | null, lastError: string | null = null): LedgerBookView => ({
    book: b, state, status: 1, code: 0, description, controlNumbers: [], periodStart: null, periodEnd: null, totalDebit: null, totalCredit: null, lastError, updatedAt: '', goal, files: [],
  });
  const month = (...books: LedgerBookView[]) => ({ period: '2026-01', periodLabel: '2026-Ocak', books }) as unknown as LedgerMonthView;

  it('counts the books\' steps towards what was asked, stops at an error, and names the first step a book has not done', () => {
    expect(monthProgress(month(book('Y', 'NOT_STARTED', 'İşlem Yapılmadı', null), book('K', 'NOT_STARTED', 'İşlem Yapılmadı', null)))).to.deep.include({ percent: 100, done: true });
    const running = monthProgress(month(book('Y', 'SENT', "GİB'e Gönderildi", 'DOWNLOADED'), book('K', 'BERAT_SIGNED', 'Berat İmzalandı', 'DOWNLOADED')));
    expect(running).to.deep.equal({ percent: 75, text: "Onaylı Beratı İndir sürüyor — Yevmiye Defteri: GİB'e Gönderildi, Büyük Defter: Berat İmzalandı", done: false });
    const failed = monthProgress(month(book('Y', 'FILE_CREATED', 'Dosya Oluşturuldu', 'FILE_SIGNED', 'PIN HATALI'), book('K', 'FILE_CREATED', 'Dosya Oluşturuldu', 'FILE_SIGNED', 'PIN HATALI')));
    expect(failed).to.deep.equal({ percent: 50, text: 'İşlem durdu — Yevmiye Defteri: PIN HATALI', done: true });
    expect(monthProgress(month(book('Y', 'CHECK_FAILED', 'Kontrol Hatası', 'FILE_CREATED', 'DENGESİZ'), book('K', 'CHECK_FAILED', 'Kontrol Hatası', 'FILE_CREATED', 'DENGESİZ'))).done).to.equal(true);
    expect(nextStep(month(book('Y', 'APPROVED', 'GİB Onayladı', null), book('K', 'BERAT_SIGNED', 'Berat İmzalandı', null)))).to.equal('GIBE_GONDER');
    expect(nextStep(month(book('Y', 'DOWNLOADED', '', null), book('K', 'DOWNLOADED', '', null)))).to.equal(null);
  });
});
