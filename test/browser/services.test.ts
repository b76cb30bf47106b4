/**
 * "Activate a service" in a real browser (seed 003): a new company orders e-Fatura and e-Arşiv with kontör by card on
 * the Kontör page, starts e-Fatura now and e-Arşiv at a later date on Hizmetlerim, looks at Hizmet Bilgileri and
 * XML'i Göster, downloads the contract, signs it with its seal (the activation tests' software seal) and uploads it
 * through the form; GİB's simulator over HTTP opens e-Fatura (Aktif); e-Arşiv's date is changed with Değiştir, then
 * to "Hesap Hemen Açılsın", and it is Aktif too. Screenshots of each screen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { signContract } from '../../src/activation/contract';
import type { Signer } from '../../src/signing/signer';
import { createSimulator, type Simulator } from '../../src/simulator';
import { GIB_ENDPOINT_PATH } from '../../src/soap/gib-endpoint';
import { tempDir } from '../helpers/db';
import { startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { softSeal, until } from '../helpers/ledger-world';
import { browserLogin, launchBrowser, screenshot } from '../helpers/portal';
import { testRootCa } from '../helpers/softhsm';

const INTEGRATOR_VKN = '4840847211';

/** A datetime-local value (Turkish wall-clock time) `ms` from now. */
function trLocal(ms: number): string {
  return new Date(Date.now() + ms + 3 * 3600_000).toISOString().slice(0, 16);
}

/** "2027-01-15T10:00" as the portal shows it: 15.01.2027 10:00. */
function shown(local: string): string {
  return `${local.slice(8, 10)}.${local.slice(5, 7)}.${local.slice(0, 4)} ${local.slice(11)}`;
}

