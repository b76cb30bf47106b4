/**
 * The synchronous side of our EFatura endpoint over real HTTP: what sendDocument answers at once (Ek-3 §8) and what
 * it stores before answering; getApplicationResponse; the WSDL; MTOM.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import {
  buildGetApplicationResponseRequest,
  buildSendDocumentRequest,
  md5Hex,
  parseSystemResponse,
  soapContentType,
} from '../../src/gib/protocol';
import { sha256Hex } from '../../src/storage/blob-store';
import { NS } from '../../src/xml/namespaces';
import { GIB_DIR } from '../helpers/paths';
import {
  countOf,
  envelopeRow,
  envelopeXml,
  get,
  invoiceXml,
  packed,
  post,
  postSoapMessage,
  startFakeGib,
  startHarness,
  type FakeGib,
  type Harness,
} from './helpers';

async function push(h: Harness, fileName: string, zip: Buffer, hash: string) {
  return postSoapMessage(h.url, buildSendDocumentRequest({ fileName, binaryData: zip, hash }));
}

async function counts(h: Harness, id: string): Promise<{ envelopes: number; jobs: number }> {
  return {
    envelopes: await countOf(h.db('envelopes').where({ id: id.toLowerCase() })),
    jobs: await countOf(h.db('jobs').where('job_key', 'like', `gib.inbound:${id.toLowerCase()}%`)),
  };
}

describe('GİB endpoint: sendDocument and getApplicationResponse over HTTP', function () {
  let gib: FakeGib;
  let h: Harness;

  before(async () => {
    gib = await startFakeGib();
    h = await startHarness({ gibUrl: gib.url, maxBytes: 256 * 1024, wsdlFile: path.join(GIB_DIR, 'e-fatura-paketi', 'wsdl', 'EFatura_Test.wsdl') });
  });

  after(async () => {
    await h.close();
    await gib.stop();
  });

  it('answers documentResponse with our MD5 only after the row, its job and the ZIP are stored', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const r = await push(h, env.fileName, env.zip, env.md5.toUpperCase()); // hex case carries no meaning
    expect(r.status).to.equal(200);
    expect(r.msg).to.deep.equal({ kind: 'sendDocumentResponse', msg: 'ZARF KUYRUGA EKLENDI', hash: env.md5 });
    const row = await envelopeRow(h.db, env.id);
    expect(row).to.include({ direction: 'IN', status: 'RECEIVED', type: 'UNKNOWN', file_name: env.fileName, md5: env.md5, blob_sha256: sha256Hex(env.zip) });
    expect(row!.id).to.equal(env.id.toLowerCase());
    expect(await h.blobs.get(row!.blob_sha256)).to.deep.equal(env.zip);
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 1, jobs: 1 });
  });

  it('stores the id in lower case and takes an upper-case file name as GİB wrote it', async () => {
    const id = randomUUID().toUpperCase();
    const env = await packed(envelopeXml({ id, elements: [invoiceXml()] }));
    expect((await push(h, env.fileName, env.zip, env.md5)).status).to.equal(200);
    const row = await envelopeRow(h.db, id);
    expect(row).to.include({ id: id.toLowerCase(), file_name: `${id}.zip` });
  });

  it('2000 OZET DEGERLER ESIT DEGIL for a hash that is not the ZIP’s MD5, and stores nothing', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const r = await push(h, env.fileName, env.zip, md5Hex(Buffer.from('something else')));
    expect(r.status).to.equal(400);
    expect(r.msg).to.deep.include({ kind: 'fault', code: 2000, msg: 'OZET DEGERLER ESIT DEGIL', soapCode: 'soap:Sender' });
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 0, jobs: 0 });
    expect(await h.blobs.has(sha256Hex(env.zip))).to.equal(false);
  });

  for (const name of ['fatura.zip', 'not-a-uuid-but-thirty-six-characters.zip', `${randomUUID()}.xml`, `../${randomUUID()}.zip`]) {
    it(`2006 GECERSIZ ZARF ADI for the file name ${JSON.stringify(name)}, and stores nothing`, async () => {
      const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
      const r = await push(h, name, env.zip, env.md5);
      expect(r.status).to.equal(400);
      expect(r.msg).to.deep.include({ kind: 'fault', code: 2006, msg: 'GECERSIZ ZARF ADI' });
      expect(await h.blobs.has(sha256Hex(env.zip))).to.equal(false);
    });
  }

  it('2001 ZARF ID SISTEMDE MEVCUT for an envelope pushed again, one row, one job, no second blob', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    expect((await push(h, env.fileName, env.zip, env.md5)).status).to.equal(200);
    const again = await push(h, env.fileName, env.zip, env.md5);
    expect(again.status).to.equal(400);
    expect(again.msg).to.deep.include({ kind: 'fault', code: 2001, msg: 'ZARF ID SISTEMDE MEVCUT' });
    // The same ID with other bytes is the same envelope for GİB too: refused before anything is written.
    const other = await packed(envelopeXml({ id: env.id, elements: [invoiceXml()] }));
    const r3 = await push(h, other.fileName, other.zip, other.md5);
    expect(r3.msg).to.deep.include({ kind: 'fault', code: 2001 });
    expect(await h.blobs.has(sha256Hex(other.zip))).to.equal(false);
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 1, jobs: 1 });
  });

  it('two pushes of one envelope at the same time: one is taken, the other gets 2001', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const results = await Promise.all([1, 2, 3].map(() => push(h, env.fileName, env.zip, env.md5)));
    const codes = results.map((r) => (r.msg.kind === 'fault' ? r.msg.code : 200)).sort();
    expect(codes).to.deep.equal([200, 2001, 2001]);
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 1, jobs: 1 });
  });

  it('an envelope we sent ourselves, delivered back to us (tenant to tenant): stored beside our own OUT row, never 2001', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const at = new Date().toISOString();
    await h.db('envelopes').insert({ id: env.id, direction: 'OUT', tenant_id: null, type: 'SENDERENVELOPE', blob_sha256: 'c'.repeat(64), status: 'SENT', created_at: at, updated_at: at });
    const r = await push(h, env.fileName, env.zip, env.md5);
    expect(r.msg.kind).to.equal('sendDocumentResponse');
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'RECEIVED' });
    expect(await countOf(h.db('envelopes').where({ id: env.id }))).to.equal(2);
    expect(await countOf(h.db('jobs').where('job_key', 'like', `gib.inbound:${env.id}%`))).to.equal(1);
  });

  const SISTEM_HATASI = { kind: 'fault', code: 2005, msg: 'SISTEM HATASI', reason: 'SISTEM HATASI', soapCode: 'soap:Receiver' };

  it('2005 for a request with a DOCTYPE, with GİB’s text only', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const body = buildSendDocumentRequest({ fileName: env.fileName, binaryData: env.zip, hash: env.md5 })
      .toString('utf8')
      .replace('<soap:Envelope', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<soap:Envelope');
    const r = await postSoapMessage(h.url, Buffer.from(body));
    expect(r.status).to.equal(500);
    expect(r.msg).to.deep.equal(SISTEM_HATASI);
    expect(r.raw.toString()).not.to.match(/DOCTYPE|passwd|ENTITY|Error/i);
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 0, jobs: 0 });
    expect(h.logs.some((l) => l.msg === 'unreadable EFatura request: 2005' && String(l.reason).includes('4002'))).to.equal(true);
  });

  for (const [what, body] of [
    ['garbage', Buffer.from('\x00\x01 this is no XML at all')],
    ['an empty body', Buffer.alloc(0)],
    ['XML that is not SOAP', Buffer.from('<documentRequest xmlns="http://gib.gov.tr/vedop3/eFatura"/>')],
    ['a SOAP body of another service', Buffer.from(`<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x:other xmlns:x="urn:x"/></s:Body></s:Envelope>`)],
    ['binaryData that is not base64', Buffer.from(`<s:Envelope xmlns:s="${NS.soap12}"><s:Body><e:documentRequest xmlns:e="${NS.gib}"><fileName>${randomUUID()}.zip</fileName><binaryData>%%%</binaryData><hash>x</hash></e:documentRequest></s:Body></s:Envelope>`)],
  ] as const) {
    it(`2005 for ${what}`, async () => {
      const r = await postSoapMessage(h.url, body);
      expect(r.status).to.equal(500);
      expect(r.msg).to.deep.equal(SISTEM_HATASI);
    });
  }

  it('2005 for an envelope past the SOAP request limits (a 100 KB attribute), refused as it arrives, and stores nothing', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const body = buildSendDocumentRequest({ fileName: env.fileName, binaryData: env.zip, hash: env.md5 })
      .toString('utf8')
      .replace('<soap:Envelope', `<soap:Envelope junk="${'a'.repeat(100 * 1024)}"`);
    const r = await postSoapMessage(h.url, Buffer.from(body));
    expect(r.status).to.equal(500);
    expect(r.msg).to.deep.equal(SISTEM_HATASI);
    expect(await counts(h, env.id)).to.deep.equal({ envelopes: 0, jobs: 0 });
    expect(h.logs.some((l) => l.msg === 'EFatura request body refused: 2005' && String(l.reason).includes('4009'))).to.equal(true);
  });

  it('2005 for a request over the size limit, read to its end and answered (no reset connection)', async () => {
    const before = await countOf(h.db('envelopes'));
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const zip = Buffer.concat([env.zip, Buffer.alloc(300 * 1024, 7)]);
    const r = await push(h, env.fileName, zip, md5Hex(zip));
    expect(r.status).to.equal(500);
    expect(r.msg).to.deep.equal(SISTEM_HATASI);
    expect(await countOf(h.db('envelopes'))).to.equal(before);
    expect(h.logs.some((l) => l.msg === 'EFatura request body refused: 2005' && l.reason === 'entity.too.large')).to.equal(true);
  });

  it('takes binaryData as an MTOM attachment (multipart/related, xop:Include), as GİB’s service sends it', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const boundary = 'uuid:3b1b3c5e-mtom';
    const root =
      `<soap:Envelope xmlns:soap="${NS.soap12}"><soap:Body><ns2:documentRequest xmlns:ns2="${NS.gib}" xmlns:xmime="${NS.xmime}">` +
      `<fileName>${env.fileName}</fileName><binaryData xmime:contentType="application/zip"><xop:Include xmlns:xop="${NS.xop}" href="cid:zip-part%40gib.gov.tr"/></binaryData>` +
      `<hash>${env.md5}</hash></ns2:documentRequest></soap:Body></soap:Envelope>`;
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@gib.gov.tr>\r\n\r\n${root}\r\n` +
          `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <zip-part@gib.gov.tr>\r\n\r\n`,
      ),
      env.zip,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const ct = `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root.message@gib.gov.tr>"; start-info="application/soap+xml"`;
    const r = await postSoapMessage(h.url, body, ct);
    expect(r.status).to.equal(200);
    expect(r.msg).to.deep.include({ kind: 'sendDocumentResponse', hash: env.md5 });
    expect(await envelopeRow(h.db, env.id)).to.include({ md5: env.md5, blob_sha256: sha256Hex(env.zip) });

    // An attachment the Include does not name is no data: 2005, nothing stored.
    const other = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const broken = Buffer.from(body.toString('latin1').replaceAll(env.fileName, other.fileName).replace('zip-part%40', 'missing%40'), 'latin1');
    const r2 = await postSoapMessage(h.url, broken, ct);
    expect(r2.msg).to.deep.include({ kind: 'fault', code: 2005 });
    expect(await envelopeRow(h.db, other.id)).to.equal(undefined);
  });

  it('getApplicationResponse: 2004 until we answered the envelope, then our SYSTEMENVELOPE', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const ask = () => postSoapMessage(h.url, buildGetApplicationResponseRequest(env.id), soapContentType('getApplicationResponse'));
    expect((await ask()).msg).to.deep.include({ kind: 'fault', code: 2004, msg: 'ZARF ID BULUNAMADI' });
    await push(h, env.fileName, env.zip, env.md5);
    expect((await ask()).msg).to.deep.include({ kind: 'fault', code: 2004 });
    await h.worker.runUntilIdle();
    const r = await ask();
    expect(r.status).to.equal(200);
    if (r.msg.kind !== 'getApplicationResponseResponse') throw new Error(`unexpected ${r.msg.kind}`);
    const sr = parseSystemResponse(Buffer.from(r.msg.applicationResponse, 'utf8'));
    expect(sr).to.deep.include({ envelopeId: env.id, envelopeType: 'SENDERENVELOPE', code: 1200, description: 'ZARF BASARIYLA ISLENDI' });
    expect(gib.calls.some((c) => c.responses.some((x) => x.envelopeId === env.id))).to.equal(true);
  });

  it('serves GİB’s WSDL with our own address', async () => {
    const r = await get(`${h.url}?wsdl`);
    expect(r.status).to.equal(200);
    expect(r.text).to.include(`<soap12:address location="${h.url}"`);
    expect(r.text).not.to.include('merkeztest.efatura.gov.tr');
    expect(r.text).to.include('name="sendDocument"');
    expect((await get(h.url)).status).to.equal(404);
  });

  it('a plain POST without SOAP Content-Type is still read (GİB’s peers differ): text/xml', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const r = await post(h.url, buildSendDocumentRequest({ fileName: env.fileName, binaryData: env.zip, hash: env.md5 }), 'text/xml; charset=utf-8');
    expect(r.status).to.equal(200);
  });
});
