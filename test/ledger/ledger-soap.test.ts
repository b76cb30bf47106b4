/**
 * e-Defter over SOAP (issue 12), seed 001's screen driven as an ERP would: the company's ledger settings, a month's
 * CSV uploaded as VKN-YYYYMM.zip, "Dosya Sorgula", "Tarihleri Kaydet", the steps one by one and "e-Defter Yükle"
 * (ALL) through Berat İmzala, with the tenant's mali mühür on a SoftHSM token. The produced books and berats are
 * judged by GİB's XSD (xmllint) and xmlsec1. Every bad upload is a typed fault that stores nothing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import yazl from 'yazl';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { expectFault, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { GIB_DIR, REPO_DIR } from '../helpers/paths';
import { createSoftHsmToken, sharedSoftHsmDir, testRootCa, useTokenAsSeal, type SoftHsmToken } from '../helpers/softhsm';
import { xmlsecVerify } from '../signing/fixtures';
import { LEDGER_SETTINGS, sampleMonth } from '../helpers/edefter';
import { deflatedEntry, rawZip } from '../zip/zip-fixtures';

const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));


/** A ZIP with the given entries (names as given, so hostile ones too). */
function zipOf(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of entries) z.addBuffer(data, name, { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/** YYYYMM of the month after this one (Istanbul). */
function nextMonth(): string {
  const d = new Date(Date.now() + 3 * 3600_000);
  const n = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  return `${n.getUTCFullYear()}${String(n.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** node-soap reads xs:date as a Date. */
const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);

const csv = (text: string) => Buffer.from(text, 'utf8');
const HEAD = SAMPLE.toString('utf8').split('\n')[0]!;
/** The sample with one line changed by `edit` (line 1 is the header). */
function sampleWith(edit: (lines: string[]) => void): Buffer {
  const lines = SAMPLE.toString('utf8').split('\n');
  edit(lines);
  return csv(lines.join('\n'));
}

describe(`e-Defter over SOAP: upload, Dosya Sorgula, dates and the steps to Berat İmzala (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let client: soap.Client;
  let token: SoftHsmToken;
  const dir = tempDir('gw-ledger-soap-');

  const useToken = (pin: string) => useTokenAsSeal(gw, token, pin, dir);

  const upload = async (fileName: string, zip: Buffer, extra: Record<string, unknown> = {}) =>
    (await client.UploadLedgerAsync({ fileName, content: zip.toString('base64'), ...extra }))[0].source;
  const list = async () => [(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat();
  const month = async (period: string) => [(await client.GetLedgerStatusAsync({ from: period, to: period }))[0].month].flat()[0];
  const step = async (period: string, s: string) => {
    const [res] = await client.LedgerStepAsync({ period, step: s });
    await gw.gateway.worker.runUntilIdle();
    return res.month;
  };
  const storedFiles = () => (fs.existsSync(gw.config.ledger.dir) ? execFileSync('find', [gw.config.ledger.dir, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean) : []);

  before(async () => {
    token = await createSoftHsmToken(sharedSoftHsmDir(), { vkn: TEST_VKN, title: 'TEST TICARET A.S.' });
    gw = await startTestGateway({ env: { GW_LEDGER_MAX_UNZIPPED_BYTES: String(8 * 1024 * 1024) } });
    client = await soapClient(gw);
    await useToken(token.pin);
  });
  after(async () => {
    await gw.gateway.signers.close();
    await gw.close();
  });

  it('steps need the company\'s ledger settings, which are checked (4608)', async () => {
    const f = await expectFault(client.SaveLedgerSettingsAsync({ ...LEDGER_SETTINGS, postalCode: '6110' }));
    expect(f.code).to.equal(4608);
    expect(f.message).to.contain('posta kodu');
    await client.SaveLedgerSettingsAsync(LEDGER_SETTINGS);
  });

  it('the month arrives, is listed as the seed shows it, and its dates change before Dosya Oluştur only', async () => {
    const zip = await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE);
    const source = await upload(`${TEST_VKN}-202601.zip`, zip);
    expect(source).to.include({ fileName: `${TEST_VKN}-202601.zip`, period: '2026-01', periodLabel: '2026-Ocak', state: 'NOT_STARTED', description: 'İşlem Yapılmadı' });
    expect([day(source.periodStart), day(source.periodEnd)]).to.deep.equal(['2026-01-01', '2026-01-31']);
    const listed = await list();
    expect(listed).to.have.length(1);
    expect(Number(listed[0].sizeMb)).to.equal(Number((zip.length / 1024 / 1024).toFixed(2)));
    expect(Number((await gw.testDb.db('ledger_sources').where({ id: source.id }).first()).size_bytes)).to.equal(zip.length);

    const f = await expectFault(client.SaveLedgerDatesAsync({ sourceId: source.id, periodStart: '2026-01-01', periodEnd: '2026-02-03' }));
    expect(f.code).to.equal(4606);
    // A partial period that leaves out the first entry: Dosya Oluştur's checks refuse it, and the books keep why.
    await client.SaveLedgerDatesAsync({ sourceId: source.id, periodStart: '2026-01-03', periodEnd: '2026-01-31' });
    await step('2026-01', 'DOSYA_OLUSTUR');
    const failed = await month('2026-01');
    expect(failed.ledgerBook.map((b: { state: string; code: number }) => [b.state, b.code])).to.deep.equal([['CHECK_FAILED', 4604], ['CHECK_FAILED', 4604]]);
    expect(failed.ledgerBook[0].lastError).to.match(/^KAYIT TARİHİ DÖNEM İÇİNDE VE SIRALI DEĞİL: 1 numaralı madde .*2026-01-02 tarihi 2026-01-03–2026-01-31 dönemi dışında/);
    expect(failed.yevmiye).to.equal(false);
    expect((await list())[0]).to.include({ state: 'CHECK_FAILED', status: -1 });
    expect((await expectFault(client.LedgerStepAsync({ period: '2026-01', step: 'DOSYA_OLUSTUR' }))).message).to.contain('dönem tarihlerini düzeltiniz');
    const [dated] = await client.SaveLedgerDatesAsync({ sourceId: source.id, periodStart: '2026-01-02', periodEnd: '2026-01-31' });
    expect([day(dated.source.periodStart), day(dated.source.periodEnd)]).to.deep.equal(['2026-01-02', '2026-01-31']);

    // Steps in the seed's order only.
    expect((await expectFault(client.LedgerStepAsync({ period: '2026-01', step: 'BERAT_OLUSTUR' }))).message).to.contain('önce Dosya Oluştur');
    const built = await step('2026-01', 'DOSYA_OLUSTUR');
    const m = await month('2026-01');
    expect(m.ledgerBook.map((b: { book: string; state: string }) => [b.book, b.state])).to.deep.equal([['Y', 'FILE_CREATED'], ['K', 'FILE_CREATED']]);
    expect(built.period).to.equal('2026-01');
    expect(m.ledgerBook[0]).to.include({ totalDebit: 52400, totalCredit: 52400 });
    expect([m.ledgerBook[0].controlNumber, m.ledgerBook[1].controlNumber].flat()).to.deep.equal(['YEV202601000001', 'KEB202601000001']);
    expect([day(m.ledgerBook[0].periodStart), day(m.ledgerBook[0].periodEnd)]).to.deep.equal(['2026-01-02', '2026-01-31']);

    expect((await expectFault(client.SaveLedgerDatesAsync({ sourceId: source.id, periodStart: '2026-01-01', periodEnd: '2026-01-31' }))).code).to.equal(4609);
    expect((await expectFault(client.DeleteLedgerFileAsync({ sourceId: source.id }))).code).to.equal(4609);
  });

  it('a wrong PIN at Dosya İmzala is the PIN fault now, and the books stay where they were', async () => {
    await useToken('000000');
    const f = await expectFault(client.LedgerStepAsync({ period: '2026-01', step: 'DOSYA_IMZALA' }));
    expect(f.code).to.equal(4403);
    const m = await month('2026-01');
    expect(m.ledgerBook.map((b: { state: string }) => b.state)).to.deep.equal(['FILE_CREATED', 'FILE_CREATED']);
    // The PIN changes after the step was asked for: its job fails for good, the books stay and say why.
    await useToken(token.pin);
    await client.LedgerStepAsync({ period: '2026-01', step: 'DOSYA_IMZALA' });
    await useToken('000000');
    await gw.gateway.worker.runUntilIdle();
    const stopped = await month('2026-01');
    expect(stopped.ledgerBook.map((b: { state: string; lastError: string }) => [b.state, b.lastError])).to.deep.equal([['FILE_CREATED', 'MALI MUHUR PIN HATALI'], ['FILE_CREATED', 'MALI MUHUR PIN HATALI']]);
    expect((await list())[0]).to.include({ state: 'FILE_CREATED', error: 'MALI MUHUR PIN HATALI' });
    await useToken(token.pin);
  });

  it('e-Defter Yükle (ALL) runs the remaining steps; the sealed books, berats and Defter Raporu pass GİB\'s XSD and xmlsec1', async () => {
    await step('2026-01', 'ALL');
    const m = await month('2026-01');
    expect(m.ledgerBook.map((b: { state: string; description: string }) => [b.state, b.description])).to.deep.equal([['BERAT_SIGNED', 'Berat İmzalandı'], ['BERAT_SIGNED', 'Berat İmzalandı']]);
    expect(m).to.include({ yevmiye: true, kebir: true, yevmiyeBerat: true, kebirBerat: true, gibYevmiyeBerat: false, gibKebirBerat: false, defterRapor: true });
    expect(m.ledgerBook.map((b: { lastError?: string }) => b.lastError)).to.deep.equal([undefined, undefined]); // the failure is over
    const names = m.ledgerBook.flatMap((b: { file: Array<{ fileName: string; signed: boolean }> }) => [b.file].flat().map((f) => [f.fileName, f.signed]));
    expect(names).to.have.deep.members([
      [`${TEST_VKN}-202601-Y-000000.xml`, true], [`${TEST_VKN}-202601-YB-000000.xml`, true],
      [`${TEST_VKN}-202601-K-000000.xml`, true], [`${TEST_VKN}-202601-KB-000000.xml`, true], [`${TEST_VKN}-202601-DR-000000.xml`, true],
    ]);
    const work = fs.mkdtempSync(path.join(tempDir('gw-ledger-files'), 'work'));
    for (const [name] of names) {
      const [res] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: name });
      const { xml } = await unpackDocument(Buffer.from(res.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 });
      const file = path.join(work, name);
      fs.writeFileSync(file, xml);
      const xsd = execFileSync('xmllint', ['--noout', '--nonet', '--schema', path.join(GIB_DIR, 'edefter', 'xsd', 'edefter.xsd'), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(xsd).to.equal('');
      const v = await xmlsecVerify(xml, testRootCa().certPem);
      expect(v.ok, `${name}: ${v.output}`).to.equal(true);
    }
    // The berat carries its book's SignatureValue (GİB's link between the two).
    const y = fs.readFileSync(path.join(work, `${TEST_VKN}-202601-Y-000000.xml`), 'utf8');
    const yb = fs.readFileSync(path.join(work, `${TEST_VKN}-202601-YB-000000.xml`), 'utf8');
    const sv = /<ds:SignatureValue[^>]*>([^<]+)</.exec(y)![1]!;
    expect(yb).to.contain(sv);
  });

  it('a whole month with no entries is refused as GİB\'s rules refuse it (4613); the next month goes through and the year\'s control numbers run on', async () => {
    // The upload takes an empty journal ("Boş defter dosyası"); GİB's edefter_yevmiye.sch refuses a whole-month book
    // (part 000000) without an entry, and the Teknik Kılavuz tells software not to build one.
    await upload(`${TEST_VKN}-202602.zip`, await zipOne(`${TEST_VKN}-202602.csv`, Buffer.from(`${HEAD}\n`)));
    await step('2026-02', 'ALL');
    const empty = await month('2026-02');
    expect(empty.ledgerBook.map((b: { state: string; code: number }) => [b.state, b.code])).to.deep.equal([['CHECK_FAILED', 4613], ['CHECK_FAILED', 4613]]);
    expect(empty.ledgerBook[0].lastError).to.equal(`DEFTER GİB KURALLARINA UYMUYOR: ${TEST_VKN}-202602-Y-000000.xml: Tüm ayı kapsayan bir defterde en az 1 gl-cor:entryHeader elemanı olmalıdır.`);
    await upload(`${TEST_VKN}-202602.zip`, await zipOne(`${TEST_VKN}-202602.csv`, sampleMonth(SAMPLE.toString('utf8'), 2, 4)));
    await step('2026-02', 'ALL');
    const m = await month('2026-02');
    expect(m.ledgerBook.map((b: { state: string }) => b.state)).to.deep.equal(['BERAT_SIGNED', 'BERAT_SIGNED']);
    expect(m.ledgerBook.flatMap((b: { controlNumber: string }) => b.controlNumber)).to.deep.equal(['YEV202602000002', 'KEB202602000002']);
    expect(m.ledgerBook[0]).to.include({ totalDebit: 52400, totalCredit: 52400 });
  });

  it('every step is in the books\' history with its time, actor and reason', async () => {
    const book = await gw.testDb.db('ledger_books').where({ tenant_id: gw.tenant.id, period: '2026-01', book: 'Y' }).first();
    const rows = await gw.testDb.db('state_history').where({ machine: 'ledger-book', entity_id: book.id }).orderBy('id');
    expect(rows.map((r: { event: string }) => r.event)).to.deep.equal(['CREATE', 'PLAN', 'CHECK_FAIL', 'RESET', 'PLAN', 'BUILD', 'PLAN', 'STEP_FAIL', 'PLAN', 'SIGN', 'BUILD_BERAT', 'SIGN_BERAT']);
    expect(rows.find((r: { event: string }) => r.event === 'PLAN')).to.include({ actor: 'erp-user', reason: 'Dosya Oluştur' });
    expect(rows.find((r: { event: string }) => r.event === 'CHECK_FAIL')).to.include({ actor: 'worker', code: 4604 });
    expect(rows.find((r: { event: string }) => r.event === 'STEP_FAIL')).to.include({ actor: 'worker', reason: 'MALI MUHUR PIN HATALI' });
    expect(rows.find((r: { event: string }) => r.event === 'RESET')).to.include({ actor: 'erp-user', reason: 'dönem tarihleri 2026-01-02–2026-01-31' });
    expect(rows.every((r: { at: string }) => typeof r.at === 'string' && r.at.length > 0)).to.equal(true);
  });

  it('another company sees none of it and cannot step it', async () => {
    await gw.createTenantUser('9876543210', 'other-user');
    const other = await soapClient(gw, 'other-user');
    expect([(await other.ListLedgerFilesAsync({}))[0]?.source ?? []].flat()).to.deep.equal([]);
    expect((await expectFault(other.LedgerStepAsync({ period: '2026-01', step: 'ALL' }))).code).to.equal(4610);
    expect((await expectFault(other.GetLedgerFileAsync({ period: '2026-01', fileName: `${TEST_VKN}-202601-Y-000000.xml` }))).code).to.equal(4610);
  });
});

describe(`e-Defter over SOAP: every bad upload is a typed fault, stores nothing and creates no book (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let client: soap.Client;
  before(async () => {
    gw = await startTestGateway({ env: { GW_LEDGER_MAX_UNZIPPED_BYTES: String(8 * 1024 * 1024) } });
    client = await soapClient(gw);
  });
  after(() => gw.close());
  const list = async () => [(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat();
  const storedFiles = () => (fs.existsSync(gw.config.ledger.dir) ? execFileSync('find', [gw.config.ledger.dir, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean) : []);

  const cases: Array<[string, () => Promise<[string, Buffer]>, number]> = [
    ['a name that is not VKN-YYYYMM.zip', async () => ['defter.zip', await zipOne('a.csv', SAMPLE)], 4605],
    ['another company\'s VKN', async () => ['9876543210-202601.zip', await zipOne('a.csv', SAMPLE)], 4107],
    ['a month that has not begun', async () => [`${TEST_VKN}-${nextMonth()}.zip`, await zipOne('a.csv', SAMPLE)], 4606],
    ['not a ZIP', async () => [`${TEST_VKN}-202601.zip`, SAMPLE], 1130],
    ['a truncated ZIP', async () => [`${TEST_VKN}-202601.zip`, (await zipOne('a.csv', SAMPLE)).subarray(0, 60)], 1130],
    ['two files in the ZIP', async () => [`${TEST_VKN}-202601.zip`, await zipOf([['a.csv', SAMPLE], ['b.csv', SAMPLE]])], 1131],
    ['a ../ path in the ZIP', async () => [`${TEST_VKN}-202601.zip`, rawZip([deflatedEntry('../../etc/a.csv', SAMPLE)])], 4005],
    ['an absolute path in the ZIP', async () => [`${TEST_VKN}-202601.zip`, rawZip([deflatedEntry('/tmp/a.csv', SAMPLE)])], 4005],
    ['a ZIP bomb (64 MB of zeros in 64 KB, over the 8 MB limit)', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', Buffer.alloc(64 * 1024 * 1024))], 4006],
    ['not a CSV inside', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.txt', SAMPLE)], 4601],
    ['the wrong separator', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', csv(SAMPLE.toString().replace(/;/g, ',')))], 4601],
    ['a missing column', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', csv(SAMPLE.toString().replace(HEAD, HEAD.replace('hesap_kodu', 'hesap'))))], 4601],
    ['a non-numeric amount', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', sampleWith((l) => (l[1] = l[1]!.replace('50000,00', '50.000,00'))))], 4601],
    ['debit ≠ credit in one entry', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', sampleWith((l) => (l[1] = l[1]!.replace('50000,00', '50000,01'))))], 4602],
    ['a gap in entry numbers', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', csv(SAMPLE.toString().replace(/^3;/gm, '4;')))], 4603],
    ['a date outside the month', async () => [`${TEST_VKN}-202601.zip`, await zipOne('a.csv', csv(SAMPLE.toString().replace(/2026-01-20/g, '2026-02-20')))], 4604],
  ];
  for (const [what, make, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const [name, zip] = await make();
      const f = await expectFault(client.UploadLedgerAsync({ fileName: name, content: zip.toString('base64') }));
      expect(f.code, f.message).to.equal(code);
      expect(await list()).to.deep.equal([]);
      expect(storedFiles()).to.deep.equal([]);
      expect(await gw.testDb.db('ledger_books').count({ n: '*' }).first()).to.deep.include({ n: TEST_DB_KIND === 'postgres' ? '0' : 0 });
    });
  }
});
