/**
 * e-Defter's 10-year archive (issue 13, seed 002): a month brought to Onaylı Berat İndirildi by the gateway's own
 * e-Defter service (GİB's simulator over HTTP) is stored automatically; an e-Defter program sends the same seven
 * kinds of ZIP in resumable chunks; Durum Sorgula re-reads and re-hashes; every bad send is a typed fault that stores
 * nothing; retention refuses early deletes; and files changed behind the gateway's back, and its hash chain, are
 * caught by VerifyLedgerArchive and the CLI.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type * as soap from 'soap';
import { createSimulator, type Simulator } from '../../src/simulator';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { expectFault, soapClient, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startGibWorld, until } from '../helpers/ledger-world';
import { REPO_DIR } from '../helpers/paths';
import { testRootCa } from '../helpers/softhsm';
import { rawZip, storedEntry, zeroBomb } from '../zip/zip-fixtures';
import { sampleMonth } from '../helpers/edefter';
import { uploadLedgerFolder, UploadInterrupted } from '../../src/uploader/ledger-uploader';

const run = promisify(execFile);
const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const KINDS = ['DR', 'GIB-KB', 'GIB-YB', 'K', 'KB', 'Y', 'YB'];
const name = (kind: string, period = '202601') => (kind.startsWith('GIB-') ? `GIB-${TEST_VKN}-${period}-${kind.slice(4)}-000000.zip` : `${TEST_VKN}-${period}-${kind}-000000.zip`);

type Month = { state: string; description: string; status: number; versions: number; fileCount: number; totalBytes: number; source?: string; lastError?: string; file?: Array<Record<string, string>> | Record<string, string>; upload?: Array<Record<string, unknown>> | Record<string, unknown> };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : [v].flat() as T[]);

describe(`e-Defter archive (e-Saklama): stored automatically or by an e-Defter program, checked, kept and proven (${TEST_DB_KIND})`, function () {
  this.timeout(180_000);
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  let offsetMs = 0;
  const dir = tempDir('gw-ledger-archive-');
  /** The seven ZIPs of 2026-01 as the archive stored them (what an e-Defter program would send). */
  const zips = new Map<string, Buffer>();

  const backup = async (period: string, c = client): Promise<Month | undefined> => list<Month>((await c.ListLedgerBackupsAsync({ from: period, to: period, allVersions: false }))[0].month)[0];
  const rowCounts = async () => {
    const db = gw.testDb.db;
    const [files, chain] = await Promise.all([db('ledger_archive_files').count({ n: '*' }), db('ledger_archive_chain').count({ n: '*' })]);
    return { files: Number(files[0]!.n), chain: Number(chain[0]!.n) };
  };
  /** Uploads one file in chunks of `chunk` bytes (PutLedgerBackupChunk). */
  const upload = async (fileName: string, bytes: Buffer, chunk = 1 << 20, period = '2026-01', declared = sha(bytes)) => {
    let r = { receivedBytes: '0', complete: false };
    for (let at = 0; at < bytes.length; at += chunk) {
      [r] = await client.PutLedgerBackupChunkAsync({ period, fileName, totalBytes: bytes.length, sha256: declared, offset: at, content: bytes.subarray(at, at + chunk).toString('base64') });
    }
    return r;
  };
  const sendSet = async (files: Map<string, Buffer>, period = '2026-01') => {
    for (const [n, b] of files) await upload(n, b, 1 << 20, period);
    return client.StoreLedgerAsync({ period });
  };
  const replaced = (kind: string, bytes: Buffer) => new Map([...zips, [name(kind), bytes]]);
  const xmlOf = async (zip: Buffer) => (await unpackDocument(zip, { container: 'zip', maxUnzippedBytes: 64 << 20 })).xml;

  before(async () => {
    sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => null, trustedRoots: [testRootCa().certPem] });
    ({ gw, client } = await startGibWorld(dir, sim, { GW_WORKER_BACKOFF_MS: '100', GW_LEDGER_MAX_UNZIPPED_BYTES: String(8 << 20) }, { clock: () => new Date(Date.now() + offsetMs) }));
  });
  after(async () => {
    await gw?.gateway.signers.close();
    await gw?.close();
    await sim?.stop();
  });

  it('automatic backup: the month GİB approved is stored without a call (Entegratöre işlendi), and Durum Sorgula makes it Yedeklendi with seed 002’s message', async () => {
    expect((await client.ListLedgerBackupsAsync({}))[0].automatic).to.equal(false);
    await client.SaveLedgerBackupSettingsAsync({ automatic: true });
    expect((await client.ListLedgerBackupsAsync({}))[0].automatic).to.equal(true);
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE)).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    const m = await until('the month stored', async () => {
      const b = await backup('2026-01');
      return b?.state === 'PROCESSED' ? b : undefined;
    });
    expect(m).to.include({ description: 'Entegratöre işlendi', status: 1, versions: 1, fileCount: 7 });
    expect(m.source).to.contain('Entegratörün e-Defter hizmetinden');
    const files = list<Record<string, string>>(m.file);
    expect(files.map((f) => f.kind).sort()).to.deep.equal(KINDS);
    expect(files.map((f) => f.fileName).sort()).to.deep.equal(KINDS.map((k) => name(k)).sort());
    expect(files.map((f) => new Date(f.retainUntil).toISOString())).to.deep.equal(Array(7).fill('2036-12-31T20:59:59.999Z'));
    const history = await gw.testDb.db('state_history').where({ machine: 'ledger-backup' }).orderBy('id');
    expect(history.map((h: { event: string; actor: string }) => `${h.event}:${h.actor}`)).to.deep.equal(['STORE:worker']);

    // Every stored file comes back byte for byte, in pieces; the books inside are the gateway's own sealed books.
    for (const f of files) {
      const parts: Buffer[] = [];
      for (let offset = 0; offset < Number(f.sizeBytes); offset += 1000) {
        const [r] = await client.GetLedgerBackupFileAsync({ period: '2026-01', fileName: f.fileName, offset, length: 1000 });
        parts.push(Buffer.from(r.content, 'base64'));
      }
      const bytes = Buffer.concat(parts);
      expect(sha(bytes), f.fileName).to.equal(f.sha256);
      zips.set(f.fileName, bytes);
    }
    const [own] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: `${TEST_VKN}-202601-Y-000000.xml` });
    expect((await xmlOf(zips.get(name('Y'))!)).equals(await xmlOf(Buffer.from(own.zip, 'base64')))).to.equal(true);

    const [status] = await client.GetLedgerBackupStatusAsync({ period: '2026-01' });
    expect(status.message).to.equal('Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.');
    expect(status.month).to.include({ state: 'BACKED_UP', description: 'Yedeklendi', status: 2 });
  });

  it('an e-Defter program’s send: chunks resumed after an interruption, a retried chunk counted once; StoreLedger keeps version 1 and adds version 2', async () => {
    const y = zips.get(name('Y'))!;
    const chunk = Math.ceil(y.length / 4);
    const put = (offset: number, length = chunk) => client.PutLedgerBackupChunkAsync({ period: '2026-01', fileName: name('Y'), totalBytes: y.length, sha256: sha(y), offset, content: y.subarray(offset, offset + length).toString('base64') });
    await put(0);
    // The connection drops; the uploader comes back with the next-but-one chunk: told where to go on.
    const gap = await expectFault(put(2 * chunk));
    expect(gap.code).to.equal(4626);
    expect(gap.message).to.equal(`YÜKLEME ${chunk}. BAYTTAN SÜRMELİ: ${name('Y')}`);
    // The first chunk again (its answer was lost): answered with the progress, not written twice.
    expect((await put(0))[0]).to.deep.include({ receivedBytes: chunk, complete: false });
    expect((await client.PutLedgerBackupChunkAsync({ period: '2026-01', fileName: name('Y'), totalBytes: y.length, sha256: sha(y), offset: 0, content: '' }))[0].receivedBytes).to.equal(chunk);
    await put(chunk);
    // Half a file is not a month: StoreLedger refuses and stores nothing.
    const before = await rowCounts();
    const early = await expectFault(client.StoreLedgerAsync({ period: '2026-01' }));
    expect(early.code).to.equal(4622);
    expect(early.message).to.contain(`${name('Y')} yüklemesi bitmedi (${2 * chunk}/${y.length} bayt)`);
    expect(await rowCounts()).to.deep.equal(before);
    expect(list((await backup('2026-01'))!.upload)).to.deep.equal([{ fileName: name('Y'), receivedBytes: 2 * chunk, totalBytes: y.length }]);
    await put(2 * chunk, y.length);
    for (const kind of KINDS.filter((k) => k !== 'Y')) await upload(name(kind), zips.get(name(kind))!, 700);

    const [stored] = await client.StoreLedgerAsync({ period: '2026-01' });
    expect(stored.message).to.equal('Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız gönderilmiştir. Defter dosyalarınız 10 yıl boyunca güvenle saklanacaktır.');
    expect(stored.month).to.include({ state: 'PROCESSED', versions: 2, fileCount: 7, source: 'e-Defter programından aktarılmıştır' });
    expect(list((await backup('2026-01'))!.upload)).to.deep.equal([]);
    const all = list<Record<string, string>>(list<Month>((await client.ListLedgerBackupsAsync({ from: '2026-01', to: '2026-01', allVersions: true }))[0].month)[0]!.file);
    expect(all.map((f) => Number(f.version)).sort()).to.deep.equal([...Array(7).fill(1), ...Array(7).fill(2)]);
    // Version 1 is still there, as it was.
    const [v1] = await client.GetLedgerBackupFileAsync({ period: '2026-01', fileName: name('DR'), version: 1 });
    expect(Buffer.from(v1.content, 'base64').equals(zips.get(name('DR'))!)).to.equal(true);
  });

  it('manual mode and the uploader: a month built here waits as Entegratör\'e Gönderilmedi; `ledger:upload` sends it from an e-Defter folder, resumes after an interruption without resending, and leaves a month it has alone', async () => {
    await client.SaveLedgerBackupSettingsAsync({ automatic: false });
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202602.zip`, content: (await zipOne(`${TEST_VKN}-202602.csv`, sampleMonth(SAMPLE.toString('utf8'), 2, 4))).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-02', step: 'ALL' });
    const waiting = await until('February downloaded and waiting', async () => {
      const m = list<{ ledgerBook: Array<{ state: string }> }>((await client.GetLedgerStatusAsync({ from: '2026-02', to: '2026-02' }))[0].month)[0];
      return m?.ledgerBook.every((b) => b.state === 'DOWNLOADED') ? backup('2026-02') : undefined;
    });
    expect(waiting).to.include({ state: 'NOT_SENT', description: "Entegratör'e Gönderilmedi", versions: 0 });

    // The e-Defter program's folder (seed 002's screenshot): edefter/xml/VKN/<fiscal year>/MM/, January and February.
    const folder = tempDir('gw-edefter-folder-');
    const at = (mm: string) => path.join(folder, 'edefter', 'xml', TEST_VKN, '01.01.2026-31.12.2026', mm);
    fs.mkdirSync(at('01'), { recursive: true });
    fs.mkdirSync(at('02'), { recursive: true });
    for (const [n, b] of zips) fs.writeFileSync(path.join(at('01'), n), b);
    for (const kind of KINDS) {
      const xmlName = name(kind, '202602').replace('.zip', '.xml');
      const [f] = await client.GetLedgerFileAsync({ period: '2026-02', fileName: xmlName });
      fs.writeFileSync(path.join(at('02'), name(kind, '202602')), Buffer.from(f.zip, 'base64'));
    }
    const februaryBytes = KINDS.reduce((n, k) => n + fs.statSync(path.join(at('02'), name(k, '202602'))).size, 0);

    // A first run stops after 3,000 bytes (the line dropped).
    const first = await uploadLedgerFolder({ folder, url: gw.url, username: gw.username, password: gw.password, chunkBytes: 1000, stopAfterBytes: 3000 }).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(UploadInterrupted);
    // The real command: January is left alone (stored as it is), February resumes from the gateway's count and is stored.
    const passwordFile = path.join(folder, 'parola');
    fs.writeFileSync(passwordFile, gw.password);
    const env = { ...process.env, GW_DATA_DIR: tempDir('gw-uploader-') };
    const out = await run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'ledger:upload', folder, '--url', gw.url, '--username', gw.username, '--password-file', passwordFile, '--chunk-mb', '0.001'], { env, cwd: REPO_DIR });
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).to.equal(`${TEST_VKN} 2026-01 unchanged (0 bayt gönderildi): entegratörde aynı dosyalar saklı`);
    expect(lines[1]).to.equal(`${TEST_VKN} 2026-02 stored (${februaryBytes - 3000} bayt gönderildi): Şubat-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.`);
    expect(out.stderr).to.match(/dosya/);
    // README shows these lines (the byte count is one run's: ZIP sizes vary by a few bytes with the seals).
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    expect(readme).to.contain(lines[0]);
    expect(readme).to.match(new RegExp(lines[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\(\d+ bayt/, '\\(\\d+ bayt')));
    const february = (await backup('2026-02'))!;
    expect(february).to.include({ state: 'BACKED_UP', versions: 1, fileCount: 7, source: 'e-Defter programından aktarılmıştır' });
    // Once more: nothing to send.
    const again = await uploadLedgerFolder({ folder, url: gw.url, username: gw.username, password: gw.password });
    expect(again.map((o) => [o.period, o.outcome, o.bytesSent])).to.deep.equal([['2026-01', 'unchanged', 0], ['2026-02', 'unchanged', 0]]);
  });

  describe('every bad send is a typed fault; nothing is stored and the month keeps its version', () => {
    // (mocha runs this suite after the tests above: the month has three versions by then)
    let before: { files: number; chain: number; versions: number };
    const counts = async () => ({ ...(await rowCounts()), versions: (await backup('2026-01'))!.versions });
    beforeEach(async () => {
      before = await counts();
      expect(before.versions).to.equal(3);
    });
    afterEach(async () => {
      expect(await counts()).to.deep.equal(before);
    });

    it('a missing file of the seven → 4622 naming it; the month keeps its state and the reason', async () => {
      const { state } = (await backup('2026-01'))!;
      await gw.testDb.db('ledger_archive_uploads').delete();
      const six = new Map([...zips].filter(([n]) => n !== name('GIB-KB')));
      const f = await expectFault(sendSet(six));
      expect(f.code).to.equal(4622);
      expect(f.message).to.equal(`AYIN DEFTER DOSYALARI EKSİK: ${name('GIB-KB')}`);
      const m = (await backup('2026-01'))!;
      expect(m.state).to.equal(state);
      expect(m.lastError).to.equal(f.message);
    });

    it('a ZIP named for another company or month, or not as GİB names it → 4621 / 4620 at the first chunk', async () => {
      for (const [fileName, code] of [[`9876543210-202601-Y-000000.zip`, 4621], [`${TEST_VKN}-202602-Y-000000.zip`, 4621], [`${TEST_VKN}-202601-X-000000.zip`, 4620], [`GIB-${TEST_VKN}-202601-Y-000000.zip`, 4620], [`../${TEST_VKN}-202601-Y-000000.zip`, 4620]] as const) {
        const fault = await expectFault(upload(fileName, zips.get(name('Y'))!));
        expect(fault.code, fileName).to.equal(code);
      }
    });

    it('a berat whose book is not the one it names (the book’s signature value differs) → 4623', async () => {
      const xml = (await xmlOf(zips.get(name('Y'))!)).toString('utf8');
      const tampered = xml.replace(/(<ds:SignatureValue[^>]*>)(.)/, (_m, tag: string, c: string) => `${tag}${c === 'A' ? 'B' : 'A'}`);
      expect(tampered).to.not.equal(xml);
      const f = await expectFault(sendSet(replaced('Y', await zipOne(name('Y').replace('.zip', '.xml'), Buffer.from(tampered)))));
      expect(f.code).to.equal(4623);
      expect(f.message).to.contain(`${name('YB')} defterin imza değerini taşımıyor`);
    });

    it('a GİB berat that GİB did not seal (our own berat under GİB’s name) → 4624', async () => {
      const ours = await xmlOf(zips.get(name('YB'))!);
      const f = await expectFault(sendSet(replaced('GIB-YB', await zipOne(name('GIB-YB').replace('.zip', '.xml'), ours))));
      expect(f.code).to.equal(4624);
      expect(f.message).to.contain(name('GIB-YB'));
    });

    it('a ZIP whose entry is a ../ path → 4005; a ZIP bomb (64 MB of zeros, over the 8 MB limit) → 4006; not a ZIP → 4625', async () => {
      const xml = await xmlOf(zips.get(name('K'))!);
      const traversal = rawZip([storedEntry(`../${name('K').replace('.zip', '.xml')}`, xml)]);
      expect((await expectFault(sendSet(replaced('K', traversal)))).code).to.equal(4005);
      const bomb = zeroBomb(64);
      const bombZip = rawZip([{ name: name('K').replace('.zip', '.xml'), data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }]);
      expect(bombZip.length).to.be.below(200 * 1024);
      expect((await expectFault(sendSet(replaced('K', bombZip)))).code).to.equal(4006);
      expect((await expectFault(sendSet(replaced('K', Buffer.from('bu bir zip değil'))))).code).to.equal(4625);
    });

    it('an upload whose bytes are not the declared SHA-256 → 4627 at the last chunk, and the upload starts over', async () => {
      const y = zips.get(name('Y'))!;
      const f = await expectFault(upload(name('Y'), y, 1000, '2026-01', sha(Buffer.from('başka'))));
      expect(f.code).to.equal(4627);
      expect(list((await backup('2026-01'))!.upload).map((u) => (u as { fileName: string }).fileName)).to.not.include(name('Y'));
    });
  });

  it('nothing is deleted before its retention ends (4628); after it, a delete is recorded in the chain and the shared bytes stay for version 2', async () => {
    const early = await expectFault(client.DeleteLedgerBackupFileAsync({ period: '2026-01', fileName: name('Y'), version: 1 }));
    expect(early.code).to.equal(4628);
    expect(early.message).to.equal(`SAKLAMA SÜRESİ DOLMADI: ${name('Y')} 2036-12-31 TARİHİNE KADAR SİLİNEMEZ`);
    // Eleven years on (the gateway's clock; the service is called directly, as a SOAP call's timestamp would be stale).
    const caller = { userId: 0, username: 'erp-user', tenantId: gw.tenant.id, tenantVkn: TEST_VKN };
    offsetMs = 11 * 366 * 24 * 3600 * 1000;
    try {
      const gone = await gw.gateway.services.ledgerArchive.deleteFile(caller, '2026-01', name('Y'), 1);
      expect(gone.deletedAt).to.be.a('string');
    } finally {
      offsetMs = 0;
    }
    const [v2] = await client.GetLedgerBackupFileAsync({ period: '2026-01', fileName: name('Y') });
    expect(sha(Buffer.from(v2.content, 'base64'))).to.equal(sha(zips.get(name('Y'))!));
    const gone = await expectFault(client.GetLedgerBackupFileAsync({ period: '2026-01', fileName: name('Y'), version: 1 }));
    expect(gone.code).to.equal(4630);
    const [v] = await client.VerifyLedgerArchiveAsync({});
    expect(v.ok).to.equal(true);
    expect(v.entries).to.equal(22); // January's two versions, February, the delete
  });

  it('another company sees none of it: no months, no files, nothing to query; its own archive is empty and sound', async () => {
    await gw.createTenantUser('9876543210', 'diger');
    const other = await soapClient(gw, 'diger');
    expect(list((await other.ListLedgerBackupsAsync({}))[0].month)).to.deep.equal([]);
    expect((await expectFault(other.GetLedgerBackupFileAsync({ period: '2026-01', fileName: name('Y') }))).code).to.equal(4630);
    expect((await expectFault(other.GetLedgerBackupStatusAsync({ period: '2026-01' }))).code).to.equal(4629);
    expect((await expectFault(other.DeleteLedgerBackupFileAsync({ period: '2026-01', fileName: name('Y'), version: 2 }))).code).to.equal(4630);
    const [v] = await other.VerifyLedgerArchiveAsync({});
    expect(v).to.include({ ok: true, entries: 0 });
    // A month never sent and asked to be stored with nothing uploaded: Yedeklenemedi, with what is missing.
    expect((await expectFault(client.StoreLedgerAsync({ period: '2026-05' }))).code).to.equal(4622);
    expect(await backup('2026-05')).to.include({ state: 'FAILED', description: `Yedeklenemedi: AYIN DEFTER DOSYALARI EKSİK: ${name('Y', '202605')}, ${name('K', '202605')}, ${name('YB', '202605')}, ${name('KB', '202605')}, ${name('GIB-YB', '202605')}, ${name('GIB-KB', '202605')}, ${name('DR', '202605')}`, status: -1 });
  });

  it('files deleted, truncated and edited behind the gateway’s back are each found — by Durum Sorgula, VerifyLedgerArchive and the CLI — and a resend heals them', async () => {
    const db = gw.testDb.db;
    const rows = await db('ledger_archive_files').where({ set_version: 2 }).whereIn('kind', ['K', 'YB', 'DR']);
    const byKind = Object.fromEntries(rows.map((r: { kind: string; object_key: string }) => [r.kind, path.join(gw.config.ledger.archive.dir, r.object_key.split('/')[0]!, r.object_key.split('/')[1]!.slice(0, 2), r.object_key.split('/')[1]!)]));
    for (const f of Object.values(byKind)) fs.chmodSync(f, 0o640);
    fs.rmSync(byKind.K!);
    fs.truncateSync(byKind.YB!, 10);
    const dr = fs.readFileSync(byKind.DR!);
    dr[Math.floor(dr.length / 2)] ^= 0xff;
    fs.writeFileSync(byKind.DR!, dr);

    const [v] = await client.VerifyLedgerArchiveAsync({});
    expect(v.ok).to.equal(false);
    const problems = list<{ fileName: string; problem: string; seq: string }>(v.problem);
    const found = (p: string) => problems.filter((x) => x.problem === p).map((x) => x.fileName);
    expect(found('MISSING')).to.include(name('K'));
    expect(found('SIZE_CHANGED')).to.include(name('YB'));
    expect(found('CONTENT_CHANGED')).to.include(name('DR'));
    // The first broken entry is the earliest in the chain: version 1's Defter Raporu (DR sorts first), entry 1.
    expect(v.firstBroken).to.include({ seq: 1, fileName: name('DR'), problem: 'CONTENT_CHANGED' });

    const env = { ...process.env, GW_DATA_DIR: gw.config.dataDir, GW_DATABASE_URL: gw.testDb.databaseUrl ?? '', GW_SQLITE_FILE: gw.testDb.sqliteFile };
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'ledger:verify', '--vkn', TEST_VKN], { env, cwd: REPO_DIR }).catch((e) => e);
    expect(cli.code).to.equal(1);
    expect(cli.stdout).to.contain(`BOZUK 1 2026-01 ${name('DR')} CONTENT_CHANGED`);
    expect(cli.stdout).to.contain(`${name('K')} MISSING`);
    expect(cli.stdout).to.contain(`arşiv bozuk: ilk bozuk kayıt 1 (${name('DR')})`);

    const [status] = await client.GetLedgerBackupStatusAsync({ period: '2026-01' });
    expect(status.month).to.include({ state: 'FAILED', description: `Yedeklenemedi: ${name('DR')}: içeriği değişmiş (SHA-256 tutmuyor)`, status: -1 });
    expect(status.message).to.contain('yedeklenemedi');

    // Sent again from the gateway's own books: the same bytes, stored again, heal every version that shares them.
    const [again] = await client.StoreLedgerAsync({ period: '2026-01', fromGateway: true });
    expect(again.month).to.include({ state: 'PROCESSED', versions: 3 });
    expect((await client.GetLedgerBackupStatusAsync({ period: '2026-01' }))[0].month.state).to.equal('BACKED_UP');
    const [healed] = await client.VerifyLedgerArchiveAsync({});
    expect(healed).to.include({ ok: true, entries: 29 });
    expect((await run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'ledger:verify', '--vkn', TEST_VKN], { env, cwd: REPO_DIR })).stdout).to.contain('arşiv sağlam');
  });

  it('the hash chain: an entry edited in the database breaks the chain there; entries cut off its end no longer reach its head', async () => {
    const db = gw.testDb.db;
    await db('ledger_archive_chain').where({ tenant_id: gw.tenant.id, seq: 5 }).update({ size_bytes: 1 });
    let [v] = await client.VerifyLedgerArchiveAsync({});
    expect(v.firstBroken).to.include({ seq: 5, problem: 'CHAIN_BROKEN' });
    const original = await db('ledger_archive_files').where({ id: (await db('ledger_archive_chain').where({ tenant_id: gw.tenant.id, seq: 5 }).first()).file_id }).first();
    await db('ledger_archive_chain').where({ tenant_id: gw.tenant.id, seq: 5 }).update({ size_bytes: original.size_bytes });
    [v] = await client.VerifyLedgerArchiveAsync({});
    expect(v.ok).to.equal(true);
    await db('ledger_archive_chain').where({ tenant_id: gw.tenant.id }).andWhere('seq', '>', 20).delete();
    [v] = await client.VerifyLedgerArchiveAsync({});
    const problems = list<{ problem: string }>(v.problem).map((p) => p.problem);
    expect(problems).to.include('HEAD_MISMATCH');
    expect(problems).to.include('NOT_CHAINED');
  });
});
