import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as libxml from 'libxmljs2';
import { GatewayError } from '../../src/faults';
import { createXsdValidator, type XsdValidateOptions, type XsdValidator } from '../../src/validation/ubl-tr/xsd';
import { parseXml } from '../../src/xml/parse';
import { makeInvoice } from '../helpers/invoices';
import { signedInvoice } from './signature-fixture';
import { UBL_SAMPLES_DIR, UBL_XSD_DIR } from '../helpers/paths';

function verdict(v: XsdValidator, bytes: Buffer, opts?: XsdValidateOptions): string {
  try {
    v.validate(parseXml(bytes), opts);
    return 'valid';
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    expect(e.fault).to.equal('XSD_INVALID');
    return e.message;
  }
}

describe('validation/ubl-tr/xsd', () => {
  let compiled: XsdValidator;
  let reference: XsdValidator;

  before(function () {
    this.timeout(30_000);
    compiled = createXsdValidator(UBL_XSD_DIR);
    reference = createXsdValidator(UBL_XSD_DIR, { engine: 'libxml2' });
  });

  it('is compiled once per directory and cached', () => {
    expect(createXsdValidator(UBL_XSD_DIR)).to.equal(compiled);
    expect(compiled.engine).to.equal('compiled');
    expect(reference.engine).to.equal('libxml2');
  });

  const samples = fs.readdirSync(UBL_SAMPLES_DIR).filter((f) => f.endsWith('.xml'));
  describe('gives libxml2\'s verdict on every GİB sample', () => {
    for (const f of samples) {
      it(f, () => {
        const bytes = fs.readFileSync(path.join(UBL_SAMPLES_DIR, f));
        for (const opts of [{}, { signatureSlot: true }]) {
          const a = verdict(compiled, bytes, opts);
          const b = verdict(reference, bytes, opts);
          expect(a === 'valid', `${JSON.stringify(opts)} ours: ${a} / libxml2: ${b}`).to.equal(b === 'valid');
        }
      });
    }
  });

  it('accepts an invoice with a complete XAdES signature, like libxml2', () => {
    const b = Buffer.from(signedInvoice());
    expect(verdict(compiled, b)).to.equal('valid');
    expect(verdict(reference, b)).to.equal('valid');
  });

  it('refuses an empty ExtensionContent unless the gateway will sign (signatureSlot)', () => {
    const b = Buffer.from(makeInvoice());
    expect(verdict(compiled, b)).to.match(/ext:ExtensionContent': Missing child element\(s\)/);
    expect(verdict(reference, b)).not.to.equal('valid');
    expect(verdict(compiled, b, { signatureSlot: true })).to.equal('valid');
    expect(verdict(reference, b, { signatureSlot: true })).to.equal('valid');
  });

  it('signatureSlot also covers an invoice without ext:UBLExtensions', () => {
    const b = Buffer.from(makeInvoice().replace(/<ext:UBLExtensions>.*?<\/ext:UBLExtensions>/, ''));
    expect(verdict(compiled, b)).to.match(/This element is not expected\. Expected is \( ext:UBLExtensions \)/);
    expect(verdict(compiled, b, { signatureSlot: true })).to.equal('valid');
    expect(verdict(reference, b, { signatureSlot: true })).to.equal('valid');
  });

  it('invoiceIdSlot accepts an invoice without cbc:ID (the gateway will write it), nothing else', () => {
    const b = Buffer.from(makeInvoice({ number: null }).replace('<cbc:ID/>', ''));
    const opts = { signatureSlot: true };
    expect(verdict(compiled, b, opts)).to.match(/cbc:CopyIndicator': This element is not expected\. Expected is \( cbc:ID \)/);
    expect(verdict(reference, b, opts)).not.to.equal('valid');
    expect(verdict(compiled, b, { ...opts, invoiceIdSlot: true })).to.equal('valid');
    expect(verdict(reference, b, { ...opts, invoiceIdSlot: true })).to.equal('valid');
    const noUuid = Buffer.from(makeInvoice({ number: null }).replace(/<cbc:UUID>.*?<\/cbc:UUID>/, ''));
    expect(verdict(compiled, noUuid, { ...opts, invoiceIdSlot: true })).to.match(/Expected is \( cbc:UUID \)/);
  });

  it('reports the first error in libxml2\'s words, with its line', () => {
    const bad = makeInvoice().replace(/<cbc:IssueDate>[^<]*</, '<cbc:IssueDate>2009-02-29<').replace('><cbc:IssueDate>', '>\n<cbc:IssueDate>');
    const msg = verdict(compiled, Buffer.from(bad), { signatureSlot: true });
    expect(msg).to.equal("XML SEMA KONTROLUNDEN GECEMEDI: line 3: Element 'cbc:IssueDate': '2009-02-29' is not a valid value of the atomic type 'xs:date'.");
    const ref = verdict(reference, Buffer.from(bad), { signatureSlot: true });
    expect(ref).to.include("'2009-02-29' is not a valid value of the atomic type 'xs:date'").and.to.include('line 3:');
    const noCurrency = makeInvoice().replace(' currencyID="TRY"', '');
    expect(verdict(compiled, Buffer.from(noCurrency), { signatureSlot: true })).to.match(/The attribute 'currencyID' is required but missing\./);
    const unknownAttr = makeInvoice().replace('<cbc:UUID>', '<cbc:UUID foo="1">');
    expect(verdict(compiled, Buffer.from(unknownAttr), { signatureSlot: true })).to.match(/The attribute 'foo' is not allowed\./);
  });

  // GW_TEST_SCALE=1 runs all 800 mutations of the seeded sequence (default 0.5: its first 400; libxml2 costs ≈ 25 ms each).
  const mutations = Math.round(800 * Number(process.env.GW_TEST_SCALE ?? 0.5));
  it(`gives libxml2's verdict on ${mutations} structural mutations of samples and a signed invoice (fixed seed)`, function () {
    this.timeout(180_000);
    const sources = samples
      .filter((f) => !/Irsaliye|Yanit/.test(f) && fs.statSync(path.join(UBL_SAMPLES_DIR, f)).size < 40_000)
      .map((f) => fs.readFileSync(path.join(UBL_SAMPLES_DIR, f), 'utf8'));
    sources.push(signedInvoice(), signedInvoice(1));
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const values = ['', ' ', ' 12 ', '1.', '.5', '.', '-', '+1', '1e5', 'abc', '2009-02-29', '2008-02-29', '2009-13-01', '0000-01-01',
      '10000-01-01', '02009-01-01', '2009-01-01Z', '2009-01-01+14:00', '2009-01-01+14:01', '24:00:00', '24:00:01', '23:59:60',
      '12:00:00.5', '12:00', 'true', 'false', '1', '0', 'TRUE', 'QUJD', 'QUJ=', 'QU==', 'QUI=', 'Q===', 'a b', 'http://x y', '%zz', 'tr',
      'tr-TR', 'toolonglanguage', '1234567890123456789012345', '123456789012345678901234', '0.000000000000000000000001', '-0',
      '2009-01-01T10:00:00', '2009-01-01T24:00:00', 'ş', 'Signature_1', 'x:y'];
    const names = ['foo', 'currencyID', 'schemeID', 'unitCode', 'Id', 'format', 'Algorithm', 'URI', 'Target', 'mimeCode'];
    let invalid = 0;
    const diffs: string[] = [];
    for (let i = 0; i < mutations; i++) {
      const doc = libxml.parseXml(sources[rnd(sources.length)]!);
      for (let k = 1 + rnd(2); k > 0; k--) {
        const all = doc.find('//*') as libxml.Element[];
        const el = all[1 + rnd(all.length - 1)]!;
        const op = rnd(7);
        if (op === 0) el.remove();
        else if (op === 1) el.addNextSibling(el.clone());
        else if (op === 2) {
          const n = el.nextElement();
          if (n) {
            const c = n.clone();
            n.remove();
            el.addPrevSibling(c);
          }
        } else if (op === 3) {
          if (!el.childNodes().some((c) => c.type() === 'element')) el.text(values[rnd(values.length)]!);
        } else if (op === 4) el.attr({ [names[rnd(names.length)]!]: values[rnd(values.length)]! });
        else if (op === 5) {
          const a = el.attrs();
          if (a.length) a[rnd(a.length)]!.remove();
        } else {
          const a = el.attrs();
          if (a.length) a[rnd(a.length)]!.value(values[rnd(values.length)]!);
        }
      }
      const bytes = Buffer.from(doc.toString(), 'utf8');
      try {
        parseXml(bytes);
      } catch {
        continue;
      }
      const opts = { signatureSlot: rnd(2) === 0 };
      const a = verdict(compiled, bytes, opts);
      const b = verdict(reference, bytes, opts);
      if (b !== 'valid') invalid++;
      if ((a === 'valid') !== (b === 'valid')) diffs.push(`ours: ${a.slice(0, 150)} / libxml2: ${b.slice(0, 150)}`);
      else if (b !== 'valid') {
        // Same first error location.
        expect(/line (\d+)/.exec(a)?.[1], `${a} / ${b}`).to.equal(/line (\d+)/.exec(b)?.[1]);
      }
    }
    expect(diffs).to.deep.equal([]);
    expect(invalid).to.be.greaterThan(mutations / 4);
  });

  it('costs far less than libxml2 per invoice once compiled', function () {
    this.timeout(60_000);
    const doc = parseXml(Buffer.from(makeInvoice({ lines: 10 })));
    const time = (v: XsdValidator, n: number): number => {
      for (let i = 0; i < Math.min(n, 50); i++) v.validate(doc, { signatureSlot: true });
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) v.validate(doc, { signatureSlot: true });
      return Number(process.hrtime.bigint() - t) / n / 1e6;
    };
    const ours = time(compiled, 2000);
    const theirs = time(reference, 20);
    expect(ours).to.be.lessThan(1);
    expect(theirs / ours).to.be.greaterThan(20);
  });
});
