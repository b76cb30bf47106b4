/**
 * The GİB simulator over real HTTP on loopback: the simulator and two fake integrators (A sends, B's postbox
 * receives and answers), with delays of a few milliseconds instead of GİB's seconds and hours.
 */
import http from 'node:http';
import { expect } from 'chai';
import yazl from 'yazl';
import { randomUUID } from 'node:crypto';
import { buildApplicationResponse, buildEnvelope, md5Hex, openEnvelope, packEnvelope, parseSystemResponse } from '../../src/gib/protocol';
import { signXml } from '../../src/signing/xades';
import { createSimulator, type Simulator } from '../../src/simulator';
import { GIB_DIR } from '../helpers/paths';
import {
  A,
  A_PK,
  B,
  B_GB,
  USERS,
  closeSeal,
  getApplicationResponse,
  sealOfA,
  packedEnvelope,
  sendDocument,
  signedInvoice,
  startFakeIntegrator,
  type FakeIntegrator,
} from './helpers';
import { makeInvoice } from '../helpers/invoices';

const FAST = { queueMs: 1, processMs: 1, deliverMs: 1, deliveryRetryMs: 10, deliveryRetries: 4, pushRetryMs: 20, pushMaxAttempts: 0, requestTimeoutMs: 2000 };

async function waitUntil<T>(what: string, f: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function codes(sim: Simulator, id: string): number[] {
  return sim.store.getEnvelope(id)?.history.map((h) => h.code) ?? [];
}

async function waitCode(sim: Simulator, id: string, code: number): Promise<number[]> {
  await waitUntil(`${id} → ${code} (now ${codes(sim, id).join(',')})`, () => sim.store.getEnvelope(id)?.state === code);
  return codes(sim, id);
}

async function adminJson(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('GİB simulator', function () {
  let sim: Simulator;
  let base: string;
  let a: FakeIntegrator;
  let b: FakeIntegrator;

  before(async () => {
    sim = createSimulator({ timings: FAST });
    base = await sim.start(0);
    a = await startFakeIntegrator(() => sim.soapUrl, A);
    b = await startFakeIntegrator(() => sim.soapUrl, B);
  });

  beforeEach(() => {
    sim.store.reset();
    Object.assign(sim.timings, FAST);
    for (const u of USERS) sim.store.upsertUser(u, new Date());
    sim.store.registerEndpoint({ url: a.url, aliases: [A.alias!, A_PK], vkns: [A.vknTckn] });
    sim.store.registerEndpoint({ url: b.url, aliases: [B.alias, B_GB], vkns: [B.vknTckn] });
    a.received.length = 0;
    b.received.length = 0;
    a.down = false;
    b.down = false;
    b.answerWith = 1200;
  });

  afterEach(async () => {
    // Let pushes in flight land before the next test resets the store.
    await sim.idle(2000);
  });

  after(async () => {
    await sim.stop();
    await a.stop();
    await b.stop();
    await closeSeal();
  });

  it('A → B: 1000 → 1100 → 1200 → delivered to B → B answers 1200 → 1300; A is told', async () => {
    const env = await packedEnvelope([await signedInvoice()]);
    const r = await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(r.status).to.equal(200);
    expect(r.msg).to.deep.include({ kind: 'sendDocumentResponse', hash: env.md5 });

    const delivered = await b.waitFor((x) => x.id === env.id);
    expect(delivered.envelope.type).to.equal('SENDERENVELOPE');
    expect(delivered.md5).to.equal(env.md5); // the same envelope, byte for byte

    expect(await waitCode(sim, env.id, 1300)).to.deep.equal([1000, 1100, 1200, 1220, 1300]);
    // Merkez's own 1200, then B's system response passed on unchanged.
    const merkez = await a.waitFor((x) => x.about === env.id && x.code === 1200 && x.envelope.sender.alias === 'GIB');
    expect(merkez.envelope.receiver.alias).to.equal(A.alias);
    const fromB = await a.waitFor((x) => x.about === env.id && x.envelope.sender.vknTckn === B.vknTckn);
    expect(fromB.code).to.equal(1200);

    const poll = await getApplicationResponse(sim.soapUrl, env.id);
    expect(poll.msg.kind).to.equal('getApplicationResponseResponse');
    if (poll.msg.kind !== 'getApplicationResponseResponse') return;
    const sr = parseSystemResponse(Buffer.from(poll.msg.applicationResponse, 'utf8'));
    expect([sr.envelopeId, sr.code, sr.description]).to.deep.equal([env.id, 1300, 'BASARIYLA TAMAMLANDI']);
  });

  it('a wrong MD5 is fault 2000', async () => {
    const env = await packedEnvelope([await signedInvoice()]);
    const r = await sendDocument(sim.soapUrl, env.fileName, env.zip, '0'.repeat(32));
    expect(r.status).to.equal(400);
    expect(r.msg).to.deep.include({ kind: 'fault', code: 2000, msg: 'OZET DEGERLER ESIT DEGIL' });
    expect(sim.store.envelopes.size).to.equal(0);
  });

  it('an envelope ID already received is fault 2001', async () => {
    const env = await packedEnvelope([await signedInvoice()]);
    expect((await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5)).status).to.equal(200);
    const again = await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(again.msg).to.deep.include({ kind: 'fault', code: 2001, msg: 'ZARF ID SISTEMDE MEVCUT' });
    const upper = await sendDocument(sim.soapUrl, env.fileName.toUpperCase().replace('.ZIP', '.zip'), env.zip, env.md5);
    expect(upper.msg).to.deep.include({ kind: 'fault', code: 2001 });
  });

  it('a file name that is not <uuid>.zip is fault 2006', async () => {
    const env = await packedEnvelope([await signedInvoice()]);
    for (const name of ['fatura.zip', `${env.id}.xml`, `../${env.id}.zip`, `${env.id.replace(/-/g, 'x')}.zip`]) {
      const r = await sendDocument(sim.soapUrl, name, env.zip, env.md5);
      expect(r.msg, name).to.deep.include({ kind: 'fault', code: 2006, msg: 'GECERSIZ ZARF ADI' });
    }
  });

  it('getApplicationResponse for an unknown envelope ID is fault 2004', async () => {
    const r = await getApplicationResponse(sim.soapUrl, '3f1d8a4e-0000-4000-8000-000000000000');
    expect(r.msg).to.deep.include({ kind: 'fault', code: 2004, msg: 'ZARF ID BULUNAMADI' });
  });

  it('a receiver alias in nobody\'s list is 1181 ADRES BULUNAMADI; a GB alias used as postbox is 1172', async () => {
    const unknown = await packedEnvelope([await signedInvoice()], { receiver: { ...B, alias: 'urn:mail:yok@b.com.tr' } });
    await sendDocument(sim.soapUrl, unknown.fileName, unknown.zip, unknown.md5);
    expect(await waitCode(sim, unknown.id, 1181)).to.deep.equal([1000, 1100, 1181]);
    const told = await a.waitFor((x) => x.about === unknown.id);
    expect(told.code).to.equal(1181);

    const gbAsPk = await packedEnvelope([await signedInvoice()], { receiver: { ...B, alias: B_GB } });
    await sendDocument(sim.soapUrl, gbAsPk.fileName, gbAsPk.zip, gbAsPk.md5);
    await waitCode(sim, gbAsPk.id, 1172);
    expect((await a.waitFor((x) => x.about === gbAsPk.id)).code).to.equal(1172);
    expect(b.received).to.have.length(0);
  });

  it('a sender without that GB alias is 1171; an unsigned invoice is 1161', async () => {
    const notGb = await packedEnvelope([await signedInvoice()], { sender: { ...A, alias: A_PK } });
    await sendDocument(sim.soapUrl, notGb.fileName, notGb.zip, notGb.md5);
    await waitCode(sim, notGb.id, 1171);
    const unsigned = await packedEnvelope([Buffer.from(makeInvoice({ supplierVkn: A.vknTckn, customerVkn: B.vknTckn }))]);
    await sendDocument(sim.soapUrl, unsigned.fileName, unsigned.zip, unsigned.md5);
    await waitCode(sim, unsigned.id, 1161);
    expect(sim.store.getEnvelope(unsigned.id)!.history.at(-1)!.text).to.equal('IMZA SAHIBI TCKN VKN ALINAMADI');
  });

  it('B\'s endpoint down: 1210, four retries, then 1215', async () => {
    b.down = true;
    const env = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(await waitCode(sim, env.id, 1215)).to.deep.equal([1000, 1100, 1200, 1210, 1215]);
    expect(sim.store.getEnvelope(env.id)!.delivery.attempts).to.equal(5);
    // Ek-2 §4.1: after 1215 the invoices may be sent again with the same IDs.
    b.down = false;
    const again = await packedEnvelope([await invoiceOf(env.id, sim)]);
    await sendDocument(sim.soapUrl, again.fileName, again.zip, again.md5);
    await waitCode(sim, again.id, 1300);
  });

  it('delivery failing twice (injected) recovers: 1210 → 1220 → 1300', async () => {
    const r = await adminJson('POST', `${base}/admin/faults`, { failDeliveries: { [B.vknTckn]: 2 } });
    expect(r.status).to.equal(200);
    const env = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(await waitCode(sim, env.id, 1300)).to.deep.equal([1000, 1100, 1200, 1210, 1220, 1300]);
    expect(sim.store.getEnvelope(env.id)!.delivery.attempts).to.equal(3);
  });

  it('an invoice sent again while its first envelope is under way is 1163; after 1230 it may come again', async () => {
    const invoice = await signedInvoice();
    const first = await packedEnvelope([invoice]);
    await sendDocument(sim.soapUrl, first.fileName, first.zip, first.md5);
    await waitCode(sim, first.id, 1300);
    const second = await packedEnvelope([invoice]);
    await sendDocument(sim.soapUrl, second.fileName, second.zip, second.md5);
    await waitCode(sim, second.id, 1163);
    expect((await a.waitFor((x) => x.about === second.id)).code).to.equal(1163);

    // B's postbox refuses (an 11xx in its system response): 1230, and the invoice is free again.
    b.answerWith = 1150;
    const other = await signedInvoice();
    const refused = await packedEnvelope([other]);
    await sendDocument(sim.soapUrl, refused.fileName, refused.zip, refused.md5);
    expect(await waitCode(sim, refused.id, 1230)).to.deep.equal([1000, 1100, 1200, 1220, 1230]);
    expect((await a.waitFor((x) => x.about === refused.id && x.envelope.sender.vknTckn === B.vknTckn)).code).to.equal(1150);
    b.answerWith = 1200;
    const resent = await packedEnvelope([other]);
    await sendDocument(sim.soapUrl, resent.fileName, resent.zip, resent.md5);
    await waitCode(sim, resent.id, 1300);
  });

  it('injections: a system response pushed twice, one lost — as seen by A', async () => {
    await adminJson('POST', `${base}/admin/faults`, { duplicatePushes: 1 });
    const dup = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, dup.fileName, dup.zip, dup.md5);
    await waitCode(sim, dup.id, 1300);
    await sim.idle();
    const merkez1200 = a.received.filter((x) => x.about === dup.id && x.envelope.sender.alias === 'GIB');
    expect(merkez1200).to.have.length(2);
    expect(merkez1200[0]!.id).to.equal(merkez1200[1]!.id); // the same SYSTEMENVELOPE twice

    await adminJson('POST', `${base}/admin/faults`, { losePushes: 1 });
    const lost = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, lost.fileName, lost.zip, lost.md5);
    await waitCode(sim, lost.id, 1300);
    await sim.idle();
    // Merkez's 1200 never arrived; B's answer, passed on, did.
    expect(a.received.filter((x) => x.about === lost.id).map((x) => [x.envelope.sender.vknTckn, x.code])).to.deep.equal([[B.vknTckn, 1200]]);
    const detail = (await adminJson('GET', `${base}/admin/envelopes/${lost.id}`)).json as { pushes: Array<{ status: string; origin: string }> };
    expect(detail.pushes.map((p) => [p.origin, p.status])).to.deep.include.members([['merkez', 'lost'], ['forwarded', 'delivered']]);
  });

  it('a push that cannot be delivered is retried until it is', async () => {
    a.down = true;
    const env = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    await waitCode(sim, env.id, 1300);
    await waitUntil('a few failed pushes', () => sim.store.pushes.some((p) => p.attempts >= 2));
    a.down = false;
    await a.waitFor((x) => x.about === env.id && x.envelope.sender.alias === 'GIB');
    await a.waitFor((x) => x.about === env.id && x.envelope.sender.vknTckn === B.vknTckn);
  });

  it('sendDocument held (timeout injection): the envelope was taken, a resend gets 2001', async () => {
    await adminJson('POST', `${base}/admin/faults`, { sendDocumentTimeouts: 1, holdMs: 50, acceptHeld: true });
    const env = await packedEnvelope([await signedInvoice()]);
    let failed: unknown = null;
    try {
      await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    } catch (err) {
      failed = err;
    }
    expect(String(failed)).to.match(/socket hang up|ECONNRESET/);
    const again = await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(again.msg).to.deep.include({ kind: 'fault', code: 2001 });
    await waitCode(sim, env.id, 1300);
  });

  it('admin API: users, endpoints, envelopes, reset', async () => {
    expect((await adminJson('POST', `${base}/admin/users`, { vknTckn: '1111111111', title: 'C A.Ş.', aliases: [{ alias: 'urn:mail:defaultpk@c.com.tr', role: 'PK' }] })).status).to.equal(201);
    expect((await adminJson('POST', `${base}/admin/users`, { vknTckn: '12', aliases: [] })).status).to.equal(400);
    const users = (await adminJson('GET', `${base}/admin/users`)).json as Array<{ vknTckn: string }>;
    expect(users.map((u) => u.vknTckn)).to.include('1111111111');
    expect((await adminJson('POST', `${base}/admin/endpoints`, { url: 'http://127.0.0.1:9/x', vkns: ['1111111111'] })).status).to.equal(201);
    const env = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    await waitCode(sim, env.id, 1300);
    const list = (await adminJson('GET', `${base}/admin/envelopes?sender=${A.vknTckn}`)).json as Array<{ id: string; history: Array<{ code: number; text: string }> }>;
    const mine = list.find((e) => e.id === env.id)!;
    expect(mine.history.map((h) => h.code)).to.deep.equal([1000, 1100, 1200, 1220, 1300]);
    expect(mine.history[0]!.text).to.equal('ZARF KUYRUGA EKLENDI');
    expect((await adminJson('DELETE', `${base}/admin/users/1111111111`)).status).to.equal(204);
    await sim.idle();
    expect((await adminJson('POST', `${base}/admin/reset`, {})).status).to.equal(204);
    expect((await adminJson('GET', `${base}/admin/envelopes`)).json).to.deep.equal([]);
  });
});

