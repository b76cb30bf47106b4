/**
 * eArsivMailing (issue 16): a Başarılı e-Arşiv invoice is mailed to the buyer's address in its UBL with its PDF
 * and its signed UBL, a cancellation sends a notice — through a real SMTP server (smtp-server) started here. The
 * invoices reach Başarılı through the real flow (SendInvoice, signing, the e-Arşiv report, the GİB simulator's
 * acceptance: test/earsiv-report/harness.ts); the mails are sent by a worker running only the e-mail tasks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import { ConfigError, loadConfig, type MailSettings } from '../../src/config';
import { mailDeliveriesOf, MAIL_DELIVERY_STATES } from '../../src/db/invoice-mails';
import { entities } from '../../src/db/machine-store';
import { earsivCancellationMail, earsivInvoiceMail, turkishAmount, turkishDate } from '../../src/notify/earsiv-messages';
import { createMailer, messageIdFor, type Mailer } from '../../src/notify/mailer';
import { createEarsivMailService, EARSIV_MAIL_TASKS, type EarsivMailService, type InvoicePdf } from '../../src/services/earsiv-mail.service';
import { createInboxService } from '../../src/services/inbox.service';
import { createInvoiceVisualService } from '../../src/services/invoice-visual.service';
import { createOutgoingInvoiceService } from '../../src/services/outgoing-invoices.service';
import { createInvoiceRenderer, type InvoiceRenderer } from '../../src/visuals/invoice-renderer';
import { earsivMailTasks } from '../../src/worker/tasks/earsiv-mail.tasks';
import { createWorker, type Worker } from '../../src/worker/worker';
import { startHarness, type Harness } from '../earsiv-report/harness';
import { startTestGateway } from '../helpers/gateway';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { makeInvoice } from '../helpers/invoices';
import { REPO_DIR } from '../helpers/paths';
import { freePort, parseMail, startSmtpServer, type ParsedMail, type TestSmtpServer } from '../helpers/smtp';

const FROM = '"Açık Entegratör" <earsiv@entegrator.example>';
const BUYER = 'alici@ornek.com.tr';
const HOUR = 3600_000;

/** A small PDF where the visual itself is not what a test is about (the first test prints the real one). */
const FAKE_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');

function smtpSettings(port: number): MailSettings {
  return {
    smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, user: null, passwordFile: null, rejectUnauthorized: false, timeoutMs: 3000 },
    from: FROM,
    outboxDir: tempDir('gw-earsiv-mail-outbox-'),
  };
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An e-Arşiv invoice whose buyer has `email` (cac:Contact, where UBL-TR puts it) and, for a company, `name`. */
function earsivXml(base: { supplierVkn: string; issueDate: string }, o: { email?: string | null; customerVkn?: string; buyerName?: string } = {}): string {
  const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: base.supplierVkn, number: null, issueDate: base.issueDate, ...(o.customerVkn ? { customerVkn: o.customerVkn } : {}) });
  const [head, rest] = xml.split('<cac:AccountingCustomerParty>') as [string, string];
  const [party, tail] = rest.split('</cac:AccountingCustomerParty>') as [string, string];
  let customer = party;
  if (o.buyerName) customer = customer.replace('<cbc:Name>Alıcı Limited Şirketi</cbc:Name>', `<cbc:Name>${xmlText(o.buyerName)}</cbc:Name>`);
  if (o.email) {
    const contact = `<cac:Contact><cbc:ElectronicMail>${xmlText(o.email)}</cbc:ElectronicMail></cac:Contact>`;
    customer = customer.includes('<cac:Person>') ? customer.replace('<cac:Person>', `${contact}<cac:Person>`) : customer.replace(/<\/cac:Party>$/, `${contact}</cac:Party>`);
  }
  return `${head}<cac:AccountingCustomerParty>${customer}</cac:AccountingCustomerParty>${tail}`;
}

