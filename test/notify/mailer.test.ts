import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig } from '../../src/config';
import { enqueueMail, isMailAddress, MAIL_SEND_TASK } from '../../src/notify/mail-queue';
import { createMailer, messageIdFor } from '../../src/notify/mailer';
import { mailTasks } from '../../src/worker/tasks/mail.tasks';
import { createWorker } from '../../src/worker/worker';
import { createTestDb, tempDir, TEST_DB_KIND, type TestDb } from '../helpers/db';
import { startTestGateway } from '../helpers/gateway';
import { decodeWords, freePort, parseMail, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

const FROM = '"Açık Entegratör" <bildirim@entegrator.example>';
const SUBJECT = 'e-Fatura hizmetiniz açıldı: ŞİRKET ÇĞÜÖİ ığüşöç';
const TEXT = 'Sayın Yetkili,\n\nÖZEL ŞİRKET A.Ş. (VKN 1234567801) için e-Fatura hizmeti açıldı. Sonuç: Başarılı\nğüşıöç ĞÜŞİÖÇ';
const HTML = '<p>Sayın Yetkili,</p><p><b>ÖZEL ŞİRKET A.Ş.</b> için e-Fatura hizmeti açıldı: ığüşöç</p>';
const USER = 'bildirim';
const PASSWORD = 'Çok-Gizli-Şifre-9f3a';

/** A pino logger whose every line is kept (raw JSON), to check what is and is not logged. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }), lines };
}

function passwordFile(password: string): string {
  const file = path.join(tempDir('gw-smtp-'), 'smtp-password');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

/** The password in every form it could leak in: as is, and inside AUTH PLAIN / LOGIN's base64. */
function leaks(lines: string[]): string[] {
  const forms = [PASSWORD, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')];
  return lines.filter((l) => forms.some((f) => l.includes(f) || l.includes(JSON.stringify(f).slice(1, -1))));
}

describe('e-mail notices: settings', () => {
  it('embedded default: no SMTP server, .eml files under the data directory, the integrator as sender', () => {
    const c = loadConfig({ GW_DATA_DIR: '/srv/gw' });
    expect(c.mail).to.deep.equal({ smtp: null, from: '"Açık Entegratör" <noreply@localhost>', outboxDir: '/srv/gw/mail-outbox' });
  });

  it('SMTP: port 587, STARTTLS required once there is a password, certificates checked; the password is never in the configuration', () => {
    const file = passwordFile(PASSWORD);
    const c = loadConfig({ GW_SMTP_HOST: 'smtp.example.com.tr', GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: file, GW_MAIL_FROM: FROM });
    expect(c.mail.smtp).to.deep.equal({ host: 'smtp.example.com.tr', port: 587, secure: false, requireTls: true, user: USER, passwordFile: file, rejectUnauthorized: true, timeoutMs: 30_000 });
    expect(c.mail.from).to.equal(FROM);
    expect(JSON.stringify(c)).not.to.contain(PASSWORD);
    expect(loadConfig({ GW_SMTP_HOST: '10.0.0.5' }).mail.smtp, 'no user: STARTTLS only if offered').to.include({ requireTls: false, user: null, passwordFile: null });
    expect(loadConfig({ GW_SMTP_HOST: 'mail', GW_SMTP_PORT: '465', GW_SMTP_SECURE: 'true', GW_SMTP_REJECT_UNAUTHORIZED: 'false' }).mail.smtp).to.include({ port: 465, secure: true, requireTls: false, rejectUnauthorized: false });
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a port out of range', { GW_SMTP_HOST: 'mail', GW_SMTP_PORT: '70000' }, /GW_SMTP_PORT/],
    ['a secure flag that is not a boolean', { GW_SMTP_HOST: 'mail', GW_SMTP_SECURE: 'evet' }, /GW_SMTP_SECURE/],
    ['a certificate check that is not a boolean', { GW_SMTP_HOST: 'mail', GW_SMTP_REJECT_UNAUTHORIZED: 'maybe' }, /GW_SMTP_REJECT_UNAUTHORIZED/],
    ['a host given as a URL', { GW_SMTP_HOST: 'smtp://mail.example.com:587' }, /GW_SMTP_HOST/],
    ['a user without a password file', { GW_SMTP_HOST: 'mail', GW_SMTP_USER: USER }, /GW_SMTP_PASSWORD_FILE/],
    ['a password file that is not there', { GW_SMTP_HOST: 'mail', GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: '/nonexistent/pw' }, /not a readable file/],
    ['a user without a host', { GW_SMTP_USER: USER }, /GW_SMTP_HOST/],
    ['a sender that is not an address', { GW_MAIL_FROM: 'Açık Entegratör' }, /GW_MAIL_FROM/],
    ['a sender with a line break', { GW_MAIL_FROM: 'a@b.com\r\nBcc: x@y.com' }, /GW_MAIL_FROM/],
  ];
  for (const [what, env, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(() => loadConfig(env)).to.throw(ConfigError, message);
    });
  }

  it('recipients: plain addresses only', () => {
    for (const ok of ['muhasebe@firma.com.tr', 'a.b+c@x.co', 'ali@localhost', 'x@[127.0.0.1]', 'çağrı@örnek.com.tr']) expect(isMailAddress(ok), ok).to.equal(true);
    for (const bad of ['', 'firma.com.tr', 'a@', '@b.com', 'a b@c.com', 'a@b..com', '.a@b.com', 'Ali <a@b.com>', 'a@b.com\r\nBcc: c@d.com', 'a@b@c.com', `${'x'.repeat(65)}@b.com`]) {
      expect(isMailAddress(bad), JSON.stringify(bad)).to.equal(false);
    }
  });
});

describe('e-mail notices: sending (a real SMTP server)', () => {
  let server: TestSmtpServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('over STARTTLS with AUTH: recipients, Turkish subject and bodies arrive intact; the password is never logged', async () => {
    server = await startSmtpServer({ auth: { user: USER, password: PASSWORD } });
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port), GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: passwordFile(PASSWORD), GW_SMTP_REJECT_UNAUTHORIZED: 'false', GW_MAIL_FROM: FROM });
    const mailer = createMailer(config.mail, logger);
    expect(mailer.kind).to.equal('smtp');
    const sent = await mailer.send({ to: ['muhasebe@firma.com.tr', 'yonetim@firma.com.tr'], subject: SUBJECT, text: TEXT, html: HTML, messageId: messageIdFor('test:1', FROM) });
    mailer.close();

    const [mail] = await server.waitFor(1);
    expect(mail!.rcptTo, 'RCPT TO').to.deep.equal(['muhasebe@firma.com.tr', 'yonetim@firma.com.tr']);
    expect(mail!.mailFrom, 'MAIL FROM').to.equal('bildirim@entegrator.example');
    expect(mail!.user, 'authenticated as').to.equal(USER);
    expect(mail!.secure, 'upgraded with STARTTLS before AUTH').to.equal(true);
    const parsed = parseMail(mail!.raw);
    expect(parsed.headers.subject, 'the header itself is encoded (7-bit)').to.match(/^=\?UTF-8\?/i);
    expect(parsed.subject).to.equal(SUBJECT);
    expect(parsed.text).to.equal(TEXT);
    expect(parsed.html).to.equal(HTML);
    expect(parsed.headers['message-id']).to.equal(sent.messageId).and.to.equal(messageIdFor('test:1', FROM));
    expect(parsed.headers.to).to.equal('muhasebe@firma.com.tr, yonetim@firma.com.tr');

    expect(leaks(lines), 'password in the logs').to.deep.equal([]);
    const info = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'e-mail sent');
    expect(info).to.have.length(1);
    expect(info[0]).to.include({ subject: SUBJECT, messageId: sent.messageId });
    expect(lines.join('\n'), 'no body in the logs').not.to.contain('Sonuç: Başarılı');
  });

  it('a wrong password is refused: send rejects with the server’s answer, and no password is logged', async () => {
    server = await startSmtpServer({ auth: { user: USER, password: 'baska-sifre' } });
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port), GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: passwordFile(PASSWORD), GW_SMTP_REJECT_UNAUTHORIZED: 'false' });
    const mailer = createMailer(config.mail, logger);
    const err = await mailer.send({ to: ['a@firma.com.tr'], subject: 'x', text: 'y' }).then(() => null, (e: Error) => e);
    mailer.close();
    expect(err?.message).to.match(/EAUTH/).and.to.match(/535/);
    expect(err?.message).not.to.contain(PASSWORD);
    expect(server.received).to.have.length(0);
    expect(leaks(lines)).to.deep.equal([]);
    expect(lines.map((l) => JSON.parse(l).msg)).to.include('e-mail not sent');
  });

  it('without AUTH, on a plain SMTP server that offers no STARTTLS', async () => {
    server = await startSmtpServer({ tls: 'none' });
    const { logger } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port) });
    const mailer = createMailer(config.mail, logger);
    await mailer.send({ to: ['ali@firma.com.tr'], subject: SUBJECT, text: TEXT });
    mailer.close();
    const [mail] = await server.waitFor(1);
    expect(mail).to.include({ user: null, secure: false, mailFrom: 'noreply@localhost' });
    expect(mail!.rcptTo).to.deep.equal(['ali@firma.com.tr']);
    const parsed = parseMail(mail!.raw);
    expect([parsed.subject, parsed.text, parsed.html]).to.deep.equal([SUBJECT, TEXT, null]);
    expect(decodeWords(parsed.headers.from ?? '')).to.match(/Açık Entegratör.*<noreply@localhost>/);
  });

  it('implicit TLS (GW_SMTP_SECURE) with AUTH', async () => {
    server = await startSmtpServer({ auth: { user: USER, password: PASSWORD }, tls: 'implicit' });
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port), GW_SMTP_SECURE: 'true', GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: passwordFile(PASSWORD), GW_SMTP_REJECT_UNAUTHORIZED: 'false' });
    const mailer = createMailer(config.mail, capturingLogger().logger);
    await mailer.send({ to: ['ali@firma.com.tr'], subject: SUBJECT, text: TEXT });
    mailer.close();
    const [mail] = await server.waitFor(1);
    expect(mail).to.include({ user: USER, secure: true });
  });

  it('the server’s certificate is checked by default: a self-signed one is refused before AUTH', async () => {
    server = await startSmtpServer({ auth: { user: USER, password: PASSWORD } });
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port), GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: passwordFile(PASSWORD) });
    const mailer = createMailer(config.mail, logger);
    const err = await mailer.send({ to: ['a@firma.com.tr'], subject: 'x', text: 'y' }).then(() => null, (e: Error) => e);
    mailer.close();
    expect(err?.message).to.match(/certificate/i);
    expect(server.received).to.have.length(0);
    expect(leaks(lines)).to.deep.equal([]);
  });

  it('without GW_SMTP_HOST each message is a readable .eml file in <dataDir>/mail-outbox, with one log line and no body', async () => {
    const dataDir = tempDir('gw-mail-');
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_DATA_DIR: dataDir });
    const mailer = createMailer(config.mail, logger);
    expect(mailer.kind).to.equal('outbox');
    expect(fs.existsSync(config.mail.outboxDir), 'made on the first message only').to.equal(false);
    const sent = await mailer.send({ to: ['muhasebe@firma.com.tr'], subject: SUBJECT, text: TEXT, html: HTML });
    await mailer.send({ to: ['muhasebe@firma.com.tr'], subject: 'ikinci', text: 'ikinci ileti' });
    mailer.close();

    const files = fs.readdirSync(path.join(dataDir, 'mail-outbox')).sort();
    expect(files, 'two files, no temporary ones left').to.have.length(2);
    expect(files.every((f) => f.endsWith('.eml') && !f.startsWith('.'))).to.equal(true);
    const first = files.map((f) => fs.readFileSync(path.join(dataDir, 'mail-outbox', f), 'utf8')).find((raw) => raw.includes(sent.messageId))!;
    const parsed = parseMail(first);
    expect(parsed.subject).to.equal(SUBJECT);
    expect(parsed.text).to.equal(TEXT);
    expect(parsed.html).to.equal(HTML);
    expect(parsed.headers.to).to.equal('muhasebe@firma.com.tr');

    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.filter((l) => /outbox/.test(l.msg))).to.have.length(2);
    expect(logged[0]).to.include({ subject: SUBJECT, level: 30 });
    expect(logged[0].file).to.match(/mail-outbox\/.+\.eml$/);
    expect(lines.join('\n')).not.to.contain('Sonuç: Başarılı');
  });
});

