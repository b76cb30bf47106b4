/**
 * The gateway's own arithmetic and consistency checks (src/validation/ubl-tr/amounts.ts) under the two policies: warn
 * accepts an invoice exactly when GİB's XSD and schematron do and lists every inconsistency; refuse refuses it with the
 * first. GİB checks none of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import { createInvoiceValidator } from '../../src/validation';
import { makeInvoice } from '../helpers/invoices';
import { GIB_DIR, UBL_SAMPLES_DIR, UBL_XSD_DIR } from '../helpers/paths';

const validator = createInvoiceValidator({ maxUnzippedBytes: 1e7, xsdDir: UBL_XSD_DIR, schematronDir: path.join(GIB_DIR, 'e-fatura-paketi', 'schematron') });
const opts = (arithmetic: 'warn' | 'refuse') => ({ container: 'xml' as const, numberWillBeAssigned: false, arithmetic });

/** makeInvoice's 3-line invoice with three inconsistencies: the payable amount, the line count, a line's currency. */
function inconsistent(): string {
  return makeInvoice({ lines: 3, issueDate: '2024-03-01' })
    .replace(/<cbc:PayableAmount currencyID="TRY">([\d.]+)</, (_m, v: string) => `<cbc:PayableAmount currencyID="TRY">${(Number(v) + 1).toFixed(2)}<`)
    .replace('<cbc:LineCountNumeric>3<', '<cbc:LineCountNumeric>4<')
    .replace(/(<cac:InvoiceLine>[\s\S]*?<cbc:LineExtensionAmount currencyID=")TRY/, '$1USD');
}

describe('validation: the arithmetic policy', () => {
  it('warn: accepted, with every inconsistency as a warning carrying the code and text refuse would give', async () => {
    const r = await validator.validate(Buffer.from(inconsistent()), opts('warn'));
    expect(r.warnings.map((w) => [w.code, w.name])).to.deep.equal([
      [4206, 'AMOUNT_MISMATCH'],
      [4209, 'LINE_COUNT_MISMATCH'],
      [4210, 'CURRENCY_MISMATCH'],
    ]);
    expect(r.warnings[0]!.message).to.match(/^TUTAR TUTARSIZ: cac:LegalMonetaryTotal\/cbc:PayableAmount [\d.]+ ≠ TaxInclusiveAmount/);
    expect(r.warnings[1]!.message).to.equal('SATIR SAYISI TUTARSIZ (LineCountNumeric): cbc:LineCountNumeric 4 ≠ 3 cac:InvoiceLine');
    expect(r.warnings[2]!.message).to.equal('PARA BİRİMİ BELGENİN PARA BİRİMİNDEN FARKLI: cac:InvoiceLine/cbc:LineExtensionAmount/@currencyID USD ≠ cbc:DocumentCurrencyCode TRY');
  });

  it('refuse: the first inconsistency is the fault', async () => {
    try {
      await validator.validate(Buffer.from(inconsistent()), opts('refuse'));
      expect.fail('refused');
    } catch (e) {
      expect(e).to.be.instanceOf(GatewayError);
      expect((e as GatewayError).fault).to.equal('AMOUNT_MISMATCH');
    }
  });

  it('a consistent invoice has no warnings under either policy', async () => {
    for (const p of ['warn', 'refuse'] as const) expect((await validator.validate(Buffer.from(makeInvoice({ lines: 3, issueDate: '2024-03-01' })), opts(p))).warnings).to.deep.equal([]);
  });

  it('GİB’s OTV sample (its customer VKN given 10 digits, which GİB’s schematron wants): accepted under warn with its one inconsistency, refused under refuse', async () => {
    const otv = fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'OTV.xml'), 'utf8').replace(/>333063526</g, '>3330635261<');
    const r = await validator.validate(Buffer.from(otv), opts('warn'));
    expect(r.warnings.map((w) => w.message)).to.deep.equal(['TUTAR TUTARSIZ: cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount 9718.48 ≠ TaxExclusiveAmount 6391.67 + taxes 3324.79 = 9716.46']);
    const e = await validator.validate(Buffer.from(otv), opts('refuse')).then(() => null, (err: GatewayError) => err);
    expect(e?.fault).to.equal('AMOUNT_MISMATCH');
  });
});
