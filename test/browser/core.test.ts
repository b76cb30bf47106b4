/**
 * The portal in a real browser (headless Debian chromium through playwright-core): login and its Secure cookie over
 * the loopback, the menu, a form posted without its CSRF token, ten wrong passwords locking the user.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { browserLogin, launchBrowser, screenshot } from '../helpers/portal';

describe('portal in a browser: login, menu, CSRF, lockout', function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let base: string;
  let browser: Browser;

  before(async () => {
    gw = await startTestGateway();
    base = gw.url.replace(/\/soap\/gateway$/, '');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('logs in, shows the company in the header and e-Logo\'s menu, logs out', async () => {
    const { context, page } = await browserLogin(browser, base, gw.username, gw.password);
    try {
      expect(await page.textContent('header.top')).to.include('VKN: 1234567801').and.include('TEST TICARET A.S.');
      const menu = await page.locator('nav.menu .group').allTextContents();
      expect(menu).to.deep.equal(['e-Fatura', 'e-Arşiv', 'e-Defter', 'e-Saklama', 'Ayarlar']);
      await screenshot(page, '00-ana-sayfa');
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'oe_portal')!;
      expect(session.secure).to.equal(true);
      expect(session.httpOnly).to.equal(true);
      expect(session.sameSite).to.equal('Strict');
      await Promise.all([page.waitForURL(/\/portal\/giris/), page.click('form.logout button')]);
      await page.goto(`${base}/portal`);
      expect(page.url()).to.include('/portal/giris');
    } finally {
      await context.close();
    }
  });

  it('a form whose CSRF token was removed is refused with 4801', async () => {
    const { context, page } = await browserLogin(browser, base, gw.username, gw.password);
    try {
      await page.evaluate(() => document.querySelector('form.logout input[name=_csrf]')!.remove());
      const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/portal/cikis')), page.click('form.logout button')]);
      expect(response.status()).to.equal(403);
      expect(await page.textContent('main')).to.include('GÜVENLİK DOĞRULAMASI BAŞARISIZ').and.include('4801');
      await page.goto(`${base}/portal`);
      expect(page.url()).to.match(/\/portal\/?$/); // still logged in: nothing happened
    } finally {
      await context.close();
    }
  });

  it('ten wrong passwords lock the user; the right one is then refused too', async () => {
    await gw.createTenantUser('3333333333', 'tarayici-kilit');
    const context = await browser.newContext({ locale: 'tr-TR' });
    const page = await context.newPage();
    try {
      for (let i = 0; i < 10; i++) {
        await page.goto(`${base}/portal/giris`);
        await page.fill('input[name=kullanici]', 'tarayici-kilit');
        await page.fill('input[name=sifre]', `yanlis-${i}`);
        await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
        expect(await page.textContent('.flash.error')).to.include('4101');
      }
      await page.fill('input[name=sifre]', gw.password);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      expect(await page.textContent('.flash.error')).to.include('KILITLENDI').and.include('4102');
      await screenshot(page, '00-giris-kilitli');
      expect(page.url()).to.include('/portal/giris');
    } finally {
      await context.close();
    }
  });
});
