/**
 * Seeds 001 and 002 in a real browser (headless Chromium): a month of e-Defter from the upload to GİB's approved
 * berats through the screens — the source chosen with the file input, its dates saved, the seed's step buttons
 * pressed one after another, the progress bar followed while GİB (the simulator) decides, the ✓ marks, the approved
 * berat downloaded — and the month then in e-Saklama, stored automatically, Yedeklendi after Durum Sorgula and the
 * archive verified. Screenshots of each screen (30-edefter…, 40-esaklama…).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createSimulator, type Simulator } from '../../src/simulator';
import { zipOne } from '../../src/zip/write';
import { tempDir } from '../helpers/db';
import { TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startGibWorld } from '../helpers/ledger-world';
import { REPO_DIR } from '../helpers/paths';
import { browserLogin, launchBrowser, screenshot } from '../helpers/portal';
import { testRootCa } from '../helpers/softhsm';

const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));

describe('portal in a browser: a month of e-Defter from upload to approved berat, then in e-Saklama', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let gw: TestGateway;
  let base: string;
  let browser: Browser;
  const dir = tempDir('gw-browser-edefter-');

  before(async () => {
    sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => null, trustedRoots: [testRootCa().certPem] });
    ({ gw } = await startGibWorld(dir, sim, { GW_WORKER_BACKOFF_MS: '100' }));
    base = gw.url.replace(/\/soap\/gateway$/, '');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gw?.gateway.signers.close();
    await gw?.close();
    await sim?.stop();
  });

  /** Presses a step button of the month page and waits (through the progress bar's reloads) for `next` to be due. */
  async function pressStep(page: Page, label: string, next: string | null) {
    await Promise.all([page.waitForURL(/\/portal\/e-defter\/ay\/2026-01$/), page.getByRole('button', { name: label, exact: true }).click()]);
    expect(await page.textContent('.flash.ok')).to.equal(`2026-Ocak: ${label} başlatıldı.`);
    if (next) await page.waitForSelector(`form.edefter-steps button[value=${next}]:not([disabled])`, { timeout: 30_000 });
    else await page.waitForFunction(() => !document.querySelector('[data-progress]') && [...document.querySelectorAll('form.edefter-steps button')].every((b) => (b as HTMLButtonElement).disabled), undefined, { timeout: 30_000 });
  }

  it('uploads the source, saves the dates, presses the step buttons with progress, sees the ✓ marks, downloads the approved berat; e-Saklama stores and verifies the month', async () => {
    const { context, page } = await browserLogin(browser, base, gw.username, gw.password);
    try {
      // e-Saklama first: e-Defter Otomatik Yedekleme on, so the approved month is stored without a hand.
      await page.goto(`${base}/portal/e-saklama`);
      await page.selectOption('select[name=otomatik]', 'evet');
      await Promise.all([page.waitForURL(/\/portal\/e-saklama$/), page.getByRole('button', { name: 'Kaydet' }).click()]);
      expect(await page.textContent('.flash.ok')).to.equal('e-Defter Otomatik Yedekleme: Evet');

      // e-Defter Yükle: the ZIP chosen in the file input, sent with the seed's CSV options.
      await page.goto(`${base}/portal/e-defter/yukle`);
      await screenshot(page, '30-edefter-yukle');
      await page.setInputFiles('input[name=dosya]', { name: `${TEST_VKN}-202601.zip`, mimeType: 'application/zip', buffer: await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE) });
      expect(await page.isChecked('input[name=baslik]')).to.equal(true);
      await Promise.all([page.waitForURL(/\/portal\/e-defter\/yukle$/), page.getByRole('button', { name: 'Yükle', exact: true }).click()]);
      expect(await page.textContent('.flash.ok')).to.equal(`${TEST_VKN}-202601.zip yüklendi: 2026-Ocak, 01.01.2026–31.01.2026.`);
      const row = page.locator('tr[data-source]');
      expect(await row.locator('td.state').textContent()).to.equal('İşlem Yapılmadı');

      // Tarihleri Kaydet: a partial period (parçalı e-Defter) that still holds every entry (2nd, 5th, 20th).
      await row.locator('input[name^=bitis_]').fill('2026-01-25');
      await Promise.all([page.waitForURL(/\/portal\/e-defter\/yukle$/), page.getByRole('button', { name: 'Tarihleri Kaydet' }).click()]);
      expect(await page.textContent('.flash.ok')).to.equal('Tarihler kaydedildi. 2026-Ocak: 01.01.2026–25.01.2026');
      expect(await page.inputValue('tr[data-source] input[name^=bitis_]')).to.equal('2026-01-25');
      await screenshot(page, '31-edefter-yukle-dosya-sorgula');

      // The month page: the seed's buttons, one after the other.
      await Promise.all([page.waitForURL(/\/portal\/e-defter\/ay\/2026-01$/), row.getByRole('link', { name: 'Adımlar' }).click()]);
      expect(await page.locator('form.edefter-steps button:not([disabled])').allTextContents()).to.deep.equal(['Dosya Oluştur', 'e-Defter Yükle (tüm adımlar)']);
      await pressStep(page, 'Dosya Oluştur', 'DOSYA_IMZALA');
      expect(await page.textContent('tr[data-book=Y] td.state')).to.equal('Dosya Oluşturuldu');
      expect(await page.textContent('tr[data-book=Y]')).to.include('25.01.2026');
      await pressStep(page, 'Dosya İmzala', 'BERAT_OLUSTUR');
      await pressStep(page, 'Berat Oluştur', 'BERAT_IMZALA');
      await pressStep(page, 'Berat İmzala', 'GIBE_GONDER');
      await screenshot(page, '32-edefter-ay-berat-imzalandi');

      // GİB'e Gönder: GİB takes its time to decide; the progress bar polls and the page reloads when it is done.
      sim.timings.ledgerMs = 1500;
      try {
        await Promise.all([page.waitForURL(/\/portal\/e-defter\/ay\/2026-01$/), page.getByRole('button', { name: "GİB'e Gönder", exact: true }).click()]);
        const bar = page.locator('[data-progress] progress');
        await bar.waitFor({ timeout: 10_000 });
        await page.waitForFunction(() => /sürüyor/.test(document.querySelector('[data-progress] span')?.textContent ?? ''), undefined, { timeout: 10_000 });
        expect(Number(await bar.getAttribute('value'))).to.be.within(60, 99);
        await screenshot(page, '33-edefter-ilerleme');
      } finally {
        sim.timings.ledgerMs = 20;
      }
      await page.waitForSelector('form.edefter-steps button[value=ONAYLI_BERATI_INDIR]:not([disabled])', { timeout: 30_000 });
      // The Yevmiye went first and GİB approved it; then the Büyük Defter was sent.
      expect(await page.locator('tr[data-book] td.state').allTextContents()).to.deep.equal(['GİB Onayladı', "GİB'e Gönderildi"]);
      await pressStep(page, 'Onaylı Beratı İndir', null);
      expect(await page.locator('tr[data-book] td.state').allTextContents()).to.deep.equal(['Onaylı Berat İndirildi', 'Onaylı Berat İndirildi']);
      await screenshot(page, '34-edefter-ay-onayli-berat');

      // The month table: every mark ✓, as seed 001's 08.2019 row would be once GİB approved it.
      await page.goto(`${base}/portal/e-defter`);
      expect(await page.locator('tr[data-period="2026-01"] [data-mark]').evaluateAll((els) => els.map((e) => e.textContent))).to.deep.equal(Array(7).fill('✓'));
      await screenshot(page, '35-edefter-ay-tablosu');

      // Onaylı Beratı İndir to the computer: GİB's approved Yevmiye berat, as a file.
      await page.goto(`${base}/portal/e-defter/ay/2026-01`);
      const name = `GIB-${TEST_VKN}-202601-YB-000000.xml`;
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`a[href$="/dosya/${name}"]`).click()]);
      expect(download.suggestedFilename()).to.equal(name);
      const berat = fs.readFileSync((await download.path())!, 'utf8');
      expect(berat).to.include('<edefter:berat').and.include(TEST_VKN).and.include('xades:CounterSignature');

      // e-Saklama: the month stored automatically (Entegratöre işlendi), Durum Sorgula → Yedeklendi, the archive whole.
      await page.goto(`${base}/portal/e-saklama`);
      const month = page.locator('tr[data-period="2026-01"]');
      for (let i = 0; i < 100 && (await month.locator('td.state').textContent().catch(() => null)) !== 'Entegratöre işlendi'; i++) {
        await page.waitForTimeout(200);
        await page.reload();
      }
      expect(await month.locator('td.state').textContent()).to.equal('Entegratöre işlendi');
      expect(await month.textContent()).to.include('Entegratörün e-Defter hizmetinden');
      await screenshot(page, '40-esaklama');
      await Promise.all([page.waitForURL(/\/portal\/e-saklama$/), month.getByRole('button', { name: 'Durum Sorgula' }).click()]);
      expect(await page.textContent('.flash.ok')).to.equal('Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.');
      expect(await month.locator('td.state').textContent()).to.equal('Yedeklendi');
      await screenshot(page, '41-esaklama-yedeklendi');
      await Promise.all([page.waitForURL(/\/portal\/e-saklama\/ay\/2026-01$/), month.getByRole('link', { name: 'Dosyalar' }).click()]);
      expect(await page.locator('table.esaklama-files tbody tr').count()).to.equal(7);
      await screenshot(page, '42-esaklama-ay-dosyalar');
      await page.goto(`${base}/portal/e-saklama`);
      await Promise.all([page.waitForURL(/\/portal\/e-saklama\/dogrulama$/), page.getByRole('link', { name: 'Arşivi Doğrula' }).click()]);
      expect(await page.getAttribute('.verify-result', 'data-ok')).to.equal('true');
      expect(await page.textContent('.verify-result')).to.include('Arşiv bütün');
      await screenshot(page, '43-esaklama-dogrulama');
    } finally {
      await context.close();
    }
  });
});
