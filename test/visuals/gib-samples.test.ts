/**
 * GİB's own stylesheets draw their own invoices: every XSLT embedded in GİB's sample documents (UBL-TR 1.2.1 and
 * the older e-Fatura package) renders without error, shows the sample's number, and gives the same page as
 * xsltproc (libxslt, the reference) apart from the scripts the sandbox removes; GİB's standalone general.xslt draws
 * a sample that carries none. Samples without a stylesheet (or with an empty one) get the default page.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createInvoiceRenderer, type InvoiceRenderer } from '../../src/visuals/invoice-renderer';
import { embeddedXslt } from '../../src/visuals/embedded-xslt';
import { VISUAL_CSP } from '../../src/visuals/page-policy';
import { NS } from '../../src/xml/namespaces';
import { parseXml, type XmlElement } from '../../src/xml/parse';
import { firstChild } from '../../src/xml/query';
import { tempDir } from '../helpers/db';
import { GIB_DIR, OLD_SAMPLES_DIR, UBL_SAMPLES_DIR } from '../helpers/paths';
import { testVisualSettings, visibleText, withEmbeddedXslt } from '../helpers/visuals';

interface Sample {
  name: string;
  bytes: Buffer;
  root: XmlElement;
  number: string;
  xslt: Buffer | null;
}

function samples(dir: string): Sample[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .flatMap((f) => {
      const bytes = fs.readFileSync(path.join(dir, f));
      let root: XmlElement;
      try {
        root = parseXml(bytes).root;
      } catch {
        return []; // one of the old package's files is not well-formed XML
      }
      if (root.local !== 'Invoice' && root.local !== 'DespatchAdvice') return [];
      return [{ name: `${path.relative(GIB_DIR, dir)}/${f}`, bytes, root, number: firstChild(root, NS.cbc, 'ID')?.text ?? '', xslt: embeddedXslt(root) }];
    });
}

/** xsltproc's page, as the reference: the stylesheet run on the sample with libxslt's own command-line tool. */
function xsltproc(xslt: Buffer, xml: Buffer): string {
  const dir = tempDir('gw-xsltproc-');
  fs.writeFileSync(path.join(dir, 's.xslt'), xslt);
  fs.writeFileSync(path.join(dir, 'd.xml'), xml);
  return execFileSync('xsltproc', ['--nonet', path.join(dir, 's.xslt'), path.join(dir, 'd.xml')], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
}

describe('invoice visuals: GİB’s sample stylesheets', function () {
  this.timeout(120_000);
  const all = [...samples(UBL_SAMPLES_DIR), ...samples(OLD_SAMPLES_DIR)];
  const withXslt = all.filter((s) => s.xslt);
  let renderer: InvoiceRenderer;

  before(() => {
    renderer = createInvoiceRenderer(testVisualSettings());
  });
  after(async () => renderer.close());

  it('finds the embedded stylesheets of GİB’s samples (every one that is not empty)', () => {
    const fresh = withXslt.filter((s) => s.name.startsWith('ubl-tr-1.2.1/'));
    // UBL-TR 1.2.1: HKS ×2, IDIS invoice and despatch advice, the 12 YTB samples; IHRACAT and YOLCUBERABER carry an empty one.
    expect(fresh.length).to.be.at.least(16);
    expect(withXslt.length).to.be.greaterThan(fresh.length);
    expect(all.find((s) => s.name.endsWith('/IHRACAT.xml'))?.xslt).to.equal(null);
  });

  it('every one renders without error, shows its invoice number, and gives xsltproc’s page (scripts aside)', async () => {
    const pages = await Promise.all(withXslt.map(async (s) => ({ s, page: await renderer.html(s.bytes, { cancelled: false }) })));
    for (const { s, page } of pages) {
      expect(s.number, s.name).to.not.equal('');
      expect(visibleText(page), s.name).to.include(s.number);
      expect(page, s.name).to.not.match(/<script/i);
      expect(page.indexOf(VISUAL_CSP), s.name).to.be.greaterThan(0);
      expect(visibleText(page), s.name).to.equal(visibleText(xsltproc(s.xslt!, s.bytes)));
    }
  });

  it('GİB’s general.xslt draws a sample that carries no stylesheet', async () => {
    const general = fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'general.xslt'));
    const sample = all.find((s) => s.name.endsWith('/TemelFaturaOrnegi.xml'))!;
    expect(sample.xslt).to.equal(null);
    const xml = Buffer.from(withEmbeddedXslt(sample.bytes.toString('utf8'), general));
    const page = await renderer.html(xml, { cancelled: false });
    expect(visibleText(page)).to.include(sample.number);
    expect(visibleText(page)).to.equal(visibleText(xsltproc(general, xml)));
  });

  it('a sample without a stylesheet, or with an empty one, gets the default page', async () => {
    for (const name of ['TemelFaturaOrnegi.xml', 'IHRACAT.xml', 'YOLCUBERABER.xml', 'TicariFaturaOrnegi.xml']) {
      const s = all.find((x) => x.name.endsWith(`/${name}`))!;
      const text = visibleText(await renderer.html(s.bytes, { cancelled: false }));
      const ettn = firstChild(s.root, NS.cbc, 'UUID')!.text;
      expect(text, name).to.include(`Fatura No ${s.number}`);
      expect(text, name).to.include(`ETTN ${ettn}`);
      expect(text, name).to.include('Satıcı').and.include('Alıcı').and.include('Ödenecek Tutar');
    }
  });
});
