/**
 * Ayarlar / Hizmetlerim and Kontör over HTTP (seed 003): the list with e-Logo's states, ordering by card and by wire
 * transfer, Aktivasyonu Başlat now and at a date, Değiştir, Hizmet Bilgileri with XML'i Göster (escaped), the contract
 * download and the signed contract's upload (multipart, the CSRF token in the action URL), Hizmeti Kapat — and the
 * services' refusals shown with their codes while nothing changes; another company sees none of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { signContract } from '../../src/activation/contract';
import type { Signer } from '../../src/signing/signer';
import { serviceRows } from '../helpers/activation';
import { tempDir } from '../helpers/db';
import { OTHER_VKN, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { softSeal } from '../helpers/ledger-world';
import { portalLogin, type PortalClient } from '../helpers/portal';
import { testRootCa } from '../helpers/softhsm';

const LIST = '/portal/ayarlar/hizmetlerim';
const INFO = `${LIST}/hizmet-bilgileri`;

/** A datetime-local value (Turkish wall-clock time) `ms` from now. */
function trLocal(ms: number): string {
  return new Date(Date.now() + ms + 3 * 3600_000).toISOString().slice(0, 16);
}

function decode(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The cells of the list's row of a service, as text. */
function rowOf(page: string, code: string): string[] {
  const m = new RegExp(`<tr class="[^"]*" data-service="${code}">([\\s\\S]*?)</tr>`).exec(page);
  if (!m) return [];
  return [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1]!.replace(/<[^>]+>/g, '').trim()));
}

/** The one-shot message of a page. */
function flashOf(page: string | { text: string }): string {
  const m = /<div class="flash (ok|error)"[^>]*>([\s\S]*?)<\/div>/.exec(typeof page === 'string' ? page : page.text);
  return m ? `${m[1]}: ${decode(m[2]!)}` : '';
}