/** The first invoice of an envelope the simulator holds (the bytes A sent). */
async function invoiceOf(id: string, sim: Simulator): Promise<Buffer> {
  const e = sim.store.getEnvelope(id)!;
  const { envelope } = await openEnvelope(e.fileName, e.zip, e.md5);
  return Buffer.from(envelope.elements[0]!.document);
}

describe('GİB simulator with GİB\'s package and final-state pushes', function () {
  let sim: Simulator;
  let a: FakeIntegrator;
  let b: FakeIntegrator;

  before(async () => {
    a = await startFakeIntegrator(() => sim.soapUrl, A);
    b = await startFakeIntegrator(() => sim.soapUrl, B);
    sim = createSimulator({
      timings: FAST,
      gibDir: GIB_DIR,
      pushFinalStates: true,
      users: USERS,
      endpoints: [
        { url: a.url, aliases: [A.alias, A_PK], vkns: [A.vknTckn] },
        { url: b.url, aliases: [B.alias, B_GB], vkns: [B.vknTckn] },
      ],
    });
    await sim.start(0);
  });

  after(async () => {
    await sim.stop();
    await a.stop();
    await b.stop();
    await closeSeal();
  });

  it('serves GİB\'s WSDL with its own address', async () => {
    const wsdl = await new Promise<string>((resolve, reject) => {
      http.get(`${sim.soapUrl}?wsdl`, { agent: false }, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString('utf8')));
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    expect(wsdl).to.include(`location="${sim.soapUrl}"`);
    expect(wsdl).to.include('sendDocument');
  });

  it('a valid signed invoice passes XSD and schematron; 1300 is pushed to A too', async () => {
    const env = await packedEnvelope([await signedInvoice()]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    await waitCode(sim, env.id, 1300);
    const pushed = await a.waitFor((x) => x.about === env.id && x.code === 1300);
    expect(pushed.envelope.sender.alias).to.equal('GIB');
  });

  it('a schematron failure is 1150 with GİB\'s rule text', async () => {
    const env = await packedEnvelope([await signedInvoice({}, (x) => x.replace('unitCode="C62"', 'unitCode="ADET"'))]);
    await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(await waitCode(sim, env.id, 1150)).to.deep.equal([1000, 1100, 1150]);
    const told = await a.waitFor((x) => x.about === env.id);
    const sr = parseSystemResponse(told.envelope.elements[0]!.bytes);
    expect(sr.description).to.match(/^SCHEMATRON KONTROL SONUCU HATALI: .*InvoicedQuantity/);
    expect(b.received.filter((x) => x.id === env.id)).to.have.length(0);
  });

  it('a KABUL in a POSTBOXENVELOPE is held to GİB\'s application-response rules: a response without its Description is 1150 in GİB\'s words', async () => {
    const answer = async (mutate: (x: string) => string): Promise<{ id: string; codes: number[] }> => {
      const ar = buildApplicationResponse({
        uuid: randomUUID(), issuedAt: { date: '2024-03-06', time: '10:00:00' }, code: 'KABUL',
        sender: { vknTckn: B.vknTckn, name: B.title! }, receiver: { vknTckn: A.vknTckn, name: A.title! },
        invoice: { uuid: randomUUID(), number: 'ABC2024000000001', issueDate: '2024-03-05' },
      });
      const signed = await signXml(Buffer.from(mutate(ar.toString('utf8'))), await sealOfA());
      const id = randomUUID();
      const xml = buildEnvelope({ id, type: 'POSTBOXENVELOPE', createdAt: new Date(), sender: B, receiver: A, elementType: 'APPLICATIONRESPONSE', elements: [signed] });
      const p = await packEnvelope(xml, id);
      await sendDocument(sim.soapUrl, p.fileName, p.zip, p.md5);
      await waitUntil(`${id} checked`, () => ![undefined, 1000, 1100].includes(sim.store.getEnvelope(id)?.state));
      return { id, codes: codes(sim, id) };
    };
    expect((await answer((x) => x)).codes).to.include(1200);
    const bad = await answer((x) => x.replace(/(<cac:LineResponse>[\s\S]*?)<cbc:Description>[^<]*<\/cbc:Description>/, '$1'));
    expect(bad.codes).to.deep.equal([1000, 1100, 1150]);
    const told = await b.waitFor((x) => x.about === bad.id);
    expect(parseSystemResponse(told.envelope.elements[0]!.bytes).description)
      .to.contain('DescriptionCountCheck: cac:Response elemanı içerisinde bir tane cbc:Description elemanı bulunmalıdır.');
  });

  it('an envelope breaking GİB\'s envelope rules is 1150; one that is not XML is 1132', async () => {
    const id = '0b9a3c1e-5d7f-4e2a-9c3b-1a2b3c4d5e6f';
    const xml = buildEnvelope({ id, type: 'SENDERENVELOPE', createdAt: new Date(), sender: A, receiver: B, elementType: 'INVOICE', elements: [await signedInvoice()] })
      .toString('utf8')
      .replace('<ElementCount>1</ElementCount>', '<ElementCount>2</ElementCount>');
    const p = await packEnvelope(Buffer.from(xml), id);
    await sendDocument(sim.soapUrl, p.fileName, p.zip, p.md5);
    await waitCode(sim, id, 1150);

    const notXmlId = '1c9a3c1e-5d7f-4e2a-9c3b-1a2b3c4d5e6f';
    const zf = new yazl.ZipFile();
    zf.addBuffer(Buffer.from('\x00\x01 not xml'), `${notXmlId}.xml`);
    zf.end();
    const chunks: Buffer[] = [];
    for await (const c of zf.outputStream) chunks.push(c as Buffer);
    const zip = Buffer.concat(chunks);
    await sendDocument(sim.soapUrl, `${notXmlId}.zip`, zip, md5Hex(zip));
    expect(await waitCode(sim, notXmlId, 1132)).to.deep.equal([1000, 1100, 1132]);
    // Nobody to push to, but getApplicationResponse answers.
    const poll = await getApplicationResponse(sim.soapUrl, notXmlId);
    expect(poll.msg.kind).to.equal('getApplicationResponseResponse');
  });
});
