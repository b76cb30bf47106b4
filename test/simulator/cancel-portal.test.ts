/**
 * The simulator's e-Fatura cancellation portal (src/simulator/cancel-portal.ts) through the gateway's client
 * (src/gib/cancel-portal-client.ts), over real HTTP on loopback: invoices from A to B go through Merkez to B's fake
 * postbox until 1300, then A asks for their cancellation and B decides, every document signed with a test seal.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { GibCallError } from '../../src/gib/client-errors';
import { CancelPortalError, createCancelPortalClient, type CancelPortalClient } from '../../src/gib/cancel-portal-client';
import {
  CANCEL_DECISION_SIGNATURE_PLACEMENT,
  CANCEL_REQUEST_SIGNATURE_PLACEMENT,
  buildCancelDecision,
  buildCancelRequest,
  parseSystemResponse,
  turkishTime,
  type CancelDecisionKind,
  type CancelRequestSpec,
} from '../../src/gib/protocol';
import { signXml } from '../../src/signing/xades';
import { createSimulator, type Simulator } from '../../src/simulator';
import { makeInvoice, type MakeInvoiceOptions } from '../helpers/invoices';
import { testSeal, type TestSeal } from '../gib/helpers';
import { A, A_PK, B, B_GB, USERS, getApplicationResponse, packedEnvelope, sendDocument, startFakeIntegrator, type FakeIntegrator } from './helpers';

const FAST = { queueMs: 1, processMs: 1, deliverMs: 1, deliveryRetryMs: 10, deliveryRetries: 1, pushRetryMs: 20, pushMaxAttempts: 1, requestTimeoutMs: 2000 };
const C_VKN = '1111111111';
const DAY = 24 * 3600_000;

async function waitUntil(what: string, f: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function refusal(p: Promise<unknown>): Promise<CancelPortalError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(CancelPortalError);
    return err as CancelPortalError;
  }
  throw new Error('expected the portal to refuse');
}

/** YYYY-MM-DD plus n days. */
function plusDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

interface Delivered {
  envelopeId: string;
  number: string;
  ettn: string;
  date: string;
  amount: string;
}

