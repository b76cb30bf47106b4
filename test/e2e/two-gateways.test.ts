/**
 * The e-Fatura and e-Arşiv flows across three processes — the GİB simulator, the sender's integrator (gateway A) and
 * the receiver's integrator (gateway B) — over real HTTP only: ERP clients speak SOAP to the gateways, the gateways
 * speak GİB's protocols to the simulator, the simulator pushes envelopes and system responses to each gateway's
 * GİB endpoint. test/gib/pipeline.test.ts is the same in one process.
 *
 * Each gateway is set up like an operator would (CLI: tenant:create, user:create --password-file) and configured by
 * GW_* variables only; the simulator by SIM_* variables and its admin API. Ports are chosen at runtime. The three
 * processes start once in `before` and are stopped in `after` (also when a test or `before` failed).
 *
 * Not here: a KABUL after 8 days needs a clock both processes share (tested in one process, with an injected clock).
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { verifyXml } from '../../src/signing/verify';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { judgeWithGibFiles } from '../helpers/gib-official-checks';
import { SAXON_JAR, saxonAvailable } from '../helpers/gib-schematron';
import { faultOf } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import {
  E2E_DB_KIND,
  GIB_DIR,
  asList,
  b64,
  freePorts,
  getStatus,
  prepareGateway,
  simulatorProcess,
  sleep,
  tempDir,
  waitForStatus,
  type GatewayProcess,
  type SimulatorProcess,
  type Status,
} from './harness';

const A_VKN = '1234567801'; // the sender, a tenant of gateway A (and, for the duplicate case, of gateway B too)
const B_VKN = '9876543210'; // the receiver, a tenant of gateway B
const C_VKN = '5555555555'; // a registered receiver whose integrator is unreachable
const alias = (kind: 'gb' | 'pk', vkn: string, host = 'e2e.test') => `urn:mail:default${kind}@${vkn}.${host}`;
/** Tenant A's second GB alias, the one it uses at gateway B. */
const A_GB_AT_B = 'urn:mail:ikincigb@1234567801.e2e.test';

