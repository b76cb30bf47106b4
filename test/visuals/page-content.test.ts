/**
 * What the visual shows: markup in an invoice's fields is text, in the default page, in a GİB stylesheet's page and
 * in the PDF; a cancelled invoice carries the İPTAL stamp in the page and in the PDF, and only a cancelled one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createInvoiceRenderer, type InvoiceRenderer } from '../../src/visuals/invoice-renderer';
import { embeddedXslt } from '../../src/visuals/embedded-xslt';
import { defaultInvoiceHtml, turkishNumber } from '../../src/visuals/default-template';
import { parseXml } from '../../src/xml/parse';
import { makeInvoice } from '../helpers/invoices';
import { UBL_SAMPLES_DIR } from '../helpers/paths';
import { pdfText, testVisualSettings, visibleText, withEmbeddedXslt } from '../helpers/visuals';

const SCRIPT = '<script>alert("xss")</script>';
const MARKUP = '<b>kalın</b> & <img src=x onerror=alert(1)>';

/** makeInvoice's invoice with markup in the seller's name, an item's name and a note (escaped in the XML itself). */
function hostileInvoice(): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return makeInvoice({ number: 'ESC2026000000001', lines: 2 })
    .replace('<cbc:Name>Tedarikçi Anonim Şirketi</cbc:Name>', `<cbc:Name>Tedarikçi ${esc(SCRIPT)} A.Ş.</cbc:Name>`)
    .replace('<cbc:Name>Ürün 1</cbc:Name>', `<cbc:Name>Ürün ${esc(MARKUP)}</cbc:Name>`)
    .replace('<cbc:DocumentCurrencyCode>', `<cbc:Note>Not: ${esc(SCRIPT)} ${esc(MARKUP)}</cbc:Note><cbc:DocumentCurrencyCode>`);
}

describe('invoice visuals: what the page shows', function () {
  this.timeout(60_000);
  let renderer: InvoiceRenderer;
  const hostile = hostileInvoice();
  const gibXslt = embeddedXslt(parseXml(fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'YTB_Satıs_EArşiv.xml'))).root)!;

  before(() => {
    renderer = createInvoiceRenderer(testVisualSettings());
  });
  after(async () => renderer.close());

  it('the default page writes markup in the invoice’s fields as text, in the page and in the PDF', async () => {
    const page = await renderer.html(Buffer.from(hostile), { cancelled: false });
    expect(page).to.not.match(/<script|<b>kalın|<img src=x/i);
    expect(page).to.include('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;').and.include('&lt;b&gt;kalın&lt;/b&gt; &amp; &lt;img');
    const text = visibleText(page);
    expect(text).to.include(`Tedarikçi ${SCRIPT} A.Ş.`).and.include(`Ürün ${MARKUP}`).and.include(`Not: ${SCRIPT} ${MARKUP}`);
    const pdf = pdfText(await renderer.pdf(Buffer.from(hostile), { cancelled: false }));
    expect(pdf).to.include(SCRIPT).and.include('<b>kalın</b>');
  });

  it('a GİB stylesheet’s page writes them as text too', async () => {
    const page = await renderer.html(Buffer.from(withEmbeddedXslt(hostile, gibXslt)), { cancelled: false });
    expect(page).to.not.match(/<script|<b>kalın|<img src=x/i);
    expect(page).to.include('&lt;script&gt;');
    expect(visibleText(page)).to.include(SCRIPT).and.include('ESC2026000000001');
  });

  it('the default page shows the invoice: parties, number, date, ETTN, scenario, lines, totals, notes', () => {
    const xml = makeInvoice({ number: 'DEF2026000000007', lines: 3, issueDate: '2026-03-10', ettn: '6f1c2a7e-3b4d-4c5e-8f90-a1b2c3d4e501', profile: 'TICARIFATURA' });
    const text = visibleText(defaultInvoiceHtml(parseXml(xml).root));
    for (const want of [
      'e-Fatura',
      'Satıcı Tedarikçi Anonim Şirketi',
      'VKN: 1234567801',
      'Alıcı Alıcı Limited Şirketi',
      'VKN: 9876543210',
      'Vergi Dairesi: Beşiktaş',
      'Fatura No DEF2026000000007',
      'Fatura Tarihi 10-03-2026 10:00:00',
      'ETTN 6f1c2a7e-3b4d-4c5e-8f90-a1b2c3d4e501',
      'Senaryo TICARIFATURA',
      'Fatura Tipi SATIS',
      'Ürün 3',
    ]) {
      expect(text).to.include(want);
    }
    // Line 2 of makeInvoice: 3 × 13,00 = 39,00, KDV %20 = 7,80.
    expect(text).to.match(/2 Ürün 2 3 C62 13,00 TL %20,00 7,80 TL 39,00 TL/);
    expect(text).to.match(/Ödenecek Tutar [\d.]+,\d\d TL/);
    expect(turkishNumber('1234567.5')).to.equal('1.234.567,50');
    expect(turkishNumber('-0.125', 2)).to.equal('-0,125');
  });

  it('a cancelled invoice carries a large red İPTAL stamp, in the page and in the PDF; another does not', async () => {
    const xml = Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', number: 'IPT2026000000001' }));
    const stamped = await renderer.html(xml, { cancelled: true });
    const plain = await renderer.html(xml, { cancelled: false });
    const stamp = /<div id="gw-iptal-damgasi"[^>]*style="position:fixed[^"]*"><div style="transform:rotate\(-30deg\)[^"]*color:rgba\(204,0,0[^"]*font:bold 160px[^"]*">İPTAL/;
    expect(stamped).to.match(stamp);
    expect(stamped.indexOf('gw-iptal-damgasi')).to.be.lessThan(stamped.lastIndexOf('</body>'));
    expect(plain).to.not.include('İPTAL');
    const [stampedPdf, plainPdf] = await Promise.all([renderer.pdf(xml, { cancelled: true }), renderer.pdf(xml, { cancelled: false })]);
    expect(pdfText(stampedPdf)).to.include('İPTAL').and.include('IPT2026000000001');
    expect(pdfText(plainPdf)).to.include('IPT2026000000001');
    expect(pdfText(plainPdf)).to.not.include('İPTAL');
    // A GİB stylesheet's page is stamped as well.
    const gib = await renderer.html(Buffer.from(withEmbeddedXslt(xml.toString('utf8'), gibXslt)), { cancelled: true });
    expect(gib).to.match(stamp);
  });
});
