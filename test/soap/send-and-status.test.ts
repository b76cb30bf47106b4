import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import yazl from 'yazl';
import type * as soap from 'soap';
import { verifyXml } from '../../src/signing/verify';
import { makeInvoice } from '../helpers/invoices';
import { expectFault, OTHER_VKN, send, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';

export function zipOf(name: string, content: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

describe(`SendInvoice and GetStatus over SOAP (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let client: soap.Client;

  before(async () => {
    gw = await startTestGateway();
    client = await soapClient(gw);
  });
  after(async () => gw.close());

  it('serves its WSDL with both operations and the typed fault', async () => {
    const res = await fetch(gw.wsdlUrl);
    const wsdl = await res.text();
    expect(res.status).to.equal(200);
    expect(wsdl).to.contain('name="SendInvoice"').and.contain('name="GetStatus"').and.contain('GatewayFault');
    expect(wsdl).to.contain(`<soap:address location="${gw.url}"/>`);
  });

  it('accepts an e-Arşiv invoice, answers after commit, and the worker carries it through İşlendi (20) to İmzalandı (30)', async () => {
    const ettn = randomUUID();
    const number = 'ABC2026000000001';
    const invoice = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number, lines: 3 }));
    expect(invoice).to.include({ ettn, invoiceNumber: number, documentKind: 'EARSIV', state: 'RECEIVED', description: 'KUYRUGA ALINDI' });
    expect(Number(invoice.status)).to.equal(1);
    expect(Number(invoice.code)).to.equal(10);
    expect(invoice.portalTab).to.equal('Henüz Sonuçlanmamış');
    // Durable before the answer: the row and its history are there.
    const row = await gw.testDb.db('invoices').where({ ettn }).first();
    expect(row.state).to.equal('RECEIVED');

    await gw.gateway.worker.runUntilIdle();
    const [byEttn] = await client.GetStatusAsync({ ettn });
    expect(byEttn.invoice).to.include({ state: 'SIGNED', description: 'IMZALANDI' });
    expect(Number(byEttn.invoice.code)).to.equal(30);
    const history = [byEttn.invoice.history.entry].flat();
    expect(history[0]).to.include({ toState: 'RECEIVED', event: 'CREATE', actor: 'user:erp-user' });
    expect(history[1]).to.include({ fromState: 'RECEIVED', toState: 'PROCESSED', event: 'PROCESS', actor: 'worker' });
    expect(Number(history[1].code)).to.equal(20);
    expect(history[2]).to.include({ fromState: 'PROCESSED', toState: 'SIGNED', event: 'SIGN', actor: 'worker' });
    expect(Number(history[2].code)).to.equal(30);

    // The stored signed invoice carries a XAdES signature of the tenant's (development) seal that verifies.
    const row2 = await gw.testDb.db('invoices').where({ ettn }).first();
    const signed = await gw.gateway.blobs.get(row2.signed_sha256);
    const verified = await verifyXml(signed, { trustedRoots: await gw.gateway.signers.trustedRoots(), expectedSignerId: TEST_VKN });
    expect(verified.signerId).to.equal(TEST_VKN);

    const [byNumber] = await client.GetStatusAsync({ invoiceNumber: number });
    expect(byNumber.invoice.ettn).to.equal(ettn);
  });

  it('accepts an e-Fatura invoice sent as a ZIP holding one XML', async () => {
    const ettn = randomUUID();
    const zip = await zipOf(`${ettn}.xml`, makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn, number: 'ABC2026000000002' }));
    const invoice = await send(client, zip, { container: 'zip' });
    expect(invoice).to.include({ ettn, documentKind: 'EFATURA', profileId: 'TICARIFATURA' });
    expect(invoice.portalTab).to.equal(undefined);
  });

  it('assigns gapless numbers from the tenant series when asked, restarting each year', async () => {
    const a = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null, issueDate: '2025-03-01' }), { assignNumber: true });
    const b = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null, issueDate: '2025-03-02' }), { assignNumber: true });
    const c = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null, issueDate: '2026-01-02' }), { assignNumber: true });
    const d = await send(client, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, number: null, issueDate: '2026-03-02' }), { assignNumber: true });
    expect([a.invoiceNumber, b.invoiceNumber, c.invoiceNumber, d.invoiceNumber]).to.deep.equal([
      'EAR2025000000001',
      'EAR2025000000002',
      'EAR2026000000001',
      'EFT2026000000001',
    ]);
    // The signed document carries the number; the original is kept as it was sent.
    await gw.gateway.worker.runUntilIdle();
    const row = await gw.testDb.db('invoices').where({ ettn: a.ettn }).first();
    const signed = (await gw.gateway.blobs.get(row.signed_sha256)).toString('utf8');
    expect(signed).to.contain('<cbc:ID>EAR2025000000001</cbc:ID>');
    expect(row.document_sha256).to.equal(row.received_sha256);
  });

  it('idempotency: the same ETTN and content returns the first result; other content is refused', async () => {
    const ettn = randomUUID();
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number: 'IDM2026000000001' });
    const first = await send(client, xml);
    const again = await send(client, xml);
    expect(again.ettn).to.equal(first.ettn);
    expect(new Date(again.receivedAt).getTime()).to.equal(new Date(first.receivedAt).getTime());
    expect(await gw.testDb.db('invoices').where({ ettn }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);

    const changed = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number: 'IDM2026000000001', lines: 2 });
    const fault = await expectFault(send(client, changed));
    expect(fault).to.include({ code: 4302, name: 'ETTN_CONFLICT' });
  });

  it('a number already used is refused, and nothing is stored', async () => {
    const number = 'DUP2026000000001';
    await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number }));
    const before = await gw.testDb.db('invoices').count({ n: '*' }).first();
    const fault = await expectFault(send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number })));
    expect(fault).to.include({ code: 4303, name: 'NUMBER_IN_USE' });
    expect(await gw.testDb.db('invoices').count({ n: '*' }).first()).to.deep.equal(before);
  });

  it('channel: the profile must belong to the channel the caller names (4204), nothing stored; named rightly, accepted', async () => {
    const before = await gw.testDb.db('invoices').count({ n: '*' }).first();
    const earsivOnEfatura = await expectFault(send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN }), { channel: 'EFATURA' }));
    expect(earsivOnEfatura).to.include({ code: 4204, name: 'PROFILE_UNKNOWN', message: "GEÇERSİZ SENARYO (ProfileID): ProfileIDCheck (cbc:ProfileID): Geçersiz cbc:ProfileID elemanı değeri : 'EARSIVFATURA'. Geçerli cbc:ProfileID değerleri için ProfileIDType listesine bakınız." });
    const temelOnEarsiv = await expectFault(send(client, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }), { channel: 'EARSIV' }));
    expect(temelOnEarsiv).to.include({ code: 4204, name: 'PROFILE_UNKNOWN' });
    const unknown = await expectFault(send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN }), { channel: 'EINVOICE' }));
    expect(unknown).to.include({ name: 'REQUEST_FIELD' });
    expect(await gw.testDb.db('invoices').count({ n: '*' }).first()).to.deep.equal(before);
    const ok = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'CHN2026000000001' }), { channel: 'EARSIV' });
    expect(ok).to.include({ documentKind: 'EARSIV', profileId: 'EARSIVFATURA' });
  });

  it('arithmetic policy warn (the default): an invoice GİB would accept goes through with its inconsistencies as warnings, in GetStatus too', async () => {
    const ettn = randomUUID();
    const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number: 'WRN2026000000001', lines: 2 })
      .replace(/<cbc:PayableAmount currencyID="TRY">([\d.]+)</, (_m: string, v: string) => `<cbc:PayableAmount currencyID="TRY">${(Number(v) + 1).toFixed(2)}<`)
      .replace('<cbc:LineCountNumeric>2<', '<cbc:LineCountNumeric>5<');
    const invoice = await send(client, doc);
    const names = (inv: any) => asArray(inv.warnings?.warning).map((w: any) => `${w.code} ${w.name}`);
    expect(names(invoice)).to.deep.equal(['4206 AMOUNT_MISMATCH', '4209 LINE_COUNT_MISMATCH']);
    expect(asArray(invoice.warnings.warning)[1].message).to.equal('SATIR SAYISI TUTARSIZ (LineCountNumeric): cbc:LineCountNumeric 5 ≠ 2 cac:InvoiceLine');
    const [status] = await client.GetStatusAsync({ ettn });
    expect(names(status.invoice)).to.deep.equal(['4206 AMOUNT_MISMATCH', '4209 LINE_COUNT_MISMATCH']);
    // A consistent invoice carries none.
    expect((await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'WRN2026000000002' }))).warnings).to.equal(undefined);
  });

  it('GetStatus of an unknown ETTN is DOCUMENT_NOT_FOUND', async () => {
    const fault = await expectFault(client.GetStatusAsync({ ettn: randomUUID() }));
    expect(fault).to.include({ code: 4301, name: 'DOCUMENT_NOT_FOUND', faultcode: 'soap:Client' });
    expect(fault.message).to.equal('BELGE BULUNAMADI');
  });

  it('writes one JSON log line per request with id, tenant, operation, duration and outcome — and no secrets', async () => {
    const before = gw.logs.length;
    await client.GetStatusAsync({ ettn: randomUUID() }).catch(() => undefined);
    const lines = gw.logs.slice(before).filter((l) => l.msg === 'request');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ operation: 'GetStatus', tenant: TEST_VKN, outcome: 'fault', faultCode: 4301 });
    expect(lines[0].requestId).to.be.a('string');
    expect(lines[0].ms).to.be.a('number');
    const all = JSON.stringify(gw.logs);
    expect(all).not.to.contain(gw.password);
    expect(all).not.to.contain('Invoice xmlns');
  });
});
