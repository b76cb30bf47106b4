import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type * as soap from 'soap';
import type { Caller } from '../../src/security/authenticator';
import { verifyXml } from '../../src/signing/verify';
import { makeInvoice } from '../helpers/invoices';
import { expectFault, OTHER_VKN, send, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe(`ListOutgoingInvoices and GetInvoiceDocument (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let client: soap.Client;
  let other: soap.Client;
  /** The invoices sent in before(), newest first as the gateway took them. */
  const sent: Array<{ ettn: string; number: string; kind: 'EFATURA' | 'EARSIV'; receiver: string; issueDate: string }> = [];

  const list = async (args: Record<string, unknown> = {}, c = client) => {
    const [r] = await c.ListOutgoingInvoicesAsync(args);
    // node-soap reads xs:date into a Date at UTC midnight; back to the day it was.
    const invoices = asList<Record<string, any>>(r?.invoice).map((i): Record<string, any> => ({ ...i, issueDate: (i.issueDate as Date).toISOString().slice(0, 10) }));
    return { invoices, next: r?.nextPageToken as string | undefined };
  };
  const ettns = (invoices: Array<Record<string, any>>) => invoices.map((i) => i.ettn);
  const ettnsOf = (pick: (s: (typeof sent)[number]) => boolean) => sent.filter(pick).map((s) => s.ettn);

  before(async () => {
    gw = await startTestGateway();
    client = await soapClient(gw);
    await gw.createTenantUser(OTHER_VKN, 'other-user');
    other = await soapClient(gw, 'other-user');
    const plan = [
      { profile: 'EARSIVFATURA', number: 'EAR2026000000001', receiver: '11111111111', issueDate: '2026-03-10' },
      { profile: 'TEMELFATURA', number: 'EFT2026000000001', receiver: OTHER_VKN, issueDate: '2026-03-09' },
      { profile: 'TICARIFATURA', number: 'EFT2026000000002', receiver: '5555555555', issueDate: '2026-03-11' },
      { profile: 'EARSIVFATURA', number: 'XYZ2026000000001', receiver: '22222222222', issueDate: '2026-03-11' },
      { profile: 'EARSIVFATURA', number: 'EAR2026000000002', receiver: '11111111111', issueDate: '2026-03-08' },
      { profile: 'TEMELFATURA', number: 'EFT2025000000001', receiver: OTHER_VKN, issueDate: '2025-12-31' },
      { profile: 'EARSIVFATURA', number: 'EAR2026000000003', receiver: '11111111111', issueDate: '2026-03-12' },
    ];
    for (const p of plan) {
      const ettn = randomUUID();
      await send(client, makeInvoice({ profile: p.profile as 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: p.receiver, ettn, number: p.number, issueDate: p.issueDate }));
      sent.unshift({ ettn, number: p.number, kind: p.profile === 'EARSIVFATURA' ? 'EARSIV' : 'EFATURA', receiver: p.receiver, issueDate: p.issueDate });
      await new Promise((r) => setTimeout(r, 3)); // distinct creation times, as a real ERP's calls have
    }
    await gw.gateway.worker.runUntilIdle(); // all signed (no GİB here)
    // One e-Arşiv invoice under each of the other tabs. Without a GİB the machines stop at SIGNED, so these two rows
    // are moved to the states GİB's answers lead to (the list reads states; the machines are tested elsewhere).
    await gw.testDb.db('invoices').where({ invoice_number: 'XYZ2026000000001' }).update({ state: 'ERROR', context: JSON.stringify({ code: 1163, codeDescription: 'HATALI' }) });
    await gw.testDb.db('invoices').where({ invoice_number: 'EAR2026000000002' }).update({ state: 'SUCCESS' });
  });
  after(async () => gw.close());

  it('lists every invoice the company sent, newest first, with its state as GetStatus gives it', async () => {
    const { invoices, next } = await list();
    expect(ettns(invoices)).to.deep.equal(sent.map((s) => s.ettn));
    expect(next).to.equal(undefined);
    const earsiv = invoices.find((i) => i.invoiceNumber === 'EAR2026000000003')!;
    expect(earsiv).to.include({ documentKind: 'EARSIV', profileId: 'EARSIVFATURA', typeCode: 'SATIS', issueDate: '2026-03-12', receiverVknTckn: '11111111111', currency: 'TRY', state: 'SIGNED', description: 'IMZALANDI', portalTab: 'Henüz Sonuçlanmamış' });
    expect(Number(earsiv.status)).to.equal(1);
    expect(Number(earsiv.code)).to.equal(30);
    const [status] = await client.GetStatusAsync({ ettn: earsiv.ettn });
    expect(new Date(earsiv.receivedAt).getTime()).to.equal(new Date(status.invoice.receivedAt).getTime());
    expect(String(earsiv.payableAmount)).to.equal(String(Number((await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).first()).payable_amount)));
    const efatura = invoices.find((i) => i.invoiceNumber === 'EFT2026000000001')!;
    expect(efatura).to.include({ documentKind: 'EFATURA', profileId: 'TEMELFATURA', receiverVknTckn: OTHER_VKN });
    expect(efatura.portalTab).to.equal(undefined);
  });

  it('pages with a token: each invoice once, none skipped, even when new ones arrive between pages', async () => {
    const first = await list({ pageSize: 3 });
    expect(first.invoices).to.have.length(3);
    expect(first.next).to.be.a('string');
    // A new invoice arrives after the first page: it belongs on a fresh first page, not in the middle of this walk.
    const late = randomUUID();
    await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn: late, number: 'LAT2026000000001' }));
    const second = await list({ pageSize: 3, pageToken: first.next });
    const third = await list({ pageSize: 3, pageToken: second.next });
    expect(second.invoices).to.have.length(3);
    expect(third.invoices).to.have.length(1);
    expect(third.next).to.equal(undefined);
    expect([...ettns(first.invoices), ...ettns(second.invoices), ...ettns(third.invoices)]).to.deep.equal(sent.map((s) => s.ettn));
    expect(ettns((await list({ pageSize: 1 })).invoices)).to.deep.equal([late]);
    await gw.testDb.db('invoices').where({ ettn: late }).delete(); // keep the other tests' set
    await gw.testDb.db('state_history').where({ machine: 'earsiv-invoice' }).whereNotIn('entity_id', gw.testDb.db('invoices').select('id')).delete();
  });

  it('filters by kind, state, portal tab, receiver and number prefix, alone and together', async () => {
    expect(ettns((await list({ documentKind: 'EARSIV' })).invoices)).to.deep.equal(ettnsOf((s) => s.kind === 'EARSIV'));
    expect(ettns((await list({ documentKind: 'EFATURA' })).invoices)).to.deep.equal(ettnsOf((s) => s.kind === 'EFATURA'));
    const byNumber = (n: string) => sent.find((s) => s.number === n)!.ettn;
    expect(ettns((await list({ portalTab: 'Hatalı' })).invoices)).to.deep.equal([byNumber('XYZ2026000000001')]);
    expect(ettns((await list({ portalTab: 'Başarılı' })).invoices)).to.deep.equal([byNumber('EAR2026000000002')]);
    expect(ettns((await list({ portalTab: 'Henüz Sonuçlanmamış' })).invoices)).to.deep.equal(ettnsOf((s) => !['XYZ2026000000001', 'EAR2026000000002'].includes(s.number)));
    const failed = (await list({ state: 'ERROR' })).invoices;
    expect(ettns(failed)).to.deep.equal([byNumber('XYZ2026000000001')]);
    expect(failed[0]).to.include({ description: 'HATALI', portalTab: 'Hatalı' });
    expect(Number(failed[0].code)).to.equal(1163);
    expect(ettns((await list({ state: 'SIGNED', documentKind: 'EFATURA' })).invoices)).to.deep.equal(ettnsOf((s) => s.kind === 'EFATURA'));
    expect((await list({ state: 'ERROR', portalTab: 'Başarılı' })).invoices).to.deep.equal([]);
    expect((await list({ state: 'DELIVERED', documentKind: 'EFATURA' })).invoices).to.deep.equal([]);
    expect(ettns((await list({ receiverVknTckn: OTHER_VKN })).invoices)).to.deep.equal(ettnsOf((s) => s.receiver === OTHER_VKN));
    expect(ettns((await list({ numberPrefix: 'EFT2026' })).invoices)).to.deep.equal([byNumber('EFT2026000000002'), byNumber('EFT2026000000001')]);
    expect(ettns((await list({ numberPrefix: 'EAR2026000000003' })).invoices)).to.deep.equal([byNumber('EAR2026000000003')]);
    expect(ettns((await list({ numberPrefix: 'EAR', receiverVknTckn: '11111111111', portalTab: 'Henüz Sonuçlanmamış' })).invoices)).to.deep.equal(
      [byNumber('EAR2026000000003'), byNumber('EAR2026000000001')],
    );
  });

  it('a number prefix lists the series in number order, newest number first, page by page', async () => {
    // EFT2025000000001 was sent after both EFT2026 invoices: by creation it would come first.
    const eft = ['EFT2026000000002', 'EFT2026000000001', 'EFT2025000000001'].map((n) => sent.find((s) => s.number === n)!.ettn);
    expect(ettns((await list({ numberPrefix: 'EFT' })).invoices)).to.deep.equal(eft);
    const first = await list({ numberPrefix: 'EFT', pageSize: 2 });
    const second = await list({ numberPrefix: 'EFT', pageSize: 2, pageToken: first.next });
    expect([...ettns(first.invoices), ...ettns(second.invoices)]).to.deep.equal(eft);
    expect(second.next).to.equal(undefined);
    // The token belongs to the number order: it does not continue a walk by date.
    expect(await expectFault(list({ pageToken: first.next }))).to.include({ code: 4004 });
  });

  it('dateBy ISSUED: ordered and bounded by the invoice date, both days included', async () => {
    const all = (await list({ dateBy: 'ISSUED' })).invoices;
    expect(all.map((i) => i.issueDate)).to.deep.equal([...sent].sort((a, b) => (a.issueDate < b.issueDate ? 1 : a.issueDate > b.issueDate ? -1 : 0)).map((s) => s.issueDate));
    const ranged = (await list({ dateBy: 'ISSUED', from: '2026-03-09', to: '2026-03-11' })).invoices;
    expect(ranged.map((i) => i.invoiceNumber).sort()).to.deep.equal(['EAR2026000000001', 'EFT2026000000001', 'EFT2026000000002', 'XYZ2026000000001']);
    const paged = await list({ dateBy: 'ISSUED', pageSize: 4 });
    const rest = await list({ dateBy: 'ISSUED', pageSize: 4, pageToken: paged.next });
    expect([...ettns(paged.invoices), ...ettns(rest.invoices)]).to.deep.equal(ettns(all));
    // A token carries its order: a CREATED token is refused in an ISSUED walk.
    const created = await list({ pageSize: 2 });
    expect(await expectFault(list({ dateBy: 'ISSUED', pageToken: created.next }))).to.include({ code: 4004, message: 'ISTEK ALANI EKSIK VEYA GECERSIZ: pageToken' });
  });

  it('another company sees none of them, and cannot fetch one by ETTN or number', async () => {
    expect((await list({}, other)).invoices).to.deep.equal([]);
    expect((await list({ receiverVknTckn: OTHER_VKN }, other)).invoices).to.deep.equal([]);
    const [mine] = sent;
    expect(await expectFault(other.GetInvoiceDocumentAsync({ ettn: mine!.ettn }))).to.include({ code: 4301, name: 'DOCUMENT_NOT_FOUND' });
    expect(await expectFault(other.GetInvoiceDocumentAsync({ invoiceNumber: mine!.number }))).to.include({ code: 4301, name: 'DOCUMENT_NOT_FOUND' });
  });

  it('bad arguments get REQUEST_FIELD (4004) naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ pageSize: 0 }, 'pageSize (1–500)'],
      [{ pageSize: 501 }, 'pageSize (1–500)'],
      [{ pageToken: 'bm90LWEtdG9rZW4' }, 'pageToken'],
      [{ pageToken: Buffer.from(JSON.stringify(['CREATED', '2026-03-10T00:00:00.000Z', '5 or 1=1'])).toString('base64url') }, 'pageToken'],
      [{ pageToken: Buffer.from(JSON.stringify(['CREATED', { toString: 1 }, 5])).toString('base64url') }, 'pageToken'],
      [{ from: '2026-02-30' }, 'from'],
      [{ to: '11.03.2026' }, 'to'],
      [{ from: '2026-03-12', to: '2026-03-11' }, 'from/to (from, to gününden sonra)'],
      [{ state: 'NO_SUCH_STATE' }, 'state'],
      [{ state: 'DELIVERED', documentKind: 'EARSIV' }, 'state'],
    ];
    for (const [args, field] of cases) {
      const fault = await expectFault(list(args)).catch((e) => Promise.reject(new Error(`${JSON.stringify(args)}: ${e.message}`)));
      expect(fault, JSON.stringify(args)).to.include({ code: 4004, name: 'REQUEST_FIELD', message: `ISTEK ALANI EKSIK VEYA GECERSIZ: ${field}` });
    }
  });

  it('GetInvoiceDocument: the document as taken before signing, the signed UBL as sent after', async () => {
    const ettn = randomUUID();
    const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number: 'DOC2026000000001' });
    await send(client, xml);
    const [before] = await client.GetInvoiceDocumentAsync({ ettn });
    expect(before).to.include({ fileName: 'DOC2026000000001.xml', signed: false });
    expect(Buffer.from(before.document, 'base64').toString('utf8')).to.equal(xml);
    expect(before.invoice).to.include({ ettn, state: 'RECEIVED' });

    await gw.gateway.worker.runUntilIdle();
    const [after] = await client.GetInvoiceDocumentAsync({ invoiceNumber: 'DOC2026000000001' });
    expect(after).to.include({ signed: true });
    expect(after.invoice).to.include({ ettn, state: 'SIGNED' });
    const signed = Buffer.from(after.document, 'base64');
    const row = await gw.testDb.db('invoices').where({ ettn }).first();
    expect(signed.equals(await gw.gateway.blobs.get(row.signed_sha256))).to.equal(true);
    const verified = await verifyXml(signed, { trustedRoots: await gw.gateway.signers.trustedRoots(), expectedSignerId: TEST_VKN });
    expect(verified.signerId).to.equal(TEST_VKN);

    expect(await expectFault(client.GetInvoiceDocumentAsync({ ettn: randomUUID() }))).to.include({ code: 4301 });
    expect(await expectFault(client.GetInvoiceDocumentAsync({}))).to.include({ code: 4004, message: 'ISTEK ALANI EKSIK VEYA GECERSIZ: ettn veya invoiceNumber (yalniz biri)' });
    await gw.testDb.db('invoices').where({ ettn }).delete();
  });
});

describe(`ListOutgoingInvoices: CREATED days are Turkish days (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let now = new Date('2026-03-10T20:59:00Z'); // 23:59 in Türkiye

  before(async () => {
    gw = await startTestGateway({ clock: () => now });
  });
  after(async () => gw.close());

  it('an invoice taken at 00:30 Turkish time belongs to that day, not to the UTC day before', async () => {
    // The services directly: the fake clock would refuse a PasswordDigest made now.
    const caller: Caller = { userId: 1, username: 'erp-user', tenantId: gw.tenant.id, tenantVkn: TEST_VKN };
    const { invoices, outgoing } = gw.gateway.services;
    const take = async (number: string) => {
      const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number, issueDate: '2026-03-10' });
      return (await invoices.sendInvoice(caller, { document: Buffer.from(xml), container: 'xml', assignNumber: false, signed: false })).ettn;
    };
    const late = await take('TRD2026000000001');
    now = new Date('2026-03-10T21:30:00Z'); // 00:30 on the 11th in Türkiye
    const early = await take('TRD2026000000002');
    const on = async (from: string, to: string) => (await outgoing.list(caller, { from, to })).invoices.map((i) => i.ettn);
    expect(await on('2026-03-10', '2026-03-10')).to.deep.equal([late]);
    expect(await on('2026-03-11', '2026-03-11')).to.deep.equal([early]);
    expect(await on('2026-03-10', '2026-03-11')).to.deep.equal([early, late]);
    expect(await on('2026-03-12', '2026-03-31')).to.deep.equal([]);
  });
});
