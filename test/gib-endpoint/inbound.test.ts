/**
 * gib.inbound over real HTTP: envelopes pushed to our endpoint, processed by the worker, answered through the
 * outbox to a fake GİB that records what it gets (Ek-2 §4.2: every envelope but a system envelope is answered).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  GIB_PARTY,
  buildApplicationResponse,
  buildSendDocumentRequest,
  buildSystemEnvelope,
  md5Hex,
  type EnvelopeParty,
} from '../../src/gib/protocol';
import { createMachineStore, entities } from '../../src/db/machine-store';
import { GIB_INBOUND_TASK } from '../../src/services/gib-inbound.service';
import { ENVELOPE_SEND_TASK } from '../../src/services/outbox.service';
import { sha256Hex } from '../../src/storage/blob-store';
import {
  A,
  A_PK,
  B,
  B_GB,
  TENANT,
  countOf,
  envelopeRow,
  envelopeXml,
  invoiceXml,
  packed,
  postSoapMessage,
  replyRows,
  startFakeGib,
  startHarness,
  zipOf,
  type FakeGib,
  type GibCall,
  type Harness,
} from './helpers';

async function push(h: Harness, fileName: string, zip: Buffer, hash = md5Hex(zip)): Promise<void> {
  const r = await postSoapMessage(h.url, buildSendDocumentRequest({ fileName, binaryData: zip, hash }));
  if (r.msg.kind !== 'sendDocumentResponse') throw new Error(`push refused: ${JSON.stringify(r.msg)}`);
}

/** The system responses GİB got about envelope `id`. */
function answersAbout(gib: FakeGib, id: string): Array<{ call: GibCall; code: number; description: string }> {
  return gib.calls.flatMap((call) =>
    call.responses.filter((r) => r.envelopeId.toLowerCase() === id.toLowerCase()).map((r) => ({ call, code: r.code, description: r.description })),
  );
}

async function inbox(h: Harness, envelopeId?: string) {
  const q = h.db('incoming_invoices').where({ tenant_id: h.tenantId });
  if (envelopeId) q.andWhere({ envelope_id: envelopeId.toLowerCase() });
  return q.orderBy('id');
}

