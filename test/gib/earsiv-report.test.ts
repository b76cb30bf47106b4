import { expect } from 'chai';
import path from 'node:path';
import {
  EARSIV_REPORT_SIGNATURE_PLACEMENT,
  buildEarsivReport,
  parseEarsivReport,
  type EarsivReportInvoice,
  type EarsivReportSpec,
} from '../../src/gib/protocol/earsiv-report';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import { signXml } from '../../src/signing/xades';
import { verifyXml } from '../../src/signing/verify';
import { fieldError, GIB_DIR, testSeal, xmllint } from './helpers';

/** GİB's root schema of the report; it imports xmldsig and XAdES from its own folder. */
const EARSIV_XSD = path.join(GIB_DIR, 'earsiv', 'EArsiv.xsd');

const validateEarsiv = (xml: Buffer) => xmllint(EARSIV_XSD, xml);

const INTEGRATOR = '1234567890';
const TAXPAYER = '9205121120';

const INVOICE_A: EarsivReportInvoice = {
  ettn: '3f2a1c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  number: 'ABC2024000000001',
  type: 'SATIS',
  sendingType: 'ELEKTRONIK',
  fileName: 'ABC2024000000001.xml',
  digest: 'q1w2e3r4t5y6u7i8o9p0',
  issueDate: '2024-03-05',
  issueTime: '09:15:00',
  total: '1000.00',
  discount: '0',
  payable: '1200.00',
  currency: 'TRY',
  exchangeRate: '0',
  url: 'https://earsiv.example.com.tr/fatura/3f2a1c4e',
  taxTotal: '200.00',
  taxes: [{ base: '1000.00', code: '0015', amount: '200.00', percent: '20' }],
  receiver: { vknTckn: '12345678901', name: 'Ayşe Yılmaz' },
  signedAt: '2024-03-05T09:15:02',
};

const INVOICE_B: EarsivReportInvoice = {
  ...INVOICE_A,
  ettn: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  number: 'ABC2024000000002',
  type: 'TEVKIFAT',
  sendingType: 'KAGIT',
  fileName: 'ABC2024000000002.xml',
  issueDate: new Date('2024-03-05T11:30:45Z'), // 14:30:45 in Turkey
  issueTime: undefined,
  total: '500.00',
  discount: '25.50',
  payable: '501.30',
  currency: 'USD',
  exchangeRate: '31.123456',
  url: '',
  taxTotal: '95.00',
  taxes: [
    { base: '474.50', code: '0015', amount: '94.90', percent: '20' },
    { base: '474.50', code: '0071', amount: '0.10', percent: '0.021' },
  ],
  withholdings: [{ code: '602', amount: '85.41', percent: '90' }],
  receiver: { vknTckn: '1111111111', name: 'Örnek Ticaret A.Ş. <Şube & Depo>', installationNumber: 'T-1' },
  signedAt: new Date('2024-03-05T11:31:00Z'),
};

const INVOICE_C: EarsivReportInvoice = {
  ...INVOICE_A,
  ettn: 'B1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5E',
  number: 'ABC2024000000003',
  type: 'YTBSATIS',
  ytb: { number: '123456', date: '2023-12-01' },
  fileName: 'ABC2024000000003.xml',
};

const SPEC: EarsivReportSpec = {
  taxpayer: TAXPAYER,
  integrator: INTEGRATOR,
  reportId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  period: { start: '2024-03-05', end: '2024-03-05' },
  invoices: [INVOICE_A, INVOICE_B, INVOICE_C],
  // cancelled on the 5th: an invoice of February and, issued and cancelled the same day, INVOICE_C
  cancellations: [
    { number: 'ABC2024000000000', cancelledOn: '2024-03-05', amount: '118.00' },
    { number: 'ABC2024000000003', ettn: INVOICE_C.ettn.toLowerCase(), cancelledOn: '2024-03-05', amount: '1200.00' },
  ],
};