/** Everything a portal test needs: a simulator, B's and A's postboxes, seals, a client and a settable clock. */
function portalWorld(simOpts: { trusted: boolean }) {
  const w = {
    sim: null as unknown as Simulator,
    client: null as unknown as CancelPortalClient,
    a: null as unknown as FakeIntegrator,
    b: null as unknown as FakeIntegrator,
    sealA: null as unknown as TestSeal,
    sealB: null as unknown as TestSeal,
    sealC: null as unknown as TestSeal,
    /** The simulator's clock; null: real time. */
    clockAt: null as Date | null,

    async setUp(): Promise<void> {
      [w.sealA, w.sealB, w.sealC] = await Promise.all([testSeal(A.vknTckn, A.title!), testSeal(B.vknTckn, B.title!), testSeal(C_VKN, 'C A.Ş.')]);
      w.a = await startFakeIntegrator(() => w.sim.soapUrl, A);
      w.b = await startFakeIntegrator(() => w.sim.soapUrl, B);
      w.sim = createSimulator({
        timings: FAST,
        clock: () => (w.clockAt ? new Date(w.clockAt) : new Date()),
        ...(simOpts.trusted ? { trustedRoots: [w.sealA.ca.certPem, w.sealB.ca.certPem, w.sealC.ca.certPem] } : {}),
      });
      await w.sim.start(0);
      w.client = createCancelPortalClient({ url: w.sim.cancelPortalUrl, timeoutMs: 2000 });
    },

    reset(): void {
      w.clockAt = null;
      w.sim.store.reset();
      for (const u of USERS) w.sim.store.upsertUser(u, new Date());
      w.sim.store.registerEndpoint({ url: w.a.url, aliases: [A.alias, A_PK], vkns: [A.vknTckn] });
      w.sim.store.registerEndpoint({ url: w.b.url, aliases: [B.alias, B_GB], vkns: [B.vknTckn] });
      w.b.answerWith = 1200;
    },

    async tearDown(): Promise<void> {
      await w.sim.stop();
      await w.a.stop();
      await w.b.stop();
      await Promise.all([w.sealA, w.sealB, w.sealC].map((s) => s.signer.close()));
    },

    /** An invoice A signs and sends to B; waits until Merkez has it in `state` (1300: delivered and confirmed). */
    async deliver(o: MakeInvoiceOptions = {}, state = 1300): Promise<Delivered> {
      const xml = makeInvoice({ supplierVkn: A.vknTckn, customerVkn: B.vknTckn, ...o });
      const pick = (re: RegExp): string => re.exec(xml)![1]!;
      const env = await packedEnvelope([await signXml(xml, w.sealA.signer)]);
      await sendDocument(w.sim.soapUrl, env.fileName, env.zip, env.md5);
      await waitUntil(`${env.id} → ${state}`, () => w.sim.store.getEnvelope(env.id)?.state === state);
      return {
        envelopeId: env.id,
        number: pick(/<cbc:ID>([^<]+)<\/cbc:ID>/),
        ettn: pick(/<cbc:UUID>([^<]+)<\/cbc:UUID>/),
        date: pick(/<cbc:IssueDate>([^<]+)<\/cbc:IssueDate>/),
        amount: pick(/<cbc:PayableAmount currencyID="TRY">([^<]+)</),
      };
    },

    /** A's signed request for the invoice (fields overridable, signed by `seal`). */
    async request(inv: Delivered, o: Partial<CancelRequestSpec> = {}, seal?: TestSeal): Promise<Buffer> {
      const xml = buildCancelRequest({
        id: randomUUID(),
        senderVknTckn: A.vknTckn,
        receiverVknTckn: B.vknTckn,
        ettn: inv.ettn,
        invoiceNumber: inv.number,
        invoiceDate: inv.date,
        amount: inv.amount,
        currency: 'TRY',
        ...o,
      });
      return signXml(xml, (seal ?? w.sealA).signer, { placement: CANCEL_REQUEST_SIGNATURE_PLACEMENT });
    },

    async decision(requestId: string, decision: CancelDecisionKind, seal: TestSeal, decider = seal.vkn): Promise<Buffer> {
      const xml = buildCancelDecision({ requestId, decision, deciderVknTckn: decider });
      return signXml(xml, seal.signer, { placement: CANCEL_DECISION_SIGNATURE_PLACEMENT, claimedRole: null });
    },

    /** The envelope's state as getApplicationResponse reports it. */
    async polled(envelopeId: string): Promise<{ code: number; description: string }> {
      const r = await getApplicationResponse(w.sim.soapUrl, envelopeId);
      if (r.msg.kind !== 'getApplicationResponseResponse') throw new Error(`unexpected ${r.msg.kind}`);
      const sr = parseSystemResponse(Buffer.from(r.msg.applicationResponse, 'utf8'));
      return { code: sr.code, description: sr.description };
    },
  };
  return w;
}

