/**
 * The e-Arşiv cancel flow of seed 000 in a real browser (headless Debian chromium through playwright-core): log in,
 * send an e-Arşiv invoice over SOAP, follow it in the e-Arşiv Giden Kutusu with Durum Sorgula until it is in the
 * Başarılı tab (green), cancel it through "Faturanız İptal Edilecektir", see it cancelled and its visual with the
 * İPTAL stamp; a pending one is refused with the reason; the Hatalı tab (red) with the error text. Screenshots of
 * the e-Fatura Giden Kutusu, each e-Arşiv tab, the confirmation and the invoice's page.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { OTHER_VKN, soapClient, TEST_VKN } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';
import { browserLogin, launchBrowser, screenshot } from '../helpers/portal';

describe('portal in a browser: e-Arşiv Giden Kutusu, Durum Sorgula, İptal Et (seed 000)', function () {
  this.timeout(120_000);
  let world: PostBoxWorld;
  let browser: Browser;
  let page: Page;
  let earsiv: string;
  let efatura: string;
  const pending = randomUUID();
  const failed = randomUUID();
  const othersInvoice = randomUUID();

  async function insertEarsiv(ettn: string, number: string, state: string, context: object, tenantId = world.gw.tenant.id) {
    const db = world.gw.testDb.db;
    await db('invoices').insert({
      tenant_id: tenantId, machine: 'earsiv-invoice', state, version: 3, ettn, invoice_number: number, kind: 'EARSIV', profile_id: 'EARSIVFATURA',
      type_code: 'SATIS', issue_date: '2026-11-02', receiver_id: '11111111111', receiver_name: 'AYŞE YILMAZ', currency: 'TRY', payable_amount: '236.00',
      received_sha256: 'b'.repeat(64), document_sha256: 'b'.repeat(64), caller_signed: false, context: JSON.stringify(context), created_at: '2026-11-02T08:00:00Z', updated_at: '2026-11-02T08:00:00Z',
    });
    return (await db('invoices').where({ ettn }).first('id')).id as number;
  }

  before(async () => {
    world = await startPostBoxWorld();
    browser = await launchBrowser();
    await until('user list', () => world.gw.gateway.services.gib!.users.sync({ force: true }).then(() => true));
    // Two that stay where they are, for the other tabs: one in progress, one GİB refused.
    await insertEarsiv(pending, 'BEK2026000000007', 'PROCESSED', {});
    const id = await insertEarsiv(failed, 'HTL2026000000007', 'ERROR', { code: 1163, codeDescription: 'ALICI TCKN GECERSIZ' });
    await world.gw.testDb.db('state_history').insert({ machine: 'earsiv-invoice', entity_id: id, version: 3, from_state: 'REPORTED', to_state: 'ERROR', event: 'REPORT_REJECTED', actor: 'gib', reason: 'e-Arsiv raporu reddedildi: ALICI TCKN GECERSIZ', code: 1163, at: '2026-11-02T09:00:00Z' });
    await insertEarsiv(othersInvoice, 'OTH2026000000007', 'SUCCESS', {}, world.buyerTenant.id);
    ({ page } = await browserLogin(browser, world.base, world.gw.username, world.gw.password));
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  it('sends an e-Fatura and an e-Arşiv invoice over SOAP; the e-Fatura Giden Kutusu lists the first', async () => {
    const client = await soapClient(world.gw);
    const send = async (xml: string) => String((await client.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64') }))[0].invoice.ettn);
    efatura = await send(makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }));
    earsiv = await send(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111' }));
    await page.click('nav.menu a[href="/portal/e-fatura/giden"]');
    await page.waitForSelector(`a[href="/portal/e-fatura/giden/${efatura}"]`);
    expect(await page.locator('table.outbox th').allTextContents()).to.deep.equal(['Fatura No', 'ETTN', 'Alıcı VKN/TCKN', 'Alıcı', 'Tarih', 'Tutar', 'Durum', 'Zarf', 'Son Güncelleme']);
    await screenshot(page, '20-efatura-giden');
  });

  it('follows the e-Arşiv invoice with Durum Sorgula until it is Başarılı (green)', async () => {
    await page.click('nav.menu a[href="/portal/e-arsiv/giden"]');
    expect(await page.textContent('.tabs a.active')).to.equal('Henüz Sonuçlanmamış');
    expect(await page.locator(`input[name=secili][value="${pending}"]`).count()).to.equal(1);
    await screenshot(page, '21-earsiv-giden-sonuclanmamis');
    await until('Başarılı', async () => {
      await page.click('.tabs a:has-text("Başarılı")');
      const box = page.locator(`input[name=secili][value="${earsiv}"]`);
      if ((await box.count()) === 0) {
        await page.click('.tabs a:has-text("Henüz Sonuçlanmamış")');
        const waiting = page.locator(`input[name=secili][value="${earsiv}"]`);
        if ((await waiting.count()) === 1) {
          await waiting.check();
          await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Durum Sorgula")')]);
        }
        await page.waitForTimeout(300);
        return undefined;
      }
      await box.check();
      await Promise.all([page.waitForURL(/sekme=basarili/), page.click('button:has-text("Durum Sorgula")')]);
      return (await page.textContent('.flash.ok'))?.includes('Başarılı — 1300 BASARILI') ? true : undefined;
    }, 60_000);
    const row = page.locator('tr', { has: page.locator(`input[value="${earsiv}"]`) });
    expect(await row.getAttribute('class')).to.equal('ok');
    expect(await row.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor)).to.equal('rgb(226, 244, 228)');
    await screenshot(page, '22-earsiv-giden-basarili');
  });

  it('the Hatalı tab: red, with the error text', async () => {
    await page.click('.tabs a:has-text("Hatalı")');
    const row = page.locator('tr', { has: page.locator(`input[value="${failed}"]`) });
    expect(await row.locator('td.error-text').textContent()).to.equal('e-Arsiv raporu reddedildi: ALICI TCKN GECERSIZ');
    expect(await row.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor)).to.equal('rgb(253, 231, 231)');
    await screenshot(page, '23-earsiv-giden-hatali');
  });

  it('İptal Et on the pending one is refused with the reason', async () => {
    await page.click('.tabs a:has-text("Henüz Sonuçlanmamış")');
    await page.check(`input[name=secili][value="${pending}"]`);
    await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("İptal Et")')]);
    await Promise.all([page.waitForURL(/\/portal\/e-arsiv\/giden(\?|$)/), page.click('button:has-text("Evet")')]);
    expect(await page.textContent('.flash.error')).to.include('SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: HENUZ SONUCLANMAMIS) (4508)');
  });

  it('İptal Et on the Başarılı one: "Faturanız İptal Edilecektir", Evet, cancelled; its page shows the İPTAL visual', async () => {
    await page.click('.tabs a:has-text("Başarılı")');
    // The select-all box (portal.js) checks every row; one is wanted here.
    await page.check('input[data-select-all=secili]');
    expect(await page.locator('input[name=secili]:checked').count()).to.equal(await page.locator('input[name=secili]').count());
    await page.uncheck('input[data-select-all=secili]');
    await page.check(`input[name=secili][value="${earsiv}"]`);
    await Promise.all([page.waitForURL(/\/iptal$/), page.click('button:has-text("İptal Et")')]);
    expect(await page.textContent('.confirm-title')).to.equal('Faturanız İptal Edilecektir');
    await screenshot(page, '24-earsiv-iptal-onay');
    await Promise.all([page.waitForURL(/sekme=basarili/), page.click('button:has-text("Evet")')]);
    expect(await page.textContent('.flash.ok')).to.include('İPTAL EDİLDİ — 1235 IPTAL EDILDI, RAPORLANACAK');
    const row = page.locator('tr', { has: page.locator(`input[value="${earsiv}"]`) });
    expect(await row.locator('td.status').textContent()).to.include('IPTAL EDILDI');

    await Promise.all([page.waitForURL(new RegExp(earsiv)), row.locator('td a').first().click()]);
    expect(await page.textContent('dl.details')).to.include('1235 IPTAL EDILDI');
    expect(await page.locator('table.history').textContent()).to.include('e-Arsiv fatura iptal edildi');
    const frame = page.frameLocator('iframe.visual');
    await frame.locator('body').waitFor();
    expect(await frame.locator('body').textContent()).to.include('İPTAL');
    // Painted only once in view (Chromium draws a sandboxed frame in its own process).
    await page.locator('iframe.visual').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, '25-earsiv-fatura-detay');
    await page.goto(`${page.url()}/gorsel`);
    expect(await page.textContent('body')).to.include('İPTAL');
    await screenshot(page, '26-earsiv-fatura-gorsel-iptal');
  });

  it('another tenant\'s invoice URL is the 404 page', async () => {
    const response = await page.goto(`${world.base}/portal/e-arsiv/giden/${othersInvoice}`);
    expect(response?.status()).to.equal(404);
    expect(await page.textContent('main')).to.include('ARADIĞINIZ KAYIT BULUNAMADI');
  });
});
