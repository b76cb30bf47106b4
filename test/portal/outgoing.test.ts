/**
 * The outgoing lists of the portal over HTTP (src/portal/screens/efatura-outbox.ts, earsiv.ts, invoice-detail.ts,
 * src/portal/list.ts, export.ts), as a browser without scripts uses them: e-Logo's columns, filters, orders, keyset
 * pages (a ten-year range is one bounded page at a time), the e-Arşiv tabs, Durum Sorgula, İptal Et through its
 * confirmation (refused with the service's reason for a pending or errored invoice), the invoice's page with its
 * history and sandboxed visual, the CSV export and its escaping, and another tenant's invoice as a 404. Real
 * invoices go through the real flow (GİB's simulator, the daily e-Arşiv report); the many rows paging needs are
 * written straight into the database.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Response } from 'express';
import type * as soap from 'soap';
import { csvCell, streamCsv } from '../../src/portal/export';
import { OTHER_VKN, soapClient, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';
import { PortalClient, portalLogin } from '../helpers/portal';

const HTML_NAME = `<script>alert("x")</script> "Ali"; Veli & Oğul`;
const FORMULA_NAME = '=HYPERLINK("http://kotu.example";"tikla")';
const UUID_IN_LINK = (base: string) => new RegExp(`href="${base.replace(/\//g, '\\/')}\\/([0-9a-f-]{36})"`, 'g');

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The ETTNs a list page links to, in the page's order. */
function listed(page: string, base: string): string[] {
  return [...page.matchAll(UUID_IN_LINK(base))].map((m) => m[1]!);
}

/** The href of a link by its text (HTML-unescaped). */
function linkTo(page: string, text: string): string | null {
  const m = new RegExp(`<a [^>]*href="([^"]+)"[^>]*>${text}</a>`).exec(page);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
}

