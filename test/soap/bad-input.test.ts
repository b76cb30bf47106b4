import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import yazl from 'yazl';
import { makeInvoice } from '../helpers/invoices';
import { OTHER_VKN, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';
import { envelope, post, securityHeader, sendInvoiceBody } from '../helpers/raw-soap';
import { tableCounts } from '../helpers/rows';

function zip(entries: [string, Buffer][]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const [name, data] of entries) z.addBuffer(data, name);
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/** Bad input gets a typed fault (never node-soap's own text) and leaves nothing stored. */
describe(`bad input (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway({ env: { GW_MAX_REQUEST_BYTES: String(2 * 1024 * 1024), GW_MAX_DOCUMENT_BYTES: String(1024 * 1024) } });
  });
  after(async () => gw.close());

  async function nothingStored() {
    const invoices = await gw.testDb.db('invoices').count({ n: '*' }).first();
    const jobs = await gw.testDb.db('jobs').count({ n: '*' }).first();
    expect(Number(invoices!.n)).to.equal(0);
    expect(Number(jobs!.n)).to.equal(0);
  }

  const sec = () => securityHeader(gw.username, gw.password);
  const valid = () => makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'BAD2026000000001' });

  async function sendDoc(doc: Buffer | string, extra = '') {
    return post(gw.url, envelope(sendInvoiceBody(Buffer.from(doc), extra), sec()));
  }

  function expectTyped(r: { status: number; text: string; code: number | null }, code: number) {
    expect(r.code, r.text.slice(0, 500)).to.equal(code);
    expect(r.text).to.contain('<faultcode>soap:');
    expect(r.text).not.to.match(/at .*\.(js|ts):\d+|TypeError|SqliteError|node_modules/);
  }

  it('malformed SOAP XML → 4001, not node-soap’s stack trace', async () => {
    const r = await post(gw.url, '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><oops></soap:Body>');
    expectTyped(r, 4001);
    await nothingStored();
  });

  it('an unknown operation → 4001', async () => {
    const r = await post(gw.url, envelope('<gw:NoSuchOperation/>', sec()));
    expectTyped(r, 4001);
  });

  it('a DOCTYPE / entity payload in the SOAP request → 4002', async () => {
    const body = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>' + envelope('<gw:GetStatusRequest><gw:ettn>&b;</gw:ettn></gw:GetStatusRequest>', sec()).replace('<?xml version="1.0" encoding="utf-8"?>', '');
    const r = await post(gw.url, body);
    expectTyped(r, 4002);
  });

  it('a DOCTYPE (XXE) inside the invoice → 4007', async () => {
    const doc = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + valid().replace(/^<\?xml[^>]*\?>/, '');
    const r = await sendDoc(doc);
    expectTyped(r, 4007);
    expect(r.text).not.to.contain('root:');
    await nothingStored();
  });

  it('an envelope past the SOAP request limits (an attribute, depth, element count) → 4008 at once, nothing stored', async () => {
    const doc = Buffer.from(valid()).toString('base64');
    const big = await post(gw.url, envelope(`<gw:SendInvoiceRequest junk="${'a'.repeat(1024 * 1024)}"><gw:document>${doc}</gw:document></gw:SendInvoiceRequest>`, sec()));
    expectTyped(big, 4008);
    expect(big.text).to.contain('oznitelik degeri');
    const deep = await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document>${doc}</gw:document>${'<gw:x>'.repeat(20)}${'</gw:x>'.repeat(20)}</gw:SendInvoiceRequest>`, sec()));
    expectTyped(deep, 4008);
    const many = await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document>${doc}</gw:document>${'<gw:x/>'.repeat(300)}</gw:SendInvoiceRequest>`, sec()));
    expectTyped(many, 4008);
    await nothingStored();
  });

  describe('strict UTF-8 and the WSDL’s elements only (nothing stored: every table unchanged)', () => {
    async function unchanged(send: () => Promise<void>) {
      const before = await tableCounts(gw.testDb.db);
      expect(before.invoices).to.be.a('number');
      await send();
      expect(await tableCounts(gw.testDb.db)).to.deep.equal(before);
    }
    const doc = () => Buffer.from(valid()).toString('base64');
    const raw = (body: string, bytes: Buffer, at: string) => {
      const [head, tail] = envelope(body, sec()).split(at);
      return Buffer.concat([Buffer.from(head!), bytes, Buffer.from(at + tail!)]);
    };

    it('the bytes C3 28 FF FE (not UTF-8) in an unknown element, or in the document’s element → 4001', async () => {
      await unchanged(async () => {
        const bad = Buffer.from([0xc3, 0x28, 0xff, 0xfe]);
        expectTyped(await post(gw.url, raw(`<gw:SendInvoiceRequest><gw:document>${doc()}</gw:document><gw:note>!</gw:note></gw:SendInvoiceRequest>`, bad, '!</gw:note>')), 4001);
        expectTyped(await post(gw.url, raw(`<gw:SendInvoiceRequest><gw:document>${doc()}!</gw:document></gw:SendInvoiceRequest>`, bad, '!</gw:document>')), 4001);
      });
    });

    it('a charset other than UTF-8, in the Content-Type or the XML declaration → 4001', async () => {
      await unchanged(async () => {
        const call = envelope(sendInvoiceBody(Buffer.from(valid())), sec());
        expectTyped(await post(gw.url, call, { 'Content-Type': 'text/xml; charset=iso-8859-9' }), 4001);
        expectTyped(await post(gw.url, Buffer.from(call.replace('encoding="utf-8"', 'encoding="iso-8859-9"'), 'latin1')), 4001);
      });
    });

    it('an element SendInvoiceRequest does not have (its own namespace or another), an attribute it does not have → 4010', async () => {
      await unchanged(async () => {
        const unknown = await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document>${doc()}</gw:document><gw:priority>high</gw:priority></gw:SendInvoiceRequest>`, sec()));
        expectTyped(unknown, 4010);
        expect(unknown.text).to.contain('ISTEKTE TANIMSIZ ALAN: priority');
        expectTyped(await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document>${doc()}</gw:document><x:signed xmlns:x="urn:other">true</x:signed></gw:SendInvoiceRequest>`, sec())), 4010);
        expectTyped(await post(gw.url, envelope(`<gw:SendInvoiceRequest mode="x"><gw:document>${doc()}</gw:document></gw:SendInvoiceRequest>`, sec())), 4010);
        expectTyped(await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document encoding="hex">${doc()}</gw:document></gw:SendInvoiceRequest>`, sec())), 4010);
      });
    });

    it('the document twice, no document, a field holding elements, both ETTN and number → 4004; the request in another namespace → 4001', async () => {
      await unchanged(async () => {
        expectTyped(await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document>${doc()}</gw:document><gw:document>${doc()}</gw:document></gw:SendInvoiceRequest>`, sec())), 4004);
        expectTyped(await post(gw.url, envelope('<gw:SendInvoiceRequest><gw:container>xml</gw:container></gw:SendInvoiceRequest>', sec())), 4004);
        expectTyped(await post(gw.url, envelope(`<gw:SendInvoiceRequest><gw:document><gw:x>${doc()}</gw:x></gw:document></gw:SendInvoiceRequest>`, sec())), 4004);
        expectTyped(await post(gw.url, envelope(`<gw:GetStatusRequest><gw:ettn>${randomUUID()}</gw:ettn><gw:invoiceNumber>BAD2026000000001</gw:invoiceNumber></gw:GetStatusRequest>`, sec())), 4004);
        expectTyped(await post(gw.url, envelope(`<x:SendInvoiceRequest xmlns:x="urn:other"><x:document>${doc()}</x:document></x:SendInvoiceRequest>`, sec())), 4001);
      });
    });
  });

  it('a body over the configured limit → 4003 (HTTP 413)', async () => {
    const r = await post(gw.url, envelope(`<gw:GetStatusRequest><gw:ettn>${'x'.repeat(3 * 1024 * 1024)}</gw:ettn></gw:GetStatusRequest>`, sec()));
    expect(r.status).to.equal(413);
    expectTyped(r, 4003);
  });

  it('a gzip bomb (small on the wire, huge inflated) → 4003', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).to.be.lessThan(100 * 1024);
    const r = await post(gw.url, bomb, { 'Content-Encoding': 'gzip' });
    expectTyped(r, 4003);
  });

  it('a ZIP with two files → 1131', async () => {
    const r = await sendDoc(await zip([['a.xml', Buffer.from(valid())], ['b.xml', Buffer.from(valid())]]));
    expectTyped(r, 1131);
    await nothingStored();
  });

  it('a ZIP entry named ../evil1.xml or ..\\evil1.xml (path traversal) → 4005', async () => {
    const z = await zip([['abcdefgh.xml', Buffer.from(valid())]]);
    // yazl refuses to write such names, so rename the entry in place (same length, local and central headers),
    // as an attacker's tool would.
    for (const name of ['../evil1.xml', '..\\evil1.xml', '/etc/passwd1']) {
      const evil = Buffer.from(z.toString('latin1').split('abcdefgh.xml').join(name), 'latin1');
      expectTyped(await sendDoc(evil), 4005);
    }
    await nothingStored();
  });

  it('a ZIP bomb (inflates past the document limit) → 4006', async () => {
    const r = await sendDoc(await zip([['bomb.xml', Buffer.alloc(20 * 1024 * 1024, 0x20)]]));
    expectTyped(r, 4006);
    await nothingStored();
  });

  it('a non-UBL document → 4201; wrong namespace → 4201', async () => {
    expectTyped(await sendDoc('<?xml version="1.0"?><order><id>1</id></order>'), 4201);
    expectTyped(await sendDoc(valid().replace('urn:oasis:names:specification:ubl:schema:xsd:Invoice-2', 'urn:example:not-ubl')), 4201);
    await nothingStored();
  });

  it('malformed invoice XML → 1140', async () => {
    expectTyped(await sendDoc(valid().slice(0, -20)), 1140);
    await nothingStored();
  });

  it('missing required fields → 4205', async () => {
    const doc = valid().replace(/<cac:AccountingCustomerParty>[\s\S]*<\/cac:AccountingCustomerParty>/, '');
    const r = await sendDoc(doc);
    expect([4205, 1160], r.text.slice(0, 300)).to.include(r.code);
    await nothingStored();
  });

  it('an invoice of another company (sender VKN is not the caller’s tenant) → 4107', async () => {
    const r = await sendDoc(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: OTHER_VKN, number: 'BAD2026000000002' }));
    expectTyped(r, 4107);
    await nothingStored();
  });

  it('not base64, or an unknown container → 4004', async () => {
    const r = await post(gw.url, envelope('<gw:SendInvoiceRequest><gw:document>!!!not base64!!!</gw:document></gw:SendInvoiceRequest>', sec()));
    expectTyped(r, 4004);
    expectTyped(await sendDoc(valid(), '<gw:container>rar</gw:container>'), 4004);
    await nothingStored();
  });

  it('GetStatus with neither ETTN nor number → 4004', async () => {
    expectTyped(await post(gw.url, envelope('<gw:GetStatusRequest/>', sec())), 4004);
  });

  it('a wrong invoice number without assignNumber → 4202', async () => {
    expectTyped(await sendDoc(valid().replace('BAD2026000000001', 'BAD-26-1')), 4202);
    await nothingStored();
  });

  it('an ETTN that is not a UUID → 4203', async () => {
    const doc = valid().replace(/<cbc:UUID>[^<]*<\/cbc:UUID>/, '<cbc:UUID>not-a-uuid</cbc:UUID>');
    expectTyped(await sendDoc(doc), 4203);
    await nothingStored();
  });

  it('a payable amount that does not add up, for a tenant whose arithmetic policy is refuse → 4206', async () => {
    const doc = valid().replace(/<cbc:PayableAmount currencyID="TRY">([\d.]+)<\/cbc:PayableAmount>/, (_m: string, v: string) => `<cbc:PayableAmount currencyID="TRY">${(Number(v) + 1).toFixed(2)}</cbc:PayableAmount>`);
    await gw.gateway.services.tenants.setArithmeticPolicy(TEST_VKN, 'refuse');
    try {
      expectTyped(await sendDoc(doc), 4206);
    } finally {
      await gw.gateway.services.tenants.setArithmeticPolicy(TEST_VKN, 'warn');
    }
    await nothingStored();
  });

  it('an ETTN in the envelope not matching anything → not found, never another tenant’s', async () => {
    expectTyped(await post(gw.url, envelope(`<gw:GetStatusRequest><gw:ettn>${randomUUID()}</gw:ettn></gw:GetStatusRequest>`, sec())), 4301);
  });
});
