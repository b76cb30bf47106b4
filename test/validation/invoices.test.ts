import { expect } from 'chai';
import { createInvoiceValidator, type InvoiceValidator } from '../../src/validation';
import { makeInvoice } from '../helpers/invoices';
import { UBL_XSD_DIR } from '../helpers/paths';

describe('test/helpers/invoices: makeInvoice', function () {
  this.timeout(30_000);
  let v: InvoiceValidator;
  before(() => {
    v = createInvoiceValidator({ xsdDir: UBL_XSD_DIR, maxUnzippedBytes: 50 * 1024 * 1024 });
  });

  for (const lines of [1, 10, 500]) {
    for (const profile of ['TEMELFATURA', 'EARSIVFATURA']) {
      it(`${profile} with ${lines} line(s) passes validate() with XSD`, async () => {
        const r = await v.validate(Buffer.from(makeInvoice({ profile, lines })), { container: 'auto', numberWillBeAssigned: false });
        expect(r.facts.lineCount).to.equal(lines);
        expect(r.facts.kind).to.equal(profile === 'EARSIVFATURA' ? 'EARSIV' : 'EFATURA');
        expect(r.facts.profileId).to.equal(profile);
      });
    }
  }

  it('honours every option', async () => {
    const xml = makeInvoice({ profile: 'TICARIFATURA', lines: 2, supplierVkn: '1111111111', customerVkn: '2222222222', number: 'XYZ2023000000077', ettn: 'A8005C43-2E67-4083-9DBA-B0E2A52D29CA', issueDate: '2023-06-30', kdvRate: 18, typeCode: 'SATIS' });
    const r = await v.validate(Buffer.from(xml), { container: 'auto', numberWillBeAssigned: false });
    expect(r.facts).to.include({ profileId: 'TICARIFATURA', senderId: '1111111111', receiverId: '2222222222', number: 'XYZ2023000000077', ettn: 'A8005C43-2E67-4083-9DBA-B0E2A52D29CA', issueDate: '2023-06-30', lineCount: 2 });
    expect(xml).to.include('<cbc:Percent>18</cbc:Percent>');
  });

  it('number: null leaves cbc:ID empty for the gateway to assign', async () => {
    const xml = makeInvoice({ number: null });
    expect(xml).to.include('<cbc:ID/>');
    const r = await v.validate(Buffer.from(xml), { container: 'auto', numberWillBeAssigned: true });
    expect(r.facts.number).to.equal(null);
  });

  it('gives fresh numbers and ETTNs by default', () => {
    const a = makeInvoice();
    const b = makeInvoice();
    const num = (x: string): string => /<cbc:ID>([A-Z0-9]{16})<\/cbc:ID>/.exec(x)![1]!;
    const uuid = (x: string): string => /<cbc:UUID>([^<]+)</.exec(x)![1]!;
    expect(num(a)).not.to.equal(num(b));
    expect(uuid(a)).not.to.equal(uuid(b));
  });

  it('is fast: 500 lines in well under 5 ms', () => {
    makeInvoice({ lines: 500 });
    const t = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) makeInvoice({ lines: 500 });
    expect(Number(process.hrtime.bigint() - t) / 50 / 1e6).to.be.lessThan(5);
  });
});