describe('portal: e-Fatura and e-Arşiv Giden Kutusu, invoice page, export', function () {
  this.timeout(90_000);
  let world: PostBoxWorld;
  let gw: TestGateway;
  let c: PortalClient;
  let native: soap.Client;
  const sent = { htmlName: '', formula: '', earsiv1: '', earsiv2: '' };
  const direct = { pending: '', failed: '', otherTenant: '', paged: [] as Array<{ ettn: string; number: string; created: string; issued: string; receiver: string }> };

  async function insertOutgoing(tenantId: number, r: { ettn: string; number: string; kind: 'EFATURA' | 'EARSIV'; state: string; created: string; issued: string; receiver: string; name: string; context?: object }) {
    await gw.testDb.db('invoices').insert({
      tenant_id: tenantId,
      machine: r.kind === 'EARSIV' ? 'earsiv-invoice' : 'efatura-invoice',
      state: r.state,
      version: 3,
      ettn: r.ettn,
      invoice_number: r.number,
      kind: r.kind,
      profile_id: r.kind === 'EARSIV' ? 'EARSIVFATURA' : 'TEMELFATURA',
      type_code: 'SATIS',
      issue_date: r.issued,
      receiver_id: r.receiver,
      receiver_name: r.name,
      currency: 'TRY',
      payable_amount: '118.00',
      received_sha256: 'a'.repeat(64),
      document_sha256: 'a'.repeat(64),
      caller_signed: false,
      context: JSON.stringify(r.context ?? {}),
      created_at: r.created,
      updated_at: r.created,
    });
    return (await gw.testDb.db('invoices').where({ tenant_id: tenantId, ettn: r.ettn }).first('id')).id as number;
  }

  before(async () => {
    world = await startPostBoxWorld();
    gw = world.gw;
    native = await soapClient(gw);
    // GİB's user list once, before SendInvoice's receiver check needs it (retried: the client's timeout is short here).
    await until('user list', () => gw.gateway.services.gib!.users.sync({ force: true }).then(() => true));
    const send = async (xml: string) => {
      const [r] = await native.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64') });
      return String(r.invoice.ettn);
    };
    const efatura = (name: string) => makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }).replace('Alıcı Limited Şirketi', xmlText(name));
    sent.htmlName = await send(efatura(HTML_NAME));
    sent.formula = await send(efatura(FORMULA_NAME));
    sent.earsiv1 = await send(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111' }));
    sent.earsiv2 = await send(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111' }));

    // Ten years of e-Fatura invoices (2016–2025), created in one order and issued in the reverse one.
    const tenant = gw.tenant.id;
    for (let i = 0; i < 45; i++) {
      const created = new Date(Date.parse('2016-01-10T09:00:00Z') + i * 80 * 86_400_000).toISOString();
      const issued = new Date(Date.parse('2025-12-20T00:00:00Z') - i * 80 * 86_400_000).toISOString().slice(0, 10);
      const row = { ettn: randomUUID(), number: `PGN${created.slice(0, 4)}${String(i + 1).padStart(9, '0')}`, created, issued, receiver: i % 3 === 0 ? '1111111111' : '2222222222' };
      direct.paged.push(row);
      await insertOutgoing(tenant, { ...row, kind: 'EFATURA', state: i % 5 === 0 ? 'AWAITING_RECEIVER' : 'DELIVERED', name: `FIRMA ${i}` });
    }
    // e-Arşiv invoices that stay where they are (nothing queued for them): one in progress, one failed.
    direct.pending = randomUUID();
    await insertOutgoing(tenant, { ettn: direct.pending, number: 'BEK2026000000001', kind: 'EARSIV', state: 'PROCESSED', created: '2026-11-01T08:00:00Z', issued: '2026-11-01', receiver: '11111111111', name: 'BEKLEYEN ALICI' });
    direct.failed = randomUUID();
    const failedId = await insertOutgoing(tenant, {
      ettn: direct.failed, number: 'HTL2026000000001', kind: 'EARSIV', state: 'ERROR', created: '2026-11-02T08:00:00Z', issued: '2026-11-02', receiver: '11111111111', name: 'HATALI ALICI',
      context: { code: 1163, codeDescription: 'FATURA GECERSIZ' },
    });
    await gw.testDb.db('state_history').insert({ machine: 'earsiv-invoice', entity_id: failedId, version: 3, from_state: 'REPORTED', to_state: 'ERROR', event: 'REPORT_REJECTED', actor: 'gib', reason: 'e-Arsiv raporu reddedildi: <b>ALICI TCKN GECERSIZ</b>', code: 1163, at: '2026-11-02T09:00:00Z' });
    // An invoice of the buyer (another tenant) that this tenant must never see.
    direct.otherTenant = randomUUID();
    await insertOutgoing(world.buyerTenant.id, { ettn: direct.otherTenant, number: 'OTH2026000000001', kind: 'EFATURA', state: 'DELIVERED', created: '2026-11-03T08:00:00Z', issued: '2026-11-03', receiver: TEST_VKN, name: 'BASKA FIRMA' });

    // The real ones: the e-Arşiv invoices to Başarılı (the daily report, accepted by GİB), the e-Fatura enveloped.
    await until('e-Arşiv Başarılı', async () => {
      const states = await gw.testDb.db('invoices').whereIn('ettn', [sent.earsiv1, sent.earsiv2]).pluck('state');
      return states.length === 2 && states.every((s) => s === 'SUCCESS') ? true : undefined;
    });
    await until('e-Fatura enveloped', async () => ((await gw.testDb.db('invoices').whereIn('ettn', [sent.htmlName, sent.formula]).whereNotNull('envelope_id')).length === 2 ? true : undefined));
    c = await portalLogin(world.base, gw.username, gw.password);
  });
  after(async () => world?.close());

  describe('e-Fatura Giden Kutusu', () => {
    const base = '/portal/e-fatura/giden';

    it('lists the sent e-Fatura invoices with e-Logo\'s columns, the envelope, and HTML in a name escaped', async () => {
      const r = await c.get(base);
      expect(r.status).to.equal(200);
      for (const h of ['Fatura No', 'ETTN', 'Alıcı VKN/TCKN', 'Alıcı', 'Tarih', 'Tutar', 'Durum', 'Zarf', 'Son Güncelleme', 'Listele', 'İlk Sayfa', "Excel'e Aktar"]) expect(r.text, h).to.include(h);
      const ettns = listed(r.text, base);
      expect(ettns).to.include.members([sent.htmlName, sent.formula]);
      expect(ettns).to.not.include(sent.earsiv1);
      expect(ettns).to.not.include(direct.otherTenant);
      expect(r.text).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;Ali&quot;; Veli &amp; Oğul');
      expect(r.text).to.not.include('<script>alert');
      const envelope = (await gw.testDb.db('invoices').where({ ettn: sent.htmlName }).first('envelope_id')).envelope_id as string;
      expect(r.text).to.include(envelope.toUpperCase());
      // Newest first by creation: today's two before the ten years of older ones.
      expect(ettns.slice(0, 2)).to.have.members([sent.htmlName, sent.formula]);
    });

    it('a ten-year date range is paged and bounded: pages of the chosen size, followed by their keyset tokens to the end', async () => {
      const seen: string[] = [];
      let r = await c.get(`${base}?baslangic=2016-01-01&bitis=2025-12-31&boyut=20`);
      const sizes: number[] = [];
      for (let i = 0; i < 5; i++) {
        expect(r.status).to.equal(200);
        const page = listed(r.text, base);
        sizes.push(page.length);
        seen.push(...page);
        const next = linkTo(r.text, 'Sonraki Sayfa');
        if (!next) break;
        expect(next).to.match(/[?&]sayfa=[A-Za-z0-9_-]+/).and.include('boyut=20').and.include('baslangic=2016-01-01');
        r = await c.get(next);
        expect(r.text).to.include(`Sayfa ${i + 2}`);
        expect(linkTo(r.text, 'İlk Sayfa')).to.equal(`${base}?baslangic=2016-01-01&bitis=2025-12-31&boyut=20`);
      }
      expect(sizes).to.deep.equal([20, 20, 5]);
      expect(new Set(seen).size).to.equal(45);
      const byCreated = [...direct.paged].sort((a, b) => b.created.localeCompare(a.created)).map((p) => p.ettn);
      expect(seen).to.deep.equal(byCreated);
    });

    it('orders by issue date or, for a series, by number; a number order without a prefix is refused with the reason', async () => {
      const byIssue = listed((await c.get(`${base}?baslangic=2016-01-01&bitis=2025-12-31&tarihTuru=fatura&boyut=50`)).text, base);
      const expected = [...direct.paged].sort((a, b) => b.issued.localeCompare(a.issued)).map((p) => p.ettn);
      expect(byIssue).to.deep.equal(expected);
      expect(byIssue).to.not.deep.equal([...expected].reverse());
      const byNumber = await c.get(`${base}?onek=pgn&siralama=numara&boyut=50`);
      expect(byNumber.text).to.include('Sıralama: Fatura No (büyükten küçüğe)');
      expect(listed(byNumber.text, base)).to.deep.equal([...direct.paged].sort((a, b) => b.number.localeCompare(a.number)).map((p) => p.ettn));
      const refused = await c.get(`${base}?siralama=numara`);
      expect(refused.status).to.equal(400);
      expect(refused.text).to.include('Fatura No sıralaması').and.include('4804').and.include('Listele');
    });

    it('filters by receiver, number prefix, state and dates; a wrong field is named and the form kept', async () => {
      const receiver = listed((await c.get(`${base}?alici=1111111111&boyut=50`)).text, base);
      expect(receiver).to.have.members(direct.paged.filter((p) => p.receiver === '1111111111').map((p) => p.ettn));
      const prefix = listed((await c.get(`${base}?onek=PGN2016&boyut=50`)).text, base);
      expect(prefix).to.have.members(direct.paged.filter((p) => p.number.startsWith('PGN2016')).map((p) => p.ettn));
      const waiting = listed((await c.get(`${base}?durum=AWAITING_RECEIVER&boyut=50`)).text, base);
      expect(waiting).to.have.members(direct.paged.filter((_, i) => i % 5 === 0).map((p) => p.ettn));
      const oneYear = listed((await c.get(`${base}?baslangic=01.01.2020&bitis=31.12.2020&boyut=50`)).text, base);
      expect(oneYear).to.have.members(direct.paged.filter((p) => p.created.startsWith('2020')).map((p) => p.ettn));
      const bad = await c.get(`${base}?baslangic=2026-02-30&alici=12ab`);
      expect(bad.status).to.equal(400);
      expect(bad.text).to.include('Başlangıç Tarihi').and.include('4804');
      expect(bad.text).to.include('value="12ab"');
      const token = await c.get(`${base}?sayfa=bm90LWEtdG9rZW4`);
      expect(token.status).to.equal(400);
      expect(token.text).to.include('4004');
    });

    it('the invoice\'s page: summary, state history, envelope, downloads and the visual in a sandboxed frame under its own CSP', async () => {
      const r = await c.get(`${base}/${sent.htmlName}`);
      expect(r.status).to.equal(200);
      expect(r.text).to.include('Durum Geçmişi').and.include('KUYRUGA ALINDI').and.include('erp-user').and.include('Zarf');
      expect(r.text).to.include('&lt;script&gt;alert(&quot;x&quot;)').and.not.include('<script>alert');
      expect(r.text).to.match(/<iframe class="visual" sandbox="" src="\/portal\/e-fatura\/giden\/[0-9a-f-]{36}\/gorsel"/);
      const visual = await c.get(`${base}/${sent.htmlName}/gorsel`);
      expect(visual.status).to.equal(200);
      expect(visual.headers.get('content-type')).to.match(/^text\/html/);
      const csp = visual.headers.get('content-security-policy')!;
      expect(csp).to.include("default-src 'none'").and.include('sandbox').and.not.include("script-src 'self'");
      expect(visual.text).to.not.include('<script>alert');
      const ubl = await c.get(`${base}/${sent.htmlName}/ubl`);
      expect(ubl.status).to.equal(200);
      expect(ubl.headers.get('content-disposition')).to.match(/^attachment; filename="[A-Z0-9]+\.xml"$/);
      expect(ubl.text).to.include('ds:Signature');
      expect(ubl.text.toLowerCase()).to.include(sent.htmlName);
    });

    it('another tenant\'s invoice, an e-Arşiv invoice under e-Fatura and a malformed ETTN are 404 on every route', async () => {
      for (const p of [direct.otherTenant, `${direct.otherTenant}/gorsel`, `${direct.otherTenant}/ubl`, `${direct.otherTenant}/pdf`, sent.earsiv1, 'not-an-ettn', `${randomUUID()}/gorsel`]) {
        const r = await c.get(`${base}/${p}`);
        expect(r.status, p).to.equal(404);
        expect(r.text, p).to.include('ARADIĞINIZ KAYIT BULUNAMADI').and.include('4803');
      }
      const other = await portalLogin(world.base, 'alici', gw.password);
      expect((await other.get(`${base}/${direct.otherTenant}`)).status).to.equal(200);
      expect((await other.get(`${base}/${sent.htmlName}`)).status).to.equal(404);
    });

    it('Excel\'e Aktar: the list as filtered, every page, UTF-8 BOM, ";" cells, quotes, line breaks and formulas defused', async () => {
      const r = await c.request('GET', `${base}/excel?alici=${OTHER_VKN}&boyut=20`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(r.headers.get('content-disposition')).to.match(/^attachment; filename="e-fatura-giden-\d{4}-\d{2}-\d{2}\.csv"$/);
      const raw = await fetch(world.base + `${base}/excel?alici=${OTHER_VKN}`, { headers: { cookie: `oe_portal=${c.cookies.get('oe_portal')}` } });
      const bytes = Buffer.from(await raw.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      const lines = r.text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      expect(lines[0]).to.equal('Fatura No;ETTN;Alıcı VKN/TCKN;Alıcı;Fatura Tarihi;Tutar;Para Birimi;Durum Kodu;Durum Açıklaması;Zarf;Oluşturma;Son Güncelleme');
      expect(lines).to.have.length(3);
      expect(r.text).to.include(`;"<script>alert(""x"")</script> ""Ali""; Veli & Oğul";`);
      expect(r.text).to.include(`;"'=HYPERLINK(""http://kotu.example"";""tikla"")";`);
      const all = await c.request('GET', `${base}/excel?baslangic=2016-01-01&bitis=2025-12-31&boyut=20`);
      expect(all.text.split('\r\n').filter(Boolean)).to.have.length(46); // not one page: the whole filtered list
      expect(all.text).to.include(';118,00;TRY;');
    });
  });

  describe('e-Arşiv Giden Kutusu', () => {
    const base = '/portal/e-arsiv/giden';

    it('the tabs: Henüz Sonuçlanmamış, Başarılı in green, Hatalı in red with the error text; checkboxes with select-all', async () => {
      const pending = await c.get(base);
      expect(pending.status).to.equal(200);
      expect(pending.text).to.include('Henüz Sonuçlanmamış').and.include('Başarılı').and.include('Hatalı');
      expect(pending.text).to.match(/<a class="active" href="[^"]*"[^>]* aria-current="page">Henüz Sonuçlanmamış<\/a>/);
      expect(listed(pending.text, base)).to.deep.equal([direct.pending]);
      expect(pending.text).to.include('data-select-all="secili"').and.include(`name="secili" value="${direct.pending}"`);
      expect(pending.text).to.include('Durum Sorgula').and.include('İptal Et').and.include('E-posta');

      // The buyer's e-mail delivery (eArsivMailing), once its job has looked at the invoice: no address in this one.
      await until('mail delivery', async () => ((await gw.testDb.db('invoice_mails').join('invoices', 'invoices.id', 'invoice_mails.invoice_id').where('invoices.ettn', sent.earsiv1)).length ? true : undefined));
      const ok = await c.get(`${base}?sekme=basarili`);
      expect(ok.text).to.include('<td>Fatura: E-posta adresi yok</td>');
      expect(listed(ok.text, base)).to.include.members([sent.earsiv1, sent.earsiv2]);
      expect(listed(ok.text, base)).to.not.include(direct.pending);
      expect(ok.text).to.match(/<a class="tab-ok active"/);
      expect(ok.text).to.match(/<tr class="ok"><td><input type="checkbox" name="secili"/);
      expect(ok.text).to.include('1300 BASARILI');
      // The state filter offers the tab's own states only.
      expect(ok.text).to.include('<option value="SUCCESS">1300 BASARILI</option>').and.include('<option value="CANCELLED">').and.not.include('<option value="PROCESSED">');

      const failed = await c.get(`${base}?sekme=hatali`);
      expect(listed(failed.text, base)).to.deep.equal([direct.failed]);
      expect(failed.text).to.match(/<a class="tab-error active"/);
      expect(failed.text).to.include('Hata Açıklaması').and.include('<tr class="error">');
      expect(failed.text).to.include('e-Arsiv raporu reddedildi: &lt;b&gt;ALICI TCKN GECERSIZ&lt;/b&gt;');
      expect(failed.text).to.include('1163 FATURA GECERSIZ');
    });

    it('Durum Sorgula shows each selected invoice\'s tab, code and description, back on the page it came from', async () => {
      await c.get(`${base}?sekme=basarili`);
      const back = `${base}?sekme=basarili`;
      const r = await c.post(`${base}/durum-sorgula`, { secili: [sent.earsiv1, direct.pending, direct.failed], donus: back });
      expect(r.status).to.equal(303);
      expect(r.location).to.equal(back);
      const page = await c.get(r.location!);
      const number = (await gw.testDb.db('invoices').where({ ettn: sent.earsiv1 }).first('invoice_number')).invoice_number;
      expect(page.text).to.include(`${number}: Başarılı — 1300 BASARILI`);
      expect(page.text).to.include('BEK2026000000001: Henüz Sonuçlanmamış — 20 ISLENDI');
      expect(page.text).to.include('HTL2026000000001: Hatalı — 1163 FATURA GECERSIZ');
      // Nothing selected: said so; a foreign return address is not followed.
      const none = await c.post(`${base}/durum-sorgula`, { donus: 'https://kotu.example/' });
      expect(none.location).to.equal(base);
      expect((await c.get(base)).text).to.include('Lütfen en az bir fatura seçiniz');
    });

    it('İptal Et on a pending or a failed invoice: the confirmation, then refused with the service\'s reason and code', async () => {
      for (const [ettn, durum] of [[direct.pending, 'HENUZ SONUCLANMAMIS'], [direct.failed, 'HATALI']] as const) {
        await c.get(base);
        const confirm = await c.post(`${base}/iptal`, { secili: ettn, donus: base });
        expect(confirm.status).to.equal(200);
        expect(confirm.text).to.include('Faturanız İptal Edilecektir');
        const done = await c.post(`${base}/iptal/onay`, { secili: ettn, donus: base, karar: 'evet' });
        expect(done.status).to.equal(303);
        const page = await c.get(done.location!);
        expect(page.text).to.include(`FATURA IPTAL EDILEMEZ: SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: ${durum}) (4508)`);
        expect(page.text).to.match(/class="flash error"/);
      }
      const states = await gw.testDb.db('invoices').whereIn('ettn', [direct.pending, direct.failed]).orderBy('invoice_number').pluck('state');
      expect(states).to.deep.equal(['PROCESSED', 'ERROR']);
    });

    it('İptal Et on a Başarılı invoice: "Faturanız İptal Edilecektir" with Evet / Vazgeç, then cancelled; Vazgeç changes nothing', async () => {
      const back = `${base}?sekme=basarili`;
      await c.get(back);
      const confirm = await c.post(`${base}/iptal`, { secili: sent.earsiv1, donus: back });
      expect(confirm.status).to.equal(200);
      expect(confirm.text).to.include('Faturanız İptal Edilecektir').and.include('>Evet</button>').and.include('>Vazgeç</a>');
      expect(confirm.text).to.include(`action="${base}/iptal/onay"`).and.include(`<input type="hidden" name="secili" value="${sent.earsiv1}">`);
      expect(linkTo(confirm.text, 'Vazgeç')).to.equal(back);
      // Vazgeç posted as a form (no karar): nothing happens.
      await c.post(`${base}/iptal/onay`, { secili: sent.earsiv1, donus: back });
      expect((await gw.testDb.db('invoices').where({ ettn: sent.earsiv1 }).first('state')).state).to.equal('SUCCESS');

      const done = await c.post(`${base}/iptal/onay`, { secili: sent.earsiv1, donus: back, karar: 'evet' });
      expect(done.location).to.equal(back);
      const page = await c.get(back);
      expect(page.text).to.include('İPTAL EDİLDİ — 1235 IPTAL EDILDI, RAPORLANACAK').and.match(/class="flash ok"/);
      const [s] = await native.GetStatusAsync({ ettn: sent.earsiv1 });
      expect(s.invoice.state).to.equal('CANCELLED');
      expect(page.text).to.include('IPTAL EDILDI');
      // The history says who cancelled it; the visual carries the İPTAL stamp.
      const detail = await c.get(`${base}/${sent.earsiv1}`);
      expect(detail.text).to.include('CANCEL').and.include('e-Arsiv fatura iptal edildi');
      const visual = await c.get(`${base}/${sent.earsiv1}/gorsel`);
      expect(visual.status).to.equal(200);
      expect(visual.text).to.include('İPTAL');
      const pdf = await fetch(`${world.base}${base}/${sent.earsiv1}/pdf`, { headers: { cookie: `oe_portal=${c.cookies.get('oe_portal')}` } });
      expect(pdf.status).to.equal(200);
      expect(pdf.headers.get('content-type')).to.equal('application/pdf');
      expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).to.equal('%PDF-');
    });

    it('another tenant\'s or an e-Fatura ETTN in a selection is 404; a cancel without the CSRF token is refused', async () => {
      await c.get(base);
      expect((await c.post(`${base}/iptal`, { secili: direct.otherTenant, donus: base })).status).to.equal(404);
      expect((await c.post(`${base}/iptal/onay`, { secili: sent.htmlName, donus: base, karar: 'evet' })).status).to.equal(404);
      expect((await c.get(`${base}/${sent.htmlName}`)).status).to.equal(404);
      const noToken = await c.request('POST', `${base}/iptal/onay`, { form: { secili: sent.earsiv2, karar: 'evet' } });
      expect(noToken.status).to.equal(403);
      expect((await gw.testDb.db('invoices').where({ ettn: sent.earsiv2 }).first('state')).state).to.equal('SUCCESS');
    });

    it('the e-Arşiv export follows the tab', async () => {
      const r = await c.get(`${base}/excel?sekme=hatali`);
      expect(r.headers.get('content-disposition')).to.include('e-arsiv-giden-hatali-');
      const lines = r.text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      expect(lines).to.have.length(2);
      expect(lines[0]).to.include(';Sekme;');
      expect(lines[1]).to.include('HTL2026000000001').and.include(';1163;FATURA GECERSIZ;Hatalı;');
    });
  });

  describe('CSV cells and the export bound', () => {
    it('defuses formulas and quotes separators, quotes and line breaks', () => {
      expect(csvCell('=1+2')).to.equal("'=1+2");
      expect(csvCell('+90 555')).to.equal("'+90 555");
      expect(csvCell('-5')).to.equal("'-5");
      expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
      expect(csvCell('\t=1')).to.equal("'\t=1");
      expect(csvCell('a;b')).to.equal('"a;b"');
      expect(csvCell('a"b')).to.equal('"a""b"');
      expect(csvCell('a\nb')).to.equal('"a\nb"');
      expect(csvCell('=a;"b"')).to.equal(`"'=a;""b"""`);
      expect(csvCell('ŞİRKET A.Ş.')).to.equal('ŞİRKET A.Ş.');
      expect(csvCell(null)).to.equal('');
    });

    it('stops at the row limit and says so in the file; reads no page past it', async () => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (d: Buffer) => chunks.push(d));
      const headers: Record<string, string> = {};
      const res = Object.assign(out, { status: () => res, setHeader: (k: string, v: string) => void (headers[k.toLowerCase()] = v) }) as unknown as Response;
      let pagesRead = 0;
      async function* pages() {
        for (let p = 0; p < 100; p++) {
          pagesRead++;
          yield Array.from({ length: 10 }, (_, i) => `satir-${p * 10 + i}`);
        }
      }
      const result = await streamCsv(res, { fileName: 'x.csv', header: ['Ad'], pages: pages(), cells: (s: string) => [s], maxRows: 25 });
      expect(result).to.deep.equal({ rows: 25, cut: true });
      expect(pagesRead).to.equal(3);
      const text = Buffer.concat(chunks).toString('utf8');
      const lines = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
      expect(lines).to.have.length(27);
      expect(lines[26]).to.include('Liste 25 satırla sınırlandı');
      expect(headers['content-type']).to.equal('text/csv; charset=utf-8');
    });
  });
});