describe('gib.inbound: processing what GİB pushed, answering through the outbox', function () {
  let gib: FakeGib;
  let h: Harness;

  before(async () => {
    gib = await startFakeGib();
    h = await startHarness({ gibUrl: gib.url, sendAttempts: 2 });
  });

  beforeEach(() => {
    gib.calls.length = 0;
    gib.refused = 0;
    gib.down = false;
  });

  after(async () => {
    await h.close();
    await gib.stop();
  });

  it('an invoice envelope lands in the tenant’s inbox and a 1200 system response goes out to its sender', async () => {
    const ettns = [randomUUID().toUpperCase(), randomUUID().toUpperCase()];
    const docs = [invoiceXml({ ettn: ettns[0], profile: 'TICARIFATURA' }), invoiceXml({ ettn: ettns[1] })];
    const env = await packed(envelopeXml({ elements: docs }));
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();

    const rows = await inbox(h, env.id);
    expect(rows.map((r) => r.ettn)).to.deep.equal(ettns.map((e) => e.toLowerCase()));
    const first = rows[0]!;
    expect(first).to.include({
      machine: 'incoming-invoice',
      state: 'INBOX',
      version: 1,
      profile_id: 'TICARIFATURA',
      type_code: 'SATIS',
      sender_vkn: A.vknTckn,
      sender_alias: A.alias,
      receiver_alias: TENANT.pkAlias,
      currency: 'TRY',
    });
    expect(first.invoice_number).to.match(/^EFT20[0-9]{11}$/);
    expect(first.sender_name).to.be.a('string').and.not.equal('');
    expect(Number(first.payable_amount)).to.be.greaterThan(0);
    const context = JSON.parse(first.context);
    expect(context.profileId).to.equal('TICARIFATURA');
    expect(new Date(context.deliveredAt).getTime()).to.be.closeTo(h.clock().getTime(), 5000);
    // The invoice's own bytes (as enveloped: the declaration left out), whole in the blob store.
    const stored = await h.blobs.get(first.document_sha256);
    expect(docs[0]!.includes(stored)).to.equal(true);
    expect(stored.toString('utf8')).to.match(/^<Invoice /);
    const history = await h.db('state_history').where({ machine: 'incoming-invoice', entity_id: first.id });
    expect(history.map((x) => [x.event, x.to_state, x.actor])).to.deep.equal([['CREATE', 'INBOX', 'gib']]);

    expect(await envelopeRow(h.db, env.id)).to.include({
      status: 'PROCESSED',
      type: 'SENDERENVELOPE',
      element_type: 'INVOICE',
      tenant_id: h.tenantId,
      sender_vkn: A.vknTckn,
      sender_alias: A.alias,
      receiver_vkn: B.vknTckn,
      receiver_alias: B.alias,
      gib_code: 1200,
    });
    const [reply] = await replyRows(h.db, env.id);
    expect(reply).to.include({ status: 'SENT', tenant_id: h.tenantId, sender_alias: B.alias, receiver_alias: A.alias, element_type: 'APPLICATIONRESPONSE' });

    const answers = answersAbout(gib, env.id);
    expect(answers.map((a) => [a.code, a.description])).to.deep.equal([[1200, 'ZARF BASARIYLA ISLENDI']]);
    const out = answers[0]!.call;
    expect(out.envelope.type).to.equal('SYSTEMENVELOPE');
    expect(out.envelope.id).to.equal(reply!.id);
    // From the address the envelope went to, back to the one it came from (Ek-2 §1).
    expect([out.envelope.sender.alias, out.envelope.sender.vknTckn]).to.deep.equal([B.alias, B.vknTckn]);
    expect([out.envelope.receiver.alias, out.envelope.receiver.vknTckn]).to.deep.equal([A.alias, A.vknTckn]);
    expect(out.responses[0]).to.deep.include({ envelopeType: 'SENDERENVELOPE' });
    expect(out.responses[0]!.sender.vknTckn).to.equal(B.vknTckn);
    expect(out.responses[0]!.receiver.vknTckn).to.equal(A.vknTckn);
    expect(await countOf(h.db('jobs'))).to.equal(0);
  });

  it('an invoice already in the inbox is not added twice; a rerun of the job changes nothing and answers nothing', async () => {
    const known = randomUUID();
    const e1 = await packed(envelopeXml({ elements: [invoiceXml({ ettn: known })] }));
    await push(h, e1.fileName, e1.zip);
    await h.worker.runUntilIdle();
    const fresh = randomUUID();
    // GİB lets an invoice come again once its first envelope ended in 1215/1230: same ETTN, another envelope.
    const e2 = await packed(envelopeXml({ elements: [invoiceXml({ ettn: known.toUpperCase() }), invoiceXml({ ettn: fresh })] }));
    await push(h, e2.fileName, e2.zip);
    await h.worker.runUntilIdle();

    const all = await h.db('incoming_invoices').whereIn('ettn', [known, fresh]).orderBy('id');
    expect(all.map((r) => [r.ettn, r.envelope_id])).to.deep.equal([
      [known, e1.id],
      [fresh, e2.id],
    ]);
    expect(answersAbout(gib, e2.id).map((a) => a.code)).to.deep.equal([1200]);
    expect(h.logs.some((l) => l.msg === 'invoice already in the inbox: not added again' && l.ettn === known)).to.equal(true);

    // The job again, as after a crash between the commit and the job's completion.
    await h.db('jobs').insert({ task: GIB_INBOUND_TASK, job_key: `rerun:${e2.id}`, payload: JSON.stringify({ envelopeId: e2.id }), run_at: h.clock().toISOString(), attempts: 0, max_attempts: 3, created_at: h.clock().toISOString() });
    gib.calls.length = 0;
    await h.worker.runUntilIdle();
    expect(await countOf(h.db('incoming_invoices').whereIn('ettn', [known, fresh]))).to.equal(2);
    expect(await replyRows(h.db, e2.id)).to.have.length(1);
    expect(gib.calls).to.have.length(0);
  });

  it('a ZIP with two files: REFUSED 1131, and the sender is told 1131', async () => {
    const env = envelopeXml({ elements: [invoiceXml()] });
    const zip = await zipOf([
      [`${env.id}.xml`, env.xml],
      ['ek.xml', invoiceXml()],
    ]);
    await push(h, `${env.id}.zip`, zip);
    await h.worker.runUntilIdle();
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'REFUSED', gib_code: 1131, type: 'SENDERENVELOPE', sender_vkn: A.vknTckn, tenant_id: h.tenantId });
    expect((await envelopeRow(h.db, env.id))!.gib_description).to.match(/^ZIP BIR DOSYA ICERMELI/);
    expect(answersAbout(gib, env.id).map((a) => a.code)).to.deep.equal([1131]);
    expect(answersAbout(gib, env.id)[0]!.call.envelope.receiver.alias).to.equal(A.alias);
    expect(await inbox(h, env.id)).to.have.length(0);
  });

  it('an envelope ID that is not the file name’s: 1142 (InstanceIdentifier) and 1133 (the XML entry), both answered', async () => {
    // InstanceIdentifier X inside `<Y>.zip` / `<Y>.xml`.
    const inner = envelopeXml({ elements: [invoiceXml()] });
    const y = randomUUID();
    await push(h, `${y}.zip`, await zipOf([[`${y}.xml`, inner.xml]]));
    // The entry named after another envelope: `<Z>.zip` holding `<X>.xml`.
    const z = randomUUID();
    await push(h, `${z}.zip`, await zipOf([[`${inner.id}.xml`, inner.xml]]));
    await h.worker.runUntilIdle();

    expect(await envelopeRow(h.db, y)).to.include({ status: 'REFUSED', gib_code: 1142 });
    expect(await envelopeRow(h.db, z)).to.include({ status: 'REFUSED', gib_code: 1133 });
    // Answered about the envelope GİB knows: the one the transport named.
    expect(answersAbout(gib, y).map((a) => [a.code, a.description.split(':')[0]])).to.deep.equal([[1142, 'ZARF ID VE ZIP DOSYASI ADI AYNI OLMALI']]);
    expect(answersAbout(gib, z).map((a) => a.code)).to.deep.equal([1133]);
    expect(answersAbout(gib, inner.id)).to.have.length(0);
    expect(await h.db('incoming_invoices').where({ envelope_id: inner.id })).to.have.length(0);
  });

  it('bytes that are no ZIP and no envelope: REFUSED 1110, nobody to answer, the job ends', async () => {
    const id = randomUUID();
    await push(h, `${id}.zip`, Buffer.from('this is not a zip'));
    await h.worker.runUntilIdle();
    expect(await envelopeRow(h.db, id)).to.include({ status: 'REFUSED', gib_code: 1110, type: 'UNKNOWN', tenant_id: null, sender_vkn: null });
    expect(await replyRows(h.db, id)).to.have.length(0);
    expect(gib.calls).to.have.length(0);
    expect(await countOf(h.db('jobs'))).to.equal(0);
  });

  const cases: Array<[string, EnvelopeParty, number, string]> = [
    ['our VKN with a PK alias that is not its own', { alias: 'urn:mail:defaultpk@baska.com.tr', vknTckn: B.vknTckn, title: 'B' }, 1172, 'POSTA KUTUSU YETKISI YOK'],
    ['our PK alias with another VKN', { alias: B.alias, vknTckn: '5555555555', title: 'X' }, 1172, 'POSTA KUTUSU YETKISI YOK'],
    ['our GB alias used as a postbox', { alias: B_GB, vknTckn: B.vknTckn, title: 'B' }, 1172, 'POSTA KUTUSU YETKISI YOK'],
    ['neither VKN nor alias ours', { alias: 'urn:mail:defaultpk@kimse.com.tr', vknTckn: '1111111111', title: 'KIMSE' }, 1181, 'ADRES BULUNAMADI'],
  ];
  for (const [what, receiver, code, text] of cases) {
    it(`an invoice for ${what}: REFUSED ${code} ${text}, answered from that address, nothing in any inbox`, async () => {
      const env = await packed(envelopeXml({ receiver, elements: [invoiceXml()] }));
      await push(h, env.fileName, env.zip);
      await h.worker.runUntilIdle();
      expect(await envelopeRow(h.db, env.id)).to.include({ status: 'REFUSED', gib_code: code, tenant_id: null });
      const answers = answersAbout(gib, env.id);
      expect(answers.map((a) => [a.code, a.description.split(':')[0]])).to.deep.equal([[code, text]]);
      expect([answers[0]!.call.envelope.sender.alias, answers[0]!.call.envelope.sender.vknTckn]).to.deep.equal([receiver.alias, receiver.vknTckn]);
      expect(await h.db('incoming_invoices').where({ envelope_id: env.id })).to.have.length(0);
    });
  }

  it('an invoice missing what the inbox needs: REFUSED 1160 with what is missing', async () => {
    const bad = Buffer.from(invoiceXml().toString('utf8').replace(/<cbc:DocumentCurrencyCode>[^<]*<\/cbc:DocumentCurrencyCode>/, ''));
    const env = await packed(envelopeXml({ elements: [invoiceXml(), bad] }));
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'REFUSED', gib_code: 1160 });
    expect(answersAbout(gib, env.id).map((a) => a.description)).to.deep.equal(['XML SEMA KONTROLUNDEN GECEMEDI: 2. belge: cbc:DocumentCurrencyCode bulunamadi']);
    expect(await h.db('incoming_invoices').where({ envelope_id: env.id })).to.have.length(0); // all or nothing
  });

  it('a system response about an envelope we never sent: kept in gib_responses unmatched, logged, the job succeeds, no answer', async () => {
    const about = randomUUID();
    const sys = await systemEnvelope(about, 1200);
    await push(h, sys.fileName, sys.zip);
    await h.worker.runUntilIdle();
    expect(await h.db('gib_responses').where({ about_envelope_id: about })).to.have.length(1);
    const [r] = await h.db('gib_responses').where({ about_envelope_id: about });
    expect(r).to.deep.include({ system_envelope_id: sys.id, code: 1200 });
    expect(Boolean(r.matched)).to.equal(false);
    expect(h.logs.some((l) => String(l.msg).startsWith('system response about an envelope we did not send') && l.about === about)).to.equal(true);
    expect(await envelopeRow(h.db, sys.id)).to.include({ status: 'PROCESSED', type: 'SYSTEMENVELOPE', tenant_id: h.tenantId, gib_code: null });
    expect(await countOf(h.db('jobs'))).to.equal(0);
    expect(gib.calls).to.have.length(0);
    expect(await replyRows(h.db, sys.id)).to.have.length(0);
  });

  it('a system response about an envelope we sent: matched, the envelope’s GİB code updated', async () => {
    const ours = randomUUID();
    const at = h.clock().toISOString();
    await h.db('envelopes').insert({ id: ours, direction: 'OUT', tenant_id: h.tenantId, type: 'SENDERENVELOPE', element_type: 'INVOICE', blob_sha256: 'a'.repeat(64), status: 'SENT', created_at: at, updated_at: at });
    const sys = await systemEnvelope(ours.toUpperCase(), 1100);
    await push(h, sys.fileName, sys.zip);
    await h.worker.runUntilIdle();
    const [r] = await h.db('gib_responses').where({ about_envelope_id: ours });
    expect(Boolean(r.matched)).to.equal(true);
    expect(await h.db('envelopes').where({ id: ours }).first('gib_code')).to.deep.equal({ gib_code: 1100 });
  });

  /** B's KABUL of our tenant A's invoice `ettn`, in a POSTBOXENVELOPE as GİB pushes it. */
  async function kabulEnvelope(ettn: string) {
    const kabul = buildApplicationResponse({
      uuid: randomUUID(),
      issuedAt: new Date(),
      sender: { vknTckn: A.vknTckn, name: A.title! },
      receiver: { vknTckn: B.vknTckn, name: B.title! },
      invoice: { uuid: ettn.toUpperCase(), issueDate: '2026-01-01' },
      code: 'KABUL',
    });
    return packed(envelopeXml({ type: 'POSTBOXENVELOPE', elementType: 'APPLICATIONRESPONSE', sender: { ...A, alias: A_PK }, receiver: { ...B, alias: B_GB }, elements: [kabul] }));
  }

  it('a KABUL for our tenant’s TICARIFATURA: the invoice is ACCEPTED and the postbox envelope answered 1200', async () => {
    const ettn = randomUUID();
    const invoiceId = await insertSentInvoice(h, ettn);
    const env = await kabulEnvelope(ettn);
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();
    expect(await h.db('invoices').where({ id: invoiceId }).first('state')).to.deep.equal({ state: 'ACCEPTED' });
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'PROCESSED', type: 'POSTBOXENVELOPE', tenant_id: h.tenantId, gib_code: 1200 });
    const answers = answersAbout(gib, env.id);
    expect(answers.map((a) => a.code)).to.deep.equal([1200]);
    expect(answers[0]!.call.envelope.receiver.alias).to.equal(A_PK);
    expect(answers[0]!.call.responses[0]!.envelopeType).to.equal('POSTBOXENVELOPE');
  });

  it('a KABUL that overtakes our record of the send (invoice still ENVELOPED): kept, then DELIVERED and ACCEPTED by the send', async () => {
    const ettn = randomUUID();
    const invoiceId = await insertSentInvoice(h, ettn, 'ENVELOPED');
    const env = await kabulEnvelope(ettn);
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();
    const waiting = await h.db('invoices').where({ id: invoiceId }).first();
    expect(waiting.state).to.equal('ENVELOPED');
    expect(JSON.parse(waiting.context).heldEvents.map((e: { event: string }) => e.event)).to.deep.equal(['DELIVERED', 'APPLICATION_ACCEPTED']);
    expect(answersAbout(gib, env.id).map((a) => a.code), 'the answer is taken: 1200').to.deep.equal([1200]);

    await createMachineStore(h.db, { clock: h.clock, maxAttempts: 3 }).apply(entities.invoice(invoiceId), { event: 'SEND', actor: 'worker' });
    expect(await h.db('invoices').where({ id: invoiceId }).first('state')).to.deep.equal({ state: 'ACCEPTED' });
  });

  it('a KABUL addressed to a GB alias that is not our tenant’s: 1171, nothing applied', async () => {
    const ettn = randomUUID();
    const invoiceId = await insertSentInvoice(h, ettn);
    const kabul = buildApplicationResponse({
      uuid: randomUUID(),
      issuedAt: new Date(),
      sender: { vknTckn: A.vknTckn, name: A.title! },
      receiver: { vknTckn: B.vknTckn, name: B.title! },
      invoice: { uuid: ettn, issueDate: '2026-01-01' },
      code: 'KABUL',
    });
    const env = await packed(envelopeXml({ type: 'POSTBOXENVELOPE', elementType: 'APPLICATIONRESPONSE', sender: { ...A, alias: A_PK }, receiver: { ...B, alias: B.alias }, elements: [kabul] }));
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();
    expect(await h.db('invoices').where({ id: invoiceId }).first('state')).to.deep.equal({ state: 'DELIVERED' });
    expect(answersAbout(gib, env.id).map((a) => a.code)).to.deep.equal([1171]);
  });

  it('the answer is retried while GİB is down (also past the send job’s attempts) and delivered once it is back', async () => {
    gib.down = true;
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    await push(h, env.fileName, env.zip);
    await h.worker.runUntilIdle();
    // Processed and in the inbox whatever GİB does; the answer waits in the outbox.
    expect(await envelopeRow(h.db, env.id)).to.include({ status: 'PROCESSED' });
    expect(await inbox(h, env.id)).to.have.length(1);
    const [reply] = await replyRows(h.db, env.id);
    expect(reply).to.include({ status: 'CREATED' });
    expect(gib.refused).to.equal(1);

    h.advance(5_000); // past the backoff: second and last attempt of the job
    await h.worker.runUntilIdle();
    expect(gib.refused).to.equal(2);
    // The exhausted job stays visible; a fresh one waits an hour on.
    const sendJobs = await h.db('jobs').where({ task: ENVELOPE_SEND_TASK }).orderBy('id');
    expect(sendJobs.map((j) => [JSON.parse(j.payload), j.failed_at !== null])).to.deep.equal([
      [{ envelopeId: reply!.id, attempt: 0 }, true],
      [{ envelopeId: reply!.id, attempt: 1 }, false],
    ]);
    expect(await replyRows(h.db, env.id)).to.have.length(1);

    gib.down = false;
    h.advance(10 * 60_000);
    await h.worker.runUntilIdle();
    expect(gib.calls).to.have.length(0); // not due yet
    h.advance(3600_000);
    await h.worker.runUntilIdle();
    expect(answersAbout(gib, env.id).map((a) => a.code)).to.deep.equal([1200]);
    expect((await replyRows(h.db, env.id))[0]).to.include({ status: 'SENT' });
    expect(await countOf(h.db('jobs').whereNull('failed_at'))).to.equal(0);
  });
});

