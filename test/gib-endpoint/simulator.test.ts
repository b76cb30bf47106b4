/**
 * The whole receiving path against the GİB simulator over loopback: A (a fake integrator) sends a signed invoice to
 * our tenant B through the simulator; Merkez checks it and pushes the envelope to our endpoint; the worker puts the
 * invoice in B's inbox and answers 1200 through the outbox; Merkez turns that into 1300 for A and passes our answer
 * on to A (Ek-2 §4.1, §4.2).
 */
import { expect } from 'chai';
import { toEttn } from '../../src/ids';
import { createSimulator, type Simulator } from '../../src/simulator';
import { createInboxService } from '../../src/services/inbox.service';
import { A, A_PK, B, B_GB, USERS, closeSeal, packedEnvelope, sendDocument, signedInvoice, startFakeIntegrator, type FakeIntegrator } from '../simulator/helpers';
import { countOf, envelopeRow, replyRows, startHarness, waitFor, type Harness } from './helpers';

const FAST = { queueMs: 1, processMs: 1, deliverMs: 1, deliveryRetryMs: 50, deliveryRetries: 4, pushRetryMs: 50, pushMaxAttempts: 0, requestTimeoutMs: 2000 };

describe('GİB endpoint with the GİB simulator: an invoice from A reaches B’s inbox, A learns 1300', function () {
  let sim: Simulator;
  let a: FakeIntegrator;
  let h: Harness;

  before(async () => {
    sim = createSimulator({ timings: FAST, users: USERS });
    await sim.start(0);
    a = await startFakeIntegrator(() => sim.soapUrl, A);
    a.answerWith = null;
    h = await startHarness({ gibUrl: sim.soapUrl });
    sim.store.registerEndpoint({ url: a.url, aliases: [A.alias, A_PK], vkns: [A.vknTckn] });
    sim.store.registerEndpoint({ url: h.url, aliases: [B.alias, B_GB], vkns: [B.vknTckn] });
  });

  after(async () => {
    await sim.idle(2000);
    await sim.stop();
    await a.stop();
    await h.close();
    await closeSeal();
  });

  it('delivered, processed, answered; a second delivery of the same envelope is answered 2001 and stored once', async () => {
    const invoice = await signedInvoice({ profile: 'TICARIFATURA' });
    const env = await packedEnvelope([invoice]);
    const r = await sendDocument(sim.soapUrl, env.fileName, env.zip, env.md5);
    expect(r.msg.kind).to.equal('sendDocumentResponse');

    await waitFor('the envelope at our endpoint', () => envelopeRow(h.db, env.id));
    // Merkez counts it delivered once our documentResponse is back (it was committed before we answered).
    await waitFor('delivery at Merkez', () => sim.store.getEnvelope(env.id)?.delivery.deliveredAt);
    await h.worker.runUntilIdle();

    const inbox = createInboxService({ db: h.db });
    const [item] = await inbox.listInbox(h.tenantId);
    const ettn = /<cbc:UUID>([^<]+)<\/cbc:UUID>/.exec(invoice.toString('utf8'))![1]!;
    expect(item).to.include({ ettn: ettn.toLowerCase(), profileId: 'TICARIFATURA', senderVkn: A.vknTckn, senderAlias: A.alias, receiverAlias: B.alias, state: 'INBOX', status: 2, code: 1300, description: 'GELEN FATURA', envelopeId: env.id.toLowerCase() });
    expect((await inbox.getIncoming(h.tenantId, toEttn(ettn))).id).to.equal(item!.id);
    // The signed invoice byte for byte (as enveloped), so its signature still verifies.
    expect(invoice.includes(await h.blobs.get(item!.documentSha256))).to.equal(true);

    const [reply] = await replyRows(h.db, env.id);
    expect(reply).to.include({ status: 'SENT' });
    await waitFor('1300 at Merkez', () => sim.store.getEnvelope(env.id)?.state === 1300);
    expect(sim.store.getEnvelope(env.id)!.history.map((x) => x.code)).to.include.members([1000, 1100, 1200, 1300]);
    // Our answer, passed on unchanged to the sender.
    const fromUs = await a.waitFor((x) => x.about === env.id && x.envelope.sender.vknTckn === B.vknTckn);
    expect(fromUs.code).to.equal(1200);
    expect(fromUs.id).to.equal(reply!.id);

    // GİB delivers again (its answer got lost, say): 2001, which it counts as delivered; nothing new here.
    const again = await sendDocument(h.url, env.fileName, env.zip, env.md5);
    expect(again.msg).to.deep.include({ kind: 'fault', code: 2001 });
    expect(await countOf(h.db('envelopes').where({ id: env.id.toLowerCase() }))).to.equal(1);
    expect(await inbox.listInbox(h.tenantId)).to.have.length(1);
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'PROCESSED', gib_code: 1200 });
  });
});