describe(`two gateways and the GİB simulator as separate processes (${E2E_DB_KIND})`, function () {
  this.timeout(30_000);
  let sim: SimulatorProcess;
  let gwA: GatewayProcess;
  let gwB: GatewayProcess;
  let simDataDir: string;
  let deadPort: number;
  /** ERP clients: tenant A at gateway A, tenant B at gateway B, tenant A at gateway B. */
  let a: soap.Client;
  let b: soap.Client;
  let aAtB: soap.Client;

  const send = async (client: soap.Client, xml: string): Promise<Status> => {
    const [res] = await client.SendInvoiceAsync({ document: b64(xml) });
    return { ...res.invoice, status: Number(res.invoice.status), code: Number(res.invoice.code) };
  };
  const envelopesWith = async (ettn: string) =>
    (await sim.admin<Array<{ id: string; state: number; documentUuids: string[]; sender: { vknTckn: string; alias: string }; receiver: { vknTckn: string } }>>('GET', '/envelopes?type=SENDERENVELOPE'))
      .filter((e) => e.documentUuids.some((u) => u.toLowerCase() === ettn.toLowerCase()));
  const inboxOf = async (client: soap.Client) => asList<Record<string, any>>((await client.ListIncomingInvoicesAsync({}))[0]?.invoice);
  /** Diagnostics for a timeout at A: what the simulator did with the invoice's envelopes, and A's jobs. */
  const diagnose = (ettn: string) => async () => {
    const envs = await envelopesWith(ettn).catch((e) => `(simulator: ${e.message})`);
    const jobs = await gwA.db()('jobs').select('task', 'attempts', 'last_error', 'failed_at').catch((e) => `(jobs: ${e.message})`);
    return `  simulator envelopes: ${JSON.stringify(envs)}\n  gateway A jobs: ${JSON.stringify(jobs)}`;
  };

  before(async function () {
    this.timeout(60_000);
    const [simPort, aPort, bPort, dead] = await freePorts(4);
    deadPort = dead!;
    simDataDir = tempDir('gib-sim-e2e-');
    sim = simulatorProcess(simPort!, {
      SIM_DATA_DIR: simDataDir, // users and endpoints survive a restart (scenario 8)
      SIM_GIB_DIR: GIB_DIR, // GİB's XSD and schematron checks (scenario 5)
      SIM_QUEUE_MS: '10',
      SIM_PROCESS_MS: '10',
      SIM_DELIVER_MS: '10',
      SIM_DELIVERY_RETRY_MS: '100',
      SIM_DELIVERY_RETRIES: '4',
      SIM_PUSH_RETRY_MS: '200',
      SIM_REPORT_MS: '50',
      SIM_REQUEST_TIMEOUT_MS: '5000',
      // Merkez's own final states are not pushed (as at GİB): the sender learns 1215 by polling (scenario 6).
      SIM_PUSH_FINAL_STATES: 'false',
    });
    const timings = {
      GW_WORKER_POLL_MS: '50',
      GW_GIB_TICK_MS: '100',
      GW_GIB_CHECK_EVERY_MS: '100',
      GW_EARSIV_REPORT_EVERY_MS: '200',
      GW_GIB_POLL_EVERY_MS: '1000',
      GW_USER_LIST_SYNC_MS: '60000',
    };
    // Data dirs, databases, tenants and users (CLI) for both gateways while the simulator starts.
    [gwA, gwB] = await Promise.all([
      prepareGateway({
        name: 'gateway-A',
        port: aPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: A_VKN, title: 'SATICI TICARET A.S.', gbAlias: alias('gb', A_VKN), pkAlias: alias('pk', A_VKN), users: ['erp-a'] }],
        // Poll GİB for an envelope with no system response after 0.7 s (GİB: 24 h) — the only way A learns 1215.
        env: { ...timings, GW_GIB_POLL_AFTER_MS: '700' },
      }),
      prepareGateway({
        name: 'gateway-B',
        port: bPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [
          { vkn: B_VKN, title: 'ALICI LIMITED SIRKETI', gbAlias: alias('gb', B_VKN), pkAlias: alias('pk', B_VKN), users: ['erp-b'] },
          // The same company A also uses integrator B, under its second GB alias (scenario 7).
          { vkn: A_VKN, title: 'SATICI TICARET A.S.', gbAlias: A_GB_AT_B, pkAlias: alias('pk', A_VKN, 'b.e2e.test'), users: ['erp-a-at-b'] },
        ],
        env: { ...timings, GW_GIB_POLL_AFTER_MS: '60000' },
      }),
      sim.start(),
    ]);

    // GİB's side: the user list and where each integrator receives. Tenant A's second GB alias routes to B.
    await sim.admin('POST', '/users', [
      { vknTckn: A_VKN, title: 'SATICI TICARET A.S.', aliases: [{ alias: alias('gb', A_VKN), role: 'GB' }, { alias: alias('pk', A_VKN), role: 'PK' }, { alias: A_GB_AT_B, role: 'GB' }] },
      { vknTckn: B_VKN, title: 'ALICI LIMITED SIRKETI', aliases: [{ alias: alias('gb', B_VKN), role: 'GB' }, { alias: alias('pk', B_VKN), role: 'PK' }] },
      { vknTckn: C_VKN, title: 'ULASILAMAYAN A.S.', aliases: [{ alias: alias('gb', C_VKN), role: 'GB' }, { alias: alias('pk', C_VKN), role: 'PK' }] },
    ]);
    await sim.admin('POST', '/endpoints', { url: gwA.gibEndpointUrl, vkns: [A_VKN], name: 'integrator A' });
    await sim.admin('POST', '/endpoints', { url: gwB.gibEndpointUrl, vkns: [B_VKN], aliases: [A_GB_AT_B], name: 'integrator B' });
    await sim.admin('POST', '/endpoints', { url: `http://127.0.0.1:${deadPort}/gib/EFatura`, vkns: [C_VKN], name: 'integrator C (down)' });

    await Promise.all([gwA.start(), gwB.start()]);
    [a, b, aAtB] = await Promise.all([gwA.client('erp-a'), gwB.client('erp-b'), gwB.client('erp-a-at-b')]);
    // Each gateway syncs GİB's user list now (refresh=true forces it).
    const [[atA], [atB]] = await Promise.all([a.CheckUserAsync({ vknTckn: B_VKN, refresh: true }), b.CheckUserAsync({ vknTckn: A_VKN, refresh: true })]);
    expect(atA.efaturaUser, 'B is an e-Fatura user, as gateway A sees it').to.equal(true);
    expect(atB.efaturaUser, 'A is an e-Fatura user, as gateway B sees it').to.equal(true);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of [sim, gwA, gwB]) if (p) process.stderr.write(`\n--- last output of ${p.name} ---\n${p.logTail(30)}\n`);
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.allSettled([gwA?.cleanup(), gwB?.cleanup(), sim?.stop()]);
    if (simDataDir) fs.rmSync(simDataDir, { recursive: true, force: true });
  });

  /** Sends an e-Fatura from A to B and waits for 1300 at A. */
  async function deliveredAtoB(profile: 'TICARIFATURA' | 'TEMELFATURA'): Promise<Status> {
    const sent = await send(a, makeInvoice({ profile, supplierVkn: A_VKN, customerVkn: B_VKN }));
    expect(sent).to.include({ state: 'RECEIVED', code: 10 });
    return waitForStatus(a, sent.ettn, '1300 at A', (s) => s.state === 'DELIVERED', { extra: diagnose(sent.ettn) });
  }

  it('1. TICARIFATURA A→B: 1300 at A, in B’s inbox signed by A, B’s KABUL comes back to A', async () => {
    const t0 = Date.now();
    const delivered = await deliveredAtoB('TICARIFATURA');
    const ettn = delivered.ettn;
    expect(delivered.code).to.equal(1300);
    expect(delivered.envelopeId).to.match(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    const tDelivered = Date.now() - t0;

    // GİB's record of the envelope agrees.
    const env = await sim.admin('GET', `/envelopes/${delivered.envelopeId}`);
    expect(env).to.include({ state: 1300, type: 'SENDERENVELOPE' });
    expect(env.sender).to.include({ vknTckn: A_VKN, alias: alias('gb', A_VKN) });
    expect(env.receiver).to.include({ vknTckn: B_VKN, alias: alias('pk', B_VKN) });

    // In B's inbox, with the document A's gateway signed.
    const mine = (await inboxOf(b)).find((i) => i.ettn.toLowerCase() === ettn.toLowerCase());
    expect(mine, 'in B’s inbox').to.exist;
    expect(mine).to.include({ senderVknTckn: A_VKN, profileId: 'TICARIFATURA', envelopeId: delivered.envelopeId });
    const [full] = await b.GetIncomingInvoiceAsync({ ettn });
    const document = Buffer.from(full.invoice.document, 'base64');
    expect(document.toString('utf8')).to.include(`<cbc:UUID>${ettn.toUpperCase()}</cbc:UUID>`);
    const devRoot = fs.readFileSync(path.join(gwA.dataDir, 'dev-seals', A_VKN, 'dev-root.cert.pem'));
    const verified = await verifyXml(document, { trustedRoots: [devRoot], expectedSignerId: A_VKN });
    expect(verified.signerId).to.equal(A_VKN);
    expect(new X509Certificate(verified.certificate).subject).to.include('GELISTIRME MUHRU');

    // B's KABUL travels B → GİB → A.
    await b.SendApplicationResponseAsync({ ettn, response: 'KABUL' });
    const accepted = await waitForStatus(a, ettn, 'KABUL at A', (s) => s.state === 'ACCEPTED');
    expect(accepted.applicationResponse).to.equal('KABUL');
    const again = await b.SendApplicationResponseAsync({ ettn, response: 'RED' }).catch(faultOf);
    expect(again.name).to.equal('ALREADY_ANSWERED');

    // The whole history at A: integrator stages 10–50, GİB's codes, 1300, then the answer.
    const states = accepted.history.map((h) => h.toState);
    const codes = accepted.history.map((h) => h.code);
    expect(states.slice(0, 5)).to.deep.equal(['RECEIVED', 'PROCESSED', 'SIGNED', 'ENVELOPED', 'SENT']);
    expect(codes.slice(0, 5)).to.deep.equal([10, 20, 30, 40, 50]);
    // Between 50 and 1300 only GİB's codes (normally GIB_ACCEPTED 1200 from Merkez's push; a poll may add 1220;
    // a push overtaken by the receiver's answer is ignored, so none is required).
    const gibPart = accepted.history.slice(5, states.indexOf('DELIVERED') + 1);
    for (const h of gibPart) expect(h.code, `${h.toState} carries a GİB code`).to.be.within(1000, 1300);
    expect(gibPart.at(-1)).to.include({ toState: 'DELIVERED', code: 1300 });
    // GİB's own record went the whole way: 1000 → 1100 → 1200 → (1220) → 1300.
    const gibCodes = env.history.map((h: { code: number }) => h.code);
    expect(gibCodes.slice(0, 3)).to.deep.equal([1000, 1100, 1200]);
    expect(gibCodes.at(-1)).to.equal(1300);
    expect(states.at(-1)).to.equal('ACCEPTED');
    console.log(`      1300 at A after ${tDelivered} ms; history ${accepted.history.map((h) => `${h.toState}(${h.code})`).join(' → ')}`);
  });

  it('2. TICARIFATURA A→B answered RED: A shows REJECTED', async () => {
    const delivered = await deliveredAtoB('TICARIFATURA');
    const [answered] = await b.SendApplicationResponseAsync({ ettn: delivered.ettn, response: 'RED', reason: 'Fiyat farkı' });
    expect(answered.invoice.ettn.toLowerCase()).to.equal(delivered.ettn.toLowerCase());
    const rejected = await waitForStatus(a, delivered.ettn, 'RED at A', (s) => s.state === 'REJECTED');
    expect(rejected.applicationResponse).to.equal('RED');
    expect(rejected.history.at(-1)?.reason).to.include('Fiyat farkı');
  });

  it('3. e-Arşiv from A to a person: Başarılı, then cancelled and reported', async () => {
    const [none] = await a.CheckUserAsync({ vknTckn: '11111111111' });
    expect(none.efaturaUser).to.equal(false);
    const sent = await send(a, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: A_VKN, customerVkn: '11111111111' }));
    expect(sent.portalTab).to.equal('Henüz Sonuçlanmamış');
    const ok = await waitForStatus(a, sent.ettn, 'Başarılı', (s) => s.state === 'SUCCESS');
    expect(ok).to.include({ status: 2, portalTab: 'Başarılı' });
    await a.CancelInvoiceAsync({ ettn: sent.ettn });
    const cancelled = await waitForStatus(a, sent.ettn, 'cancellation reported', (s) => s.state === 'CANCEL_REPORTED');
    expect(cancelled.code).to.equal(1235);
    // GİB got two reports of A's naming the invoice: the sale and, on its cancellation date, the cancellation.
    const reports = await sim.admin<Array<Record<string, unknown>>>('GET', `/earsiv/reports?vkn=${A_VKN}`);
    expect(reports.length).to.be.at.least(2);
  });

  it('4. TEMELFATURA A→B cancelled by agreement: A requests, B approves, both copies CANCELLED (1235)', async () => {
    const delivered = await deliveredAtoB('TEMELFATURA');
    const ettn = delivered.ettn;
    const [cancel] = await a.CancelInvoiceAsync({ ettn });
    expect(cancel.cancelRequest.state).to.equal('Onay Bekliyor');
    const requestId: string = cancel.cancelRequest.requestId;

    const [received] = await b.ListCancelRequestsAsync({ direction: 'RECEIVED' });
    const row = asList(received.cancelRequest).find((r: { requestId: string }) => r.requestId === requestId);
    expect(row, 'B sees the request made to it').to.exist;
    expect(row).to.include({ senderVknTckn: A_VKN, receiverVknTckn: B_VKN, state: 'Onay Bekliyor' });
    expect(row.ettn.toLowerCase()).to.equal(ettn.toLowerCase());

    const [approved] = await b.DecideCancelRequestAsync({ requestId, decision: 'APPROVE' });
    expect(approved.cancelRequest.state).to.equal('Fatura İptal Edildi');
    const cancelled = await waitForStatus(a, ettn, '1235 at A', (s) => s.state === 'CANCELLED');
    expect(cancelled.code).to.equal(1235);
    const [copy] = await b.GetIncomingInvoiceAsync({ ettn });
    expect(copy.invoice.state).to.equal('CANCELLED');
  });

  it('5. an invoice the gateway accepts but GİB’s schematron refuses ends GIB_REJECTED 1150', async () => {
    // Gateway A runs without GW_GIB_DIR, so it checks its own rules only; GİB (SIM_GIB_DIR) also checks the code
    // lists of its schematron: unitCode XYZ is in no UN/ECE Rec 20 list (GeneralUnitCodeCheck).
    const xml = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: B_VKN }).replace('unitCode="C62"', 'unitCode="XYZ"');
    const sent = await send(a, xml);
    expect(sent.state).to.equal('RECEIVED');
    const rejected = await waitForStatus(a, sent.ettn, 'GIB_REJECTED at A', (s) => s.status === -1, { extra: diagnose(sent.ettn) });
    expect(rejected).to.include({ state: 'GIB_REJECTED', code: 1150 });
    expect(rejected.description + JSON.stringify(rejected.history.at(-1))).to.include('unitCode');
    expect((await inboxOf(b)).some((i) => i.ettn.toLowerCase() === sent.ettn.toLowerCase()), 'not delivered to B').to.equal(false);
  });

  it('6. a receiver whose integrator is down: 1210 retries, 1215 — A learns it by polling GİB', async () => {
    const sent = await send(a, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: C_VKN }));
    const failed = await waitForStatus(a, sent.ettn, 'DELIVERY_FAILED at A', (s) => s.status === -1, { extra: diagnose(sent.ettn) });
    expect(failed).to.include({ state: 'DELIVERY_FAILED', code: 1215 });
    const last = failed.history.at(-1)!;
    expect(last.reason, 'learnt by getApplicationResponse, not by a push').to.include('(poll)');
    const [env] = await envelopesWith(sent.ettn);
    expect(env?.state).to.equal(1215);
    const detail = await sim.admin('GET', `/envelopes/${env!.id}`);
    expect(detail.delivery.attempts, 'first attempt + SIM_DELIVERY_RETRIES').to.equal(5);
    expect(detail.history.map((h: { code: number }) => h.code)).to.include(1210);
    expect(detail.pushes.map((p: { code: number }) => p.code), 'no 1215 pushed (SIM_PUSH_FINAL_STATES=false)').to.not.include(1215);
  });

  it('7. the same invoice through a second integrator while the first envelope lives: 1163 at B', async () => {
    const xml = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: B_VKN });
    const first = await send(a, xml);
    await waitForStatus(a, first.ettn, '1300 at A', (s) => s.state === 'DELIVERED', { extra: diagnose(first.ettn) });
    const second = await send(aAtB, xml);
    expect(second.ettn.toLowerCase()).to.equal(first.ettn.toLowerCase());
    const dup = await waitForStatus(aAtB, second.ettn, 'GIB_REJECTED at B', (s) => s.status === -1);
    expect(dup).to.include({ state: 'GIB_REJECTED', code: 1163 });
    expect((await getStatus(a, first.ettn)).state, 'A’s invoice is untouched').to.equal('DELIVERED');
    const envs = await envelopesWith(first.ettn);
    expect(envs.map((e) => e.state).sort()).to.deep.equal([1163, 1300]);
    expect(envs.find((e) => e.state === 1163)?.sender.alias).to.equal(A_GB_AT_B);
    expect((await inboxOf(b)).filter((i) => i.ettn.toLowerCase() === first.ettn.toLowerCase())).to.have.length(1);
  });

  it('8. GİB down during a send: SendInvoice answers, the invoice waits in 40, reaches 1300 once GİB is back, sent once', async function () {
    this.timeout(40_000);
    await sim.stop();
    const sent = await send(a, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: B_VKN }));
    expect(sent.state).to.equal('RECEIVED');
    const ettn = sent.ettn;
    await waitForStatus(a, ettn, '40 at A', (s) => s.state === 'ENVELOPED');
    // The send was tried while GİB was down, and failed (retried with backoff).
    const deadline = Date.now() + 10_000;
    let job: { task: string; attempts: number; last_error: string | null } | undefined;
    while (Date.now() < deadline) {
      job = await gwA.db()('jobs').whereIn('task', ['invoice.send', 'envelope.send']).andWhere('attempts', '>=', 1).whereNotNull('last_error').first('task', 'attempts', 'last_error');
      if (job) break;
      await sleep(50);
    }
    expect(job, 'a failed send attempt while GİB was down').to.exist;
    const waiting = await getStatus(a, ettn);
    expect(waiting).to.include({ state: 'ENVELOPED', code: 40 });

    // GİB back on the same port; users and endpoints come back from SIM_DATA_DIR.
    await sim.start();
    expect((await sim.admin<unknown[]>('GET', '/users')).length).to.equal(3);
    expect((await sim.admin<unknown[]>('GET', '/endpoints')).length).to.equal(3);
    const delivered = await waitForStatus(a, ettn, '1300 at A after GİB came back', (s) => s.state === 'DELIVERED', { timeoutMs: 25_000, extra: diagnose(ettn) });
    expect(delivered.code).to.equal(1300);

    // Nothing lost, nothing twice: one envelope at GİB, one send at A, one copy at B.
    const envs = await envelopesWith(ettn);
    expect(envs, 'envelopes at GİB holding the ETTN').to.have.length(1);
    expect(envs[0]!.state).to.equal(1300);
    expect(envs[0]!.id.toUpperCase()).to.equal(delivered.envelopeId);
    expect(delivered.history.filter((h) => h.toState === 'SENT')).to.have.length(1);
    expect(delivered.history.filter((h) => h.toState === 'ENVELOPED')).to.have.length(1);
    expect((await inboxOf(b)).filter((i) => i.ettn.toLowerCase() === ettn.toLowerCase())).to.have.length(1);
    console.log(`      send attempts while GİB was down: ${job!.attempts} (${job!.task}: ${String(job!.last_error).slice(0, 80)})`);
  });

  // The documents are the same whatever the database holds them: GİB's files judge them once, on SQLite (≈ 20 s).
  if (E2E_DB_KIND === 'sqlite') {
    it('9. everything both gateways sent GİB passes GİB’s own files: xmllint, Saxon-HE (schematron), xmlsec1', async function () {
      this.timeout(120_000);
      if (!saxonAvailable()) throw new Error(`GİB's schematron needs java and ${SAXON_JAR} (scripts/test.sh installs them)`);
      // The simulator kept every envelope and e-Arşiv report upload it received (SIM_DATA_DIR); scenario 5's invoice
      // is wrong on purpose (unitCode XYZ).
      const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))) : []);
      const roots = [gwA, gwB].flatMap((g) => {
        const seals = path.join(g.dataDir, 'dev-seals');
        return fs.readdirSync(seals).map((vkn) => path.join(seals, vkn, 'dev-root.cert.pem')).filter((f) => fs.existsSync(f));
      });
      const v = await judgeWithGibFiles({
        envelopeZips: files(path.join(simDataDir, 'envelopes')),
        reportZips: files(path.join(simDataDir, 'earsiv')),
        roots,
        skip: (xml) => xml.includes('unitCode="XYZ"'),
      });
      console.log(`      judged by GİB's files: ${v.envelopes} envelopes holding ${v.documents} documents, ${v.reports} e-Arşiv reports, ${v.signatures} signatures; unsigned: ${v.unsigned.join(', ') || 'none'}`);
      expect(v.problems).to.deep.equal([]);
      // Invoices, KABUL/RED, system responses and reports were all among them.
      expect(v.envelopes).to.be.at.least(10);
      expect(v.reports).to.be.at.least(1);
      // Every invoice, application response and report is signed; system responses need not be (Entegrasyon Kılavuzu v1.10: "Sistem
      // yanıtlarının imzalanması veya onaylanması zorunlu değildir.").
      expect(v.unsigned.filter((u) => !u.startsWith('SYSTEMENVELOPE '))).to.deep.equal([]);
      expect(v.signatures).to.be.at.least(v.envelopes - v.unsigned.length + v.reports);

      // The judges bite: scenario 5's envelope fails GİB's schematron, and one changed letter in a signed invoice
      // fails xmlsec1.
      const all = files(path.join(simDataDir, 'envelopes'));
      const texts = await Promise.all(all.map(async (z) => (await unpackDocument(z, { container: 'zip', maxUnzippedBytes: 1 << 26 })).xml.toString('utf8')));
      const wrong = all.filter((_, i) => texts[i]!.includes('unitCode="XYZ"'));
      const signedInvoice = texts.find((t) => t.includes('<sh:Type>SENDERENVELOPE</sh:Type>') && t.includes('PayableAmount'))!;
      const tampered = await zipOne('x.xml', Buffer.from(signedInvoice.replace(/(<cbc:PayableAmount[^>]*>)(\d)/, (_, tag: string, d: string) => `${tag}${d === '9' ? '8' : '9'}`)));
      // …and a report whose invoice says YTBSATIS without ytbBilgileri fails GİB's e-Arşiv schematron.
      const reports = await Promise.all(files(path.join(simDataDir, 'earsiv')).map(async (z) => (await unpackDocument(z, { container: 'zip', maxUnzippedBytes: 1 << 26 })).xml.toString('utf8')));
      const withInvoice = reports.find((r) => /<(\w+:)?faturaTip>/.test(r))!;
      const ytb = await zipOne('r.xml', Buffer.from(withInvoice.replace(/(<(?:\w+:)?faturaTip>)[^<]*/, '$1YTBSATIS')));
      const bad = await judgeWithGibFiles({ envelopeZips: [...wrong, tampered], reportZips: [ytb], roots });
      expect(bad.problems.some((p) => /r0000\.xml: GİB's e-Arşiv schematron: Fatura tipi YTBSATIS, YTBISTISNA veya YTBIADE olduğunda 'ytbBilgileri' alanının bulunması zorunludur\.$/.test(p)), bad.problems.join('\n')).to.equal(true);
      expect(bad.problems.some((p) => /GİB's schematron: Geçersiz unitCode niteliği : 'XYZ'/.test(p)), bad.problems.join('\n')).to.equal(true);
      expect(bad.problems.some((p) => /e0001\.xml document 1 \(Invoice\): xmlsec1/.test(p)), bad.problems.join('\n')).to.equal(true);
    });
  }
});
