import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isUniqueViolation } from '../../src/db/connect';
import { earsivReportInvoice } from '../../src/gib/protocol/earsiv-report-lines';
import { EARSIV_REPORT_SIGNATURE_PLACEMENT, buildEarsivReport, parseEarsivReport } from '../../src/gib/protocol/earsiv-report';
import { verifyXml } from '../../src/signing/verify';
import { signXml } from '../../src/signing/xades';
import { istanbulDay } from '../../src/services/earsiv-report.service';
import { earsivTasks } from '../../src/worker/tasks/earsiv.tasks';
import { TEST_DB_KIND } from '../helpers/db';
import { UBL_SAMPLES_DIR } from '../helpers/paths';
import { insertInvoice } from '../helpers/rows';
import { DUMMY_JOB, INTEGRATOR_VKN, TENANT_VKN, startHarness, type Harness } from './harness';
import { gatewayErrorOf, xmllintEarsiv } from './helpers';

interface SimReport {
  paketId: string;
  state: number;
  taxpayer: string | null;
  invoices: Array<{ ettn: string; number: string }>;
  cancellations: string[];
}

async function simReports(h: Harness): Promise<SimReport[]> {
  const base = h.sim.earsivUrl.replace(/\/EArsiv$/, '');
  return (await (await fetch(`${base}/admin/earsiv/reports`)).json()) as SimReport[];
}