interface World {
  h: Harness;
  smtp: TestSmtpServer | null;
  port: number;
  mailer: Mailer;
  mail: EarsivMailService;
  worker: Worker;
  pdfCalls: number;
  /** Sends an e-Arşiv invoice with the given buyer (SendInvoice, numbered by the gateway). */
  send(o?: Parameters<typeof earsivXml>[1]): Promise<{ id: number; ettn: string; number: string }>;
  /** Through the daily report to GİB's acceptance: SUCCESS (Başarılı). */
  toSuccess(): Promise<void>;
  mails(): ParsedMail[];
  row(invoiceId: number, kind?: 'INVOICE' | 'CANCELLATION'): Promise<Record<string, any> | undefined>;
  mailJobs(invoiceId: number): Promise<Array<Record<string, any>>>;
  close(): Promise<void>;
}

async function startWorld(o: { smtpUp?: boolean; enabled?: boolean; pdf?: InvoicePdf; realPdf?: boolean } = {}): Promise<World> {
  const h = await startHarness();
  // The gateway's own PDF (src/visuals through the invoice-visual service, as composition wires it): chromium.
  let renderer: InvoiceRenderer | null = null;
  if (o.realPdf) {
    renderer = createInvoiceRenderer(loadConfig({}).visuals);
    const visuals = createInvoiceVisualService({ db: h.db, blobs: h.deps.blobs, outgoing: createOutgoingInvoiceService({ db: h.db, blobs: h.deps.blobs }), inbox: createInboxService({ db: h.db }), renderer });
    o = { ...o, pdf: (tenantId, invoiceId) => visuals.invoicePdf(tenantId, invoiceId) };
  }
  const port = await freePort();
  const smtp = o.smtpUp === false ? null : await startSmtpServer({ port });
  const logger = pino({ level: 'silent' });
  const mailer = createMailer(smtpSettings(port), logger);
  const w: World = {
    h,
    smtp,
    port,
    mailer,
    pdfCalls: 0,
    mail: null as unknown as EarsivMailService,
    worker: null as unknown as Worker,
    async send(opts = {}) {
      const view = await h.invoices.sendInvoice(h.caller, { document: Buffer.from(earsivXml({ supplierVkn: h.caller.tenantVkn, issueDate: h.day(1) }, opts)), container: 'xml', assignNumber: true, signed: false });
      const row = await h.db('invoices').where({ tenant_id: h.tenantId, ettn: view.ettn }).first('id');
      return { id: Number(row.id), ettn: view.ettn, number: view.invoiceNumber! };
    },
    async toSuccess() {
      await h.worker.runUntilIdle();
      await h.schedule();
      await h.settle();
    },
    mails: () => (w.smtp?.received ?? []).map((m) => parseMail(m.raw)),
    row: (invoiceId, kind = 'INVOICE') => h.db('invoice_mails').where({ invoice_id: invoiceId, kind }).first(),
    mailJobs: (invoiceId) => h.db('jobs').where('task', 'like', 'earsiv.mail.%').andWhere('payload', 'like', `%"id":${invoiceId},%`).orderBy('id'),
    async close() {
      await w.worker.stop();
      mailer.close();
      await w.smtp?.close();
      await renderer?.close();
      await h.close();
    },
  };
  const pdf: InvoicePdf = o.pdf ?? (async () => FAKE_PDF);
  w.mail = createEarsivMailService({
    db: h.db,
    writer: h.deps.writer,
    blobs: h.deps.blobs,
    mailer,
    clock: h.now,
    logger,
    from: FROM,
    enabled: o.enabled ?? true,
    invoicePdf: async (tenantId, invoiceId) => {
      w.pdfCalls++;
      return pdf(tenantId, invoiceId);
    },
  });
  w.worker = createWorker({ db: h.db, writer: h.deps.writer, clock: h.now, logger, pollMs: 50, concurrency: 4, backoffBaseMs: 1000, tasks: earsivMailTasks(w.mail) });
  return w;
}

