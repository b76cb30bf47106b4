import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import {
  decimalAt,
  earsivInvoiceDigest,
  earsivReportInvoice,
  sendingTypeOf,
  sumDecimals,
} from '../../src/gib/protocol/earsiv-report-lines';
import { EARSIV_REPORT_SIGNATURE_PLACEMENT, buildEarsivReport, parseEarsivReport } from '../../src/gib/protocol/earsiv-report';
import { ensureDevelopmentSeal } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing/signer';
import { signXml } from '../../src/signing/xades';
import { parseXml } from '../../src/xml/parse';
import { tempDir } from '../helpers/db';
import { makeInvoice } from '../helpers/invoices';
import { OLD_SAMPLES_DIR, UBL_SAMPLES_DIR } from '../helpers/paths';
import { gatewayErrorOf, xmllintEarsiv } from './helpers';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ublSample = (name: string) => fs.readFileSync(path.join(UBL_SAMPLES_DIR, name));

describe('e-Arşiv report lines from signed invoices (earsiv-report-lines.ts)', function () {
  this.timeout(20_000);
  let signer: Signer;
  const dir = tempDir('gw-earsiv-lines-');

  before(async () => {
    signer = await createSigner(await ensureDevelopmentSeal(dir, { vkn: '1234567801', title: 'TEST TICARET A.S.' }));
  });
  after(async () => {
    await signer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("GİB's signed e-Arşiv sample (TEKNOLOJI_DESTEK.xml): every field, and the report built from it passes EArsiv.xsd", async () => {
    const bytes = fs.readFileSync(path.join(OLD_SAMPLES_DIR, 'TEKNOLOJI_DESTEK.xml'));
    const line = earsivReportInvoice(bytes);
    expect(line).to.deep.include({
      ettn: 'ac280b71-29ee-4bb7-b449-3929106810c5',
      number: 'GIB2025000000001',
      type: 'TEKNOLOJIDESTEK',
      sendingType: 'ELEKTRONIK',
      fileName: 'ac280b71-29ee-4bb7-b449-3929106810c5.xml',
      digest: sha256(bytes),
      issueDate: '2025-04-21',
      issueTime: '16:58:34',
      total: '1875',
      discount: '0',
      payable: '2250',
      currency: 'TRY',
      exchangeRate: '1',
      url: '',
      taxTotal: '375',
    });
    expect(line.taxes).to.deep.equal([{ base: '1875', code: '0015', amount: '375', percent: '20' }]);
    expect(line.withholdings).to.equal(undefined);
    // A TCKN receiver with cac:Person: gercekKisi with the person's name.
    expect(line.receiver).to.deep.equal({ vknTckn: '99999999999', name: 'GIB GIB' });
    // xades:SigningTime 2013-07-09T17:13:43.830+03:00.
    expect((line.signedAt as Date).toISOString()).to.equal('2013-07-09T14:13:43.830Z');
    expect(line.digest).to.match(/^[0-9a-f]{64}$/).and.equal(earsivInvoiceDigest(bytes));

    const reportId = randomUUID();
    const xml = buildEarsivReport({ taxpayer: '9999999999', integrator: '1234567801', reportId, period: { start: '2025-04-21', end: '2025-04-21' }, invoices: [line] });
    expect(xmllintEarsiv(xml).ok, 'unsigned: ds:Signature is required').to.equal(false);
    const signed = await signXml(xml, signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT });
    const verdict = xmllintEarsiv(signed);
    expect(verdict.ok, verdict.output).to.equal(true);
    const parsed = parseEarsivReport(signed);
    expect(parsed.invoices[0]).to.deep.include({ ettn: line.ettn, number: line.number, digest: sha256(bytes), signedAt: '2013-07-09T17:13:43', issueTime: '16:58:34' });
    expect(parsed.invoices[0]!.receiver).to.deep.equal({ vknTckn: '99999999999', name: 'GIB GIB' });
  });

  it("GİB's YTB e-Arşiv samples: ytbBilgileri from ContractDocumentReference YTBNO; the signing time from the row when the sample is unsigned", async () => {
    const bytes = ublSample('YTB_Satıs_EArşiv.xml');
    expect(() => earsivReportInvoice(bytes)).to.throw(/SigningTime/);
    const line = earsivReportInvoice(bytes, { signedAt: new Date('2025-10-01T09:00:00Z'), url: 'https://ornek.test/f/1' });
    expect(line).to.deep.include({ number: 'GIB2025000000001', type: 'YTBSATIS', ytb: { number: '123456', date: '2025-01-01' }, payable: '1800.00', total: '1500.00', taxTotal: '300.00', url: 'https://ornek.test/f/1' });
    expect(line.receiver).to.deep.equal({ vknTckn: '3333333888', name: 'GIB' });
    const reportable = ['YTB_Iade_EArsıv.xml', 'YTB_Iade_Istısna_EArsıv.xml', 'YTB_Istisna_EArsıv.xml'].map((f) => earsivReportInvoice(ublSample(f), { signedAt: new Date('2025-10-01T09:00:00Z') }));
    expect(reportable.map((l) => l.type)).to.deep.equal(['YTBIADE', 'YTBIADE', 'YTBISTISNA']);
    for (const l of reportable) expect(l.ytb?.number).to.equal('123456');
    // The samples share an ETTN and number, so each goes into a report of its own; all pass EArsiv.xsd once signed.
    for (const l of [line, ...reportable]) {
      const xml = buildEarsivReport({ taxpayer: '3333333888', integrator: '1234567801', reportId: randomUUID(), period: { start: '2025-10-01', end: '2025-10-01' }, invoices: [l] });
      const verdict = xmllintEarsiv(await signXml(xml, signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT }));
      expect(verdict.ok, `${l.type}: ${verdict.output}`).to.equal(true);
    }
  });

  it('YTBTEVKIFAT has no faturaTip in EArsiv.xsd: refused by name, not reported under a guessed type', async () => {
    for (const f of ['YTB_Tevkıfat_EArşiv.xml', 'YTB_TevkıfatIade_EArşiv.xml']) {
      const err = await gatewayErrorOf(() => earsivReportInvoice(ublSample(f), { signedAt: new Date() }));
      expect(err.fault).to.equal('INVOICE_TYPE_UNKNOWN');
      expect(err.message).to.match(/YTBTEVKIFAT/);
    }
  });

  it("withholdings (tevkifat) from WithholdingTaxTotal: GİB's TEVKIFAT sample made an e-Arşiv invoice", async () => {
    const text = ublSample('TEVKIFAT.xml').toString('utf8').replace(/<cbc:ProfileID>[^<]*<\/cbc:ProfileID>/, '<cbc:ProfileID>EARSIVFATURA</cbc:ProfileID>');
    const doc = parseXml(Buffer.from(text));
    expect(doc.root.local).to.equal('Invoice');
    const line = earsivReportInvoice(Buffer.from(text), { signedAt: new Date() });
    expect(line.type).to.equal('TEVKIFAT');
    expect(line.withholdings?.length).to.be.greaterThan(0);
    for (const w of line.withholdings!) expect(w.code).to.match(/^[0-9]{3}$/);
    const wt = /<cac:WithholdingTaxTotal>[\s\S]*?<cbc:TaxTypeCode>([0-9]{3})<\/cbc:TaxTypeCode>/.exec(text)!;
    expect(line.withholdings![0]!.code).to.equal(wt[1]);
    // and the line is acceptable to the report's own checks
    buildEarsivReport({ taxpayer: '1234567801', integrator: '1234567801', reportId: randomUUID(), period: { start: line.issueDate as string, end: line.issueDate as string }, invoices: [line] });
  });

  it('an invoice made by makeInvoice and signed: digest of the signed bytes, SigningTime, receiver person or company', async () => {
    const signingTime = new Date('2026-03-10T07:30:15.000Z');
    const person = await signXml(makeInvoice({ profile: 'EARSIVFATURA', issueDate: '2026-03-10', lines: 3 }), signer, { signingTime });
    const a = earsivReportInvoice(person);
    expect(a.digest).to.equal(sha256(person));
    expect((a.signedAt as Date).toISOString()).to.equal(signingTime.toISOString());
    expect(a.receiver).to.deep.equal({ vknTckn: '11111111111', name: 'Ayşe Yılmaz' });
    expect(a).to.deep.include({ issueDate: '2026-03-10', issueTime: '10:00:00', type: 'SATIS', currency: 'TRY', exchangeRate: '1', discount: '0' });
    const company = await signXml(makeInvoice({ profile: 'EARSIVFATURA', customerVkn: '9876543210' }), signer);
    expect(earsivReportInvoice(company).receiver).to.deep.equal({ vknTckn: '9876543210', name: 'Alıcı Limited Şirketi' });
    // the row must agree with the document
    expect(() => earsivReportInvoice(person, { ettn: randomUUID() })).to.throw(/ETTN/);
    expect(() => earsivReportInvoice(person, { number: 'EAR2026999999999' })).to.throw(/numara/);
    // the report built from both, signed, passes GİB's schema
    const xml = buildEarsivReport({ taxpayer: '1234567801', integrator: '1234567801', reportId: randomUUID(), period: { start: '2026-03-10', end: '2026-03-10' }, invoices: [a] });
    const verdict = xmllintEarsiv(await signXml(xml, signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT }));
    expect(verdict.ok, verdict.output).to.equal(true);
  });

  it('only e-Arşiv invoices are reported', async () => {
    const err = await gatewayErrorOf(() => earsivReportInvoice(Buffer.from(makeInvoice({ profile: 'TEMELFATURA' })), { signedAt: new Date() }));
    expect(err.fault).to.equal('PROFILE_UNKNOWN');
  });

  it('gonderimSekli: ELEKTRONIK unless an AdditionalDocumentReference (or the row) says KAGIT', () => {
    const base = makeInvoice({ profile: 'EARSIVFATURA' });
    const withRef = (ref: string) => Buffer.from(base.replace('<cac:Signature>', `${ref}<cac:Signature>`));
    const ref = (inner: string) => `<cac:AdditionalDocumentReference>${inner}<cbc:IssueDate>2026-01-01</cbc:IssueDate>`;
    const cases: Array<[string, string]> = [
      [`${ref('<cbc:ID>gonderimSekli</cbc:ID>')}<cbc:DocumentType>KAGIT</cbc:DocumentType></cac:AdditionalDocumentReference>`, 'KAGIT'],
      [`${ref('<cbc:ID>1</cbc:ID>')}<cbc:DocumentTypeCode>SendingType</cbc:DocumentTypeCode><cbc:DocumentType>KAGIT</cbc:DocumentType></cac:AdditionalDocumentReference>`, 'KAGIT'],
      [`${ref('<cbc:ID>x</cbc:ID>')}<cbc:DocumentTypeCode>GONDERIM_SEKLI</cbc:DocumentTypeCode><cbc:DocumentType>KAĞIT</cbc:DocumentType></cac:AdditionalDocumentReference>`, 'KAGIT'],
      [`${ref('<cbc:ID>GÖNDERİM ŞEKLİ</cbc:ID>')}<cbc:DocumentType>ELEKTRONIK</cbc:DocumentType></cac:AdditionalDocumentReference>`, 'ELEKTRONIK'],
      // an unrelated reference that happens to say KAGIT is not the sending type
      [`${ref('<cbc:ID>aciklama</cbc:ID>')}<cbc:DocumentType>KAGIT</cbc:DocumentType></cac:AdditionalDocumentReference>`, 'ELEKTRONIK'],
      ['', 'ELEKTRONIK'],
    ];
    for (const [inner, expected] of cases) {
      const bytes = withRef(inner);
      expect(sendingTypeOf(parseXml(bytes)), inner).to.equal(expected);
      expect(earsivReportInvoice(bytes, { signedAt: new Date() }).sendingType, inner).to.equal(expected);
    }
    expect(earsivReportInvoice(Buffer.from(base), { signedAt: new Date(), sendingType: 'KAGIT' }).sendingType).to.equal('KAGIT');
  });

  it('a foreign-currency invoice: dövizKuru from PricingExchangeRate (rounded to 6 decimals), required', async () => {
    const usd = makeInvoice({ profile: 'EARSIVFATURA' }).replace('<cbc:DocumentCurrencyCode>TRY</cbc:DocumentCurrencyCode>', '<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>');
    const err = await gatewayErrorOf(() => earsivReportInvoice(Buffer.from(usd), { signedAt: new Date() }));
    expect(err.fault).to.equal('REQUIRED_FIELD');
    expect(err.message).to.contain('PricingExchangeRate');
    const rate = '<cac:PricingExchangeRate><cbc:SourceCurrencyCode>USD</cbc:SourceCurrencyCode><cbc:TargetCurrencyCode>TRY</cbc:TargetCurrencyCode><cbc:CalculationRate>32.12345678</cbc:CalculationRate></cac:PricingExchangeRate>';
    const line = earsivReportInvoice(Buffer.from(usd.replace('<cac:TaxTotal>', `${rate}<cac:TaxTotal>`)), { signedAt: new Date() });
    expect(line).to.deep.include({ currency: 'USD', exchangeRate: '32.123457' });
  });

  it('decimal helpers: as written when short enough, rounded half up otherwise, sums exact', () => {
    expect(decimalAt('1875', 2, 'x')).to.equal('1875');
    expect(decimalAt('12.5', 2, 'x')).to.equal('12.5');
    expect(decimalAt('12.345', 2, 'x')).to.equal('12.35');
    expect(decimalAt('12.344', 2, 'x')).to.equal('12.34');
    expect(decimalAt('0.995', 2, 'x')).to.equal('1.00');
    expect(decimalAt('-0.004', 2, 'x')).to.equal('0.00');
    expect(decimalAt('18.0000001', 3, 'x')).to.equal('18.000');
    expect(() => decimalAt('1,5', 2, 'x')).to.throw();
    expect(sumDecimals(['0.10', '0.2', '100'], 'x')).to.equal('100.30');
    expect(sumDecimals(['0.1', '-0.3'], 'x')).to.equal('-0.2');
    expect(sumDecimals(['375'], 'x')).to.equal('375');
  });
});
