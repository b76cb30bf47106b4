import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { makeInvoice } from '../helpers/invoices';
import { startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND, tempDir } from '../helpers/db';

const run = promisify(execFile);

describe(`interoperability: Python zeep loads the WSDL and calls its operations (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => gw.close());

  it('SendInvoice, GetStatus by ETTN and number, ListOutgoingInvoices, GetInvoiceDocument and a typed fault, through zeep', async () => {
    const ettn = randomUUID();
    const file = path.join(tempDir(), 'invoice.xml');
    fs.writeFileSync(file, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number: 'ZEP2026000000001' }));
    // Debian's python3 has python3-zeep; a pyenv python on PATH may not.
    const { stdout } = await run('/usr/bin/python3', [path.join(__dirname, '..', 'interop', 'zeep_client.py'), gw.wsdlUrl, gw.username, gw.password, file]);
    const out = JSON.parse(stdout);
    expect(out.sent).to.include({ ettn, invoiceNumber: 'ZEP2026000000001', documentKind: 'EARSIV', status: 1, code: 10, portalTab: 'Henüz Sonuçlanmamış' });
    expect(out.byEttn.ettn).to.equal(ettn);
    expect(out.byNumber.ettn).to.equal(ettn);
    expect(out.byEttn.history[0]).to.equal('RECEIVED');
    // The outgoing list and the document, parsed by zeep against the WSDL's types (dates, decimals, the tab's enumeration).
    expect(out.listed.invoices).to.have.length(1);
    expect(out.listed.invoices[0]).to.deep.equal({
      ettn, invoiceNumber: 'ZEP2026000000001', issueDate: out.listed.invoices[0].issueDate, payableAmount: out.listed.invoices[0].payableAmount,
      receiverVknTckn: '11111111111', portalTab: 'Henüz Sonuçlanmamış', status: 1,
    });
    expect(out.listed.invoices[0].issueDate).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number(out.listed.invoices[0].payableAmount)).to.be.greaterThan(0);
    expect(out.listed.nextPageToken).to.equal(null);
    expect(out.fetched).to.include({ ettn, fileName: 'ZEP2026000000001.xml' });
    expect(out.fetched.document).to.contain(ettn);
    expect(out.fault).to.deep.equal({ faultcode: 'soap:Client', message: '4301: BELGE BULUNAMADI', code: 4301, name: 'DOCUMENT_NOT_FOUND' });
  });
});