describe('eArsivMailing: settings', () => {
  it('GW_EARSIV_MAIL: on by default, off with off/false, anything else refused', () => {
    expect(loadConfig({}).earsivMail).to.equal(true);
    expect(loadConfig({ GW_EARSIV_MAIL: 'on' }).earsivMail).to.equal(true);
    expect(loadConfig({ GW_EARSIV_MAIL: 'off' }).earsivMail).to.equal(false);
    expect(loadConfig({ GW_EARSIV_MAIL: 'false' }).earsivMail).to.equal(false);
    expect(() => loadConfig({ GW_EARSIV_MAIL: 'belki' })).to.throw(ConfigError, /GW_EARSIV_MAIL/);
  });

  it('amounts and dates as Turkish invoices print them', () => {
    expect(turkishAmount('1234567.5', 'TRY')).to.equal('1.234.567,50 TL');
    expect(turkishAmount('0.05', 'USD')).to.equal('0,05 USD');
    expect(turkishAmount('120', 'TRY')).to.equal('120,00 TL');
    expect(turkishDate('2026-12-06')).to.equal('06.12.2026');
  });

  it('the README shows the invoice mail and the cancellation notice as they are written', () => {
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    const facts = {
      sellerTitle: 'Tedarikçi Anonim Şirketi',
      buyerName: 'Ayşe Yılmaz',
      number: 'EAR2026000000042',
      issueDate: '2026-12-06',
      payableAmount: '1234.50',
      currency: 'TRY',
      ettn: '3F2504E0-4F89-41D3-9A0C-0305E82C3301',
    };
    const examples: Array<[RegExp, { subject: string; text: string }]> = [
      [/The buyer receives:\n\n```\n([\s\S]*?)```/, earsivInvoiceMail(facts)],
      [/and on a cancellation:\n\n```\n([\s\S]*?)```/, earsivCancellationMail({ ...facts, cancelledAt: new Date('2026-12-08T09:00:00Z') })],
    ];
    for (const [where, mail] of examples) {
      const block = where.exec(readme)?.[1];
      expect(block, String(where)).to.be.a('string');
      expect(block).to.equal(`Konu: ${mail.subject}\n\n${mail.text}`);
    }
  });
});

