/**
 * The whole e-Fatura pipeline in one process over real HTTP: a gateway with two tenants (seller and buyer) and the
 * GİB simulator, the gateway reaching GİB and GİB pushing to the gateway's EFatura endpoint. The two-gateway,
 * three-process version is test/e2e.
 */
import { expect } from 'chai';
import type * as soap from 'soap';
import { GIB_ENDPOINT_PATH } from '../../src/soap/gib-endpoint';
import { createSimulator, type Simulator } from '../../src/simulator';
import { faultOf, OTHER_VKN, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

describe('GİB pipeline in one process (gateway + simulator over HTTP)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let gw: TestGateway;
  let seller: soap.Client;
  let buyer: soap.Client;

  const status = async (ettn: string) => (await seller.GetStatusAsync({ ettn }))[0].invoice;

  before(async () => {
    sim = createSimulator({ timings: { queueMs: 5, processMs: 5, deliverMs: 5, pushRetryMs: 100, deliveryRetryMs: 50 } });
    await sim.start(0);
    gw = await startTestGateway({
      env: {
        GW_GIB_TICK_MS: '100',
        GW_GIB_CHECK_EVERY_MS: '100',
        GW_EARSIV_REPORT_EVERY_MS: '200',
        GW_GIB_TIMEOUT_MS: '500',
        GW_GIB_POLL_AFTER_MS: '1500',
        GW_GIB_POLL_EVERY_MS: '1000',
      },
      deps: { gib: { efaturaUrl: sim.soapUrl, earsivUrl: sim.earsivUrl, cancelPortalUrl: sim.cancelPortalUrl, edefterUrl: sim.edefterUrl } },
    });
    const buyerTenant = await gw.createTenantUser(OTHER_VKN, 'alici');
    for (const t of [gw.tenant, buyerTenant]) {
      sim.store.upsertUser({ vknTckn: t.vkn, title: t.title, aliases: [{ alias: t.gbAlias, role: 'GB' }, { alias: t.pkAlias, role: 'PK' }] }, new Date());
    }
    sim.store.registerEndpoint({ url: gw.url.replace(/\/soap\/gateway$/, GIB_ENDPOINT_PATH), aliases: [], vkns: [TEST_VKN, OTHER_VKN] });
    gw.gateway.worker.start();
    seller = await soapClient(gw);
    buyer = await soapClient(gw, 'alici');
  });

  after(async () => {
    await gw?.close();
    await sim?.stop();
  });

  it('TICARIFATURA: 10 → … → 1300 at the seller, in the buyer’s inbox, KABUL comes back; a second answer is refused', async () => {
    const doc = makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
    const [sent] = await seller.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
    const ettn = sent.invoice.ettn;
    const delivered = await waitFor('1300', async () => {
      const s = await status(ettn);
      if (s.state !== 'DELIVERED') throw new Error(JSON.stringify({ state: s.state, history: s.history, jobs: await gw.testDb.db('jobs').select('task', 'last_error', 'attempts', 'failed_at') }));
      return s;
    });
    expect(Number(delivered.code)).to.equal(1300);
    expect(delivered.envelopeId).to.match(/^[0-9A-F-]{36}$/);
    const states = delivered.history.entry.map((h: { toState: string }) => h.toState);
    expect(states.slice(0, 5)).to.deep.equal(['RECEIVED', 'PROCESSED', 'SIGNED', 'ENVELOPED', 'SENT']);
    expect(states.at(-1)).to.equal('DELIVERED');

    const [inbox] = await buyer.ListIncomingInvoicesAsync({});
    const mine = [].concat(inbox.invoice).find((i: { ettn: string }) => i.ettn === ettn) as unknown as Record<string, string>;
    expect(mine, 'in the buyer’s inbox').to.exist;
    expect(mine.senderVknTckn).to.equal(TEST_VKN);
    expect(mine.envelopeId).to.equal(delivered.envelopeId);

    await buyer.SendApplicationResponseAsync({ ettn, response: 'KABUL' });
    const accepted = await waitFor('KABUL at the seller', async () => {
      const s = await status(ettn);
      return s.state === 'ACCEPTED' && s;
    });
    expect(accepted.applicationResponse).to.equal('KABUL');

    const again = await buyer.SendApplicationResponseAsync({ ettn, response: 'RED' }).catch(faultOf);
    expect(again.name).to.equal('ALREADY_ANSWERED');
    // The seller cannot answer its own invoice: not in its inbox.
    const notMine = await seller.SendApplicationResponseAsync({ ettn, response: 'RED' }).catch(faultOf);
    expect(notMine.name).to.equal('DOCUMENT_NOT_FOUND');
  });

  describe('GİB misbehaving (the simulator’s fault injection)', () => {
    afterEach(() => {
      Object.assign(sim.faults, { sendDocumentTimeouts: 0, acceptHeld: false, losePushes: 0, duplicatePushes: 0 });
    });

    const sendTemel = async () => {
      const doc = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
      const [sent] = await seller.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
      return sent.invoice.ettn as string;
    };
    const envelopesAtGib = (ettn: string) => [...sim.store.envelopes.values()].filter((e) => e.documentUuids.some((u) => u.toLowerCase() === ettn));

    it('a sendDocument that times out after GİB took the envelope: resent, GİB answers 2001, counted as sent — one envelope, 1300', async () => {
      Object.assign(sim.faults, { sendDocumentTimeouts: 1, acceptHeld: true, holdMs: 3000 });
      const ettn = await sendTemel();
      const done = await waitFor('1300 after a timeout', async () => {
        const s = await status(ettn);
        return s.state === 'DELIVERED' && s;
      });
      expect(envelopesAtGib(ettn)).to.have.length(1);
      const sends = await gw.testDb.db('state_history').where({ machine: 'efatura-invoice', to_state: 'SENT' }).whereIn('entity_id', gw.testDb.db('invoices').where({ ettn }).select('id'));
      expect(sends, 'SENT recorded once').to.have.length(1);
      expect(done.envelopeId).to.equal(envelopesAtGib(ettn)[0].id.toUpperCase());
    });

    it('GİB answers 1200 and 1300 before the send is recorded (its answer to sendDocument lost): the answers are kept, applied by the resend GİB answers 2001 — no poll', async () => {
      Object.assign(sim.faults, { sendDocumentTimeouts: 1, acceptHeld: true, holdMs: 3000 });
      const ettn = await sendTemel();
      await waitFor('1300', async () => (await status(ettn)).state === 'DELIVERED');
      const db = gw.testDb.db;
      const invoice = await db('invoices').where({ ettn }).first();
      const history = await db('state_history').where({ machine: 'efatura-invoice', entity_id: invoice.id }).orderBy('version');
      const after = history.slice(history.findIndex((h) => h.to_state === 'SENT'));
      expect(after.map((h) => h.to_state)).to.deep.equal(['SENT', 'GIB_ACCEPTED', 'DELIVERED']);
      // Both answers came while the invoice was ENVELOPED, were kept, and moved it in the transaction of the send.
      for (const h of after.slice(1)) {
        expect(h.reason).to.match(/\(push\).*tarihinde geldi, bekletildi/);
        expect(h.at).to.equal(after[0].at);
      }
      expect(JSON.parse(invoice.context).heldEvents).to.equal(undefined);
      const envelope = await db('envelopes').where({ id: invoice.envelope_id, direction: 'OUT' }).first();
      expect(envelope).to.include({ status: 'SENT', next_poll_at: null });
      expect(Number(envelope.gib_code)).to.equal(1300);
      expect(envelopesAtGib(ettn)).to.have.length(1);
    });

    it('system responses lost on the way: the envelope is polled after the configured wait and still ends in 1300', async () => {
      Object.assign(sim.faults, { losePushes: 2 });
      const ettn = await sendTemel();
      const done = await waitFor('1300 by polling', async () => {
        const s = await status(ettn);
        return s.state === 'DELIVERED' && s;
      });
      const reasons = done.history.entry.map((h: { reason?: string }) => h.reason ?? '');
      expect(reasons.some((r: string) => r.includes('(poll)')), 'learnt by polling').to.equal(true);
      expect(sim.store.pushes.filter((p) => p.status === 'lost').length).to.be.at.least(2);
    });

    it('every system response pushed twice: answered 2001 the second time, recorded once, the invoice moves once', async () => {
      Object.assign(sim.faults, { duplicatePushes: 2 });
      const ettn = await sendTemel();
      const done = await waitFor('1300', async () => {
        const s = await status(ettn);
        return s.state === 'DELIVERED' && s;
      });
      expect(done.history.entry.filter((h: { toState: string }) => h.toState === 'DELIVERED')).to.have.length(1);
      expect(sim.store.pushes.filter((p) => p.aboutEnvelopeId.toLowerCase() === String(done.envelopeId).toLowerCase() && p.sent === 2), 'pushed twice').to.not.be.empty;
      const envelopeId = String(done.envelopeId).toLowerCase();
      const rows = await gw.testDb.db('gib_responses').where({ about_envelope_id: envelopeId });
      const systemEnvelopes = new Set(rows.map((r) => r.system_envelope_id));
      expect(rows.length, 'one row per system envelope').to.equal(systemEnvelopes.size);
      const inbound = await gw.testDb.db('envelopes').where({ direction: 'IN', type: 'SYSTEMENVELOPE' }).whereIn('id', [...systemEnvelopes]);
      expect(inbound.length).to.equal(systemEnvelopes.size);
    });
  });

  it('refuses an e-Fatura to a VKN that is not in GİB’s user list, and an e-Arşiv invoice to one that is', async () => {
    const toStranger = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: '5555555555' });
    const f1 = await seller.SendInvoiceAsync({ document: Buffer.from(toStranger).toString('base64') }).catch(faultOf);
    expect(f1).to.include({ code: 4501, name: 'RECEIVER_NOT_EFATURA_USER' });
    const earsivToUser = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
    const f2 = await seller.SendInvoiceAsync({ document: Buffer.from(earsivToUser).toString('base64') }).catch(faultOf);
    expect(f2).to.include({ code: 4502, name: 'RECEIVER_IS_EFATURA_USER' });
  });

  it('CheckUser answers from the synced user list', async () => {
    const [res] = await seller.CheckUserAsync({ vknTckn: OTHER_VKN, refresh: true });
    expect(res.efaturaUser).to.equal(true);
    expect([].concat(res.alias).map((a: { role: string }) => a.role).sort()).to.deep.equal(['GB', 'PK']);
    const [none] = await seller.CheckUserAsync({ vknTckn: '5555555555' });
    expect(none.efaturaUser).to.equal(false);
  });

  it('e-Fatura cancellation: requested by the seller, approved by the buyer (not by the seller), invoice ends in 1235', async () => {
    const doc = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
    const [sent] = await seller.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
    const ettn = sent.invoice.ettn;
    await waitFor('1300', async () => (await status(ettn)).state === 'DELIVERED');
    const [cancel] = await seller.CancelInvoiceAsync({ ettn });
    expect(cancel.cancelRequest.state).to.equal('Onay Bekliyor');
    const requestId = cancel.cancelRequest.requestId;
    expect(cancel.invoice.cancelRequest).to.deep.equal({ requestId, state: 'Onay Bekliyor' });
    expect((await status(ettn)).state, 'the invoice stays delivered while the request waits').to.equal('DELIVERED');

    const [made] = await seller.ListCancelRequestsAsync({ direction: 'MADE' });
    expect([].concat(made.cancelRequest).map((r: { requestId: string }) => r.requestId)).to.include(requestId);
    const [received] = await buyer.ListCancelRequestsAsync({ direction: 'RECEIVED' });
    const row = [].concat(received.cancelRequest).find((r: { requestId: string }) => r.requestId === requestId) as unknown as Record<string, string>;
    expect(row).to.include({ senderVknTckn: TEST_VKN, receiverVknTckn: OTHER_VKN, state: 'Onay Bekliyor' });

    const wrong = await seller.DecideCancelRequestAsync({ requestId, decision: 'APPROVE' }).catch(faultOf);
    expect(wrong.name).to.equal('CANCEL_REQUEST_NOT_FOUND');
    const [approved] = await buyer.DecideCancelRequestAsync({ requestId, decision: 'APPROVE' });
    expect(approved.cancelRequest.state).to.equal('Fatura İptal Edildi');
    const cancelled = await waitFor('1235 at the seller', async () => {
      const s = await status(ettn);
      return s.state === 'CANCELLED' && s;
    });
    expect(Number(cancelled.code)).to.equal(1235);
    expect(cancelled.cancelRequest).to.deep.equal({ requestId, state: 'Fatura İptal Edildi' });
  });

  it('e-Fatura cancellation request deleted by the seller while it waits; the buyer cannot delete it; TICARIFATURA cannot be cancelled', async () => {
    const doc = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
    const [sent] = await seller.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
    const ettn = sent.invoice.ettn;
    await waitFor('1300', async () => (await status(ettn)).state === 'DELIVERED');
    const [cancel] = await seller.CancelInvoiceAsync({ ettn });
    const requestId = cancel.cancelRequest.requestId;
    const [again] = await seller.CancelInvoiceAsync({ ettn });
    expect(again.cancelRequest.requestId, 'a second CancelInvoice returns the waiting request').to.equal(requestId);
    const byBuyer = await buyer.DecideCancelRequestAsync({ requestId, decision: 'DELETE' }).catch(faultOf);
    expect(byBuyer.name).to.equal('CANCEL_REQUEST_NOT_FOUND');
    const [deleted] = await seller.DecideCancelRequestAsync({ requestId, decision: 'DELETE' });
    expect(deleted.cancelRequest.state).to.equal('Silindi');
    const after = await status(ettn);
    expect(after.state).to.equal('DELIVERED');
    expect(after.cancelRequest).to.deep.equal({ requestId, state: 'Silindi' });

    const ticari = makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN });
    const [t] = await seller.SendInvoiceAsync({ document: Buffer.from(ticari).toString('base64') });
    await waitFor('1300', async () => (await status(t.invoice.ettn)).state === 'DELIVERED');
    const refused = await seller.CancelInvoiceAsync({ ettn: t.invoice.ettn }).catch(faultOf);
    expect(refused).to.include({ code: 4508, name: 'CANCEL_NOT_ALLOWED' });
    expect(refused.message).to.match(/RED/);
  });

  it('e-Arşiv: reported, Başarılı, cancelled and reported again; a pending one cannot be cancelled', async () => {
    const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN });
    const [sent] = await seller.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
    const ettn = sent.invoice.ettn;
    const early = await seller.CancelInvoiceAsync({ ettn }).catch(faultOf);
    expect(early.name).to.equal('CANCEL_NOT_ALLOWED');
    const ok = await waitFor('Başarılı', async () => {
      const s = await status(ettn);
      return s.state === 'SUCCESS' && s;
    });
    expect(ok.portalTab).to.equal('Başarılı');
    await seller.CancelInvoiceAsync({ ettn });
    await waitFor('cancellation reported', async () => (await status(ettn)).state === 'CANCEL_REPORTED');
  });
});