describe('GİB simulator: e-Fatura cancellation portal (trusted roots)', function () {
  const w = portalWorld({ trusted: true });

  before(() => w.setUp());
  beforeEach(() => w.reset());
  afterEach(() => w.sim.idle(2000));
  after(() => w.tearDown());

  it('A asks: "Onay Bekliyor", with every column, in A\'s "made" and B\'s "received" lists', async () => {
    const inv = await w.deliver();
    const created = await w.client.createRequest(await w.request(inv));
    expect(created).to.deep.include({
      senderVknTckn: A.vknTckn,
      receiverVknTckn: B.vknTckn,
      ettn: inv.ettn,
      invoiceNumber: inv.number,
      invoiceDate: inv.date,
      amount: inv.amount,
      currency: 'TRY',
      state: 'Onay Bekliyor',
    });
    expect(created.requestedAt).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$/);
    expect(Math.abs(Date.parse(created.requestedAt) - Date.now())).to.be.below(60_000);
    expect(created).to.not.have.property('decidedAt');

    expect(await w.client.list({ vknTckn: A.vknTckn, direction: 'made' })).to.deep.equal([created]);
    expect(await w.client.list({ vknTckn: B.vknTckn, direction: 'received' })).to.deep.equal([created]);
    expect(await w.client.list({ vknTckn: A.vknTckn, direction: 'received' })).to.deep.equal([]);
    expect(await w.client.list({ vknTckn: B.vknTckn, direction: 'made' })).to.deep.equal([]);
    expect(await w.client.get(created.id)).to.deep.equal(created);
    expect(await w.client.get(randomUUID())).to.equal(null);

    // The admin view ties the request to its envelope and deadline.
    const admin = (await (await fetch(`${w.sim.cancelPortalUrl.replace('/FaturaIptal', '')}/admin/cancel-requests`)).json()) as Array<Record<string, unknown>>;
    expect(admin).to.have.length(1);
    expect(admin[0]).to.deep.include({ id: created.id, envelopeId: inv.envelopeId, state: 'Onay Bekliyor' });
    expect(admin[0]!.deadline).to.be.a('string');
    // The envelope is untouched until B approves.
    expect((await w.polled(inv.envelopeId)).code).to.equal(1300);
  });

  it('B approves: "Fatura İptal Edildi" with its time; the envelope gets 1235 and getApplicationResponse says so', async () => {
    const inv = await w.deliver();
    const created = await w.client.createRequest(await w.request(inv));
    const approved = await w.client.decide(await w.decision(created.id, 'APPROVE', w.sealB));
    expect(approved.state).to.equal('Fatura İptal Edildi');
    expect(approved.decidedAt).to.match(/\+03:00$/);
    expect(Date.parse(approved.decidedAt!)).to.be.at.least(Date.parse(created.requestedAt));

    const env = w.sim.store.getEnvelope(inv.envelopeId)!;
    expect(env.history.map((h) => h.code)).to.deep.equal([1000, 1100, 1200, 1220, 1300, 1235]);
    expect(env.history.at(-1)!.text).to.equal("FATURA IPTAL'E KONU EDILDI");
    const polled = await w.polled(inv.envelopeId);
    expect(polled.code).to.equal(1235);
    expect(polled.description).to.match(/^FATURA IPTAL'E KONU EDILDI: /);
    expect(polled.description).to.include(inv.number);

    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made' }))[0]).to.deep.equal(approved);
    // §4.3: an invoice already cancelled cannot be asked for again; the decided request cannot be deleted.
    const again = await refusal(w.client.createRequest(await w.request(inv)));
    expect([again.code, again.httpStatus, again.retryable]).to.deep.equal(['FATURA_ZATEN_IPTAL', 409, false]);
    expect(again.message).to.equal(`${inv.number} numaralı fatura daha önce iptal edilmiştir.`);
    const del = await refusal(w.client.decide(await w.decision(created.id, 'DELETE', w.sealA)));
    expect(del.code).to.equal('TALEP_ONAY_BEKLEMIYOR');
    expect(del.message).to.include('"Fatura İptal Edildi"');
  });

  it('only the receiver approves or rejects: a third company, the sender, or a seal not the decider\'s are refused', async () => {
    const inv = await w.deliver();
    const created = await w.client.createRequest(await w.request(inv));
    const byC = await refusal(w.client.decide(await w.decision(created.id, 'APPROVE', w.sealC)));
    expect([byC.code, byC.httpStatus, byC.retryable]).to.deep.equal(['ONAY_YETKISI_YOK', 403, false]);
    expect(byC).to.be.instanceOf(GibCallError);
    expect(byC.message).to.equal(`Bu iptal talebini yalnızca faturanın alıcısı (${B.vknTckn}) onaylayabilir veya reddedebilir; ${C_VKN} bu faturanın alıcısı değil.`);
    expect((await refusal(w.client.decide(await w.decision(created.id, 'REJECT', w.sealC)))).code).to.equal('ONAY_YETKISI_YOK');
    expect((await refusal(w.client.decide(await w.decision(created.id, 'APPROVE', w.sealA)))).code).to.equal('ONAY_YETKISI_YOK');
    // C signs a decision that names B as the decider.
    const forged = await refusal(w.client.decide(await w.decision(created.id, 'APPROVE', w.sealC, B.vknTckn)));
    expect(forged.code).to.equal('IMZA_SAHIBI_YETKISIZ');
    expect(forged.message).to.include(C_VKN).and.include(B.vknTckn);
    expect((await w.client.get(created.id))!.state).to.equal('Onay Bekliyor');
    expect(w.sim.store.getEnvelope(inv.envelopeId)!.state).to.equal(1300);
  });

  it('B rejects: "Talep Reddedildi" with its time, the invoice stands and may be asked for again', async () => {
    const inv = await w.deliver();
    const created = await w.client.createRequest(await w.request(inv));
    const rejected = await w.client.decide(await w.decision(created.id, 'REJECT', w.sealB));
    expect(rejected.state).to.equal('Talep Reddedildi');
    expect(rejected.decidedAt).to.be.a('string');
    expect((await w.polled(inv.envelopeId)).code).to.equal(1300);
    expect((await refusal(w.client.decide(await w.decision(created.id, 'APPROVE', w.sealB)))).code).to.equal('TALEP_ONAY_BEKLEMIYOR');
    expect((await w.client.createRequest(await w.request(inv))).state).to.equal('Onay Bekliyor');
  });

  it('A deletes its waiting request ("Silindi"); B cannot; one waiting request per invoice; a request id once', async () => {
    const inv = await w.deliver();
    const doc = await w.request(inv);
    const created = await w.client.createRequest(doc);
    const dup = await refusal(w.client.createRequest(await w.request(inv)));
    expect(dup.code).to.equal('BEKLEYEN_TALEP_VAR');
    expect(dup.message).to.include(created.id);
    const byB = await refusal(w.client.decide(await w.decision(created.id, 'DELETE', w.sealB)));
    expect([byB.code, byB.httpStatus]).to.deep.equal(['SILME_YETKISI_YOK', 403]);
    const deleted = await w.client.decide(await w.decision(created.id, 'DELETE', w.sealA));
    expect(deleted.state).to.equal('Silindi');
    expect(deleted.decidedAt).to.be.a('string');
    expect((await refusal(w.client.decide(await w.decision(created.id, 'APPROVE', w.sealB)))).code).to.equal('TALEP_ONAY_BEKLEMIYOR');
    // The same signed document again (a replay) is refused; a new request is taken.
    expect((await refusal(w.client.createRequest(doc))).code).to.equal('TALEP_NO_KULLANILMIS');
    expect((await w.client.createRequest(await w.request(inv))).state).to.equal('Onay Bekliyor');
    expect((await refusal(w.client.decide(await w.decision(randomUUID(), 'DELETE', w.sealA)))).code).to.equal('TALEP_BULUNAMADI');
  });

  it('§4.3 inconsistencies: unknown number, wrong amount or currency, wrong ETTN/date/receiver, not yet delivered', async () => {
    const inv = await w.deliver();
    const unknown = await refusal(w.client.createRequest(await w.request(inv, { invoiceNumber: 'XYZ2020000000001' })));
    expect([unknown.code, unknown.httpStatus]).to.deep.equal(['FATURA_BULUNAMADI', 404]);
    expect(unknown.message).to.equal(`${A.vknTckn} vergi / tc kimlik numaralı mükellefin alıcısına iletilmiş XYZ2020000000001 numaralı e-Faturası sistemde kayıtlı değil.`);
    const wrongAmount = (Number(inv.amount) + 0.01).toFixed(2);
    const amount = await refusal(w.client.createRequest(await w.request(inv, { amount: wrongAmount })));
    expect([amount.code, amount.httpStatus, amount.message]).to.deep.equal(['TUTAR_HATALI', 422, `${inv.number} numaralı faturanın ödenecek tutar bilgisi hatalı.`]);
    expect((await refusal(w.client.createRequest(await w.request(inv, { currency: 'USD' })))).code).to.equal('TUTAR_HATALI');
    const ettn = await refusal(w.client.createRequest(await w.request(inv, { ettn: randomUUID() })));
    expect(ettn.code).to.equal('FATURA_BILGISI_UYUSMUYOR');
    expect(ettn.message).to.include('ETTN').and.include(inv.ettn);
    expect((await refusal(w.client.createRequest(await w.request(inv, { invoiceDate: '2020-01-01' })))).message).to.include('fatura tarihi');
    expect((await refusal(w.client.createRequest(await w.request(inv, { receiverVknTckn: C_VKN })))).message).to.include('alıcı VKN/TCKN');
    // The same amount written another way is the same amount.
    expect((await w.client.createRequest(await w.request(inv, { amount: `0${inv.amount}0` }))).amount).to.equal(inv.amount);

    // B's postbox never answers: the envelope stays in 1220, the invoice has not reached its receiver.
    w.b.answerWith = null;
    const pending = await w.deliver({}, 1220);
    expect((await refusal(w.client.createRequest(await w.request(pending)))).code).to.equal('FATURA_BULUNAMADI');
  });

  it('§2: a TICARIFATURA invoice is not cancelled through the portal', async () => {
    const inv = await w.deliver({ profile: 'TICARIFATURA' });
    const r = await refusal(w.client.createRequest(await w.request(inv)));
    expect([r.code, r.httpStatus]).to.deep.equal(['SENARYO_UYGUN_DEGIL', 422]);
    expect(r.message).to.include('TICARIFATURA').and.include('ret uygulama yanıtı');
    expect((await w.client.createRequest(await w.request(await w.deliver({ profile: 'HKS', typeCode: 'HKSSATIS' })))).state).to.equal('Onay Bekliyor');
  });

  it('§2/§4: 8 days from delivery — request and approval up to the end of the 8th day, not after; rejection still allowed', async () => {
    const inv = await w.deliver();
    const delivered = w.sim.store.getEnvelope(inv.envelopeId)!.delivery.deliveredAt!;
    const day = turkishTime(new Date(delivered)).date;
    w.clockAt = new Date(`${plusDays(day, 8)}T23:59:59.999+03:00`);
    const created = await w.client.createRequest(await w.request(inv));
    expect((await w.client.decide(await w.decision(created.id, 'APPROVE', w.sealB))).state).to.equal('Fatura İptal Edildi');

    w.clockAt = null;
    const late = await w.deliver();
    const lateDay = turkishTime(new Date(w.sim.store.getEnvelope(late.envelopeId)!.delivery.deliveredAt!)).date;
    w.clockAt = new Date(`${plusDays(lateDay, 9)}T00:00:00+03:00`);
    const r = await refusal(w.client.createRequest(await w.request(late)));
    expect([r.code, r.httpStatus]).to.deep.equal(['SURE_DOLDU', 422]);
    expect(r.message).to.include(lateDay).and.include('iptal talebi oluşturulamaz');

    // Asked in time, approved too late: refused; B may still reject.
    w.clockAt = null;
    const slow = await w.deliver();
    const asked = await w.client.createRequest(await w.request(slow));
    const slowDay = turkishTime(new Date(w.sim.store.getEnvelope(slow.envelopeId)!.delivery.deliveredAt!)).date;
    w.clockAt = new Date(`${plusDays(slowDay, 9)}T00:00:00+03:00`);
    const approve = await refusal(w.client.decide(await w.decision(asked.id, 'APPROVE', w.sealB)));
    expect(approve.code).to.equal('SURE_DOLDU');
    expect(approve.message).to.include('iptal talebi onaylanamaz');
    expect(w.sim.store.getEnvelope(slow.envelopeId)!.state).to.equal(1300);
    expect((await w.client.decide(await w.decision(asked.id, 'REJECT', w.sealB))).state).to.equal('Talep Reddedildi');
  });

  it('unsigned, tampered, untrusted, another company\'s seal, not our document: refused', async () => {
    const inv = await w.deliver();
    const unsigned = buildCancelRequest({
      id: randomUUID(),
      senderVknTckn: A.vknTckn,
      receiverVknTckn: B.vknTckn,
      ettn: inv.ettn,
      invoiceNumber: inv.number,
      invoiceDate: inv.date,
      amount: inv.amount,
      currency: 'TRY',
    });
    const none = await refusal(w.client.createRequest(unsigned));
    expect([none.code, none.httpStatus]).to.deep.equal(['IMZA_BULUNAMADI', 400]);

    // Signed over the right amount, then the amount changed: the signature no longer holds.
    const signed = (await w.request(inv, { amount: (Number(inv.amount) + 1).toFixed(2) })).toString('utf8');
    const tampered = signed.replace(/(<ci:PayableAmount currencyID="TRY">)[^<]+/, `$1${inv.amount}`);
    expect(tampered).to.not.equal(signed);
    const bad = await refusal(w.client.createRequest(Buffer.from(tampered)));
    expect(bad.code).to.equal('IMZA_GECERSIZ');
    expect(bad.message).to.include('digest');

    // A seal for A's VKN from a root the simulator does not trust.
    const stranger = await testSeal(A.vknTckn, 'SAHTE');
    try {
      expect((await refusal(w.client.createRequest(await w.request(inv, {}, stranger)))).code).to.equal('IMZA_GUVENILIR_DEGIL');
    } finally {
      await stranger.signer.close();
    }
    // B's own (trusted) seal on a request naming A as the sender.
    const byB = await refusal(w.client.createRequest(await w.request(inv, {}, w.sealB)));
    expect([byB.code, byB.httpStatus]).to.deep.equal(['IMZA_SAHIBI_YETKISIZ', 403]);

    const notXml = await refusal(w.client.createRequest(Buffer.from('fatura iptal')));
    expect(notXml.code).to.equal('BELGE_HATALI');
    const decisionAsRequest = await refusal(w.client.createRequest(await w.decision(randomUUID(), 'APPROVE', w.sealB)));
    expect(decisionAsRequest.message).to.include('CancelRequest bekleniyordu');
    expect(w.sim.store.cancelRequests.all()).to.have.length(0);
  });

  it('lists: the last 10 days by default, any date range on request, newest first', async () => {
    const today = turkishTime(new Date()).date;
    const first = await w.client.createRequest(await w.request(await w.deliver()));
    // Twenty days later (the simulator's clock): another invoice, another request.
    w.clockAt = new Date(Date.now() + 20 * DAY);
    const later = turkishTime(w.clockAt).date;
    const second = await w.client.createRequest(await w.request(await w.deliver()));
    expect(second.requestedAt.slice(0, 10)).to.equal(later);

    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made' })).map((r) => r.id)).to.deep.equal([second.id]);
    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made', from: plusDays(today, -1), to: plusDays(today, 1) })).map((r) => r.id)).to.deep.equal([first.id]);
    expect((await w.client.list({ vknTckn: B.vknTckn, direction: 'received', from: today, to: later })).map((r) => r.id)).to.deep.equal([second.id, first.id]);
    // Both ends are whole days; `to` alone gives the 10 days ending there.
    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made', to: plusDays(today, 9) })).map((r) => r.id)).to.deep.equal([first.id]);
    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made', to: plusDays(today, 10) })).map((r) => r.id)).to.deep.equal([]);
    expect((await w.client.list({ vknTckn: A.vknTckn, direction: 'made', from: later })).map((r) => r.id)).to.deep.equal([second.id]);

    const backwards = await refusal(w.client.list({ vknTckn: A.vknTckn, direction: 'made', from: later, to: today }));
    expect([backwards.code, backwards.httpStatus]).to.deep.equal(['SORGU_HATALI', 400]);
    expect((await refusal(w.client.list({ vknTckn: A.vknTckn, direction: 'sideways' as 'made' }))).code).to.equal('SORGU_HATALI');
    expect((await refusal(w.client.list({ vknTckn: A.vknTckn, direction: 'made', from: '2024-02-30' }))).code).to.equal('SORGU_HATALI');
  });
});

describe('GİB simulator: e-Fatura cancellation portal without trusted roots', function () {
  const w = portalWorld({ trusted: false });

  before(() => w.setUp());
  beforeEach(() => w.reset());
  afterEach(() => w.sim.idle(2000));
  after(() => w.tearDown());

  it('any intact seal of the right party is taken; a tampered one or another party\'s is not', async () => {
    const inv = await w.deliver();
    const stranger = await testSeal(A.vknTckn, 'HERHANGI KOK');
    try {
      const signed = await w.request(inv, {}, stranger);
      const tampered = Buffer.from(signed.toString('utf8').replace(inv.ettn, inv.ettn.toLowerCase()));
      expect(tampered.equals(signed)).to.equal(false);
      expect((await refusal(w.client.createRequest(tampered))).code).to.equal('IMZA_GECERSIZ');
      expect((await refusal(w.client.createRequest(await w.request(inv, {}, w.sealC)))).code).to.equal('IMZA_SAHIBI_YETKISIZ');
      expect((await w.client.createRequest(signed)).state).to.equal('Onay Bekliyor');
    } finally {
      await stranger.signer.close();
    }
  });
});