describe('gib/protocol earsiv-report', function () {
  this.timeout(60_000);

  it('builds a report that, sealed in baslik/ds:Signature, passes GİB’s EArsiv.xsd and verifies; parses back to the same values', async () => {
    const unsigned = buildEarsivReport(SPEC);
    // EArsiv.xsd baslikType ends with a required ds:Signature: the unsigned report is not yet valid.
    const before = validateEarsiv(unsigned);
    expect(before.ok).to.equal(false);
    expect(before.output).to.match(/Signature/);
    expect(parseEarsivReport(unsigned).signed).to.equal(false);

    const seal = await testSeal(INTEGRATOR, 'Entegratör A.Ş.');
    try {
      const signed = await signXml(unsigned, seal.signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT, claimedRole: null });
      const v = validateEarsiv(signed);
      expect(v.ok, v.output).to.equal(true);
      const r = await verifyXml(signed, { trustedRoots: [seal.ca.certPem], expectedSignerId: INTEGRATOR });
      expect(r.signerId).to.equal(INTEGRATOR);

      const p = parseEarsivReport(signed);
      expect(p).to.deep.include({
        version: '1.0',
        taxpayer: TAXPAYER,
        integrator: INTEGRATOR,
        reportId: SPEC.reportId,
        period: { start: '2024-03-05', end: '2024-03-05' },
        part: { start: '2024-03-05', end: '2024-03-05', number: 1 },
        signed: true,
        otherEntries: [],
      });
      expect(p.invoices).to.have.length(3);
      const { issueTime: _t, ...aRest } = INVOICE_A;
      expect(p.invoices[0]).to.deep.equal({ ...aRest, issueTime: '09:15:00', withholdings: [] });
      expect(p.invoices[1]).to.deep.equal({
        ...INVOICE_B,
        issueDate: '2024-03-05',
        issueTime: '14:30:45',
        signedAt: '2024-03-05T14:31:00',
        taxes: [...INVOICE_B.taxes!],
        withholdings: [...INVOICE_B.withholdings!],
      });
      expect(p.invoices[2]).to.deep.include({ type: 'YTBSATIS', ytb: { number: '123456', date: '2023-12-01' }, ettn: INVOICE_C.ettn });
      expect(p.cancellations).to.deep.equal([
        { number: 'ABC2024000000000', cancelledOn: '2024-03-05', amount: '118.00' },
        { number: 'ABC2024000000003', cancelledOn: '2024-03-05', amount: '1200.00' },
      ]);
    } finally {
      await seal.signer.close();
    }
  });

  it('a report of cancellations only, part 2 of a period, with TCKN parties, is valid once sealed', async () => {
    const xml = buildEarsivReport({
      version: '1.0',
      taxpayer: '12345678901',
      integrator: INTEGRATOR,
      reportId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      period: { start: '2024-03-01', end: '2024-03-31' },
      part: { start: '2024-03-10', end: '2024-03-10', number: 2 },
      invoices: [],
      cancellations: [{ number: 'XYZ2024000000123', cancelledOn: new Date('2024-03-09T22:30:00Z'), amount: '10' }],
    });
    const seal = await testSeal(INTEGRATOR, 'Entegratör A.Ş.');
    try {
      const signed = await signXml(xml, seal.signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT });
      const v = validateEarsiv(signed);
      expect(v.ok, v.output).to.equal(true);
      const p = parseEarsivReport(signed);
      expect(p).to.deep.include({ taxpayer: '12345678901', part: { start: '2024-03-10', end: '2024-03-10', number: 2 }, invoices: [] });
      expect(p.cancellations).to.deep.equal([{ number: 'XYZ2024000000123', cancelledOn: '2024-03-10', amount: '10' }]);
    } finally {
      await seal.signer.close();
    }
  });

  it('refuses a repeated ETTN or invoice number', () => {
    expect(fieldError(() => buildEarsivReport({ ...SPEC, invoices: [INVOICE_A, { ...INVOICE_B, ettn: INVOICE_A.ettn.toUpperCase() }] }))).to.match(/invoices\[1\]\.ettn.*birden çok/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, invoices: [INVOICE_A, { ...INVOICE_B, number: INVOICE_A.number }] }))).to.match(/invoices\[1\]\.number.*birden çok/);
    const twice = { number: 'ABC2024000000009', cancelledOn: '2024-03-05', amount: '1.00' };
    expect(fieldError(() => buildEarsivReport({ ...SPEC, cancellations: [twice, twice] }))).to.match(/cancellations\[1\]\.number.*birden çok/);
    expect(
      fieldError(() =>
        buildEarsivReport({ ...SPEC, cancellations: [{ ...twice, ettn: INVOICE_A.ettn }, { ...twice, number: 'ABC2024000000010', ettn: INVOICE_A.ettn }] }),
      ),
    ).to.match(/cancellations\[0\]\.ettn/); // INVOICE_A's ETTN under another number
    expect(fieldError(() => buildEarsivReport({ ...SPEC, cancellations: [{ ...twice, number: INVOICE_A.number, ettn: 'ffffffff-0000-4000-8000-000000000001' }] }))).to.match(/başka bir ETTN/);
  });

  it('refuses what EArsiv.xsd (or GİB’s report schematron) would, before xmllint', () => {
    const bad = (inv: Partial<EarsivReportInvoice>): EarsivReportSpec => ({ ...SPEC, invoices: [{ ...INVOICE_A, ...inv }], cancellations: [] });
    expect(fieldError(() => buildEarsivReport({ ...SPEC, taxpayer: '123456789' }))).to.match(/taxpayer.*VKN/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, integrator: '12345678a0' }))).to.match(/integrator/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, reportId: 'not-a-uuid' }))).to.match(/reportId/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, invoices: [], cancellations: [] }))).to.match(/en az bir/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, period: { start: '2024-02-30', end: '2024-03-05' } }))).to.match(/period\.start/);
    expect(fieldError(() => buildEarsivReport({ ...SPEC, part: { start: '2024-03-05', end: '2024-03-05', number: 0 } }))).to.match(/part\.number/);
    expect(fieldError(() => buildEarsivReport(bad({ receiver: { vknTckn: '123', name: 'Ayşe' } })))).to.match(/receiver\.vknTckn/);
    expect(fieldError(() => buildEarsivReport(bad({ receiver: { vknTckn: '12345678901', name: 'A' } })))).to.match(/receiver\.name/);
    expect(fieldError(() => buildEarsivReport(bad({ number: 'AB2024000000001' })))).to.match(/invoices\[0\]\.number/);
    expect(fieldError(() => buildEarsivReport(bad({ ettn: '123' })))).to.match(/ettn/);
    expect(fieldError(() => buildEarsivReport(bad({ type: 'XYZ' as never })))).to.match(/type/);
    expect(fieldError(() => buildEarsivReport(bad({ type: 'YTBIADE' })))).to.match(/ytbBilgileri/);
    expect(fieldError(() => buildEarsivReport(bad({ sendingType: 'EPOSTA' as never })))).to.match(/ELEKTRONIK veya KAGIT/);
    expect(fieldError(() => buildEarsivReport(bad({ payable: '12.345' })))).to.match(/payable.*ondalık basamak/);
    expect(fieldError(() => buildEarsivReport(bad({ payable: '1e3' })))).to.match(/payable/);
    expect(fieldError(() => buildEarsivReport(bad({ total: '-1.00' })))).to.match(/total.*negatif/);
    expect(fieldError(() => buildEarsivReport(bad({ total: '1234567890123456789' })))).to.match(/total.*18 basamak/);
    expect(fieldError(() => buildEarsivReport(bad({ exchangeRate: '1.1234567' })))).to.match(/exchangeRate/);
    expect(fieldError(() => buildEarsivReport(bad({ currency: 'tl' })))).to.match(/currency/);
    expect(fieldError(() => buildEarsivReport(bad({ issueTime: '24:00:00' })))).to.match(/issueTime/);
    expect(fieldError(() => buildEarsivReport(bad({ issueDate: '2024-03-04' })))).to.match(/issueDate.*aralığında/);
    expect(fieldError(() => buildEarsivReport(bad({ url: 'x'.repeat(256) })))).to.match(/url.*255/);
    expect(fieldError(() => buildEarsivReport(bad({ taxes: [] })))).to.match(/taxes/);
    expect(fieldError(() => buildEarsivReport(bad({ taxes: [{ base: '1', code: '0016', amount: '1', percent: '1' }] })))).to.match(/taxes\[0\]\.code/);
    expect(fieldError(() => buildEarsivReport(bad({ taxes: [{ base: '1', code: '0015', amount: '1', percent: '301' }] })))).to.match(/percent.*300/);
    expect(fieldError(() => buildEarsivReport(bad({ withholdings: [{ code: '60', amount: '1', percent: '90' }] })))).to.match(/withholdings\[0\]\.code/);
    expect(fieldError(() => buildEarsivReport(bad({ digest: '' })))).to.match(/digest/);
    expect(fieldError(() => buildEarsivReport(bad({ signedAt: '2024-03-05 09:15' })))).to.match(/signedAt/);
    // cancellations go into the report of their cancellation date
    expect(fieldError(() => buildEarsivReport({ ...SPEC, cancellations: [{ number: 'ABC2024000000009', cancelledOn: '2024-03-04', amount: '1.00' }] }))).to.match(
      /cancelledOn.*iptal tarihinin raporunda/,
    );
  });

  it('the parser reports what is not a report in GİB’s codes', () => {
    const code = (xml: string): number | undefined => {
      try {
        parseEarsivReport(Buffer.from(xml));
      } catch (err) {
        return isGibProtocolError(err) ? err.gibCode : undefined;
      }
      return undefined;
    };
    expect(code('<a/>')).to.equal(1160);
    expect(code('<earsiv:eArsivRaporu xmlns:earsiv="http://earsiv.efatura.gov.tr"/>')).to.equal(1160);
    expect(code('<earsiv:eArsivRaporu')).to.equal(1140);
  });
});
