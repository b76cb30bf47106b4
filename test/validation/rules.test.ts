import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { GatewayError, type FaultName } from '../../src/faults';
import { createInvoiceValidator, type InvoiceValidator } from '../../src/validation';
import { EARSIV_PROFILES, EFATURA_PROFILES, INVOICE_TYPE_CODES, OZEL_MATRAH_EXEMPTION_CODES } from '../../src/validation/ubl-tr/codes';
import { Dec } from '../../src/validation/ubl-tr/decimal';
import { CAC, CBC } from '../../src/validation/ubl-tr/names';
import { parseXml, type XmlElement } from '../../src/xml/parse';
import { makeInvoice } from '../helpers/invoices';
import { signedInvoice } from './signature-fixture';
import { GIB_DIR, OLD_SAMPLES_DIR, UBL_SAMPLES_DIR, UBL_XSD_DIR } from '../helpers/paths';

const OPTS = { container: 'auto' as const, numberWillBeAssigned: false };

async function fault(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

/**
 * GİB's UBL-TR 1.2.1 invoice samples the gateway refuses, and why. Every one of them is refused by GİB's own checks
 * too: the "GİB schematron" column is what UBL-TR_Main_Schematron.xml (rules 20260312, run with Saxon-HE) reports
 * for the sample, except where it says otherwise. The gateway's rule that fires first is the one tested.
 */
const REFUSED_SAMPLES: Record<string, { fault: FaultName; match: RegExp; why: string }> = {
  'TemelFaturaOrnegi.xml': {
    fault: 'INVOICE_NUMBER_FORMAT',
    match: /^GEÇERSİZ FATURA NUMARASI: InvoiceIDCheck \(cbc:ID\): Geçersiz cbc:ID elemanı değeri\. cbc:ID elemanı 'ABC2009123456789' formatında olmalıdır\. \(ve 1 hata daha\)$/,
    why: 'cbc:ID GIB20090000000001 has 17 characters; GİB schematron: InvoiceIDCheck fails (and the customer TCKN ' +
      '1234567890 has 10 digits, PartyIdentificationTCKNVKNCheck)',
  },
  'IadeFaturasiOrnegi.xml': {
    fault: 'INVOICE_TYPE_UNKNOWN',
    match: /InvoiceTypeCodeCheck \(cbc:InvoiceTypeCode\): Fatura tipi IADE iken fatura profili sadece TEMELFATURA , EARSIVFATURA/,
    why: 'type IADE with profile TICARIFATURA; GİB schematron: InvoiceTypeCodeCheck ("Fatura tipi IADE iken fatura profili ' +
      'sadece TEMELFATURA, EARSIVFATURA, …") and IADEInvioceCheck (no BillingReference to the returned invoice)',
  },
  'ISTISNA-1.xml': {
    fault: 'PARTY_ID_INVALID',
    match: /PartyIdentificationTCKNVKNCheck \(cac:AccountingSupplierParty\/cac:Party\/cac:PartyIdentification\[1\]\): .*10 haneli vergi kimlik numarası/,
    why: 'supplier VKN 870612534 has 9 digits and the customer has no VKN/TCKN; GİB schematron: ' +
      'PartyIdentificationTCKNVKNCheck and PartyIdentificationPartyNamePersonCheck fail (also CurrencyCodeCheck: USD ' +
      'without PricingExchangeRate, InvoicedQuantityCheck: no unitCode)',
  },
  'ISTISNA-2.xml': {
    fault: 'AMOUNT_MISMATCH',
    match: /InvoiceLine\[1\].*264000 ≠ 8 × 31750 = 254000/,
    why: 'line 1 says 8 × 31750 = 264000 (it is 254000) and LegalMonetaryTotal 295864 ≠ Σ lines 306864; GİB\'s schematron ' +
      'checks no arithmetic, but refuses it anyway: CurrencyCodeCheck (USD without PricingExchangeRate), InvoicedQuantityCheck',
  },
  'OTV.xml': {
    fault: 'PARTY_ID_INVALID',
    match: /PartyIdentificationTCKNVKNCheck \(cac:AccountingCustomerParty\/cac:Party\/cac:PartyIdentification\[1\]\): .*10 haneli vergi kimlik numarası/,
    why: 'customer VKN 333063526 has 9 digits; GİB schematron: PartyIdentificationTCKNVKNCheck. (Its TaxInclusiveAmount ' +
      '9718.48 is also 2.02 above TaxExclusiveAmount + taxes = 9716.46.)',
  },
};

describe('validation/ubl-tr/rules', function () {
  this.timeout(30_000);
  let withXsd: InvoiceValidator;
  let noXsd: InvoiceValidator;

  before(() => {
    withXsd = createInvoiceValidator({ xsdDir: UBL_XSD_DIR, maxUnzippedBytes: 10 * 1024 * 1024 });
    noXsd = createInvoiceValidator({ maxUnzippedBytes: 10 * 1024 * 1024 });
  });

  const invoiceSamples = fs
    .readdirSync(UBL_SAMPLES_DIR)
    .filter((f) => f.endsWith('.xml') && !/Irsaliye|Yaniti/i.test(f));

  describe('every GİB UBL-TR 1.2.1 invoice sample (XSD on)', () => {
    it('the directory holds the invoice samples we expect', () => {
      expect(invoiceSamples.length).to.be.at.least(25);
      for (const f of Object.keys(REFUSED_SAMPLES)) expect(invoiceSamples).to.include(f);
    });

    for (const f of invoiceSamples) {
      const refused = REFUSED_SAMPLES[f];
      it(refused ? `${f} is refused: ${refused.fault} (${refused.why})` : `${f} passes`, async () => {
        const bytes = fs.readFileSync(path.join(UBL_SAMPLES_DIR, f));
        if (!refused) {
          const r = await withXsd.validate(bytes, OPTS);
          expect(r.xml).to.equal(bytes);
          expect(r.facts.lineCount).to.be.greaterThan(0);
          return;
        }
        const e = await fault(withXsd.validate(bytes, OPTS));
        expect(e.fault, e.message).to.equal(refused.fault);
        expect(e.message).to.match(refused.match);
      });
    }
  });

  describe('the old TR1.0 samples of e-fatura-paketi/xml', () => {
    const old = fs.readdirSync(OLD_SAMPLES_DIR).filter((f) => /^\d+_.*\.xml$/.test(f));
    it('are all there', () => expect(old.length).to.be.at.least(25));
    for (const f of old) {
      const invoice = /^\d+_(TEMEL|TICARI)_FATURA/.test(f) && !/ZARF/.test(f);
      const broken = f === '7_UYGULAMA_YANITI_IADE.xml'; // its root start tag lacks the closing quote of xsi:schemaLocation
      const expected: FaultName = invoice ? 'UBL_VERSION' : broken ? 'XML_UNPARSABLE' : 'NOT_AN_INVOICE';
      it(`${f} → ${expected}`, async () => {
        const e = await fault(withXsd.validate(fs.readFileSync(path.join(OLD_SAMPLES_DIR, f)), OPTS));
        expect(e.fault, e.message).to.equal(expected);
        if (invoice) {
          expect(e.code).to.equal(1143);
          expect(e.failures.map((x) => [x.rule, x.message])).to.deep.equal([
            ['UBLVersionIDCheck', "Geçersiz cbc:UBLVersionID elemanı değeri : '2.0'. cbc:UBLVersionID değeri '2.1' olmalıdır."],
            ['CustomizationIDCheck', "Geçersiz cbc:CustomizationID elemanı değeri : 'TR1.0' cbc:CustomizationID elemanı değeri 'TR1.2' veya 'TR1.2.1' olmalıdır."],
          ]);
        }
        if (/ZARF/.test(f)) expect(e.message).to.include('zarf');
      });
    }

    it('TEKNOLOJI_DESTEK.xml (TR1.2) is refused: its total counts one of its two 1875 lines', async () => {
      // GİB's schematron (type=earchive) accepts it: it checks no arithmetic.
      const e = await fault(withXsd.validate(fs.readFileSync(path.join(OLD_SAMPLES_DIR, 'TEKNOLOJI_DESTEK.xml')), OPTS));
      expect(e.fault).to.equal('AMOUNT_MISMATCH');
      expect(e.message).to.match(/LineExtensionAmount 1875 ≠ Σ cac:InvoiceLine\/cbc:LineExtensionAmount = 3750/);
    });
  });

  describe('facts', () => {
    it('of a makeInvoice e-Arşiv invoice', async () => {
      const xml = makeInvoice({ profile: 'EARSIVFATURA', lines: 3, supplierVkn: '1234567801', customerVkn: '12345678901', number: 'EAR2024000000042', ettn: '3F2504E0-4F89-11D3-9A0C-0305E82C3301', issueDate: '2024-05-01' });
      const r = await withXsd.validate(Buffer.from(xml), OPTS);
      expect(r.facts).to.deep.equal({
        ettn: '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
        number: 'EAR2024000000042',
        profileId: 'EARSIVFATURA',
        kind: 'EARSIV',
        typeCode: 'SATIS',
        issueDate: '2024-05-01',
        customizationId: 'TR1.2',
        senderId: '1234567801',
        senderScheme: 'VKN',
        senderName: 'Tedarikçi Anonim Şirketi',
        receiverId: '12345678901',
        receiverScheme: 'TCKN',
        receiverName: 'Ayşe Yılmaz',
        currency: 'TRY',
        payableAmount: r.facts.payableAmount,
        lineCount: 3,
        hasSignature: false,
      });
      expect(r.facts.payableAmount).to.match(/^\d+\.\d\d$/);
    });

    it('of TicariFaturaOrnegi.xml', async () => {
      const r = await withXsd.validate(fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'TicariFaturaOrnegi.xml')), OPTS);
      expect(r.facts).to.include({
        number: 'GIB2009000000011', profileId: 'TICARIFATURA', kind: 'EFATURA', typeCode: 'SATIS', issueDate: '2009-01-05',
        senderId: '1288331521', senderScheme: 'VKN', senderName: 'AAA Anonim Şirketi', receiverScheme: 'VKN',
        currency: 'TRY', payableAmount: '29755.47', lineCount: 8, hasSignature: false,
      });
    });

    it('hasSignature when ds:Signature sits in the UBLExtensions', async () => {
      const r = await withXsd.validate(Buffer.from(signedInvoice()), OPTS);
      expect(r.facts.hasSignature).to.equal(true);
    });
  });

  describe('bad documents, one rule each', () => {
    const base = (): string => makeInvoice({ lines: 2 });
    async function expectFault(xml: string, name: FaultName, match?: RegExp, v: InvoiceValidator = withXsd): Promise<void> {
      const e = await fault(v.validate(Buffer.from(xml), OPTS));
      expect(e.fault, e.message).to.equal(name);
      if (match) expect(e.message).to.match(match);
    }

    it('a document that is not UBL at all → NOT_AN_INVOICE', async () => {
      await expectFault('<?xml version="1.0"?><order><id>1</id></order>', 'NOT_AN_INVOICE', /^BELGE BİR UBL-TR FATURASI DEĞİL: kök eleman order, urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 Invoice değil$/);
    });

    it('an application response → NOT_AN_INVOICE', async () => {
      await expectFault(fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'KabulUygulamaYanitiOrnegi.xml'), 'utf8'), 'NOT_AN_INVOICE', /belge bir uygulama yanıtı \(ApplicationResponse\), fatura değil/);
    });

    it('Invoice in the wrong namespace → NOT_AN_INVOICE', async () => {
      const xml = base().replace('xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"', 'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-3"');
      await expectFault(xml, 'NOT_AN_INVOICE', /kök eleman Invoice 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-3' ad alanında/);
    });

    it('UBLVersionID 2.0 or CustomizationID TR1.0 → UBL_VERSION (before the XSD)', async () => {
      await expectFault(base().replace('<cbc:UBLVersionID>2.1<', '<cbc:UBLVersionID>2.0<'), 'UBL_VERSION', /^GECERSIZ VERSIYON: UBLVersionIDCheck: Geçersiz cbc:UBLVersionID elemanı değeri : '2\.0'\. cbc:UBLVersionID değeri '2\.1' olmalıdır\.$/);
      await expectFault(base().replace('<cbc:CustomizationID>TR1.2<', '<cbc:CustomizationID>TR1.0<'), 'UBL_VERSION', /CustomizationIDCheck: Geçersiz cbc:CustomizationID elemanı değeri : 'TR1\.0' cbc:CustomizationID elemanı değeri 'TR1\.2' veya 'TR1\.2\.1' olmalıdır\.$/);
      const ok = await withXsd.validate(Buffer.from(base().replace('<cbc:CustomizationID>TR1.2<', '<cbc:CustomizationID>TR1.2.1<')), OPTS);
      expect(ok.facts.customizationId).to.equal('TR1.2.1');
    });

    it('an unknown ProfileID → PROFILE_UNKNOWN', async () => {
      await expectFault(makeInvoice({ profile: 'SUPERFATURA' }), 'PROFILE_UNKNOWN', /SUPERFATURA/);
      await expectFault(makeInvoice({ profile: ' TEMELFATURA' }), 'PROFILE_UNKNOWN');
    });

    it('an unknown InvoiceTypeCode, or one the profile does not allow → INVOICE_TYPE_UNKNOWN', async () => {
      await expectFault(makeInvoice({ typeCode: 'HEDIYE' }), 'INVOICE_TYPE_UNKNOWN', /HEDIYE/);
      await expectFault(makeInvoice({ typeCode: 'SARJ' }), 'INVOICE_TYPE_UNKNOWN', /ENERJI/);
      await expectFault(makeInvoice({ profile: 'ENERJI' }), 'INVOICE_TYPE_UNKNOWN', /SARJ/);
      await expectFault(makeInvoice({ profile: 'TICARIFATURA', typeCode: 'IADE' }), 'INVOICE_TYPE_UNKNOWN', /IADE/);
      await expectFault(makeInvoice({ typeCode: 'TEKNOLOJIDESTEK' }), 'INVOICE_TYPE_UNKNOWN', /EARSIVFATURA/);
      for (const typeCode of ['SATIS', 'TEVKIFAT', 'ISTISNA', 'OZELMATRAH', 'IHRACKAYITLI', 'SGK']) {
        const r = await noXsd.validate(Buffer.from(makeInvoice({ typeCode })), OPTS);
        expect(r.facts.typeCode).to.equal(typeCode);
      }
      expect((await noXsd.validate(Buffer.from(makeInvoice({ profile: 'ENERJI', typeCode: 'SARJANLIK' })), OPTS)).facts.typeCode).to.equal('SARJANLIK');
      expect((await noXsd.validate(Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', typeCode: 'SARJ' })), OPTS)).facts.kind).to.equal('EARSIV');
    });

    it('a wrong invoice number → INVOICE_NUMBER_FORMAT', async () => {
      for (const number of ['ABC202400000001', 'ABC20240000000001', 'abc2024000000001', 'ABC1924000000001', 'AB-2024000000001', ' ABC2024000000001']) {
        await expectFault(makeInvoice({ number }), 'INVOICE_NUMBER_FORMAT');
      }
    });

    it('no invoice number while the caller does not ask the gateway to assign one → REQUIRED_FIELD', async () => {
      await expectFault(makeInvoice({ number: null }), 'REQUIRED_FIELD', /cbc:ID/);
    });

    it('numberWillBeAssigned: an empty, placeholder or missing cbc:ID is accepted and reported as null', async () => {
      const o = { container: 'auto' as const, numberWillBeAssigned: true };
      for (const xml of [
        makeInvoice({ number: null }),
        makeInvoice({ number: null }).replace('<cbc:ID/>', '<cbc:ID> </cbc:ID>'),
        makeInvoice({ number: 'TASLAK' }),
        makeInvoice({ number: null }).replace('<cbc:ID/>', ''),
      ]) {
        const r = await withXsd.validate(Buffer.from(xml), o);
        expect(r.facts.number).to.equal(null);
      }
      const kept = await withXsd.validate(Buffer.from(makeInvoice({ number: 'ABC2024000000007' })), o);
      expect(kept.facts.number).to.equal('ABC2024000000007');
    });

    it('a bad UUID → ETTN_FORMAT', async () => {
      for (const ettn of ['not-a-uuid', '3F2504E0-4F89-11D3-9A0C-0305E82C330', '3F2504E04F8911D39A0C0305E82C3301', '{3F2504E0-4F89-11D3-9A0C-0305E82C3301}', '3F2504E0-4F89-11D3-9A0C-0305E82C330G']) {
        await expectFault(makeInvoice({ ettn }), 'ETTN_FORMAT', undefined, noXsd);
      }
      await expectFault(makeInvoice({ ettn: 'not-a-uuid' }), 'ETTN_FORMAT');
    });

    it('an IssueDate that is not a real date → ISSUE_DATE_INVALID (without XSD), XSD_INVALID (with)', async () => {
      for (const issueDate of ['2023-02-29', '2024-13-01', '2024-1-01', '01.05.2024']) {
        await expectFault(makeInvoice({ issueDate, number: 'ABC2024000000001' }), 'ISSUE_DATE_INVALID', undefined, noXsd);
        await expectFault(makeInvoice({ issueDate, number: 'ABC2024000000001' }), 'XSD_INVALID');
      }
      expect((await noXsd.validate(Buffer.from(makeInvoice({ issueDate: '2024-02-29' })), OPTS)).facts.issueDate).to.equal('2024-02-29');
    });

    it('with the gateway clock: an IssueDate after today (Türkiye) → ISSUE_DATE_INVALID (GİB TimeCheck)', async () => {
      const clock = createInvoiceValidator({ maxUnzippedBytes: 1e6, now: () => new Date('2024-05-01T21:30:00Z') }); // 00:30 on 2 May in İstanbul
      expect((await clock.validate(Buffer.from(makeInvoice({ issueDate: '2024-05-02' })), OPTS)).facts.issueDate).to.equal('2024-05-02');
      await expectFault(makeInvoice({ issueDate: '2024-05-03' }), 'ISSUE_DATE_INVALID', /^GEÇERSİZ FATURA TARİHİ: TimeCheck \(cbc:IssueDate\): Geçersiz cbc:IssueDate değeri : '2024-05-03' cbc:IssueDate alanı günün tarihinden ileri bir tarih olamaz$/, clock);
      const ref = makeInvoice({ issueDate: '2024-05-01' }).replace('<cac:Signature>', '<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>ABC2024000000001</cbc:ID><cbc:IssueDate>2024-06-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference><cac:Signature>');
      await expectFault(ref, 'ISSUE_DATE_INVALID', /TimeCheck \(cac:BillingReference\[1\]\/cac:InvoiceDocumentReference\[1\]\/cbc:IssueDate\): Geçersiz cbc:IssueDate değeri : '2024-06-01' cbc:IssueDate alanı günün tarihinden ileri/, clock);
    });

    it('an IssueDate before 2005-01-01 → ISSUE_DATE_INVALID (TimeCheck-2), compared by its first instant as XPath does', async () => {
      for (const issueDate of ['1999-06-01', '2004-12-31', '2004-12-31-14:00', '2005-01-01+05:00', '2005-01-01+14:00']) {
        await expectFault(makeInvoice({ issueDate, number: 'ABC2024000000001' }), 'ISSUE_DATE_INVALID', new RegExp(`TimeCheck \\(cbc:IssueDate\\): Geçersiz cbc:IssueDate değeri : '${issueDate.replace('+', '\\+')}' cbc:IssueDate alanı 01\\.01\\.2005 tarihinden önce bir tarih olamaz$`), noXsd);
      }
      // xs:date('2005-01-01+04:00') le xs:date(.): the first instant of these is not earlier.
      for (const issueDate of ['2005-01-01', '2005-01-01+04:00', '2005-01-01Z', '2005-01-01-10:00']) {
        expect((await noXsd.validate(Buffer.from(makeInvoice({ issueDate, number: 'ABC2024000000001' })), OPTS)).facts.issueDate, issueDate).to.equal(issueDate.slice(0, 10));
      }
      // Every cbc:IssueDate of the document, also without the gateway clock.
      const ref = makeInvoice({ issueDate: '2024-05-01' }).replace('<cac:Signature>', '<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>ABC2004000000001</cbc:ID><cbc:IssueDate>2004-06-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference><cac:Signature>');
      await expectFault(ref, 'ISSUE_DATE_INVALID', /InvoiceDocumentReference\[1\]\/cbc:IssueDate\): Geçersiz cbc:IssueDate değeri : '2004-06-01' cbc:IssueDate alanı 01\.01\.2005 tarihinden önce/, noXsd);
    });

    it('a channel holds the profile to its list (ProfileIDCheck with type=efatura / type=earchive)', async () => {
      const onChannel = (xml: string, channel: 'EFATURA' | 'EARSIV') => noXsd.validate(Buffer.from(xml), { ...OPTS, channel });
      const e1 = await fault(onChannel(makeInvoice({ profile: 'EARSIVFATURA' }), 'EFATURA'));
      expect([e1.fault, e1.message]).to.deep.equal(['PROFILE_UNKNOWN', "GEÇERSİZ SENARYO (ProfileID): ProfileIDCheck (cbc:ProfileID): Geçersiz cbc:ProfileID elemanı değeri : 'EARSIVFATURA'. Geçerli cbc:ProfileID değerleri için ProfileIDType listesine bakınız."]);
      for (const profile of ['TEMELFATURA', 'TICARIFATURA', 'IHRACAT']) {
        const e = await fault(onChannel(makeInvoice({ profile }), 'EARSIV'));
        expect([e.fault, e.message]).to.deep.equal(['PROFILE_UNKNOWN', `GEÇERSİZ SENARYO (ProfileID): ProfileIDCheck (cbc:ProfileID): Geçersiz cbc:ProfileID elemanı değeri : '${profile}'. Geçerli cbc:ProfileID değerleri için ProfileIDTypeEarchive listesine bakınız.`]);
      }
      expect((await onChannel(makeInvoice({ profile: 'EARSIVFATURA' }), 'EARSIV')).facts.kind).to.equal('EARSIV');
      expect((await onChannel(makeInvoice({ profile: 'TICARIFATURA' }), 'EFATURA')).facts.kind).to.equal('EFATURA');
      // Without a channel, as before: inferred from the profile.
      expect((await noXsd.validate(Buffer.from(makeInvoice({ profile: 'EARSIVFATURA' })), OPTS)).facts.kind).to.equal('EARSIV');
    });

    it('a missing supplier or customer identifier → REQUIRED_FIELD naming the field', async () => {
      const noSupplierId = base().replace(/(<cac:AccountingSupplierParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID=")VKN/, '$1MERSISNO');
      await expectFault(noSupplierId, 'REQUIRED_FIELD', /^ZORUNLU ALAN EKSİK: PartyIdentificationPartyNamePersonCheck \(cac:AccountingSupplierParty\/cac:Party\): schemeID niteliği değeri 'VKN' ve ya 'TCKN' olan bir tane cbc:ID elemanı bulunmalıdır\.$/);
      const noCustomerId = base().replace(/(<cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID=")VKN/, '$1MUSTERINO');
      await expectFault(noCustomerId, 'REQUIRED_FIELD', /\(cac:AccountingCustomerParty\/cac:Party\): schemeID niteliği değeri 'VKN' ve ya 'TCKN'/);
      // Present but malformed is PARTY_ID_INVALID in GİB's words, not REQUIRED_FIELD.
      await expectFault(makeInvoice({ supplierVkn: '123456789' }), 'PARTY_ID_INVALID',
        /^GEÇERSİZ VKN\/TCKN: PartyIdentificationTCKNVKNCheck \(cac:AccountingSupplierParty\/cac:Party\/cac:PartyIdentification\[1\]\): cbc:ID elemanının schemeID niteliği değeri 'VKN' olması durumunda cbc:ID elemanına 10 haneli vergi kimlik numarası yazılmalıdır\.$/);
      await expectFault(makeInvoice({ customerVkn: '12345678901' }).replace('>12345678901<', '>1234567890<'), 'PARTY_ID_INVALID', /AccountingCustomerParty.*'TCKN' olması durumunda cbc:ID elemanına 11 haneli TC kimlik numarası/);
      // GİB counts characters; the identifier the gateway routes by must be digits (its own check).
      await expectFault(makeInvoice({ customerVkn: '123456789X' }), 'PARTY_ID_INVALID', /^GEÇERSİZ VKN\/TCKN: VknTcknDigitsCheck \(cac:AccountingCustomerParty\/cac:Party\): Vergi kimlik numarası yalnız rakamlardan oluşmalıdır: '123456789X'\.$/);
      const twoIds = base().replace('</cac:PartyIdentification><cac:PartyName><cbc:Name>Alıcı', '</cac:PartyIdentification><cac:PartyIdentification><cbc:ID schemeID="VKN">1111111111</cbc:ID></cac:PartyIdentification><cac:PartyName><cbc:Name>Alıcı');
      await expectFault(twoIds, 'PARTY_ID_INVALID', /\(cac:AccountingCustomerParty\/cac:Party\): schemeID niteliği değeri 'VKN' ve ya 'TCKN' olan bir tane cbc:ID elemanı bulunmalıdır\.$/);
      const noName = base().replace('<cac:PartyName><cbc:Name>Tedarikçi Anonim Şirketi</cbc:Name></cac:PartyName>', '');
      await expectFault(noName, 'REQUIRED_FIELD', /\(cac:AccountingSupplierParty\/cac:Party\): schemeID niteliği değeri 'VKN' olması durumunda cac:PartyName elemanı bulunmalıdır\.$/);
      const noFamily = makeInvoice({ customerVkn: '12345678901' }).replace('<cbc:FamilyName>Yılmaz</cbc:FamilyName>', '<cbc:FamilyName> </cbc:FamilyName>');
      await expectFault(noFamily, 'REQUIRED_FIELD', /\(cac:AccountingCustomerParty\/cac:Party\): cac:Person elemanı geçerli ve boş değer içermeyen cbc:FirstName ve cbc:FamilyName elemanlarına sahip olmalıdır\.$/);
      const noSupplier = base().replace(/<cac:AccountingSupplierParty>.*<\/cac:AccountingSupplierParty>/, '');
      await expectFault(noSupplier, 'REQUIRED_FIELD', /cac:AccountingSupplierParty$/, noXsd);
      await expectFault(noSupplier, 'XSD_INVALID');
    });

    it('a line amount that does not add up → AMOUNT_MISMATCH naming the field and both numbers', async () => {
      const xml = base().replace(/(<cac:InvoiceLine><cbc:ID>2<\/cbc:ID><cbc:InvoicedQuantity unitCode="C62">)(\d+)/, (_, a: string, q: string) => `${a}${Number(q) + 1}`);
      await expectFault(xml, 'AMOUNT_MISMATCH', /cac:InvoiceLine\[2\] \(cbc:ID 2\)\/cbc:LineExtensionAmount \d+\.\d\d ≠ \d+ × \d+\.\d\d = \d+\.\d\d/);
    });

    it('a payable amount that does not add up → AMOUNT_MISMATCH', async () => {
      const xml = base().replace(/<cbc:PayableAmount currencyID="TRY">([\d.]+)</, (_, v: string) => `<cbc:PayableAmount currencyID="TRY">${Dec.parse(v)!.add(Dec.parse('1')!)}<`);
      await expectFault(xml, 'AMOUNT_MISMATCH', /cac:LegalMonetaryTotal\/cbc:PayableAmount [\d.]+ ≠ TaxInclusiveAmount [\d.]+ = [\d.]+/);
    });

    it('a tax total that is not the sum of its subtotals → AMOUNT_MISMATCH', async () => {
      const xml = base().replace(/(<\/cac:AccountingCustomerParty><cac:TaxTotal><cbc:TaxAmount currencyID="TRY">)([\d.]+)/, (_, a: string, v: string) => `${a}${Dec.parse(v)!.add(Dec.parse('0.10')!)}`);
      await expectFault(xml, 'AMOUNT_MISMATCH', /cac:TaxTotal\[1\]\/cbc:TaxAmount [\d.]+ ≠ Σ cac:TaxSubtotal\/cbc:TaxAmount/);
    });

    it('an amount that is not a number → AMOUNT_MISMATCH (without XSD), XSD_INVALID (with)', async () => {
      const xml = base().replace(/<cbc:PayableAmount currencyID="TRY">[\d.]+</, '<cbc:PayableAmount currencyID="TRY">12,50<');
      await expectFault(xml, 'AMOUNT_MISMATCH', /'12,50' is not a decimal number/, noXsd);
      await expectFault(xml, 'XSD_INVALID');
    });

    it('each check is its own fault in the catalogue, with GİB\'s code where GİB has one', async () => {
      const e = await fault(withXsd.validate(Buffer.from(makeInvoice({ ettn: 'x' })), OPTS));
      expect([e.fault, e.code, e.spec.soap]).to.deep.equal(['ETTN_FORMAT', 4203, 'soap:Client']);
    });
  });

  describe('arithmetic is not vacuous: any amount of a valid sample changed by 0.01 → AMOUNT_MISMATCH', () => {
    /** Amount elements some relation of amounts.ts pins down (see its header). */
    function pinnedAmounts(root: XmlElement, hks: boolean): XmlElement[] {
      const out: XmlElement[] = [];
      const take = (el: XmlElement | undefined): void => {
        if (el) out.push(el);
      };
      const taxTotal = (tt: XmlElement): void => {
        take(tt.children.find((c) => c.ns === CBC && c.local === 'TaxAmount'));
        for (const st of tt.children.filter((c) => c.ns === CAC && c.local === 'TaxSubtotal')) {
          const seq = st.children.find((c) => c.ns === CBC && c.local === 'CalculationSequenceNumeric');
          if (seq && seq.text.trim() === '-1') continue; // left out of every total by design
          take(st.children.find((c) => c.ns === CBC && c.local === 'TaxAmount'));
        }
      };
      const acs = (parent: XmlElement): void => {
        for (const ac of parent.children.filter((c) => c.ns === CAC && c.local === 'AllowanceCharge')) {
          take(ac.children.find((c) => c.ns === CBC && c.local === 'Amount'));
        }
      };
      for (const c of root.children) {
        if (c.ns !== CAC) continue;
        if (c.local === 'InvoiceLine') {
          take(c.children.find((k) => k.ns === CBC && k.local === 'LineExtensionAmount'));
          acs(c);
          const qty = Number(c.children.find((k) => k.ns === CBC && k.local === 'InvoicedQuantity')?.text);
          const price = c.children.find((k) => k.ns === CAC && k.local === 'Price');
          if (qty >= 1 && price) take(price.children.find((k) => k.ns === CBC && k.local === 'PriceAmount'));
          for (const t of c.children.filter((k) => k.ns === CAC && (k.local === 'TaxTotal' || k.local === 'WithholdingTaxTotal'))) taxTotal(t);
        } else if (c.local === 'TaxTotal' || c.local === 'WithholdingTaxTotal') {
          taxTotal(c);
        } else if (c.local === 'AllowanceCharge') {
          take(c.children.find((k) => k.ns === CBC && k.local === 'Amount'));
        } else if (c.local === 'LegalMonetaryTotal') {
          for (const k of c.children) {
            if (hks && (k.local === 'AllowanceTotalAmount' || k.local === 'ChargeTotalAmount')) continue; // not used by the HKS form
            out.push(k);
          }
        }
      }
      return out;
    }

    const sources: Array<[string, () => Buffer]> = invoiceSamples
      .filter((f) => !REFUSED_SAMPLES[f])
      .map((f) => [f, () => fs.readFileSync(path.join(UBL_SAMPLES_DIR, f))]);
    sources.push(['makeInvoice (10 lines)', () => Buffer.from(makeInvoice({ lines: 10 }))]);

    for (const [name, load] of sources) {
      it(name, async () => {
        const bytes = load();
        const doc = parseXml(bytes);
        const profile = doc.root.children.find((c) => c.ns === CBC && c.local === 'ProfileID')?.text;
        const type = doc.root.children.find((c) => c.ns === CBC && c.local === 'InvoiceTypeCode')?.text;
        const amounts = pinnedAmounts(doc.root, profile === 'HKS' || type === 'KOMISYONCU' || type === 'HKSKOMISYONCU');
        expect(amounts.length).to.be.greaterThan(5);
        for (const el of amounts) {
          for (const delta of ['0.01', '-0.01']) {
            const changed = Dec.parse(el.text)!.add(Dec.parse(delta)!).toString();
            const mutated = Buffer.concat([bytes.subarray(0, el.startTagEnd), Buffer.from(changed), bytes.subarray(el.endTagStart)]);
            const e = await fault(noXsd.validate(mutated, OPTS));
            expect(e.fault, `${el.local} ${el.text.trim()} → ${changed}: ${e.message}`).to.equal('AMOUNT_MISMATCH');
          }
        }
      });
    }
  });

  it('the code lists match GİB\'s UBL-TR_Codelist.xml', () => {
    const text = fs.readFileSync(path.join(GIB_DIR, 'e-fatura-paketi', 'schematron', 'UBL-TR_Codelist.xml'), 'utf8');
    const list = (name: string): string[] => {
      const m = new RegExp(`<sch:let name="${name}"\\s+value="'([^']*)'"`).exec(text);
      if (!m) throw new Error(`${name} not found`);
      return m[1]!.split(',').filter(Boolean).sort();
    };
    expect([...EFATURA_PROFILES].sort()).to.deep.equal(list('ProfileIDType'));
    expect([...EARSIV_PROFILES].sort()).to.deep.equal(list('ProfileIDTypeEarchive'));
    expect([...INVOICE_TYPE_CODES].sort()).to.deep.equal(list('InvoiceTypeCodeList'));
    expect([...OZEL_MATRAH_EXEMPTION_CODES].sort()).to.deep.equal(list('ozelMatrahTaxExemptionReasonCodeType'));
  });
});