describe('portal: Hizmetlerim (service activation) and Kontör', function () {
  this.timeout(30_000);
  let dir: string;
  let gw: TestGateway;
  let c: PortalClient;
  let seal: Signer;

  before(async () => {
    dir = tempDir('gw-portal-services-');
    const rootFile = path.join(dir, 'test-root.pem');
    fs.writeFileSync(rootFile, testRootCa().certPem);
    gw = await startTestGateway({ env: { GW_TRUSTED_ROOTS: rootFile } });
    c = await portalLogin(gw.url.replace(/\/soap\/gateway$/, ''), gw.username, gw.password);
    seal = await softSeal(dir, TEST_VKN);
  });
  after(async () => {
    await seal?.close();
    await gw?.close();
  });

  const states = async () => Object.fromEntries(Object.entries(await serviceRows(gw.gateway, gw.tenant.id)).map(([k, r]) => [k, `${r.state} ${r.activationAt}`]));
  /** Posts a form and follows the redirect: the page it lands on. */
  const act = async (p: string, form: Record<string, string | string[]>) => {
    const r = await c.post(p, form);
    expect(r.status, r.text.slice(0, 400)).to.equal(303);
    return c.follow(r.location!);
  };

  it('no services yet: Hizmetlerim says where to order; Kontör: not metered, no balance in the header', async () => {
    const list = await c.get(LIST);
    expect(list.status).to.equal(200);
    expect(list.text).to.include('Firmanıza sipariş edilmiş hizmet bulunmuyor').and.include('href="/portal/ayarlar/kontor"');
    const k = await c.get('/portal/ayarlar/kontor');
    expect(k.text).to.include('Firmanız kontör kullanmıyor').and.include('Sipariş Ver').and.include('e-Fatura (belge başına)').and.include('e-Defter (ay başına)');
    expect(k.text).to.not.include('class="kontor"');
    expect(k.text).to.include('href="/portal/ayarlar/kontor" class="active"');
  });

  it('an order by card from the Kontör page: paid at once, kontör in the balance, the header and the movements; the services Aktivasyon Bekliyor', async () => {
    await c.get('/portal/ayarlar/kontor');
    const page = await act('/portal/ayarlar/kontor/siparis', { hizmet: ['EFATURA', 'EARSIV', 'ETICARET'], kontor: '1.000,50', odeme: 'CARD' });
    expect(flashOf(page)).to.match(/^ok: Sipariş \d+: 1\.900,50 TL ödendi \(kredi kartı\)\. 1\.000,50 TL kontör hesabınıza yüklendi\. Hizmetleriniz Aktivasyon Bekliyor\.$/);
    expect(page.text).to.include('<dd class="balance">1.000,50 TL</dd>');
    expect(page.text).to.include('<span class="kontor">Kontör: Kalan: 1.000,50 Ekst. Limit:');
    expect(page.text).to.match(/<td>Kontör Alımı<\/td><td>Sipariş \d+: kontör alımı \(kredi kartı\)<\/td><td class="num">1\.000,50<\/td><td class="num">1\.000,50<\/td>/);
    const list = await c.get(LIST);
    for (const code of ['EFATURA', 'EARSIV', 'ETICARET']) {
      const row = rowOf(list.text, code);
      expect(row.slice(2, 4), code).to.deep.equal(['Aktivasyon Bekliyor', '1']);
      expect(row[4], code).to.match(/^\d\d\.\d\d\.\d{4} \d\d:\d\d$/); // Hizmet Açılış Tarihi: the payment
      expect(row[5], code).to.equal('');
    }
  });

  it('a wire transfer waits (Onay Bekliyor, 0); starting it is refused with 4702 on the page, nothing changes; a bad amount is 4804', async () => {
    await c.get('/portal/ayarlar/kontor');
    const page = await act('/portal/ayarlar/kontor/siparis', { hizmet: 'EDEFTER', odeme: 'WIRE' });
    expect(flashOf(page)).to.include('Havale/EFT ile yapacağınız ödemeniz kontrol edildikten sonra sisteme yansıyacaktır');
    const bad = await act('/portal/ayarlar/kontor/siparis', { kontor: '12,345', odeme: 'CARD' });
    expect(flashOf(bad)).to.equal('error: FORM ALANI EKSİK VEYA GEÇERSİZ: Kontör tutarı (TL, ör. 1.000,00) (4804)');
    const list = await c.get(LIST);
    expect(rowOf(list.text, 'EDEFTER').slice(1, 4)).to.deep.equal(['e-Defter', 'Onay Bekliyor', '0']);
    const before = await states();
    const start = await act(LIST, { hizmet: 'EDEFTER', islem: 'baslat' });
    expect(start.text).to.include('Hesap İleri Tarihte Açılsın').and.include('Hesap Hemen Açılsın').and.include('İlerle');
    const refused = await act(`${LIST}/aktivasyon`, { hizmet: 'EDEFTER', zaman_EDEFTER: 'hemen' });
    expect(flashOf(refused)).to.equal('error: HİZMETİN ÖDEMESİ ONAYLANMADI (ONAY BEKLİYOR): e-Defter (4702)');
    expect(await states()).to.deep.equal(before);
  });

  it('bad dates: in the past (4704), "İleri Tarihte" without a date (4804), not a date (4004), e-Fatura after e-Arşiv (4705) — nothing changes', async () => {
    const before = await states();
    await c.get(`${LIST}/aktivasyon?hizmet=EFATURA&hizmet=EARSIV`);
    const past = await act(`${LIST}/aktivasyon`, { hizmet: ['EFATURA', 'EARSIV'], zaman_EFATURA: 'hemen', zaman_EARSIV: 'ileri', tarih_EARSIV: trLocal(-24 * 3600_000) });
    expect(flashOf(past)).to.match(/^error: AKTİVASYON TARİHİ GEÇMİŞTE OLAMAZ: .* \(4704\)$/);
    expect(past.text).to.include('data-service="EARSIV"'); // back on the date page with the same services
    const none = await act(`${LIST}/aktivasyon`, { hizmet: 'EARSIV', zaman_EARSIV: 'ileri' });
    expect(flashOf(none)).to.equal('error: FORM ALANI EKSİK VEYA GEÇERSİZ: e-Arşiv: Hesap İleri Tarihte Açılsın için tarih ve saat (4804)');
    const garbage = await act(`${LIST}/aktivasyon`, { hizmet: 'EARSIV', zaman_EARSIV: 'ileri', tarih_EARSIV: 'yarın' });
    expect(flashOf(garbage)).to.match(/\(4004\)$/);
    const order = await act(`${LIST}/aktivasyon`, { hizmet: ['EFATURA', 'EARSIV'], zaman_EFATURA: 'ileri', tarih_EFATURA: trLocal(2 * 3600_000), zaman_EARSIV: 'ileri', tarih_EARSIV: trLocal(3600_000) });
    expect(flashOf(order)).to.match(/^error: E-FATURA AKTİVASYON TARİHİ DİĞER HİZMETLERDEN İLERİ TARİHLİ SEÇİLEMEZ: .*\(4705\)$/);
    const unknown = await act(LIST, { hizmet: 'EFATURAX', islem: 'baslat' });
    expect(flashOf(unknown)).to.equal('error: BİLİNMEYEN HİZMET: EFATURAX (4701)');
    const nothing = await act(LIST, { islem: 'baslat' });
    expect(flashOf(nothing)).to.equal('error: FORM ALANI EKSİK VEYA GEÇERSİZ: hizmet seçilmedi (4804)');
    expect(await states()).to.deep.equal(before);
  });

  it('e-Ticaret (no contract, no GİB) started now is Aktif at once, green in the list', async () => {
    await c.get(LIST);
    const page = await act(`${LIST}/aktivasyon`, { hizmet: 'ETICARET', zaman_ETICARET: 'hemen' });
    expect(flashOf(page)).to.equal('ok: e-Ticaret: Aktif');
    expect(rowOf(page.text, 'ETICARET').slice(2, 4)).to.deep.equal(['Aktif', '2']);
    expect(page.text).to.include('<tr class="ok" data-service="ETICARET">');
    expect(rowOf(page.text, 'ETICARET')[5]).to.match(/^\d\d\.\d\d\.\d{4} \d\d:\d\d$/);
  });

  let earsivAt: string;
  it('Aktivasyonu Başlat: e-Fatura now, e-Arşiv at a date → Hizmet Bilgileri with the company as GİB will know it; Müşteri İmzası Bekliyor in the list', async () => {
    earsivAt = trLocal(26 * 3600_000);
    await c.get(LIST);
    const page = await act(`${LIST}/aktivasyon`, { hizmet: ['EFATURA', 'EARSIV'], zaman_EFATURA: 'hemen', tarih_EFATURA: trLocal(3600_000), zaman_EARSIV: 'ileri', tarih_EARSIV: earsivAt });
    const shown = `${earsivAt.slice(8, 10)}.${earsivAt.slice(5, 7)}.${earsivAt.slice(0, 4)} ${earsivAt.slice(11)}`;
    expect(flashOf(page)).to.equal(`ok: Aktivasyon başlatıldı. Firma ve hizmet bilgilerini kontrol edip sözleşmeyi indiriniz.\ne-Fatura Hizmeti açma: Hesap Hemen Açılsın\ne-Arşiv hizmeti açma: ${shown}`);
    expect(page.text).to.include('<h1>Hizmetler</h1>').and.include('Firma Bilgileri').and.include('<dd>TEST TICARET A.S.</dd>').and.include(`<dd>${TEST_VKN}</dd>`);
    expect(page.text).to.include(`<dd>urn:mail:defaultpk@${TEST_VKN}.gateway.local</dd>`).and.include(`<dd>urn:mail:defaultgb@${TEST_VKN}.gateway.local</dd>`);
    expect(page.text).to.include(`href="${INFO}/xml/EFATURA">XML'i Göster</a>`).and.include(`href="${INFO}/xml/EARSIV">XML'i Göster</a>`);
    const list = await c.get(LIST);
    expect(rowOf(list.text, 'EFATURA').slice(2, 6)).to.deep.include.members(['Müşteri İmzası Bekliyor', '3', 'Hesap Hemen Açılsın']);
    expect(rowOf(list.text, 'EARSIV').slice(2, 6)).to.include.members(['Müşteri İmzası Bekliyor', '3', shown]);
    expect(list.text).to.include('Müşteri imzası bekleyen hizmetleriniz var');
    const rows = await serviceRows(gw.gateway, gw.tenant.id);
    expect(Date.parse(rows.EARSIV!.activationAt!)).to.equal(Date.parse(`${earsivAt}+03:00`));
  });

  it("XML'i Göster: the HR-XML shown escaped in a <pre>, and downloadable as the same XML", async () => {
    const page = await c.get(`${INFO}/xml/EFATURA`);
    expect(page.status).to.equal(200);
    const pre = /<pre class="xml">([\s\S]*?)<\/pre>/.exec(page.text)![1]!;
    expect(pre).to.include('&lt;ProcessUserAccount').and.not.include('<ProcessUserAccount');
    expect(decode(pre)).to.include(`<UserID>${TEST_VKN}</UserID>`).and.include('<UserOptionCode>2</UserOptionCode>');
    const file = await c.get(`${INFO}/xml/EFATURA?indir=1`);
    expect(file.headers.get('content-type')).to.match(/^application\/xml/);
    expect(file.headers.get('content-disposition')).to.match(/^attachment; filename="?EFATURA-[0-9a-f-]+\.xml"?$/);
    expect(file.text).to.equal(decode(pre));
    expect((await c.get(`${INFO}/xml/ETICARET`)).status).to.equal(404); // not in the contract
    expect((await c.get(`${INFO}/xml/NOPE`)).status).to.equal(404);
  });

  it('the contract page: İndir gives the XML to sign (the issued contract), the contract:sign command line, the upload form', async () => {
    const page = await c.get(`${LIST}/sozlesme`);
    expect(page.text).to.include('npm run cli -- contract:sign --url http://127.0.0.1:').and.include('--username erp-user').and.include('mali mührü');
    expect(page.text).to.match(new RegExp(`enctype="multipart/form-data" action="${LIST}/sozlesme/yukle\\?_csrf=${c.csrf}"`));
    const file = await c.get(`${LIST}/sozlesme/indir`);
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.match(/^application\/xml/);
    expect(file.headers.get('content-disposition')).to.match(/^attachment; filename="?aktivasyon-sozlesmesi-[0-9a-f-]+\.xml"?$/);
    const issued = await gw.gateway.services.activation.contract({ userId: 0, username: 'test', tenantId: gw.tenant.id, tenantVkn: TEST_VKN });
    expect(file.text).to.equal(issued.contract.toString('utf8'));
    expect(page.text).to.include(issued.contractId);
  });

  it('Değiştir while waiting for the signature: the new date, and a new contract with it', async () => {
    const before = (await c.get(`${LIST}/sozlesme/indir`)).text;
    const form = await act(LIST, { hizmet: 'EARSIV', islem: 'degistir' });
    expect(form.text).to.include('Aktivasyon Tarihini Değiştir').and.include(`value="${earsivAt}"`);
    earsivAt = trLocal(50 * 3600_000);
    const page = await act(`${LIST}/degistir`, { hizmet: 'EARSIV', zaman_EARSIV: 'ileri', tarih_EARSIV: earsivAt });
    expect(flashOf(page)).to.match(/^ok: e-Arşiv: Aktivasyon Tarihi .* \(Müşteri İmzası Bekliyor\)\. Yeni tarihle yeni sözleşme düzenlendi; onu imzalayınız\.$/);
    const after = (await c.get(`${LIST}/sozlesme/indir`)).text;
    expect(after).to.not.equal(before);
    const two = await act(LIST, { hizmet: ['EARSIV', 'EFATURA'], islem: 'degistir' });
    expect(flashOf(two)).to.equal('error: FORM ALANI EKSİK VEYA GEÇERSİZ: Değiştir için tek hizmet seçiniz (4804)');
  });

  it('the signed contract uploaded: refused unsigned (4708) or without the CSRF token (4801); signed with the company\'s seal, "Sonuç: Başarılı" per service', async () => {
    const before = await states();
    const issued = Buffer.from((await c.get(`${LIST}/sozlesme/indir`)).text, 'utf8');
    await c.get(`${LIST}/sozlesme`);
    const upload = (xml: Buffer, token: string | null = c.csrf, pasted = false) => {
      const form = new FormData();
      if (pasted) form.append('sozlesmeMetni', xml.toString('utf8'));
      else form.append('sozlesme', new Blob([new Uint8Array(xml)], { type: 'application/xml' }), 'sozlesme.xml');
      return c.request('POST', `${LIST}/sozlesme/yukle${token ? `?_csrf=${token}` : ''}`, { body: form });
    };
    const unsigned = await upload(issued, c.csrf, true); // pasted into the text box
    expect(unsigned.status).to.equal(303);
    expect(flashOf((await c.follow(unsigned.location!)).text)).to.match(/^error: SÖZLEŞME İMZASI DOĞRULANAMADI: .*\(4708\)$/);
    const signed = await signContract(issued, seal);
    const forged = await upload(signed, null);
    expect(forged.status).to.equal(403);
    expect(forged.text).to.include('4801');
    const empty = await upload(Buffer.alloc(0));
    expect(flashOf((await c.follow(empty.location!)).text)).to.equal('error: FORM ALANI EKSİK VEYA GEÇERSİZ: imzalı sözleşme dosyası (4804)');
    expect(await states()).to.deep.equal(before);

    const ok = await upload(signed);
    expect(ok.location).to.equal(LIST);
    const list = await c.follow(ok.location!);
    expect(flashOf(list.text)).to.match(/^ok: İmzalama işlemi sonucu \(sözleşme [0-9a-f-]+\):\ne-Fatura Hizmeti açma\. Sonuç: Başarılı\ne-Arşiv hizmeti açma\. Sonuç: Başarılı$/);
    expect(rowOf(list.text, 'EFATURA').slice(2, 4)).to.deep.equal(["GİB'e Gönderimi Bekliyor", '4']);
    expect(rowOf(list.text, 'EARSIV').slice(2, 4)).to.deep.equal(["GİB'e Gönderimi Bekliyor", '4']);
    const gone = await c.get(INFO);
    expect(gone.text).to.include('İMZALANACAK SÖZLEŞME BULUNAMADI (4706)');
  });

  it('Değiştir of a signed service moves its send; Hizmeti Kapat: e-Ticaret closes, a service not open is refused (4703)', async () => {
    await c.get(LIST);
    earsivAt = trLocal(30 * 3600_000);
    const page = await act(`${LIST}/degistir`, { hizmet: 'EARSIV', zaman_EARSIV: 'ileri', tarih_EARSIV: earsivAt });
    expect(flashOf(page)).to.match(/^ok: e-Arşiv: Aktivasyon Tarihi .* \(GİB'e Gönderimi Bekliyor\)$/);
    const earsiv = (await serviceRows(gw.gateway, gw.tenant.id)).EARSIV!;
    const jobs = await gw.gateway.db('jobs').where('job_key', 'like', `activation.send:${earsiv.id}:%`);
    expect(jobs).to.have.length(1);
    expect(Date.parse(jobs[0].run_at)).to.equal(Date.parse(`${earsivAt}+03:00`));

    const before = await states();
    const refused = await act(LIST, { hizmet: 'EDEFTER', islem: 'kapat' });
    expect(flashOf(refused)).to.equal('error: HİZMET BU İŞLEME UYGUN DURUMDA DEĞİL: e-Defter Onay Bekliyor (4703)');
    expect(await states()).to.deep.equal(before);
    const closed = await act(LIST, { hizmet: 'ETICARET', islem: 'kapat' });
    expect(flashOf(closed)).to.equal("ok: e-Ticaret: İptal İşlemi GİB'e Gönderim Bekliyor");
    expect(rowOf(closed.text, 'ETICARET').slice(2, 4)).to.deep.equal(["İptal İşlemi GİB'e Gönderim Bekliyor", '6']);
  });

  it('another company sees none of it: its own empty list, no contract, 404 for the XML, its own Kontör', async () => {
    await gw.createTenantUser(OTHER_VKN, 'baska-firma');
    const other = await portalLogin(gw.url.replace(/\/soap\/gateway$/, ''), 'baska-firma', gw.password);
    const list = await other.get(LIST);
    expect(list.text).to.include('Firmanıza sipariş edilmiş hizmet bulunmuyor').and.not.include('data-service=');
    expect((await other.get(INFO)).text).to.include('(4706)').and.not.include(TEST_VKN);
    expect((await other.get(`${INFO}/xml/EARSIV`)).status).to.equal(404);
    const download = await other.get(`${LIST}/sozlesme/indir`);
    expect(download.status).to.equal(400);
    expect(download.text).to.include('İMZALANACAK SÖZLEŞME BULUNAMADI').and.not.include('AktivasyonSozlesmesi');
    const kontor = await other.get('/portal/ayarlar/kontor');
    expect(kontor.text).to.include('Firmanız kontör kullanmıyor').and.not.include('1.000,50');
    // Its own actions touch only its own services.
    const before = await states();
    await other.post(LIST, { hizmet: 'EFATURA', islem: 'kapat' });
    await other.post(`${LIST}/degistir`, { hizmet: 'EARSIV', zaman_EARSIV: 'hemen' });
    expect(await states()).to.deep.equal(before);
  });
});
