/**
 * e-Fatura Gelen Kutusu over HTTP (src/portal/screens/efatura.ts): a seller and a buyer at GİB's simulator; the buyer
 * sees the seller's invoices, answers a TICARIFATURA with KABUL (the seller's invoice becomes ACCEPTED) or RED with a
 * reason, is refused after the 8 days with the reason, has no KABUL/RED for a TEMELFATURA; the documents, the
 * envelope and the history of its own invoices only (another company's is 404); HTML in the sender's name escaped;
 * server-side filters and keyset pages over an inbox of many rows.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type * as soap from 'soap';
import { insertIncomingInvoice } from '../../src/db/incoming-invoices';
import { toEnvelopeId, toEttn } from '../../src/ids';
import { OTHER_VKN, send, soapClient, TEST_PASSWORD, TEST_VKN } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { portalLogin, type PortalClient } from '../helpers/portal';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';

const DAY = 86_400_000;
const XSS_NAME = '<script>alert("gonderen")</script> & <img src=x onerror=alert(1)> A.Ş.';

/** The text of a page's flash message (entities decoded). */
function flashOf(page: string): string {
  const m = /<div class="flash (?:ok|error)"[^>]*>([\s\S]*?)<\/div>/.exec(page);
  return (m?.[1] ?? '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('portal: e-Fatura Gelen Kutusu, KABUL / RED', function () {
  this.timeout(90_000);
  let world: PostBoxWorld;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  let seller: soap.Client;
  let buyer: PortalClient;
  const ettn = { kabul: randomUUID(), red: randomUUID(), late: randomUUID(), temel: randomUUID() };
  const number: Record<string, string> = {};

  const incoming = (e: string) => world.gw.gateway.services.inbox.getIncoming(world.buyerTenant.id, toEttn(e));
  const sellerState = async (e: string) => String((await world.gw.gateway.db('invoices').where({ ettn: e }).first('state'))?.state);

  before(async () => {
    world = await startPostBoxWorld({ clock });
    seller = await soapClient(world.gw);
    const invoices: Array<[keyof typeof ettn, string]> = [
      ['kabul', makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: ettn.kabul })],
      ['red', makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: ettn.red })],
      ['late', makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: ettn.late })],
      // The sender's title as the invoice writes it (XML-escaped): markup once read.
      ['temel', makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: ettn.temel }).replace('Tedarikçi Anonim Şirketi', XSS_NAME.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))],
    ];
    for (const [key, xml] of invoices) number[key] = (await send(seller, xml)).invoiceNumber;
    for (const e of Object.values(ettn)) await until(`${e} in the buyer's inbox`, () => incoming(e).catch(() => undefined), 60_000);
    buyer = await portalLogin(world.base, 'alici', TEST_PASSWORD);
  });

  after(async () => {
    await world?.close();
  });

  it('the Gelen Kutusu lists the seller\'s invoices: sender, number, ETTN, date, amount, scenario, state with code, envelope', async () => {
    const page = await buyer.get('/portal/e-fatura/gelen');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('e-Fatura Gelen Kutusu').and.include('class="active" aria-current="page">Gelen Kutusu');
    for (const key of Object.keys(ettn) as Array<keyof typeof ettn>) {
      const v = await incoming(ettn[key]);
      const row = new RegExp(`<tr class="[^"]*" data-ettn="${v.ettn}">([\\s\\S]*?)</tr>`).exec(page.text)?.[1];
      expect(row, key).to.be.a('string');
      expect(row).to.include(TEST_VKN).and.include(number[key]).and.include(v.ettn.toUpperCase()).and.include(v.profileId);
      expect(row).to.include('>1300<').and.include('GELEN FATURA').and.include(v.envelopeId.toUpperCase());
      expect(row).to.include(`/portal/e-fatura/gelen/${v.ettn}`);
    }
    expect(page.text).to.include('TICARIFATURA').and.include('TEMELFATURA');
  });

  it('HTML or script in the sender\'s name is shown as text, never as markup (list, detail)', async () => {
    expect((await incoming(ettn.temel)).senderName).to.equal(XSS_NAME);
    for (const p of ['/portal/e-fatura/gelen', `/portal/e-fatura/gelen/${ettn.temel}`]) {
      const page = await buyer.get(p);
      expect(page.text, p).to.not.include('<script>alert').and.not.include('<img src=x');
      expect(page.text, p).to.include('&lt;script&gt;alert(&quot;gonderen&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; A.Ş.');
      expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    }
  });

  it('filters on the server: scenario, state, sender, invoice number; CSV of the same list', async () => {
    const temel = await buyer.get('/portal/e-fatura/gelen?senaryo=TEMELFATURA');
    expect(temel.text).to.include(number.temel!).and.not.include(number.kabul!);
    const ticari = await buyer.get('/portal/e-fatura/gelen?senaryo=TICARIFATURA&durum=INBOX');
    expect(ticari.text).to.include(number.kabul!).and.include(number.late!).and.not.include(number.temel!);
    const byNumber = await buyer.get(`/portal/e-fatura/gelen?faturaNo=${number.red!.toLowerCase()}`);
    expect(byNumber.text).to.include(number.red!).and.not.include(number.kabul!);
    expect((await buyer.get('/portal/e-fatura/gelen?gonderen=1111111111')).text).to.include('gelen fatura bulunamadı');
    const csv = await buyer.get('/portal/e-fatura/gelen/csv?senaryo=TICARIFATURA');
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.include('text/csv');
    expect(csv.headers.get('content-disposition')).to.include('attachment');
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).to.include('"Gönderen VKN/TCKN";"Gönderen Ünvan";"Fatura No"');
    expect(lines).to.have.length(4);
    expect(csv.text).to.include(number.kabul!).and.not.include(number.temel!);
    const bad = await buyer.get('/portal/e-fatura/gelen?gonderen=12ab&baslangic=2026-02-30');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('FORM ALANI EKSİK VEYA GEÇERSİZ').and.include('4804');
  });

  it('the invoice\'s page: details, envelope, history; UBL, PDF, HTML visual (its own CSP) and the envelope ZIP download', async () => {
    const v = await incoming(ettn.kabul);
    const page = await buyer.get(`/portal/e-fatura/gelen/${ettn.kabul}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(number.kabul!).and.include(v.senderAlias).and.include(v.receiverAlias);
    expect(page.text).to.include('Zarf ETTN').and.include(v.envelopeId.toUpperCase()).and.include('SENDERENVELOPE');
    expect(page.text).to.include('Tarihçe').and.include(`zarf ${v.envelopeId} ile geldi`);
    expect(page.text).to.include(`<iframe class="visual" src="/portal/e-fatura/gelen/${v.ettn}/gorsel" sandbox=""`);
    expect(page.text).to.include('value="KABUL"').and.include('value="RED"').and.include('Yanıt süresi');

    const ubl = await buyer.get(`/portal/e-fatura/gelen/${ettn.kabul}/indir/ubl`);
    expect(ubl.status).to.equal(200);
    expect(ubl.headers.get('content-type')).to.include('application/xml');
    expect(ubl.headers.get('content-disposition')).to.equal(`attachment; filename="${number.kabul}.xml"`);
    expect(ubl.text.toLowerCase()).to.include(ettn.kabul.toLowerCase()).and.include('ds:signature');
    const visual = await buyer.get(`/portal/e-fatura/gelen/${ettn.kabul}/gorsel`);
    expect(visual.status).to.equal(200);
    expect(visual.headers.get('content-security-policy')).to.include("default-src 'none'").and.not.include('script-src');
    expect(visual.text).to.include(number.kabul!);
    const pdf = await fetch(`${world.base}/portal/e-fatura/gelen/${ettn.kabul}/indir/pdf`, { headers: { cookie: `oe_portal=${buyer.cookies.get('oe_portal')}` } });
    expect(pdf.status).to.equal(200);
    expect(pdf.headers.get('content-type')).to.equal('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).to.equal('%PDF-');
    const zip = await fetch(`${world.base}/portal/e-fatura/gelen/${ettn.kabul}/zarf`, { headers: { cookie: `oe_portal=${buyer.cookies.get('oe_portal')}` } });
    expect(zip.status).to.equal(200);
    expect(zip.headers.get('content-type')).to.equal('application/zip');
    expect(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString()).to.equal('PK');
  });

  it('KABUL on a TICARIFATURA: recorded, sent back to the seller, whose invoice becomes ACCEPTED', async () => {
    await buyer.get(`/portal/e-fatura/gelen/${ettn.kabul}`);
    const r = await buyer.post(`/portal/e-fatura/gelen/${ettn.kabul}/yanit`, { yanit: 'KABUL', aciklama: 'Mal teslim alındı.' });
    expect(r.status).to.equal(303);
    const page = await buyer.follow(r.location!);
    expect(flashOf(page.text)).to.include('Faturaya KABUL yanıtı verildi');
    expect(page.text).to.include('Bu faturaya yanıt verildi').and.include('KABUL EDILDI').and.include('KABUL: Mal teslim alındı.');
    expect(page.text).to.not.include('value="KABUL"');
    expect((await incoming(ettn.kabul)).state).to.equal('ACCEPTED');
    await until('ACCEPTED at the seller', async () => ((await sellerState(ettn.kabul)) === 'ACCEPTED' ? true : undefined));
    // Answered once.
    const again = await buyer.post(`/portal/e-fatura/gelen/${ettn.kabul}/yanit`, { yanit: 'RED', aciklama: 'vazgeçtim' });
    expect(flashOf((await buyer.follow(again.location!)).text)).to.include('FATURAYA DAHA ONCE YANIT VERILDI').and.include('4507');
  });

  it('RED needs a reason; with one it is recorded and reaches the seller (REJECTED)', async () => {
    await buyer.get(`/portal/e-fatura/gelen/${ettn.red}`);
    const bare = await buyer.post(`/portal/e-fatura/gelen/${ettn.red}/yanit`, { yanit: 'RED' });
    expect(flashOf((await buyer.follow(bare.location!)).text)).to.include('RED için açıklama').and.include('4804');
    expect((await incoming(ettn.red)).state).to.equal('INBOX');
    const r = await buyer.post(`/portal/e-fatura/gelen/${ettn.red}/yanit`, { yanit: 'RED', aciklama: 'Fiyat sipariş ile uyuşmuyor.' });
    const page = await buyer.follow(r.location!);
    expect(flashOf(page.text)).to.include('Faturaya RED yanıtı verildi');
    expect(page.text).to.include('RED EDILDI').and.include('RED: Fiyat sipariş ile uyuşmuyor.');
    expect((await incoming(ettn.red)).state).to.equal('REJECTED');
    await until('REJECTED at the seller', async () => ((await sellerState(ettn.red)) === 'REJECTED' ? true : undefined));
  });

  it('TEMELFATURA has no KABUL / RED: no buttons, and a posted answer is refused (4505)', async () => {
    const page = await buyer.get(`/portal/e-fatura/gelen/${ettn.temel}`);
    expect(page.text).to.include('KABUL / RED yanıtı yalnızca TICARIFATURA').and.not.include('value="KABUL"');
    const r = await buyer.post(`/portal/e-fatura/gelen/${ettn.temel}/yanit`, { yanit: 'KABUL' });
    expect(flashOf((await buyer.follow(r.location!)).text)).to.include('SADECE TICARIFATURA SENARYOSUNDAKI FATURALARA KABUL/RED').and.include('4505');
    expect((await incoming(ettn.temel)).state).to.equal('INBOX');
  });

  it('another company\'s incoming invoice is 404 on every page of it, and cannot be answered', async () => {
    const other = await portalLogin(world.base, world.gw.username, world.gw.password);
    for (const p of ['', '/gorsel', '/indir/ubl', '/indir/pdf', '/zarf']) {
      const r = await other.get(`/portal/e-fatura/gelen/${ettn.late}${p}`);
      expect(r.status, p).to.equal(404);
      expect(r.text, p).to.include('ARADIĞINIZ KAYIT BULUNAMADI').and.not.include(number.late!);
    }
    const post = await other.post(`/portal/e-fatura/gelen/${ettn.late}/yanit`, { yanit: 'RED', aciklama: 'x' });
    expect(post.status).to.equal(404);
    expect((await other.get('/portal/e-fatura/gelen')).text).to.not.include(number.late!);
    expect((await other.get('/portal/e-fatura/gelen/yok-boyle')).status).to.equal(404);
    expect((await incoming(ettn.late)).state).to.equal('INBOX');
  });

  it('after the 8 days: no buttons, the reason on the page; a posted KABUL is refused with the reason (4506)', async () => {
    offset = 9 * DAY;
    const late = await portalLogin(world.base, 'alici', TEST_PASSWORD); // the session of 9 days ago has ended
    const page = await late.get(`/portal/e-fatura/gelen/${ettn.late}`);
    expect(page.text).to.include('Yanıt süresi doldu').and.not.include('value="KABUL"');
    const r = await late.post(`/portal/e-fatura/gelen/${ettn.late}/yanit`, { yanit: 'KABUL' });
    const text = flashOf((await late.follow(r.location!)).text);
    expect(text).to.include('KABUL yanıtı verilemedi').and.include('YANIT SURESI DOLDU').and.include('8 GUNLUK SURE ASILDI').and.include('4506');
    expect((await incoming(ettn.late)).state).to.equal('INBOX');
    offset = 0;
  });

  it('a large inbox: newest first in keyset pages of the chosen size, none twice; a date range; ten years still paged', async () => {
    const t = await world.gw.createTenantUser('5555555555', 'kalabalik');
    const start = Date.parse('2024-03-01T09:00:00Z');
    const numbers: string[] = [];
    for (let i = 0; i < 45; i++) {
      const n = `KLB2024${String(i + 1).padStart(9, '0')}`;
      numbers.push(n);
      await insertIncomingInvoice(world.gw.gateway.db, {
        tenantId: t.id, machine: 'incoming-invoice', state: 'INBOX', context: { profileId: 'TEMELFATURA', deliveredAt: new Date(start + i * DAY).toISOString() },
        ettn: toEttn(randomUUID()), number: n, profileId: 'TEMELFATURA', typeCode: 'SATIS', issueDate: '2024-03-01', senderVkn: TEST_VKN, senderName: 'SATICI',
        senderAlias: 'urn:mail:gb', receiverAlias: 'urn:mail:pk', currency: 'TRY', payableAmount: '100.00', documentSha256: '0'.repeat(64),
        envelopeId: toEnvelopeId(randomUUID()), createdAt: new Date(start + i * DAY).toISOString(),
      });
    }
    const c = await portalLogin(world.base, 'kalabalik', TEST_PASSWORD);
    const seen: string[] = [];
    let p = await c.get('/portal/e-fatura/gelen?adet=20');
    for (let pages = 0; ; pages++) {
      expect(pages).to.be.below(3);
      seen.push(...[...p.text.matchAll(/>(KLB2024\d{9})</g)].map((m) => m[1]!));
      const next = /<a class="next" href="([^"]+)"/.exec(p.text)?.[1];
      if (!next) break;
      p = await c.get(next.replace(/&amp;/g, '&'));
    }
    expect(seen).to.deep.equal([...numbers].reverse());
    const range = await c.get('/portal/e-fatura/gelen?baslangic=2024-03-10&bitis=2024-03-12');
    expect([...range.text.matchAll(/>(KLB2024\d{9})</g)].map((m) => m[1])).to.deep.equal([numbers[11], numbers[10], numbers[9]]);
    const tenYears = await c.get('/portal/e-fatura/gelen?baslangic=2016-01-01&bitis=2025-12-31&adet=20');
    expect([...tenYears.text.matchAll(/>(KLB2024\d{9})</g)]).to.have.length(20);
    expect(tenYears.text).to.include('Sonraki Sayfa');
    const forged = await c.get('/portal/e-fatura/gelen?sayfa=bm90LWEtdG9rZW4');
    expect(forged.status).to.equal(400);
  });
});
