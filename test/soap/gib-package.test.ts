import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { makeInvoice } from '../helpers/invoices';
import { faultOf, soapClient, type FaultInfo, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';
import { OLD_SAMPLES_DIR, UBL_SAMPLES_DIR } from '../helpers/paths';

/** SendInvoice with GİB's package configured (GW_GIB_DIR=../shared/gib): GİB's XSDs and schematron run too. */
describe(`SendInvoice with GİB's XSDs and schematron (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let client: soap.Client;
  let sampleClient: soap.Client;

  before(async () => {
    gw = await startTestGateway({ xsd: true });
    client = await soapClient(gw);
    await gw.createTenantUser('1288331521', 'sample-user'); // the supplier of GİB's TicariFaturaOrnegi.xml
    sampleClient = await soapClient(gw, 'sample-user', gw.password);
  });
  after(async () => gw.close());

  const sendWith = (c: soap.Client, xml: Buffer | string, extra: Record<string, unknown> = {}) =>
    c.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64'), ...extra }).then(([r]: any) => r.invoice, faultOf);

  it('accepts GİB’s own TICARIFATURA sample unchanged', async () => {
    const invoice = await sendWith(sampleClient, fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'TicariFaturaOrnegi.xml')));
    expect(invoice).to.include({ documentKind: 'EFATURA', profileId: 'TICARIFATURA', state: 'RECEIVED' });
  });

  it('refuses the old TR1.0 samples with the reason (1143 GECERSIZ VERSIYON)', async () => {
    const fault = await sendWith(sampleClient, fs.readFileSync(path.join(OLD_SAMPLES_DIR, '2_TICARI_FATURA.xml')));
    expect(fault).to.include({ code: 1143, name: 'UBL_VERSION' });
    expect(fault.message).to.match(/^GECERSIZ VERSIYON: UBLVersionIDCheck: .*'2\.0'.* \(ve 1 hata daha\)$/);
    expect(fault.failures.map((f: FaultInfo['failures'][number]) => `${f.code} ${f.rule}`)).to.deep.equal(['1143 UBLVersionIDCheck', '1143 CustomizationIDCheck']);
    expect(fault.failures[1]!.message).to.match(/'TR1\.0' cbc:CustomizationID elemanı değeri 'TR1\.2' veya 'TR1\.2\.1' olmalıdır\.$/);
  });

  it('a GİB schema violation → 1160 with the schema’s words', async () => {
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'XSD2026000000001' }).replace(
      '</cbc:IssueDate>',
      '</cbc:IssueDate><cbc:Unexpected>1</cbc:Unexpected>',
    );
    const fault = await sendWith(client, xml);
    expect(fault).to.include({ code: 1160, name: 'XSD_INVALID' });
  });

  it('an invoice dated after today (Türkiye) is refused, as GİB’s schematron does', async () => {
    const fault = await sendWith(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'FUT2026000000001', issueDate: '2099-01-01' }));
    expect(fault).to.include({ code: 4208, name: 'ISSUE_DATE_INVALID' });
    expect(fault.message).to.match(/^GEÇERSİZ FATURA TARİHİ: TimeCheck \(cbc:IssueDate\): Geçersiz cbc:IssueDate değeri : '2099-01-01' cbc:IssueDate alanı günün tarihinden ileri bir tarih olamaz$/);
  });

  it('a schematron rule (a quantity without unitCode) → 1150 SCHEMATRON KONTROL SONUCU HATALI', async () => {
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'SCH2026000000001' }).replace(/<cbc:InvoicedQuantity unitCode="[^"]*"/, '<cbc:InvoicedQuantity');
    const fault = await sendWith(client, xml);
    expect(fault).to.include({ code: 1150, name: 'UBL_RULE' });
    expect(fault.message).to.contain('InvoicedQuantityCheck');
    expect(fault.failures.map((f: { rule: string; path: string }) => `${f.rule} ${f.path}`)).to.deep.equal(['InvoicedQuantityCheck cac:InvoiceLine[1]']);
  });

  it('several schematron rules failing → one 1150 fault listing each, rule, element and GİB’s text', async () => {
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'SCH2026000000002', lines: 2 })
      .replace(/<cbc:InvoicedQuantity unitCode="[^"]*"/g, '<cbc:InvoicedQuantity')
      .replace('<cbc:CopyIndicator>false<', '<cbc:CopyIndicator>true<');
    const fault = await sendWith(client, xml);
    expect(fault).to.include({ code: 1150, name: 'UBL_RULE' });
    expect(fault.message).to.match(/CopyIndicatorCheck: .* \(ve 2 hata daha\)$/);
    expect(fault.failures.map((f: { code: number; rule: string; path: string }) => `${f.code} ${f.rule} ${f.path}`)).to.deep.equal(['1150 CopyIndicatorCheck ', '1150 InvoicedQuantityCheck cac:InvoiceLine[1]', '1150 InvoicedQuantityCheck cac:InvoiceLine[2]']);
    expect(fault.failures[1]!.message).to.equal('cbc:InvoicedQuantity elemanı geçerli ve boş değer içermeyen bir adet unitCode niteliğine sahip olmalıdır.');
  });

  it('the gateway’s own checks of GİB’s rules and the schematron’s in one list: each its code, name, rule and GİB’s words', async () => {
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'SCH2026000000003', issueDate: '2004-06-01' })
      .replace(/<cbc:UUID>[^<]*/, '<cbc:UUID>not-a-uuid')
      .replace('<cbc:CopyIndicator>false<', '<cbc:CopyIndicator>true<');
    const fault = await sendWith(client, xml);
    expect(fault).to.include({ code: 4203, name: 'ETTN_FORMAT' });
    expect(fault.message).to.equal('GEÇERSİZ ETTN (UUID): UUIDCheck (cbc:UUID): Geçersiz cbc:UUID elemanı değeri. cbc:UUID elemanı UUID formatında olmalıdır. (ve 2 hata daha)');
    expect(fault.failures.map((f: FaultInfo['failures'][number]) => [f.code, f.name, f.rule, f.path, f.message])).to.deep.equal([
      [4203, 'ETTN_FORMAT', 'UUIDCheck', 'cbc:UUID', 'Geçersiz cbc:UUID elemanı değeri. cbc:UUID elemanı UUID formatında olmalıdır.'],
      [4208, 'ISSUE_DATE_INVALID', 'TimeCheck', 'cbc:IssueDate', "Geçersiz cbc:IssueDate değeri : '2004-06-01' cbc:IssueDate alanı 01.01.2005 tarihinden önce bir tarih olamaz"],
      [1150, 'UBL_RULE', 'CopyIndicatorCheck', '', "Geçersiz cbc:CopyIndicator elemanı değeri. cbc:CopyIndicator elemanı 'false' değerine eşit olmalıdır."],
    ]);
  });
});