describe(`eArsivMailing: e-Arşiv invoices mailed to their buyers through SMTP (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let w: World | null = null;

  afterEach(async () => {
    await w?.close();
    w = null;
  });

  it('Başarılı → one mail to the buyer: Turkish subject and body, the PDF and the signed UBL (<number>.xml) attached; Gönderildi with its Message-ID', async () => {
    w = await startWorld({ realPdf: true });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    const st = await w.h.invoices.getStatus(w.h.caller, { ettn: inv.ettn as never });
    expect(st.state).to.equal('SUCCESS');
    // The transition queued the delivery (the machine's effect); nothing went out before the mail worker ran.
    const jobs = await w.mailJobs(inv.id);
    expect(jobs.map((j) => j.task)).to.deep.equal([EARSIV_MAIL_TASKS.INVOICE]);
    expect(JSON.parse(jobs[0].payload)).to.not.have.property('attachments');
    expect(w.smtp!.received).to.have.length(0);

    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);
    expect(w.smtp!.received).to.have.length(1);
    expect(w.smtp!.received[0]!.rcptTo).to.deep.equal([BUYER]);
    const [m] = w.mails() as [ParsedMail];
    expect(m.subject).to.equal(`Tedarikçi Anonim Şirketi - ${inv.number} numaralı e-Arşiv faturanız`);
    const row = await w.h.invoice(inv.id);
    const amount = turkishAmount(row.payable_amount, 'TRY');
    expect(m.text).to.contain('Sayın Ayşe Yılmaz,');
    expect(m.text).to.contain(`Tedarikçi Anonim Şirketi tarafından adınıza ${turkishDate(w.h.day(1))} tarihli ${inv.number} numaralı e-Arşiv fatura düzenlenmiştir.`);
    expect(m.text).to.contain(`ETTN:           ${inv.ettn.toUpperCase()}`).and.contain(`Ödenecek Tutar: ${amount}`);
    expect(m.html).to.contain(`<td>${amount}</td>`);
    // Word for word what the README's example shows, with this invoice's values.
    const expected = earsivInvoiceMail({ sellerTitle: 'Tedarikçi Anonim Şirketi', buyerName: 'Ayşe Yılmaz', number: inv.number, issueDate: w.h.day(1), payableAmount: row.payable_amount, currency: 'TRY', ettn: inv.ettn.toUpperCase() });
    expect(m.text!.trimEnd()).to.equal(expected.text.trimEnd());
    expect(m.headers['message-id']).to.equal(messageIdFor(`earsiv:${inv.ettn}:INVOICE`, FROM));

    expect(m.attachments.map((a) => [a.filename, a.contentType])).to.deep.equal([
      [`${inv.number}.pdf`, 'application/pdf'],
      [`${inv.number}.xml`, 'application/xml'],
    ]);
    const pdf = m.attachments[0]!.content;
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(pdf.length, 'the visual printed by chromium, not a stand-in').to.be.greaterThan(FAKE_PDF.length * 10);
    expect(pdf.subarray(-8).toString('latin1')).to.contain('%%EOF');
    const signed = await w.h.deps.blobs.get(row.signed_sha256);
    expect(m.attachments[1]!.content.equals(signed), 'the attached UBL is the stored signed document, byte for byte').to.equal(true);
    expect(signed.toString('utf8')).to.contain('ds:Signature');

    const delivery = await w.row(inv.id);
    expect(delivery).to.include({ recipient: BUYER, state: 'SENT', message_id: m.headers['message-id'] });
    expect(Number(delivery!.attempts)).to.equal(1);
    expect(delivery!.sent_at).to.be.a('string');
    expect(delivery!.last_error).to.equal(null);

    // The outbox's column, as the portal reads it; another tenant sees nothing of it.
    const view = await mailDeliveriesOf(w.h.db, w.h.tenantId, [inv.id, 999_999]);
    expect(view.get(inv.id)!.invoice).to.include({ kind: 'INVOICE', state: 'SENT', label: 'Gönderildi', recipient: BUYER, attempts: 1 });
    expect(view.get(inv.id)!.cancellation).to.equal(null);
    expect(view.has(999_999)).to.equal(false);
    expect((await mailDeliveriesOf(w.h.db, w.h.otherCaller.tenantId, [inv.id])).size).to.equal(0);
    expect(await w.mailJobs(inv.id), 'the job is done').to.have.length(0);
  });

  it('a job run again (redelivered, or twice at once) sends one mail', async () => {
    w = await startWorld();
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    const [job] = await w.mailJobs(inv.id);
    const task = earsivMailTasks(w.mail)[EARSIV_MAIL_TASKS.INVOICE]!;
    const jobRow = { id: Number(job.id), task: job.task, key: job.job_key, payload: JSON.parse(job.payload), attempts: 1, maxAttempts: 3, lastError: null };
    // Twice at once: one claims the send; the other finds it claimed (and would be retried, finding it sent).
    const results = await Promise.allSettled([task.run(jobRow), task.run(jobRow)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).to.be.at.least(1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).to.match(/başka bir işlemde gönderiliyor/);
    await w.smtp!.waitFor(1);
    // Redelivered after it was sent (its completion lost): nothing more.
    await task.run(jobRow);
    await w.worker.runUntilIdle();
    await new Promise((r) => setTimeout(r, 200));
    expect(w.smtp!.received).to.have.length(1);
    expect(w.pdfCalls).to.equal(1);
    const delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'SENT' });
    expect(Number(delivery!.attempts)).to.equal(1);
  });

  it('no address, or one that is no address: nothing sent, the delivery recorded as E-posta adresi yok', async () => {
    w = await startWorld();
    const none = await w.send({});
    const bad = await w.send({ email: 'alici at ornek' });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    await new Promise((r) => setTimeout(r, 200));
    expect(w.smtp!.received).to.have.length(0);
    expect(w.pdfCalls).to.equal(0);
    expect(await w.row(none.id)).to.include({ state: 'NO_ADDRESS', recipient: null });
    expect(await w.row(bad.id)).to.include({ state: 'NO_ADDRESS', recipient: 'alici at ornek' });
    const view = await mailDeliveriesOf(w.h.db, w.h.tenantId, [none.id, bad.id]);
    expect(view.get(none.id)!.invoice).to.include({ state: 'NO_ADDRESS', label: 'E-posta adresi yok', attempts: 0 });

    // Its cancellation has no one to tell either.
    await w.h.cancels.cancelEarsiv(w.h.tenantId, { ettn: none.ettn as never }, 'user:erp');
    await w.worker.runUntilIdle();
    expect(await w.row(none.id, 'CANCELLATION')).to.include({ state: 'NO_ADDRESS' });
    expect(w.smtp!.received).to.have.length(0);
  });

  it('SMTP down: Hata with the reason, retried with backoff, then an hour later; delivered once the server is back (Hata → Gönderildi)', async () => {
    w = await startWorld({ smtpUp: false });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    let delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'ERROR', recipient: BUYER });
    expect(Number(delivery!.attempts)).to.equal(1);
    expect(delivery!.last_error).to.match(/^SMTP 127\.0\.0\.1:\d+: ESOCKET .*ECONNREFUSED/);
    expect((await mailDeliveriesOf(w.h.db, w.h.tenantId, [inv.id])).get(inv.id)!.invoice!.label).to.equal('Hata');

    // The worker's backoff: the next tries come as the clock moves (the harness's jobs have 3 attempts).
    for (let i = 0; i < 2; i++) {
      w.h.advance(10_000);
      await w.worker.runUntilIdle();
    }
    delivery = await w.row(inv.id);
    expect(Number(delivery!.attempts)).to.equal(3);
    const jobs = await w.mailJobs(inv.id);
    // The attempts used up: that job stays visible, failed, and a new one waits an hour.
    expect(jobs.map((j) => [j.job_key, j.failed_at === null])).to.deep.equal([
      [jobs[0].job_key, false],
      [`${EARSIV_MAIL_TASKS.INVOICE}:${inv.id}:retry-1`, true],
    ]);
    expect(Date.parse(jobs[1].run_at) - w.h.now().getTime()).to.be.closeTo(HOUR, 1000);

    w.smtp = await startSmtpServer({ port: w.port });
    w.h.advance(HOUR / 2);
    await w.worker.runUntilIdle();
    expect(w.smtp.received, 'not before its hour').to.have.length(0);
    w.h.advance(HOUR / 2);
    await w.worker.runUntilIdle();
    await w.smtp.waitFor(1);
    delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'SENT', last_error: null });
    expect(Number(delivery!.attempts)).to.equal(4);
    expect(w.mails()[0]!.attachments).to.have.length(2);
  });

  it('a temporary refusal (451) is retried: one mail in the end', async () => {
    w = await startWorld();
    w.smtp!.refuseNext(1);
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    let delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'ERROR' });
    expect(delivery!.last_error).to.contain('451');
    w.h.advance(10_000);
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);
    delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'SENT' });
    expect(Number(delivery!.attempts)).to.equal(2);
    expect(w.smtp!.received).to.have.length(1);
  });

  it('cancellation → the buyer gets the notice (no attachments); both deliveries in the outbox', async () => {
    w = await startWorld();
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);

    const done = await w.h.cancels.cancelEarsiv(w.h.tenantId, { ettn: inv.ettn as never }, 'user:erp');
    expect((await w.mailJobs(inv.id)).map((j) => j.task)).to.deep.equal([EARSIV_MAIL_TASKS.CANCELLATION]);
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(2);
    const m = w.mails()[1]!;
    expect(w.smtp!.received[1]!.rcptTo).to.deep.equal([BUYER]);
    expect(m.subject).to.equal(`Tedarikçi Anonim Şirketi - ${inv.number} numaralı e-Arşiv faturanız iptal edildi`);
    const cancelledOn = turkishDate(new Date(Date.parse(done.cancelledAt) + 3 * HOUR).toISOString().slice(0, 10));
    expect(m.text).to.contain(`${inv.number} numaralı e-Arşiv faturanız ${cancelledOn} tarihinde iptal edilmiştir.`);
    expect(m.text).to.contain(`İptal Tarihi:   ${cancelledOn}`);
    expect(m.attachments).to.deep.equal([]);
    expect(m.headers['message-id']).to.equal(messageIdFor(`earsiv:${inv.ettn}:CANCELLATION`, FROM));
    const view = (await mailDeliveriesOf(w.h.db, w.h.tenantId, [inv.id])).get(inv.id)!;
    expect([view.invoice!.state, view.cancellation!.state, view.cancellation!.label]).to.deep.equal(['SENT', 'SENT', 'Gönderildi']);
  });

  it('cancelled before its mail could go: the invoice is not sent (Gönderilmedi), the cancellation notice is', async () => {
    w = await startWorld({ smtpUp: false });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    expect(await w.row(inv.id)).to.include({ state: 'ERROR' });
    await w.h.cancels.cancelEarsiv(w.h.tenantId, { ettn: inv.ettn as never }, 'user:erp');
    w.smtp = await startSmtpServer({ port: w.port });
    w.h.advance(10_000);
    await w.worker.runUntilIdle();
    await w.smtp.waitFor(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.smtp.received).to.have.length(1);
    expect(w.mails()[0]!.subject).to.match(/iptal edildi$/);
    expect(await w.row(inv.id)).to.include({ state: 'SKIPPED' });
    expect(await w.row(inv.id, 'CANCELLATION')).to.include({ state: 'SENT' });
    expect(MAIL_DELIVERY_STATES.SKIPPED).to.equal('Gönderilmedi (fatura iptal edildi)');
  });

  it('a rolled-back transition to Başarılı leaves no delivery queued; the committed one queues exactly one', async () => {
    w = await startWorld();
    const inv = await w.send({ email: BUYER });
    await w.h.worker.runUntilIdle();
    const { store } = w.h.deps;
    await store.apply(entities.invoice(inv.id), { event: 'ADD_TO_REPORT', actor: 'test' });
    await store.apply(entities.invoice(inv.id), { event: 'REPORT_SENT', actor: 'test' });
    const err = await w.h.db
      .transaction(async (trx) => {
        await store.apply(entities.invoice(inv.id), { event: 'REPORT_ACCEPTED', actor: 'test' }, trx);
        expect(await trx('jobs').where({ task: EARSIV_MAIL_TASKS.INVOICE })).to.have.length(1);
        throw new Error('rollback');
      })
      .then(() => null, (e: unknown) => e);
    expect(String(err)).to.contain('rollback');
    expect((await w.h.invoice(inv.id)).state).to.equal('REPORTED');
    expect(await w.mailJobs(inv.id)).to.have.length(0);
    await w.worker.runUntilIdle();
    expect(await w.row(inv.id)).to.equal(undefined);
    expect(w.smtp!.received).to.have.length(0);

    await store.apply(entities.invoice(inv.id), { event: 'REPORT_ACCEPTED', actor: 'test' });
    expect(await w.mailJobs(inv.id)).to.have.length(1);
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);
    expect(await w.row(inv.id)).to.include({ state: 'SENT' });
  });

  it('HTML and script in the buyer\'s name are escaped in the HTML part and do not break the mail', async () => {
    w = await startWorld();
    const name = '<script>alert("x")</script> & <b>Ortakları</b>';
    const inv = await w.send({ email: BUYER, customerVkn: '9876543210', buyerName: name });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);
    const m = w.mails()[0]!;
    expect(m.html).to.contain('Sayın &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Ortakları&lt;/b&gt;,');
    expect(m.html).not.to.match(/<script|<b>Ortak/i);
    expect(m.text).to.contain(`Sayın ${name},`);
    expect(m.subject).to.equal(`Tedarikçi Anonim Şirketi - ${inv.number} numaralı e-Arşiv faturanız`);
    expect(m.attachments).to.have.length(2);
  });

  it('GW_EARSIV_MAIL=off: nothing sent, the delivery recorded as E-posta gönderimi kapalı', async () => {
    w = await startWorld({ enabled: false });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    expect(await w.row(inv.id)).to.include({ state: 'OFF', recipient: null });
    expect(w.smtp!.received).to.have.length(0);
  });

  it('a company that ordered eArsivMailing mails only while it is open (closed: eArsivMailing hizmeti aktif değil)', async () => {
    w = await startWorld();
    const t = new Date().toISOString();
    await w.h.db('tenant_services').insert({ tenant_id: w.h.tenantId, machine: 'activation', state: 'CLOSED', version: 1, context: '{}', service: 'EARSIV_MAILING', ordered_at: t, created_at: t, updated_at: t });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    expect(await w.row(inv.id)).to.include({ state: 'SERVICE_OFF', recipient: BUYER });
    expect(w.smtp!.received).to.have.length(0);
  });

  it('the PDF cannot be made: Hata with the reason, retried; never sent without it', async () => {
    let fail = true;
    w = await startWorld({ pdf: async () => (fail ? Buffer.from('<html>not a pdf</html>') : FAKE_PDF) });
    const inv = await w.send({ email: BUYER });
    await w.toSuccess();
    await w.worker.runUntilIdle();
    const delivery = await w.row(inv.id);
    expect(delivery).to.include({ state: 'ERROR' });
    expect(delivery!.last_error).to.contain('PDF');
    expect(w.smtp!.received).to.have.length(0);
    fail = false;
    w.h.advance(10_000);
    await w.worker.runUntilIdle();
    await w.smtp!.waitFor(1);
    expect(await w.row(inv.id)).to.include({ state: 'SENT' });
  });
});

describe(`eArsivMailing: wired in the gateway (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);

  it('the composed worker mails a Başarılı e-Arşiv invoice with the PDF src/visuals prints (an .eml without GW_SMTP_HOST)', async () => {
    const gw = await startTestGateway();
    try {
      const caller = { userId: 1, username: gw.username, tenantId: gw.tenant.id, tenantVkn: gw.tenant.vkn };
      const today = new Date(Date.now() + 3 * HOUR).toISOString().slice(0, 10);
      const view = await gw.gateway.services.invoices.sendInvoice(caller, { document: Buffer.from(earsivXml({ supplierVkn: gw.tenant.vkn, issueDate: today }, { email: BUYER })), container: 'xml', assignNumber: true, signed: false });
      await gw.gateway.worker.runUntilIdle();
      const row = await gw.testDb.db('invoices').where({ ettn: view.ettn }).first();
      expect(row.state).to.equal('SIGNED');
      // Without GİB the pipeline stops after signing: the report's steps are applied here, as the report service does.
      for (const event of ['ADD_TO_REPORT', 'REPORT_SENT', 'REPORT_ACCEPTED'] as const) await gw.gateway.store.apply(entities.invoice(Number(row.id)), { event, actor: 'test' });
      await gw.gateway.worker.runUntilIdle();
      const files = fs.readdirSync(gw.config.mail.outboxDir);
      expect(files).to.have.length(1);
      const m = parseMail(fs.readFileSync(path.join(gw.config.mail.outboxDir, files[0]!), 'utf8'));
      expect(m.headers.to).to.equal(BUYER);
      expect(m.subject).to.equal(`Tedarikçi Anonim Şirketi - ${view.invoiceNumber} numaralı e-Arşiv faturanız`);
      expect(m.attachments.map((a) => a.filename)).to.deep.equal([`${view.invoiceNumber}.pdf`, `${view.invoiceNumber}.xml`]);
      expect(m.attachments[0]!.content.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(m.attachments[1]!.content.equals(await gw.gateway.blobs.get(row.signed_sha256))).to.equal(true);
      const delivery = (await gw.gateway.services.earsivMail.deliveriesOf(gw.tenant.id, [Number(row.id)])).get(Number(row.id))!;
      expect(delivery.invoice).to.include({ state: 'SENT', label: 'Gönderildi', recipient: BUYER });
    } finally {
      await gw.close();
    }
  });
});