describe('portal in a browser: activate a service (Hizmetlerim, Kontör)', function () {
  this.timeout(90_000);
  let dir: string;
  let sim: Simulator;
  let gw: TestGateway;
  let base: string;
  let browser: Browser;
  let seal: Signer;

  before(async () => {
    dir = tempDir('gw-browser-services-');
    let roots: () => Promise<Buffer[]> = async () => [];
    sim = createSimulator({ trustedRoots: () => roots(), pushFinalStates: true });
    await sim.start(0);
    const rootFile = path.join(dir, 'test-root.pem');
    fs.writeFileSync(rootFile, testRootCa().certPem);
    gw = await startTestGateway({
      env: { GW_TRUSTED_ROOTS: rootFile, GW_INTEGRATOR_VKN: INTEGRATOR_VKN, GW_WORKER_BACKOFF_MS: '50', GW_USER_LIST_SYNC_MS: '3600000' },
      deps: { gib: { efaturaUrl: sim.soapUrl, earsivUrl: sim.earsivUrl, cancelPortalUrl: sim.cancelPortalUrl, edefterUrl: sim.edefterUrl } },
    });
    roots = () => gw.gateway.signers.trustedRoots();
    sim.store.registerEndpoint({ url: gw.url.replace(/\/soap\/gateway$/, GIB_ENDPOINT_PATH), aliases: [], vkns: [INTEGRATOR_VKN], name: 'gateway' });
    seal = await softSeal(dir, TEST_VKN);
    gw.gateway.worker.start();
    base = gw.url.replace(/\/soap\/gateway$/, '');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await seal?.close();
    await gw?.close();
    await sim?.stop();
  });

  /** The state and Aktivasyon Tarihi cells of a service's row on Hizmetlerim. */
  const rowOf = async (page: Page, code: string) => {
    const row = page.locator(`tr[data-service="${code}"]`);
    return { state: (await row.locator('td.state').textContent())!.trim(), code: (await row.locator('td.code').textContent())!.trim(), at: (await row.locator('td.activation').textContent())!.trim() };
  };
  /** Reloads Hizmetlerim until the service shows the state (the worker and GİB's answer take a moment). */
  const waitForState = (page: Page, code: string, state: string) =>
    until(`${code} ${state}`, async () => {
      await page.goto(`${base}/portal/ayarlar/hizmetlerim`);
      return (await rowOf(page, code)).state === state ? true : undefined;
    });

  it('orders by card, starts e-Fatura now and e-Arşiv later, signs the contract, sees them open and changes a date', async () => {
    const { context, page } = await browserLogin(browser, base, gw.username, gw.password);
    try {
      // Kontör: the order, paid at once by card; the balance appears in the header.
      await page.click('nav.menu a:has-text("Kontör")');
      await page.check('input[name=hizmet][value=EFATURA]');
      await page.check('input[name=hizmet][value=EARSIV]');
      await page.fill('input[name=kontor]', '500,00');
      await Promise.all([page.waitForURL(/\/ayarlar\/kontor$/), page.click('button:has-text("Sipariş Ver")')]);
      expect(await page.textContent('.flash.ok')).to.match(/Sipariş \d+: 1\.300,00 TL ödendi \(kredi kartı\)\. 500,00 TL kontör hesabınıza yüklendi\./);
      expect(await page.textContent('header.top .kontor')).to.include('Kalan: 500,00');
      expect(await page.textContent('table.movements')).to.include('Kontör Alımı');
      await screenshot(page, '60-kontor');

      // Hizmetlerim: both Aktivasyon Bekliyor; both selected → Aktivasyonu Başlat → the date page.
      await page.click('nav.menu a:has-text("Hizmetlerim")');
      expect(await rowOf(page, 'EFATURA')).to.include({ state: 'Aktivasyon Bekliyor', code: '1' });
      await page.check('input[data-select-all=hizmet]'); // portal.js selects every row
      expect(await page.isChecked('input[name=hizmet][value=EARSIV]')).to.equal(true);
      await Promise.all([page.waitForURL(/\/hizmetlerim\/aktivasyon\?/), page.click('button:has-text("Aktivasyonu Başlat")')]);
      const later = trLocal(3 * 3600_000);
      await page.check('input[name=zaman_EARSIV][value=ileri]');
      await page.fill('input[name=tarih_EARSIV]', later);
      await screenshot(page, '60-hizmetlerim-aktivasyon-tarihi');
      await Promise.all([page.waitForURL(/\/hizmet-bilgileri$/), page.click('button:has-text("İlerle")')]);

      // Hizmet Bilgileri: the company as GİB will know it, each service with XML'i Göster.
      expect(await page.textContent('dl.company')).to.include('TEST TICARET A.S.').and.include(TEST_VKN).and.include(`urn:mail:defaultpk@${TEST_VKN}.gateway.local`);
      expect(await page.textContent('tr[data-service=EARSIV]')).to.include(shown(later));
      await screenshot(page, '60-hizmet-bilgileri');
      await page.click('tr[data-service=EFATURA] a:has-text("XML\'i Göster")');
      const xml = (await page.textContent('pre.xml'))!;
      expect(xml).to.include('<ProcessUserAccount').and.include(`<UserID>${TEST_VKN}</UserID>`);
      expect(await page.locator('pre.xml *').count()).to.equal(0); // text, not markup
      await screenshot(page, '60-hizmetlerim-xml');
      await page.goBack();

      // The contract: İndir, signed with the company's seal, uploaded through the form.
      await Promise.all([page.waitForURL(/\/sozlesme$/), page.click('a.button:has-text("İlerle")')]);
      expect(await page.textContent('pre.command')).to.include('contract:sign');
      await screenshot(page, '60-sozlesme');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.button:has-text("İndir")')]);
      const issued = fs.readFileSync((await download.path())!);
      expect(issued.toString('utf8')).to.include('AktivasyonSozlesmesi');
      const signedFile = path.join(dir, 'imzali-sozlesme.xml');
      fs.writeFileSync(signedFile, await signContract(issued, seal));
      await page.setInputFiles('input[name=sozlesme]', signedFile);
      await Promise.all([page.waitForURL(/\/ayarlar\/hizmetlerim$/), page.click('button:has-text("İmzalı Sözleşmeyi Gönder")')]);
      const result = (await page.textContent('.flash.ok'))!;
      expect(result).to.include('e-Fatura Hizmeti açma. Sonuç: Başarılı').and.include('e-Arşiv hizmeti açma. Sonuç: Başarılı');

      // GİB opens e-Fatura (1300); e-Arşiv waits for its date.
      await waitForState(page, 'EFATURA', 'Aktif');
      expect(await page.textContent('tr[data-service=EFATURA] td.gib')).to.include('(1300)');
      expect(await rowOf(page, 'EARSIV')).to.deep.equal({ state: "GİB'e Gönderimi Bekliyor", code: '4', at: shown(later) });
      await screenshot(page, '60-hizmetlerim');

      // Değiştir: e-Arşiv an hour later, then "Hesap Hemen Açılsın" — sent at once and Aktif.
      const moved = trLocal(4 * 3600_000);
      await page.check('input[name=hizmet][value=EARSIV]');
      await Promise.all([page.waitForURL(/\/hizmetlerim\/degistir\?/), page.click('button:has-text("Değiştir")')]);
      await page.fill('input[name=tarih_EARSIV]', moved);
      await Promise.all([page.waitForURL(/\/ayarlar\/hizmetlerim$/), page.click('button:has-text("Kaydet")')]);
      expect(await page.textContent('.flash.ok')).to.include(`e-Arşiv: Aktivasyon Tarihi ${shown(moved)}`);
      expect((await rowOf(page, 'EARSIV')).at).to.equal(shown(moved));
      await page.check('input[name=hizmet][value=EARSIV]');
      await Promise.all([page.waitForURL(/\/hizmetlerim\/degistir\?/), page.click('button:has-text("Değiştir")')]);
      await page.check('input[name=zaman_EARSIV][value=hemen]');
      await Promise.all([page.waitForURL(/\/ayarlar\/hizmetlerim$/), page.click('button:has-text("Kaydet")')]);
      await waitForState(page, 'EARSIV', 'Aktif');
      expect(await page.getAttribute('tr[data-service=EARSIV]', 'class')).to.equal('ok');
      await screenshot(page, '60-hizmetlerim-aktif');
    } finally {
      await context.close();
    }
  });
});
