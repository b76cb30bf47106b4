/**
 * e-Fatura İptal Talepleri over HTTP (seed 004; src/portal/screens/cancel-requests.ts) against GİB's simulated
 * cancellation portal: a seller creates requests from the form (a wrong amount refused with a clear message), both
 * sides list them (the last 10 days by default, or a date range), the seller deletes a waiting one, the buyer
 * approves one (the invoice is cancelled on both sides) and rejects another; no other company can delete or decide.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type * as soap from 'soap';
import { toEttn } from '../../src/ids';
import { formatAmount } from '../../src/portal/html';
import type { SimCancelRequest } from '../../src/simulator/cancel-portal';
import { turkishDay } from '../../src/turkish-time';
import { OTHER_VKN, send, soapClient, TEST_PASSWORD, TEST_VKN } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { portalLogin, type PortalClient } from '../helpers/portal';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';

const DAY = 86_400_000;
const LIST = '/portal/e-fatura/iptal-talepleri';

function decoded(s: string): string {
  return s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function flashOf(page: string): string {
  return decoded(/<(div|p) class="flash (?:ok|error)"[^>]*>([\s\S]*?)<\/\1>/.exec(page)?.[2] ?? '');
}

/** The rows of one of the two lists: made (İptal Edilmesini Talep Ettiğiniz) or received (İptal Ettiğiniz). */
function rowsOf(page: string, kind: 'made' | 'received'): Array<{ id: string; number: string; state: string; selectable: boolean; cells: string }> {
  const table = new RegExp(`<table class="list cancel-requests ${kind}">([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  return [...table.matchAll(/<tr class="[^"]*" data-request="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: m[1]!,
    number: /<td class="number">([^<]*)</.exec(m[2]!)![1]!,
    state: /<td class="state">([^<]*)</.exec(m[2]!)![1]!,
    selectable: m[2]!.includes('name="talep"'),
    cells: decoded(m[2]!),
  }));
}

describe('portal: e-Fatura İptal Talepleri', function () {
  this.timeout(90_000);
  let world: PostBoxWorld;
  let seller: PortalClient;
  let buyer: PortalClient;
  let soapSeller: soap.Client;
  const invoices: Array<{ ettn: string; number: string; amount: string }> = [];

  const sellerRow = (ettn: string) => world.gw.gateway.db('invoices').where({ ettn }).first();
  const create = async (faturaNo: string, tutar: string) => {
    await seller.get(`${LIST}/yeni`);
    const r = await seller.post(`${LIST}/yeni`, { faturaNo, tutar });
    expect(r.status).to.equal(303);
    return seller.follow(r.location!);
  };

  before(async () => {
    world = await startPostBoxWorld();
    soapSeller = await soapClient(world.gw);
    for (let i = 0; i < 4; i++) {
      const ettn = randomUUID();
      const sent = await send(soapSeller, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn }));
      invoices.push({ ettn, number: sent.invoiceNumber, amount: '' });
    }
    for (const inv of invoices) {
      const row = await until(`${inv.number} delivered`, async () => {
        const r = await sellerRow(inv.ettn);
        return r?.state === 'DELIVERED' ? r : undefined;
      }, 60_000);
      inv.amount = String(row.payable_amount);
    }
    seller = await portalLogin(world.base, world.gw.username, world.gw.password);
    buyer = await portalLogin(world.base, 'alici', TEST_PASSWORD);
  });

  after(async () => {
    await world?.close();
  });

  it('the form of seed 004: Fatura No, Ödenecek Tutar, Talep Oluştur; a wrong amount is refused with a clear message and nothing reaches GİB', async () => {
    const form = await seller.get(`${LIST}/yeni`);
    expect(form.status).to.equal(200);
    expect(form.text).to.include('Fatura Bilgileri').and.include('name="faturaNo"').and.include('name="tutar"').and.include('Talep Oluştur');
    const [a] = invoices;
    const wrong = await create(a!.number, '1,00');
    expect(flashOf(wrong.text)).to.include(`${a!.number} NUMARALI FATURANIN ÖDENECEK TUTAR BİLGİSİ HATALI (1,00)`).and.include('4820');
    // The form keeps what was typed.
    expect(wrong.text).to.include(`value="${a!.number}"`).and.include('value="1,00"');
    const unknown = await create('XXX2020000000001', '1,00');
    expect(flashOf(unknown.text)).to.include('BELGE BULUNAMADI').and.include('4301');
    const malformed = await create('ABC', 'on lira');
    expect(flashOf(malformed.text)).to.include('Fatura No').and.include('4804');
    expect(world.sim.store.cancelRequests.all()).to.have.length(0);
  });

  it('creates requests (amount typed in Turkish or as the portal writes it): the seed\'s message, "Onay Bekliyor" in my list', async () => {
    for (const [i, inv] of invoices.entries()) {
      const typed = i % 2 === 0 ? formatAmount(inv.amount) : inv.amount;
      const page = await create(inv.number, typed);
      expect(flashOf(page.text), inv.number).to.equal(`${TEST_VKN} vergi / tc kimlik numaralı mükellefe ait ${inv.number} numaralı ${inv.amount} tutarındaki fatura için iptal talebi oluşturuldu.`);
    }
    const again = await create(invoices[0]!.number, invoices[0]!.amount);
    expect(flashOf(again.text)).to.include('onay bekleyen bir iptal talebi zaten var');
    expect(world.sim.store.cancelRequests.all()).to.have.length(4);

    const list = await seller.get(LIST);
    expect(list.text).to.include('İptal Edilmesini Talep Ettiğiniz Faturalar').and.include('İptal Ettiğiniz Faturalar');
    for (const h of ['Gönderen VKN/TCKN', 'Alan VKN/TCKN', 'ETTN', 'Fatura No', 'Fatura Tarihi', 'Tutar', 'Talep Zamanı', 'Durum', 'Onay Zamanı', 'Seç']) expect(list.text).to.include(`<th>${h}</th>`);
    const made = rowsOf(list.text, 'made');
    expect(made.map((r) => r.number).sort()).to.deep.equal(invoices.map((i) => i.number).sort());
    for (const r of made) {
      expect(r.state).to.equal('Onay Bekliyor');
      expect(r.selectable).to.equal(true);
      expect(r.cells).to.include(TEST_VKN).and.include(OTHER_VKN).and.match(/\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}/);
    }
    expect(made.find((r) => r.number === invoices[0]!.number)!.cells).to.include(invoices[0]!.ettn.toUpperCase()).and.include(`>${invoices[0]!.amount}<`);
    expect(rowsOf(list.text, 'received')).to.have.length(0);
    expect(list.text).to.include('Seçilen Talepleri Sil');
    // The buyer sees them made to it.
    const theirs = rowsOf((await buyer.get(LIST)).text, 'received');
    expect(theirs.map((r) => r.number).sort()).to.deep.equal(invoices.map((i) => i.number).sort());
    expect(theirs.every((r) => r.selectable)).to.equal(true);
  });

  it('lists the last 10 days by default; an older request appears when its date is in the chosen range; a range too long or reversed is refused', async () => {
    const today = turkishDay(new Date());
    const old = new Date(Date.now() - 20 * DAY);
    const oldId = randomUUID();
    // A request the seller made three weeks ago, as GİB's portal keeps it.
    world.sim.store.cancelRequests.add({
      id: oldId, senderVknTckn: TEST_VKN, receiverVknTckn: OTHER_VKN, ettn: randomUUID(), invoiceNumber: 'ESK2024000000001', invoiceDate: turkishDay(old),
      amount: '50.00', currency: 'TRY', requestedAt: old.toISOString(), state: 'Talep Reddedildi', decidedAt: old.toISOString(), envelopeId: randomUUID(),
      deliveredAt: old.toISOString(), deadline: old.toISOString(), signedRequestTime: old.toISOString(), requestDocument: Buffer.from('x'),
    } as SimCancelRequest);
    const byDefault = await seller.get(LIST);
    expect(byDefault.text).to.include(`name="baslangic" value="${turkishDay(new Date(Date.now() - 9 * DAY))}"`).and.include(`name="bitis" value="${today}"`);
    expect(rowsOf(byDefault.text, 'made').map((r) => r.number)).to.not.include('ESK2024000000001');
    const oldDay = turkishDay(old);
    const ranged = await seller.get(`${LIST}?baslangic=${oldDay}&bitis=${oldDay}`);
    expect(rowsOf(ranged.text, 'made').map((r) => [r.number, r.state, r.selectable])).to.deep.equal([['ESK2024000000001', 'Talep Reddedildi', false]]);
    const turkishForm = await seller.get(`${LIST}?baslangic=${oldDay.split('-').reverse().join('.')}&bitis=${today}`);
    expect(rowsOf(turkishForm.text, 'made')).to.have.length(5);
    const tooLong = await seller.get(`${LIST}?baslangic=2016-01-01&bitis=${today}`);
    expect(tooLong.status).to.equal(400);
    expect(flashOf(tooLong.text)).to.include('TARİH ARALIĞI GEÇERSİZ').and.include('4821');
    const reversed = await seller.get(`${LIST}?baslangic=${today}&bitis=${oldDay}`);
    expect(flashOf(reversed.text)).to.include('BAŞLANGIÇ TARİHİ BİTİŞ TARİHİNDEN SONRA');
  });

  it('no other company can delete or decide a request: each is 4509 and the request still waits', async () => {
    const list = rowsOf((await seller.get(LIST)).text, 'made');
    const target = list.find((r) => r.number === invoices[1]!.number)!;
    await world.gw.createTenantUser('4444444444', 'ucuncu');
    const stranger = await portalLogin(world.base, 'ucuncu', TEST_PASSWORD);
    await stranger.get(LIST);
    const attempts: Array<[PortalClient, string, Record<string, string>]> = [
      [buyer, `${LIST}/sil`, { talep: target.id }],
      [stranger, `${LIST}/sil`, { talep: target.id }],
      [stranger, `${LIST}/karar`, { talep: target.id, islem: 'onayla' }],
      [seller, `${LIST}/karar`, { talep: target.id, islem: 'onayla' }],
    ];
    for (const [client, path, form] of attempts) {
      await client.get(LIST);
      const r = await client.post(path, form);
      expect(flashOf((await client.follow(r.location!)).text), path).to.include('IPTAL TALEBI BULUNAMADI').and.include('4509');
    }
    expect(world.sim.store.cancelRequests.get(target.id)!.state).to.equal('Onay Bekliyor');
    expect(rowsOf((await stranger.get(LIST)).text, 'made')).to.have.length(0);
  });

  it('Seçilen Talepleri Sil: the seller withdraws a waiting request; it leaves the lists and the invoice stays', async () => {
    const page = await seller.get(LIST);
    const target = rowsOf(page.text, 'made').find((r) => r.number === invoices[0]!.number)!;
    const none = await seller.post(`${LIST}/sil`, {});
    expect(flashOf((await seller.follow(none.location!)).text)).to.include('en az bir talep seçiniz');
    await seller.get(LIST);
    const r = await seller.post(`${LIST}/sil`, { talep: target.id });
    const after = await seller.follow(r.location!);
    expect(flashOf(after.text)).to.equal(`${invoices[0]!.number} numaralı fatura için iptal talebi silindi (Silindi).`);
    expect(rowsOf(after.text, 'made').map((x) => x.number)).to.not.include(invoices[0]!.number);
    expect(rowsOf((await buyer.get(LIST)).text, 'received').map((x) => x.number)).to.not.include(invoices[0]!.number);
    expect(world.sim.store.cancelRequests.get(target.id)!.state).to.equal('Silindi');
    const own = await world.gw.gateway.db('cancel_requests').whereRaw('lower(portal_id) = ?', [target.id.toLowerCase()]).first();
    expect(own.state).to.equal('DELETED');
    expect((await sellerRow(invoices[0]!.ettn)).state).to.equal('DELIVERED');
    // Deleted: it can be deleted no more.
    await seller.get(LIST);
    const twice = await seller.post(`${LIST}/sil`, { talep: target.id });
    expect(flashOf((await seller.follow(twice.location!)).text)).to.include('Onay Bekliyor').and.include('4504');
  });

  it('the buyer approves one (the invoice is cancelled at the seller and in the buyer\'s inbox) and rejects another', async () => {
    const page = await buyer.get(LIST);
    const received = rowsOf(page.text, 'received');
    const approve = received.find((r) => r.number === invoices[1]!.number)!;
    const reject = received.find((r) => r.number === invoices[2]!.number)!;
    expect(page.text).to.include('Seçilen Talepleri Onayla').and.include('Seçilen Talepleri Reddet');
    const r1 = await buyer.post(`${LIST}/karar`, { talep: approve.id, islem: 'onayla' });
    expect(flashOf((await buyer.follow(r1.location!)).text)).to.include(`${invoices[1]!.number} numaralı fatura için iptal talebi onaylandı, fatura iptal edildi (Fatura İptal Edildi).`);
    await buyer.get(LIST);
    const r2 = await buyer.post(`${LIST}/karar`, { talep: reject.id, islem: 'reddet' });
    expect(flashOf((await buyer.follow(r2.location!)).text)).to.include('reddedildi (Talep Reddedildi)');

    const copy = await world.gw.gateway.services.inbox.getIncoming(world.buyerTenant.id, toEttn(invoices[1]!.ettn));
    expect(copy.state).to.equal('CANCELLED');
    await until('the seller\'s invoice CANCELLED', async () => ((await sellerRow(invoices[1]!.ettn)).state === 'CANCELLED' ? true : undefined));
    expect((await sellerRow(invoices[2]!.ettn)).state).to.equal('DELIVERED');
    const mine = rowsOf((await seller.get(LIST)).text, 'made');
    const approved = mine.find((r) => r.number === invoices[1]!.number)!;
    expect(approved.state).to.equal('Fatura İptal Edildi');
    expect(approved.selectable).to.equal(false);
    expect(approved.cells).to.match(/<td>\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}<\/td><td><\/td>$/);
    expect(mine.find((r) => r.number === invoices[2]!.number)!.state).to.equal('Talep Reddedildi');
  });
});
