/**
 * The invoice-visual service on a real gateway and database: GetInvoiceDocument in its three formats over SOAP, the
 * İPTAL stamp once an invoice is cancelled, an incoming invoice's visual (GetIncomingInvoice), the e-Arşiv mail's
 * PDF by row id, and tenancy — another company's ETTN is not found.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type * as soap from 'soap';
import { insertIncomingInvoice } from '../../src/db/incoming-invoices';
import { toEnvelopeId, toEttn } from '../../src/ids';
import type { Caller } from '../../src/security/authenticator';
import { VISUAL_CSP } from '../../src/visuals/page-policy';
import { TEST_DB_KIND } from '../helpers/db';
import { expectGatewayFault } from '../helpers/faults';
import { expectFault, OTHER_VKN, send, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { pdfText, stylesheet, visibleText, withEmbeddedXslt } from '../helpers/visuals';

describe(`invoice visuals: GetInvoiceDocument in UBL, HTML and PDF (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let client: soap.Client;
  let other: soap.Client;
  const earsiv = { ettn: randomUUID(), number: 'GRS2026000000001' };
  const efatura = { ettn: randomUUID(), number: 'GRF2026000000001' };
  const looping = { ettn: randomUUID(), number: 'GRL2026000000001' };

  before(async () => {
    gw = await startTestGateway({ env: { GW_VISUAL_TIMEOUT_MS: '2000' } });
    client = await soapClient(gw);
    await gw.createTenantUser(OTHER_VKN, 'other-user');
    other = await soapClient(gw, 'other-user');
    await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn: earsiv.ettn, number: earsiv.number }));
    // With a stylesheet of its own, as ERP programs send them.
    const own = stylesheet('<h1>KENDI GORSELI</h1><p><xsl:value-of select="//*[local-name()=\'UUID\']"/></p><p><xsl:value-of select="//*[local-name()=\'Invoice\']/*[local-name()=\'ID\']"/></p>');
    await send(client, withEmbeddedXslt(makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: efatura.ettn, number: efatura.number }), own));
    const forever =
      '<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">' +
      '<xsl:template match="/"><xsl:call-template name="f"><xsl:with-param name="d" select="0"/></xsl:call-template></xsl:template>' +
      '<xsl:template name="f"><xsl:param name="d"/><xsl:if test="$d &lt; 100"><xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template>' +
      '<xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template></xsl:if></xsl:template></xsl:stylesheet>';
    await send(client, withEmbeddedXslt(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn: looping.ettn, number: looping.number }), forever));
    await gw.gateway.worker.runUntilIdle(); // signed (the worker's GİB steps are not reached: no GİB runs here)
  });
  after(async () => gw?.close());

  const getDocument = async (args: Record<string, unknown>, c = client) => (await c.GetInvoiceDocumentAsync(args))[0] as Record<string, any>;

  it('UBL (the default): the signed UBL as before; HTML: the page with its policy; PDF: the same page printed', async () => {
    const ubl = await getDocument({ ettn: earsiv.ettn });
    const row = await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).first();
    expect(ubl).to.include({ fileName: `${earsiv.number}.xml`, signed: true, contentType: 'application/xml' });
    expect(Buffer.from(ubl.document, 'base64').equals(await gw.gateway.blobs.get(row.signed_sha256))).to.equal(true);
    expect((await getDocument({ ettn: earsiv.ettn, format: 'UBL' })).document).to.equal(ubl.document);

    const html = await getDocument({ invoiceNumber: earsiv.number, format: 'HTML' });
    expect(html).to.include({ fileName: `${earsiv.number}.html`, signed: true, contentType: 'text/html; charset=utf-8' });
    expect(html.invoice).to.include({ ettn: earsiv.ettn, state: 'SIGNED' });
    const page = Buffer.from(html.document, 'base64').toString('utf8');
    expect(visibleText(page)).to.include('e-Arşiv Fatura').and.include(`Fatura No ${earsiv.number}`).and.include(`ETTN ${earsiv.ettn}`);
    expect(page).to.include(VISUAL_CSP);
    expect(page).to.not.include('İPTAL');

    const pdf = await getDocument({ ettn: earsiv.ettn, format: 'PDF' });
    expect(pdf).to.include({ fileName: `${earsiv.number}.pdf`, contentType: 'application/pdf' });
    const bytes = Buffer.from(pdf.document, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(pdfText(bytes)).to.include(earsiv.number).and.include(earsiv.ettn);
  });

  it('an invoice’s own stylesheet draws its page', async () => {
    const page = Buffer.from((await getDocument({ ettn: efatura.ettn, format: 'HTML' })).document, 'base64').toString('utf8');
    expect(visibleText(page)).to.include('KENDI GORSELI').and.include(efatura.number);
  });

  it('cancelled (e-Arşiv CANCELLED / CANCEL_REPORTED, e-Fatura CANCELLED): İPTAL in the page and the PDF', async () => {
    // The machines are tested elsewhere; the rows are put in the states GİB's answers and a cancellation lead to.
    await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).update({ state: 'CANCEL_REPORTED' });
    await gw.testDb.db('invoices').where({ ettn: efatura.ettn }).update({ state: 'CANCELLED' });
    for (const ettn of [earsiv.ettn, efatura.ettn]) {
      const page = Buffer.from((await getDocument({ ettn, format: 'HTML' })).document, 'base64').toString('utf8');
      expect(page, ettn).to.include('gw-iptal-damgasi').and.include('İPTAL');
    }
    expect(pdfText(Buffer.from((await getDocument({ ettn: earsiv.ettn, format: 'PDF' })).document, 'base64'))).to.include('İPTAL');
    await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).update({ state: 'CANCELLED' });
    expect(Buffer.from((await getDocument({ ettn: earsiv.ettn, format: 'HTML' })).document, 'base64').toString('utf8')).to.include('İPTAL');
    await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).update({ state: 'SUCCESS' });
    expect(Buffer.from((await getDocument({ ettn: earsiv.ettn, format: 'HTML' })).document, 'base64').toString('utf8')).to.not.include('İPTAL');
  });

  it('another company’s ETTN or number is not found in any format; bad arguments are 4004', async () => {
    for (const format of ['UBL', 'HTML', 'PDF']) {
      expect(await expectFault(getDocument({ ettn: earsiv.ettn, format }, other)), format).to.include({ code: 4301, name: 'DOCUMENT_NOT_FOUND' });
      expect(await expectFault(getDocument({ invoiceNumber: earsiv.number, format }, other)), format).to.include({ code: 4301 });
    }
    expect(await expectFault(getDocument({ ettn: earsiv.ettn, format: 'DOCX' }))).to.include({ code: 4004, message: 'ISTEK ALANI EKSIK VEYA GECERSIZ: format (UBL, HTML veya PDF)' });
    expect(await expectFault(getDocument({ ettn: earsiv.ettn, invoiceNumber: earsiv.number }))).to.include({ code: 4004, message: 'ISTEK ALANI EKSIK VEYA GECERSIZ: ettn veya invoiceNumber (yalniz biri)' });
  });

  it('an XSLT that never ends: VISUAL_TIMEOUT over SOAP, and the gateway answers the next call', async () => {
    const started = Date.now();
    expect(await expectFault(getDocument({ ettn: looping.ettn, format: 'HTML' }))).to.include({ code: 4902, name: 'VISUAL_TIMEOUT' });
    expect(Date.now() - started).to.be.lessThan(10_000);
    expect((await getDocument({ ettn: looping.ettn })).fileName).to.equal(`${looping.number}.xml`);
    expect((await getDocument({ ettn: efatura.ettn, format: 'HTML' })).fileName).to.equal(`${efatura.number}.html`);
  });

  it('the e-Arşiv mail’s PDF by the invoice’s row id, and not another company’s row', async () => {
    const row = await gw.testDb.db('invoices').where({ ettn: earsiv.ettn }).first();
    const pdf = await gw.gateway.services.visuals.invoicePdf(gw.tenant.id, Number(row.id));
    expect(pdfText(pdf)).to.include(earsiv.number);
    const otherTenant = await gw.testDb.db('tenants').where({ vkn: OTHER_VKN }).first();
    expect(await expectGatewayFault(gw.gateway.services.visuals.invoicePdf(Number(otherTenant.id), Number(row.id)))).to.include({ fault: 'DOCUMENT_NOT_FOUND' });
  });

  it('another company cannot see an outgoing invoice through the service either', async () => {
    const otherTenant = (await gw.testDb.db('tenants').where({ vkn: OTHER_VKN }).first()) as { id: number };
    const them: Caller = { userId: 2, username: 'other-user', tenantId: Number(otherTenant.id), tenantVkn: OTHER_VKN };
    for (const format of ['UBL', 'HTML', 'PDF'] as const) {
      expect(await expectGatewayFault(gw.gateway.services.visuals.visual(them, { direction: 'OUT', ettn: earsiv.ettn }, format))).to.include({ fault: 'DOCUMENT_NOT_FOUND' });
    }
  });
});

describe(`invoice visuals: an incoming invoice (GetIncomingInvoice) (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let client: soap.Client;
  let other: soap.Client;

  before(async () => {
    gw = await startTestGateway({
      deps: {
        // GetIncomingInvoice exists once the gateway speaks to a GİB; nothing here reaches it (no worker, no SendInvoice).
        gib: { efaturaUrl: 'http://127.0.0.1:9/EFatura', earsivUrl: 'http://127.0.0.1:9/EArsiv', cancelPortalUrl: 'http://127.0.0.1:9/FaturaIptal', edefterUrl: 'http://127.0.0.1:9/EDefter' },
      },
    });
    client = await soapClient(gw);
    await gw.createTenantUser(OTHER_VKN, 'other-user');
    other = await soapClient(gw, 'other-user');
  });
  after(async () => gw?.close());

  it('its visual beside its UBL, İPTAL once cancelled, not another company’s', async () => {
    const ettn = toEttn(randomUUID());
    const number = 'GLN2026000000001';
    const xml = Buffer.from(makeInvoice({ profile: 'TEMELFATURA', supplierVkn: OTHER_VKN, customerVkn: TEST_VKN, ettn, number }));
    const sha = await gw.gateway.blobs.put(xml);
    await insertIncomingInvoice(gw.testDb.db, {
      tenantId: gw.tenant.id,
      machine: 'incoming-invoice',
      state: 'INBOX',
      context: {},
      ettn,
      number,
      profileId: 'TEMELFATURA',
      typeCode: 'SATIS',
      issueDate: '2026-03-02',
      senderVkn: OTHER_VKN,
      senderName: 'FIRMA',
      senderAlias: 'urn:mail:defaultgb@firma',
      receiverAlias: 'urn:mail:defaultpk@test',
      currency: 'TRY',
      payableAmount: '120.00',
      documentSha256: sha,
      envelopeId: toEnvelopeId(randomUUID()),
      createdAt: new Date().toISOString(),
    });
    const [plain] = await client.GetIncomingInvoiceAsync({ ettn });
    expect(plain.visual).to.equal(undefined);
    expect(Buffer.from(plain.invoice.document, 'base64').equals(xml)).to.equal(true);
    const [html] = await client.GetIncomingInvoiceAsync({ ettn, format: 'HTML' });
    expect(html.visual).to.include({ fileName: `${number}.html`, contentType: 'text/html; charset=utf-8' });
    expect(visibleText(Buffer.from(html.visual.content, 'base64').toString('utf8'))).to.include(`Fatura No ${number}`);
    expect(Buffer.from(html.invoice.document, 'base64').equals(xml)).to.equal(true);

    const visuals = gw.gateway.services.visuals;
    const me: Caller = { userId: 1, username: 'erp-user', tenantId: gw.tenant.id, tenantVkn: TEST_VKN };
    await gw.testDb.db('incoming_invoices').where({ ettn }).update({ state: 'CANCELLED' });
    // HTML only here (the PDF is the same page printed, above): this file launches one browser.
    const stamped = await visuals.visual(me, { direction: 'IN', ettn }, 'HTML');
    expect(stamped).to.include({ fileName: `${number}.html`, cancelled: true, contentSecurityPolicy: VISUAL_CSP });
    expect(stamped.body.toString('utf8')).to.include('gw-iptal-damgasi').and.include(number);
    expect((await visuals.visual(me, { direction: 'IN', ettn }, 'UBL')).body.equals(xml)).to.equal(true);

    const otherTenant = (await gw.testDb.db('tenants').where({ vkn: OTHER_VKN }).first()) as { id: number };
    const them: Caller = { userId: 2, username: 'other-user', tenantId: Number(otherTenant.id), tenantVkn: OTHER_VKN };
    expect(await expectGatewayFault(visuals.visual(them, { direction: 'IN', ettn }, 'HTML'))).to.include({ fault: 'DOCUMENT_NOT_FOUND' });
    expect(await expectFault(other.GetIncomingInvoiceAsync({ ettn, format: 'HTML' }))).to.include({ code: 4301 });
    expect(await expectGatewayFault(visuals.visual(me, { direction: 'IN', invoiceNumber: number }, 'HTML'))).to.include({ fault: 'REQUEST_FIELD' });
  });
});