/** A SYSTEMENVELOPE from GİB to our tenant's GB alias, one response about `about`. */
async function systemEnvelope(about: string, code: number): Promise<{ id: string; fileName: string; zip: Buffer; md5: string }> {
  const id = randomUUID();
  const xml = buildSystemEnvelope({
    envelopeId: id,
    createdAt: new Date(),
    sender: GIB_PARTY,
    receiver: { alias: B_GB, vknTckn: B.vknTckn, title: B.title! },
    responses: [
      {
        uuid: randomUUID(),
        issuedAt: new Date(),
        sender: { vknTckn: GIB_PARTY.vknTckn, name: GIB_PARTY.title! },
        receiver: { vknTckn: B.vknTckn, name: B.title! },
        envelopeId: about,
        envelopeType: 'SENDERENVELOPE',
        code,
      },
    ],
  });
  return packed({ id, xml });
}

/** Our tenant's TICARIFATURA, delivered to A (waiting for KABUL/RED). */
async function insertSentInvoice(h: Harness, ettn: string, state = 'DELIVERED'): Promise<number> {
  const at = h.clock().toISOString();
  const [row] = await h.db('invoices')
    .insert({
      tenant_id: h.tenantId,
      machine: 'efatura-invoice',
      state,
      version: 1,
      ettn,
      invoice_number: `EFT2026${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`,
      kind: 'EFATURA',
      profile_id: 'TICARIFATURA',
      type_code: 'SATIS',
      issue_date: '2026-01-01',
      receiver_id: A.vknTckn,
      currency: 'TRY',
      payable_amount: '120.00',
      received_sha256: sha256Hex(Buffer.from(ettn)),
      document_sha256: sha256Hex(Buffer.from(ettn)),
      context: JSON.stringify({ profileId: 'TICARIFATURA', deliveredAt: at }),
      created_at: at,
      updated_at: at,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}
