/**
 * e-Fatura Gelen Kutusu and İptal Talepleri in a real browser (headless Debian chromium): the buyer answers KABUL
 * from its Gelen Kutusu (the seller's invoice becomes ACCEPTED); the seller creates, lists and deletes an e-Fatura
 * cancellation request, creates a second one, and the buyer approves it (the invoice is cancelled). Screenshots of
 * the Gelen Kutusu, an invoice's page, the request form and both İptal Talepleri lists.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { formatAmount } from '../../src/portal/html';
import { OTHER_VKN, send, soapClient, TEST_PASSWORD, TEST_VKN } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { browserLogin, launchBrowser, screenshot } from '../helpers/portal';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';

/** Clicks a button that asks for confirmation (portal.js's data-confirm), accepts, and waits for the next page. */
async function confirmClick(page: Page, selector: string): Promise<void> {
  page.once('dialog', (d) => void d.accept());
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

describe('portal in a browser: e-Fatura Gelen Kutusu (KABUL) and İptal Talepleri', function () {
  this.timeout(120_000);
  let world: PostBoxWorld;
  let browser: Browser;
  const ticari = randomUUID();
  const temel = [randomUUID(), randomUUID()];
  const numbers = new Map<string, string>();
  const sellerRow = (ettn: string) => world.gw.gateway.db('invoices').where({ ettn }).first();

  before(async () => {
    world = await startPostBoxWorld();
    browser = await launchBrowser();
    const client = await soapClient(world.gw);
    for (const [ettn, profile] of [[ticari, 'TICARIFATURA'], [temel[0]!, 'TEMELFATURA'], [temel[1]!, 'TEMELFATURA']] as const) {
      numbers.set(ettn, (await send(client, makeInvoice({ profile, supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn }))).invoiceNumber);
    }
    for (const ettn of [ticari, ...temel]) {
      await until(`${ettn} delivered`, async () => ((await sellerRow(ettn))?.state === 'DELIVERED' ? true : undefined), 60_000);
    }
  });

  after(async () => {
    await browser?.close();
    await world?.close();
  });

  it('the buyer opens the invoice from its Gelen Kutusu and answers KABUL; the seller\'s invoice becomes ACCEPTED', async () => {
    const { context, page } = await browserLogin(browser, world.base, 'alici', TEST_PASSWORD);
    try {
      await page.click('nav.menu a:has-text("Gelen Kutusu")');
      await page.waitForURL(/\/portal\/e-fatura\/gelen$/);
      const row = page.locator(`tr[data-ettn="${ticari}"]`);
      expect(await row.textContent()).to.include(numbers.get(ticari)).and.include('TICARIFATURA').and.include('GELEN FATURA');
      await screenshot(page, '40-efatura-gelen-kutusu');

      await Promise.all([page.waitForURL(new RegExp(`/portal/e-fatura/gelen/${ticari}$`)), row.locator('a').click()]);
      // The visual (the invoice's XSLT output) is shown in its frame.
      await page.frameLocator('iframe.visual').locator(`text=${numbers.get(ticari)}`).first().waitFor({ timeout: 30_000 });
      expect(await page.textContent('main')).to.include('Yanıt süresi').and.include('Tarihçe').and.include('Zarf ETTN');
      await page.locator('iframe.visual').scrollIntoViewIfNeeded();
      await screenshot(page, '41-efatura-gelen-fatura');

      await page.fill('textarea[name=aciklama]', 'Mal eksiksiz teslim alındı.');
      await confirmClick(page, 'button[value=KABUL]');
      expect(await page.textContent('.flash.ok')).to.include('Faturaya KABUL yanıtı verildi');
      expect(await page.textContent('main')).to.include('KABUL EDILDI');
      expect(await page.locator('button[value=KABUL]').count()).to.equal(0);
      await until('ACCEPTED at the seller', async () => ((await sellerRow(ticari)).state === 'ACCEPTED' ? true : undefined));
    } finally {
      await context.close();
    }
  });

  it('the seller creates, lists and deletes a cancellation request, creates a second; the buyer approves it and the invoice is cancelled', async () => {
    const seller = await browserLogin(browser, world.base, world.gw.username, world.gw.password);
    const buyer = await browserLogin(browser, world.base, 'alici', TEST_PASSWORD);
    try {
      const page = seller.page;
      const create = async (ettn: string, shot?: string) => {
        await page.goto(`${world.base}/portal/e-fatura/iptal-talepleri`);
        await Promise.all([page.waitForURL(/\/iptal-talepleri\/yeni$/), page.click('text=Fatura iptal talebi oluşturmak için tıklayınız')]);
        await page.fill('input[name=faturaNo]', numbers.get(ettn)!);
        await page.fill('input[name=tutar]', formatAmount(String((await sellerRow(ettn)).payable_amount)));
        if (shot) await screenshot(page, shot);
        await Promise.all([page.waitForNavigation(), page.click('button:has-text("Talep Oluştur")')]);
        expect(await page.textContent('.flash.ok')).to.include(`${numbers.get(ettn)} numaralı`).and.include('iptal talebi oluşturuldu');
      };

      await create(temel[0]!, '42-efatura-iptal-talebi-olustur');
      const mine = page.locator('table.cancel-requests.made tbody tr');
      expect(await mine.count()).to.equal(1);
      expect(await mine.first().textContent()).to.include(numbers.get(temel[0]!)).and.include('Onay Bekliyor');

      // Seçilen Talepleri Sil.
      await mine.first().locator('input[name=talep]').check();
      await confirmClick(page, 'button:has-text("Seçilen Talepleri Sil")');
      expect(await page.textContent('.flash.ok')).to.include('silindi');
      expect(await page.locator('table.cancel-requests.made').textContent()).to.not.include(numbers.get(temel[0]!));

      await create(temel[1]!);
      expect(await page.locator('table.cancel-requests.made').textContent()).to.include(numbers.get(temel[1]!)).and.include('Onay Bekliyor');
      // Listele with a date range: the form's dates are the last 10 days by default.
      await Promise.all([page.waitForNavigation(), page.click('form.filters button:has-text("Listele")')]);
      expect(page.url()).to.match(/baslangic=\d{4}-\d{2}-\d{2}&bitis=\d{4}-\d{2}-\d{2}/);
      await screenshot(page, '43-efatura-iptal-talepleri-talep-ettikleriniz');

      // The buyer approves the request made to it.
      const b = buyer.page;
      await b.goto(`${world.base}/portal/e-fatura/iptal-talepleri`);
      const theirs = b.locator('table.cancel-requests.received tbody tr', { hasText: numbers.get(temel[1]!)! });
      expect(await theirs.textContent()).to.include('Onay Bekliyor').and.include(TEST_VKN);
      await screenshot(b, '44-efatura-iptal-talepleri-size-gelen');
      await theirs.locator('input[name=talep]').check();
      await confirmClick(b, 'button:has-text("Seçilen Talepleri Onayla")');
      expect(await b.textContent('.flash.ok')).to.include('onaylandı, fatura iptal edildi');
      expect(await b.locator('table.cancel-requests.received').textContent()).to.include('Fatura İptal Edildi');

      await until('CANCELLED at the seller', async () => ((await sellerRow(temel[1]!)).state === 'CANCELLED' ? true : undefined));
      await page.reload();
      expect(await page.locator('table.cancel-requests.made').textContent()).to.include('Fatura İptal Edildi');
    } finally {
      await seller.context.close();
      await buyer.context.close();
    }
  });
});
