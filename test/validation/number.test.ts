import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import { createInvoiceValidator, setInvoiceNumber } from '../../src/validation';
import { parseXml } from '../../src/xml/parse';
import { makeInvoice } from '../helpers/invoices';
import { UBL_SAMPLES_DIR, UBL_XSD_DIR } from '../helpers/paths';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';

function idOf(xml: Buffer): string | undefined {
  return parseXml(xml).root.children.find((c) => c.ns === CBC && c.local === 'ID')?.text;
}

/** The two buffers differ only inside [from, toA) of a and [from, toB) of b: everything around is byte-identical. */
function onlyDifferenceAt(a: Buffer, b: Buffer): { from: number; inA: string; inB: string } {
  let from = 0;
  while (from < a.length && from < b.length && a[from] === b[from]) from++;
  let endA = a.length;
  let endB = b.length;
  while (endA > from && endB > from && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return { from, inA: a.toString('utf8', from, endA), inB: b.toString('utf8', from, endB) };
}

describe('validation/number: setInvoiceNumber', () => {
  it('fills an empty <cbc:ID/> and changes no other byte', () => {
    const before = Buffer.from(makeInvoice({ number: null, lines: 3 }));
    const after = setInvoiceNumber(before, 'GIB2026000000123');
    expect(idOf(after)).to.equal('GIB2026000000123');
    const d = onlyDifferenceAt(before, after);
    expect(d.inA).to.equal('/');
    expect(d.inB).to.equal('>GIB2026000000123</cbc:ID');
  });

  it('replaces an existing number (or placeholder) in place', () => {
    const bytes = fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'TicariFaturaOrnegi.xml'));
    const after = setInvoiceNumber(bytes, 'ABC2026000000001');
    expect(idOf(after)).to.equal('ABC2026000000001');
    expect(bytes.length).to.equal(after.length);
    expect(bytes.toString('latin1').replace('GIB2009000000011', 'ABC2026000000001')).to.equal(after.toString('latin1'));
    const placeholder = Buffer.from(makeInvoice({ number: 'TASLAK' }));
    expect(idOf(setInvoiceNumber(placeholder, 'ABC2026000000002'))).to.equal('ABC2026000000002');
  });

  it('only touches the invoice\'s own cbc:ID, not the line or party IDs', () => {
    const before = Buffer.from(makeInvoice({ number: null, lines: 2 }));
    const doc = parseXml(setInvoiceNumber(before, 'ABC2026000000003'));
    const line = doc.root.children.find((c) => c.local === 'InvoiceLine')!;
    expect(line.children.find((c) => c.local === 'ID')!.text).to.equal('1');
  });

  it('inserts cbc:ID after cbc:ProfileID when it is missing, indented like its neighbours', () => {
    const sample = fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'TemelFaturaOrnegi.xml'), 'latin1');
    const without = Buffer.from(sample.replace(/\t<cbc:ID>GIB20090000000001<\/cbc:ID>\r?\n/, ''), 'latin1');
    expect(idOf(without)).to.equal(undefined);
    const after = setInvoiceNumber(without, 'ABC2026000000004');
    expect(idOf(after)).to.equal('ABC2026000000004');
    const text = without.toString('latin1');
    const at = text.indexOf('</cbc:ProfileID>') + '</cbc:ProfileID>'.length;
    const newline = /\r?\n\t<cbc:ID>/.exec(sample)![0].slice(0, -'\t<cbc:ID>'.length);
    expect(after.toString('latin1')).to.equal(`${text.slice(0, at)}${newline}\t<cbc:ID>ABC2026000000004</cbc:ID>${text.slice(at)}`);
  });

  it('declares the prefix when the neighbour declared it on itself', () => {
    const xml = makeInvoice({ number: null })
      .replace('<cbc:ID/>', '')
      .replace('<cbc:ProfileID>', '<b:ProfileID xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">')
      .replace('</cbc:ProfileID>', '</b:ProfileID>');
    const after = setInvoiceNumber(Buffer.from(xml), 'ABC2026000000005');
    expect(after.toString()).to.include('</b:ProfileID><b:ID xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">ABC2026000000005</b:ID>');
    expect(idOf(after)).to.equal('ABC2026000000005');
  });

  it('the result still passes validation (XSD and rules) with the number as a fact', async () => {
    const v = createInvoiceValidator({ xsdDir: UBL_XSD_DIR, maxUnzippedBytes: 1e7 });
    const before = Buffer.from(makeInvoice({ number: null, profile: 'EARSIVFATURA', lines: 4 }));
    const first = await v.validate(before, { container: 'xml', numberWillBeAssigned: true });
    expect(first.facts.number).to.equal(null);
    const after = setInvoiceNumber(first.xml, 'EAR2026000000009');
    const second = await v.validate(after, { container: 'xml', numberWillBeAssigned: false });
    expect(second.facts.number).to.equal('EAR2026000000009');
    expect(second.facts.ettn).to.equal(first.facts.ettn);
  });

  it('refuses a malformed number or a document that is not an invoice', () => {
    const doc = Buffer.from(makeInvoice({ number: null }));
    expect(() => setInvoiceNumber(doc, 'ABC26000000001')).to.throw(GatewayError, /GEÇERSİZ FATURA NUMARASI/);
    expect(() => setInvoiceNumber(Buffer.from('<a/>'), 'ABC2026000000001')).to.throw(GatewayError, /FATURASI DEĞİL: kök eleman a,/);
  });
});