describe(`e-Arşiv report pipeline: build, sign, send, GİB's verdict, cancellation (${TEST_DB_KIND})`, function () {
  this.timeout(20_000);
  let h: Harness | null = null;

  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('signed e-Arşiv invoices go into the report of their day, signed by the tenant; GİB accepts it → Başarılı', async () => {
    h = await startHarness();
    const a = await h.send();
    const b = await h.send({ customerVkn: '9876543210' });
    await h.worker.runUntilIdle();
    const pending = await h.invoices.getStatus(h.caller, { ettn: a.ettn });
    expect(pending).to.include({ state: 'SIGNED', portalTab: 'Henüz Sonuçlanmamış' });

    await h.schedule();
    await h.settle();
    for (const x of [a, b]) {
      const st = await h.invoices.getStatus(h.caller, { ettn: x.ettn });
      expect(st).to.include({ state: 'SUCCESS', status: 2, code: 1300, description: 'BASARILI', portalTab: 'Başarılı' });
      expect(st.history.map((e) => e.toState)).to.deep.equal(['RECEIVED', 'PROCESSED', 'SIGNED', 'IN_REPORT', 'REPORTED', 'SUCCESS']);
    }

    const reports = await h.db('earsiv_reports').select();
    expect(reports).to.have.length(1);
    const report = reports[0];
    expect(report).to.include({ tenant_id: h.tenantId, state: 'ACCEPTED', period_date: h.day(1) });
    expect(Number(report.section)).to.equal(1);
    expect(report.paket_id.toLowerCase()).to.equal(report.uuid.toLowerCase());
    const items = await h.db('earsiv_report_items').where({ report_id: report.id }).orderBy('invoice_id');
    expect(items.map((i) => [Number(i.invoice_id), i.kind])).to.deep.equal([
      [a.id, 'INVOICE'],
      [b.id, 'INVOICE'],
    ]);
    const history = await h.deps.store.history('earsiv-report', Number(report.id));
    expect(history.map((e) => e.toState)).to.deep.equal(['CREATED', 'SENT', 'ACCEPTED']);

    // What went to GİB: the tenant's seal over an EArsiv.xsd-valid report of day 1 holding both invoices.
    const xml = await h.deps.blobs.get(report.blob_sha256);
    const sig = await verifyXml(xml, { trustedRoots: h.roots, expectedSignerId: TENANT_VKN, now: h.now() });
    expect(sig.signerId).to.equal(TENANT_VKN);
    const lint = xmllintEarsiv(xml);
    expect(lint.ok, lint.output).to.equal(true);
    const parsed = parseEarsivReport(xml);
    expect(parsed).to.deep.include({ taxpayer: TENANT_VKN, integrator: INTEGRATOR_VKN, reportId: report.uuid, signed: true });
    expect(parsed.period).to.deep.equal({ start: h.day(1), end: h.day(1) });
    expect(parsed.part).to.deep.equal({ start: h.day(1), end: h.day(1), number: 1 });
    for (const x of [a, b]) {
      const row = await h.invoice(x.id);
      const entry = parsed.invoices.find((i) => i.number === x.number)!;
      expect(entry.ettn.toLowerCase()).to.equal(x.ettn);
      expect(entry.digest).to.equal(row.signed_sha256);
      expect(entry.fileName.toLowerCase()).to.equal(`${x.ettn}.xml`);
      expect(entry.issueDate).to.equal(h.day(1));
      expect(entry.payable).to.equal(row.payable_amount);
    }
    expect(parsed.invoices.find((i) => i.number === a.number)!.receiver.vknTckn).to.equal('11111111111');
    expect(parsed.invoices.find((i) => i.number === b.number)!.receiver).to.deep.equal({ vknTckn: '9876543210', name: 'Alıcı Limited Şirketi' });

    const atGib = await simReports(h);
    expect(atGib).to.have.length(1);
    expect(atGib[0]).to.include({ state: 1300, taxpayer: TENANT_VKN });
    expect(atGib[0]!.invoices.map((i) => i.number).sort()).to.deep.equal([a.number, b.number].sort());
  });

  it('no invoice is reported twice: two builds at once make one report, a later build adds nothing, the items key refuses a repeat', async () => {
    h = await startHarness();
    const xs = [await h.send(), await h.send(), await h.send()];
    await h.worker.runUntilIdle();
    const [s1, s2] = await Promise.all([h.reports.build(), h.reports.build()]);
    expect(s1.reports + s2.reports).to.equal(1);
    expect(s1.invoices + s2.invoices).to.equal(3);
    expect(await h.reports.build()).to.include({ reports: 0, invoices: 0, cancellations: 0 });
    const [report] = await h.db('earsiv_reports').select('id');
    expect(await h.db('earsiv_report_items').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 3);

    // The database's rule: the same invoice cannot be an INVOICE item of a second report.
    const t = new Date().toISOString();
    const [other] = await h.db('earsiv_reports')
      .insert({ tenant_id: h.tenantId, machine: 'earsiv-report', state: 'CREATED', version: 1, context: '{}', uuid: randomUUID(), period_date: h.day(1), section: 99, created_at: t, updated_at: t })
      .returning('id');
    const err = await h.db('earsiv_report_items')
      .insert({ report_id: Number(typeof other === 'object' ? other.id : other), invoice_id: xs[0]!.id, kind: 'INVOICE' })
      .then(() => null, (e: unknown) => e);
    expect(isUniqueViolation(err), String(err)).to.equal(true);
    await h.db('earsiv_reports').where({ section: 99 }).delete();

    await h.schedule();
    await h.settle();
    for (const x of xs) expect((await h.invoice(x.id)).state).to.equal('SUCCESS');
    expect(await h.db('earsiv_reports').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    const atGib = await simReports(h);
    expect(atGib).to.have.length(1);
    expect(atGib[0]!.invoices).to.have.length(3);
    expect(Number(report.id)).to.be.greaterThan(0);
  });

  it('GİB rejects the report → its invoices are Hatalı with GİB’s code and reason; an errored invoice cannot be cancelled', async () => {
    h = await startHarness();
    h.sim.faults.rejectReports = 1;
    const a = await h.send();
    await h.schedule();
    await h.settle();
    const st = await h.invoices.getStatus(h.caller, { ettn: a.ettn });
    expect(st).to.include({ state: 'ERROR', status: -1, code: 1150, portalTab: 'Hatalı' });
    expect(st.description).to.match(/^SCHEMATRON KONTROL SONUCU HATALI/).and.contain('rejectReports');
    expect(st.history.at(-1)!.reason).to.contain('e-Arsiv raporu reddedildi: 1150');
    const [report] = await h.db('earsiv_reports').select();
    expect(report.state).to.equal('REJECTED');
    expect(JSON.parse(report.context)).to.include({ code: 1150 });

    const e = await gatewayErrorOf(() => h!.cancels.cancelEarsiv(h!.tenantId, { ettn: a.ettn }, 'user:erp'));
    expect(e.code).to.equal(4508);
    expect(e.message).to.equal('FATURA IPTAL EDILEMEZ: SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: HATALI)');
  });

  it('an invoice GİB already has (reported by hand first) → 1163, Hatalı with GİB’s reason', async () => {
    h = await startHarness();
    const a = await h.send();
    await h.worker.runUntilIdle();
    const row = await h.invoice(a.id);
    expect(row.state).to.equal('SIGNED');
    // Someone else reports the same invoice first, straight to GİB.
    const line = earsivReportInvoice(await h.deps.blobs.get(row.signed_sha256));
    const reportId = randomUUID();
    const xml = buildEarsivReport({ taxpayer: TENANT_VKN, integrator: INTEGRATOR_VKN, reportId, period: { start: h.day(1), end: h.day(1) }, invoices: [line] });
    const signed = await signXml(xml, await h.deps.signers.signerFor(h.tenantId), { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT });
    await h.deps.client.sendReport(signed, reportId);
    await h.sim.idle(5000);
    expect((await h.deps.client.getReportStatus(reportId)).outcome).to.equal('accepted');

    await h.schedule();
    await h.settle();
    const st = await h.invoices.getStatus(h.caller, { ettn: a.ettn });
    expect(st).to.include({ state: 'ERROR', status: -1, code: 1163, portalTab: 'Hatalı' });
    expect(st.description).to.contain('DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR').and.contain(reportId.toLowerCase().slice(0, 8));
  });

  it('cancellation: refused while pending (4508); a successful invoice is cancelled on day 3 and reported in the report of day 3; its number is not reused', async () => {
    h = await startHarness();
    const a = await h.send();
    await h.worker.runUntilIdle();
    let e = await gatewayErrorOf(() => h!.cancels.cancelEarsiv(h!.tenantId, { ettn: a.ettn }, 'user:erp'));
    expect(e.fault).to.equal('CANCEL_NOT_ALLOWED');
    expect(e.code).to.equal(4508);
    expect(e.message).to.equal('FATURA IPTAL EDILEMEZ: SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: HENUZ SONUCLANMAMIS)');
    expect((await h.invoice(a.id)).state).to.equal('SIGNED');

    await h.schedule();
    await h.settle();
    expect((await h.invoice(a.id)).state).to.equal('SUCCESS');
    // Another tenant's invoice is answered as one that does not exist.
    e = await gatewayErrorOf(() => h!.cancels.cancelEarsiv(h!.otherCaller.tenantId, { ettn: a.ettn }, 'user:diger'));
    expect(e.fault).to.equal('DOCUMENT_NOT_FOUND');
    e = await gatewayErrorOf(() => h!.cancels.cancelEarsiv(h!.tenantId, { number: 'EAR2026999999999' }, 'user:erp'));
    expect(e.fault).to.equal('DOCUMENT_NOT_FOUND');

    h.setNow(h.at(3, '15:30'));
    const done = await h.cancels.cancelEarsiv(h.tenantId, { number: a.number }, 'user:erp');
    expect(done.state).to.equal('CANCELLED');
    expect(istanbulDay(new Date(done.cancelledAt))).to.equal(h.day(3));
    const st = await h.invoices.getStatus(h.caller, { ettn: a.ettn });
    expect(st).to.include({ state: 'CANCELLED', status: 2, code: 1235 });
    expect(st.history.at(-1)).to.include({ event: 'CANCEL', actor: 'user:erp' });
    e = await gatewayErrorOf(() => h!.cancels.cancelEarsiv(h!.tenantId, { ettn: a.ettn }, 'user:erp'));
    expect(e.message).to.contain('(DURUM: IPTAL EDILMIS)');

    await h.settle();
    expect((await h.invoice(a.id)).state).to.equal('CANCEL_REPORTED');
    const items = await h.db('earsiv_report_items as i').join('earsiv_reports as r', 'r.id', 'i.report_id').where('i.invoice_id', a.id).orderBy('i.kind').select('i.kind', 'r.period_date', 'r.state', 'r.blob_sha256');
    expect(items.map((i) => [i.kind, i.period_date, i.state])).to.deep.equal([
      ['CANCEL', h.day(3), 'ACCEPTED'],
      ['INVOICE', h.day(1), 'ACCEPTED'],
    ]);
    const parsed = parseEarsivReport(await h.deps.blobs.get(items[0].blob_sha256));
    expect(parsed.invoices).to.have.length(0);
    expect(parsed.cancellations).to.deep.equal([{ number: a.number, cancelledOn: h.day(3), amount: (await h.invoice(a.id)).payable_amount }]);
    expect(parsed.period).to.deep.equal({ start: h.day(3), end: h.day(3) });
    const atGib = await simReports(h);
    expect(atGib.map((r) => [r.state, r.cancellations])).to.deep.equal([
      [1300, []],
      [1300, [a.number]],
    ]);

    // The cancelled number stays used: the next invoice of the series gets the one after it.
    const c = await h.send({ issueDate: h.day(1) });
    expect(c.number.slice(0, 7)).to.equal(a.number.slice(0, 7));
    expect(Number(c.number.slice(7))).to.equal(Number(a.number.slice(7)) + 1);
  });

  it('a rejected report’s cancellation stays CANCELLED and goes into a later report of its date; after three failed reports it is held back', async () => {
    h = await startHarness();
    const a = await h.send();
    const b = await h.send();
    await h.schedule();
    await h.settle();
    h.setNow(h.at(3));
    await h.cancels.cancelEarsiv(h.tenantId, { ettn: a.ettn }, 'user:erp');
    await h.cancels.cancelEarsiv(h.tenantId, { ettn: b.ettn }, 'user:erp');

    // Once rejected: both cancellations are reported again, in section 2 of day 3, and accepted there.
    h.sim.faults.rejectReports = 1;
    await h.settle(8);
    const day3 = async () =>
      (await h!.db('earsiv_reports').where({ period_date: h!.day(3) }).orderBy('section').select('id', 'section', 'state', 'blob_sha256')).map((r) => ({ ...r, section: Number(r.section) }));
    let reports = await day3();
    expect(reports.map((r) => [r.section, r.state])).to.deep.equal([
      [1, 'REJECTED'],
      [2, 'ACCEPTED'],
    ]);
    for (const r of reports) expect(parseEarsivReport(await h.deps.blobs.get(r.blob_sha256)).cancellations.map((c) => c.number).sort()).to.deep.equal([a.number, b.number].sort());
    expect((await h.invoice(a.id)).state).to.equal('CANCEL_REPORTED');
    expect(h.logs.some((l) => l.msg === 'cancellations of a failed e-Arşiv report will be reported again')).to.equal(true);
    const items = await h.db('earsiv_report_items').where({ invoice_id: a.id, kind: 'CANCEL' }).select('report_id');
    expect(items.map((i) => Number(i.report_id))).to.deep.equal([Number(reports[1]!.id)]);

    // A third invoice cancelled on day 4, and GİB refuses every report: three tries, then it is held back.
    const c = await h.send({ issueDate: h.day(3) });
    await h.settle();
    expect((await h.invoice(c.id)).state).to.equal('SUCCESS');
    h.setNow(h.at(4));
    await h.cancels.cancelEarsiv(h.tenantId, { ettn: c.ettn }, 'user:erp');
    h.sim.faults.rejectReports = 10;
    await h.settle(14);
    reports = (await h.db('earsiv_reports').where({ period_date: h.day(4) }).orderBy('section').select('id', 'section', 'state', 'blob_sha256')).map((r) => ({ ...r, section: Number(r.section) }));
    expect(reports.map((r) => [r.section, r.state])).to.deep.equal([
      [1, 'REJECTED'],
      [2, 'REJECTED'],
      [3, 'REJECTED'],
    ]);
    expect((await h.invoice(c.id)).state).to.equal('CANCELLED');
    const held = await h.db('earsiv_report_items').where({ invoice_id: c.id, kind: 'CANCEL' }).select('report_id');
    expect(held.map((i) => Number(i.report_id))).to.deep.equal([Number(reports[2]!.id)]);
    expect(h.logs.some((l) => l.level === 50 && String(l.msg).startsWith('cancellations failed in every e-Arşiv report'))).to.equal(true);
    expect(h.sim.faults.rejectReports).to.equal(7);
  });

  it('daily mode: a day is reported after it ends (next run 00:05 Istanbul); a late invoice of that day gets another section', async () => {
    h = await startHarness({ everyMs: null });
    const a = await h.send();
    await h.worker.runUntilIdle();
    const task = earsivTasks(h.reports, h.now)['earsiv.report']!;
    const first = (await task.run(DUMMY_JOB)) as { runAgainAt: Date };
    expect(await h.db('earsiv_reports').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
    expect(first.runAgainAt.toISOString()).to.equal(h.at(2, '00:05').toISOString());

    h.setNow(first.runAgainAt);
    const late = await h.send({ issueDate: h.day(1) });
    const today = await h.send({ issueDate: h.day(2) });
    await h.worker.runUntilIdle();
    const second = (await task.run(DUMMY_JOB)) as { runAgainAt: Date };
    expect(second.runAgainAt.toISOString()).to.equal(h.at(3, '00:05').toISOString());
    let reports = await h.db('earsiv_reports').orderBy('section').select('period_date', 'section');
    expect(reports.map((r) => [r.period_date, Number(r.section)])).to.deep.equal([[h.day(1), 1]]);
    await h.settle(4);
    expect((await h.invoice(a.id)).state).to.equal('SUCCESS');
    expect((await h.invoice(late.id)).state).to.equal('SUCCESS');
    expect((await h.invoice(today.id)).state).to.equal('SIGNED');

    // Still day 2: another run reports nothing new (day 2 is not over).
    await task.run(DUMMY_JOB);
    reports = await h.db('earsiv_reports').select('id');
    expect(reports).to.have.length(1);

    // A late invoice of day 1 turns up during day 2: the next run gives day 1 a second section.
    const later = await h.send({ issueDate: h.day(1) });
    await h.worker.runUntilIdle();
    await task.run(DUMMY_JOB);
    reports = await h.db('earsiv_reports').orderBy('section').select('period_date', 'section');
    expect(reports.map((r) => [r.period_date, Number(r.section)])).to.deep.equal([
      [h.day(1), 1],
      [h.day(1), 2],
    ]);
    await h.settle(4);
    expect((await h.invoice(later.id)).state).to.equal('SUCCESS');
  });

  it('GİB unreachable during sending: retried with backoff, then again an hour later; nothing lost', async () => {
    h = await startHarness({ maxAttempts: 2 });
    const a = await h.send();
    await h.worker.runUntilIdle();
    h.setGibUp(false);
    await h.schedule();
    await h.settle(4);
    const [report] = await h.db('earsiv_reports').select();
    expect(report.state).to.equal('CREATED');
    expect((await h.invoice(a.id)).state).to.equal('IN_REPORT');
    const jobs = await h.db('jobs').where({ task: 'earsiv-report.send' }).orderBy('id');
    expect(jobs).to.have.length(2);
    expect(jobs[0].failed_at).to.be.a('string');
    expect(jobs[0].last_error).to.match(/GibCallError|fetch|ECONNREFUSED|network/i);
    expect(jobs[1].job_key).to.equal(`earsiv-report.send:earsiv-report:${report.id}:later:1`);
    expect(Date.parse(jobs[1].run_at) - h.now().getTime()).to.be.within(3_000_000, 3_600_000);
    expect(h.logs.some((l) => l.msg === 'GİB unreachable: trying the e-Arşiv report again later')).to.equal(true);
    expect(await simReports(h)).to.have.length(0);

    h.setGibUp(true);
    h.advance(3_600_000);
    await h.settle();
    expect((await h.invoice(a.id)).state).to.equal('SUCCESS');
    expect((await h.db('earsiv_reports').where({ id: report.id }).first()).state).to.equal('ACCEPTED');
    expect(await simReports(h)).to.have.length(1);
  });

  it('an answer lost on the way back: the resend is taken as the same package (111), sent once', async () => {
    h = await startHarness({ timeoutMs: 400 });
    Object.assign(h.sim.faults, { earsivTimeouts: 1, acceptHeld: true, holdMs: 3000 });
    const a = await h.send();
    await h.schedule();
    await h.settle();
    expect((await h.invoice(a.id)).state).to.equal('SUCCESS');
    const [report] = await h.db('earsiv_reports').select('id');
    const history = await h.deps.store.history('earsiv-report', Number(report.id));
    expect(history.find((e) => e.event === 'SEND')!.reason).to.contain('onceki denemede');
    const atGib = await simReports(h);
    expect(atGib).to.have.length(1);
  });

  it('an invoice the report cannot carry is Hatalı on its own; the others of its day are reported, in sections of at most maxPerReport', async () => {
    h = await startHarness({ maxPerReport: 2 });
    const xs = [await h.send(), await h.send(), await h.send()];
    await h.worker.runUntilIdle();
    // A signed invoice of a type EArsiv.xsd has no faturaTip for (GİB's YTBTEVKIFAT e-Arşiv sample).
    const bytes = fs.readFileSync(path.join(UBL_SAMPLES_DIR, 'YTB_Tevkıfat_EArşiv.xml'));
    const sha = await h.deps.blobs.put(bytes);
    const badId = await insertInvoice(h.db, h.tenantId, { state: 'SIGNED' });
    const text = bytes.toString('utf8');
    const ettn = /<cbc:UUID>([^<]+)<\/cbc:UUID>/.exec(text)![1]!.toLowerCase();
    const number = /<cbc:ID>([A-Z0-9]{16})<\/cbc:ID>/.exec(text)![1]!;
    await h.db('invoices').where({ id: badId }).update({ ettn, invoice_number: number, issue_date: h.day(1), signed_sha256: sha, type_code: 'YTBTEVKIFAT' });

    await h.schedule();
    await h.settle();
    const bad = await h.invoice(badId);
    expect(bad.state).to.equal('ERROR');
    expect(JSON.parse(bad.context), bad.context).to.include({ code: 4207 });
    expect(JSON.parse(bad.context).codeDescription).to.contain('YTBTEVKIFAT');
    for (const x of xs) expect((await h.invoice(x.id)).state).to.equal('SUCCESS');
    const reports = await h.db('earsiv_reports').orderBy('section').select('id', 'period_date', 'section', 'state');
    expect(reports.map((r) => [r.period_date, Number(r.section), r.state])).to.deep.equal([
      [h.day(1), 1, 'ACCEPTED'],
      [h.day(1), 2, 'ACCEPTED'],
    ]);
    const counts = await Promise.all(reports.map(async (r) => Number((await h!.db('earsiv_report_items').where({ report_id: r.id }).count({ n: '*' }).first())!.n)));
    expect(counts).to.deep.equal([2, 1]);
    expect(await h.db('earsiv_report_items').where({ invoice_id: badId }).first()).to.equal(undefined);
  });
});