describe(`e-mail notices: the durable queue (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  let server: TestSmtpServer | null = null;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    await t.destroy();
  });

  const notice = { key: 'activation:7:aktif', to: ['muhasebe@firma.com.tr'], subject: SUBJECT, text: TEXT };

  async function mailJobs() {
    const rows = await t.db('jobs').where({ task: MAIL_SEND_TASK }).orderBy('id').select('job_key', 'payload', 'run_at', 'failed_at', 'last_error', 'attempts', 'max_attempts');
    return rows.map((r) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }));
  }

  it('is queued inside the caller’s transaction: rolled back with it, one job per key, invalid recipients logged and left out', async () => {
    const { logger, lines } = capturingLogger();
    const createdAt = new Date('2026-03-01T09:00:00.000Z');
    await t.db
      .transaction(async (trx) => {
        await enqueueMail(trx, { ...notice, createdAt, maxAttempts: 5 }, logger);
        throw new Error('the state change failed');
      })
      .catch(() => undefined);
    expect(await mailJobs(), 'rolled back with the state change').to.deep.equal([]);

    const result = await t.db.transaction((trx) => enqueueMail(trx, { ...notice, to: ['muhasebe@firma.com.tr', 'yanlis adres', 'MUHASEBE@firma.com.tr', 'yonetim@firma.com.tr'], html: HTML, createdAt, maxAttempts: 5 }, logger));
    expect(result).to.deep.equal({ queued: true, jobKey: 'mail.send:activation:7:aktif', to: ['muhasebe@firma.com.tr', 'yonetim@firma.com.tr'], skipped: ['yanlis adres'] });
    await t.db.transaction((trx) => enqueueMail(trx, { ...notice, createdAt, maxAttempts: 5 }, logger));
    const jobs = await mailJobs();
    expect(jobs).to.have.length(1);
    expect(jobs[0]).to.include({ job_key: 'mail.send:activation:7:aktif', run_at: '2026-03-01T09:00:00.000Z', failed_at: null });
    expect(Number(jobs[0].max_attempts)).to.equal(5);
    expect(jobs[0].payload).to.deep.equal({ key: 'activation:7:aktif', to: ['muhasebe@firma.com.tr', 'yonetim@firma.com.tr'], subject: SUBJECT, text: TEXT, html: HTML });
    const warned = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warned.map((l) => l.skipped)).to.deep.equal([['yanlis adres']]);

    const none = await t.db.transaction((trx) => enqueueMail(trx, { ...notice, key: 'k2', to: ['yok', 'a@'], createdAt, maxAttempts: 5 }, logger));
    expect(none.queued, 'no valid recipient: nothing to send, nothing queued').to.equal(false);
    expect(await mailJobs()).to.have.length(1);
  });

  it('an SMTP server refusing the message: the worker retries with its backoff and delivers it once', async () => {
    server = await startSmtpServer({ auth: { user: USER, password: PASSWORD } });
    server.refuseNext(2);
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(server.port), GW_SMTP_USER: USER, GW_SMTP_PASSWORD_FILE: passwordFile(PASSWORD), GW_SMTP_REJECT_UNAUTHORIZED: 'false', GW_MAIL_FROM: FROM });
    const mailer = createMailer(config.mail, logger);
    const worker = createWorker({ db: t.db, tasks: mailTasks(mailer, { from: config.mail.from }), clock: () => new Date(), logger, pollMs: 20, concurrency: 2, backoffBaseMs: 20 });
    await t.db.transaction((trx) => enqueueMail(trx, { ...notice, createdAt: new Date(), maxAttempts: 8 }, logger));
    worker.start();
    try {
      const [mail] = await server.waitFor(1);
      expect(server.refused, 'refused twice first').to.equal(2);
      expect(mail!.rcptTo).to.deep.equal(['muhasebe@firma.com.tr']);
      expect(parseMail(mail!.raw)).to.include({ subject: SUBJECT, text: TEXT });
      expect(parseMail(mail!.raw).headers['message-id']).to.equal(messageIdFor(notice.key, FROM));
    } finally {
      await worker.stop();
      mailer.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(server.received, 'delivered once').to.have.length(1);
    expect(await mailJobs(), 'done: the job is gone').to.deep.equal([]);
    const failures = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'job failed');
    expect(failures.map((l) => l.outcome)).to.deep.equal(['retry', 'retry']);
    expect(failures[0].error).to.match(/451/);
    expect(leaks(lines)).to.deep.equal([]);
  });

  it('attempts used up while the SMTP server is down: queued again an hour later, and delivered when it is back', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ GW_SMTP_HOST: '127.0.0.1', GW_SMTP_PORT: String(port), GW_SMTP_TIMEOUT_MS: '2000', GW_MAIL_FROM: FROM });
    const mailer = createMailer(config.mail, logger);
    let now = new Date('2026-03-01T09:00:00.000Z');
    const worker = createWorker({ db: t.db, tasks: mailTasks(mailer, { from: config.mail.from }), clock: () => now, logger, pollMs: 10, concurrency: 1, backoffBaseMs: 1000, listen: false });
    // The caller's transaction commits at once although no SMTP server is there.
    await t.db.transaction((trx) => enqueueMail(trx, { ...notice, createdAt: now, maxAttempts: 2 }, logger));

    await worker.runUntilIdle();
    let jobs = await mailJobs();
    expect(jobs).to.have.length(1);
    expect(jobs[0]).to.include({ run_at: '2026-03-01T09:00:01.000Z', failed_at: null });
    expect(jobs[0].last_error).to.match(/ECONNREFUSED/);

    now = new Date('2026-03-01T09:00:05.000Z');
    await worker.runUntilIdle();
    jobs = await mailJobs();
    expect(jobs.map((j) => [j.job_key, j.failed_at !== null, j.run_at])).to.deep.equal([
      ['mail.send:activation:7:aktif', true, '2026-03-01T09:00:07.000Z'],
      ['mail.send:activation:7:aktif:1', false, '2026-03-01T10:00:05.000Z'],
    ]);
    expect(jobs[1].payload).to.deep.equal({ ...notice, attempt: 1 });
    expect(lines.map((l) => JSON.parse(l).msg)).to.include('e-mail notice still not sent: trying again later');

    await worker.runUntilIdle(); // not due yet
    expect(await mailJobs()).to.have.length(2);

    server = await startSmtpServer({ port });
    now = new Date('2026-03-01T10:00:05.000Z');
    await worker.runUntilIdle();
    mailer.close();
    const [mail] = await server.waitFor(1);
    expect(mail!.rcptTo).to.deep.equal(['muhasebe@firma.com.tr']);
    expect(parseMail(mail!.raw)).to.include({ subject: SUBJECT, text: TEXT });
    expect(parseMail(mail!.raw).headers['message-id'], 'the same message as the first attempts').to.equal(messageIdFor(notice.key, FROM));
    jobs = await mailJobs();
    expect(jobs.map((j) => j.job_key), 'only the exhausted attempt stays, for the record').to.deep.equal(['mail.send:activation:7:aktif']);
  });
});

describe(`e-mail notices: wired in the gateway (${TEST_DB_KIND})`, () => {
  it('services queue with gateway.mail.enqueue; the gateway’s worker writes the .eml (no GW_SMTP_HOST)', async () => {
    const gw = await startTestGateway();
    try {
      await gw.gateway.writer.run((trx) => gw.gateway.mail.enqueue(trx, { key: 'wired:1', to: ['muhasebe@firma.com.tr', 'gecersiz'], subject: SUBJECT, text: TEXT }));
      expect(gw.logs.find((l) => l.msg === 'invalid e-mail addresses left out of a notice')).to.include({ component: 'mail' });
      expect(gw.gateway.mailer.kind).to.equal('outbox');
      await gw.gateway.worker.runUntilIdle();
      const dir = gw.config.mail.outboxDir;
      expect(dir).to.equal(path.join(gw.config.dataDir, 'mail-outbox'));
      const files = fs.readdirSync(dir);
      expect(files).to.have.length(1);
      const parsed = parseMail(fs.readFileSync(path.join(dir, files[0]!), 'utf8'));
      expect(parsed).to.include({ subject: SUBJECT, text: TEXT });
      expect(parsed.headers.from).to.match(/noreply@localhost/);
      expect(gw.logs.some((l) => l.msg === 'e-mail written to the outbox folder (no SMTP server configured: GW_SMTP_HOST)')).to.equal(true);
    } finally {
      await gw.close();
    }
  });
});
