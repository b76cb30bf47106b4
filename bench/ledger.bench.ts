/**
 * e-Defter at size (issue 12): a month's journal big enough for a Yevmiye of TARGET_MB, through the gateway's own
 * steps — the upload's whole check, then Dosya Oluştur → Dosya İmzala → Berat Oluştur → Berat İmzala run by the
 * ledger.advance job — with the time of each step (from the books' history), the books' sizes, the process's peak
 * RSS, and beside it, in the same run, `sha256sum` of the sealed Yevmiye (the floor: reading the bytes once).
 *
 *   npx tsx bench/ledger.bench.ts [TARGET_MB=190] [--schematron]
 *
 * A month over GW_LEDGER_PART_BYTES (200 MiB) is split into parts (…-Y-000001, …); the figures are then for all parts.
 * `--schematron` also times GİB's own rules (edefter_yevmiye.sch compiled to XSLT, Saxon-HE: `java` and Debian's
 * libsaxonhe-java) on the first part, for comparison with the gateway's checks inside Dosya Oluştur.
 *
 * The journal is generated as a CSV (entries of 2–4 lines over 400 sub-accounts of 60 main accounts, with documents
 * and descriptions like an ERP's export), zipped, and given to the ledger service as UploadLedger does; SQLite, the
 * development seal (a software key: RSA signing is a few milliseconds per file either way).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import yazl from 'yazl';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDb, migrate } from '../src/db/connect';
import { compileEdefterSchematron, saxon } from '../test/helpers/gib-schematron';

const targetMb = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 190);
const withSchematron = process.argv.includes('--schematron');
const VKN = '1234567801';
const PERIOD = '2026-01';

/** About how many bytes of Yevmiye one CSV line becomes (measured on this generator: ≈ 1.6 KB). */
const YEVMIYE_BYTES_PER_LINE = 1600;

function generateCsv(file: string, lines: number): { entries: number; lines: number } {
  const fd = fs.openSync(file, 'w');
  let buf = 'fis_no;fis_tarihi;satir_no;hesap_kodu;hesap_adi;alt_hesap_kodu;alt_hesap_adi;borc;alacak;aciklama;belge_turu;belge_turu_aciklama;belge_no;belge_tarihi;odeme_sekli;fis_aciklama\n';
  const mains = Array.from({ length: 60 }, (_, i) => String(100 + i * 13));
  let entry = 0;
  let written = 0;
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  while (written < lines) {
    entry++;
    const day = String(1 + Math.floor(((entry - 1) * 31) / Math.max(1, lines / 3))).padStart(2, '0');
    const date = `${PERIOD}-${Number(day) > 31 ? '31' : day}`;
    const n = 2 + rnd(3);
    const amounts = Array.from({ length: n - 1 }, () => 100 + rnd(1_000_000));
    const total = amounts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      const main = mains[rnd(mains.length)]!;
      const sub = `${main}.${String(rnd(7)).padStart(2, '0')}`;
      const kurus = i < n - 1 ? amounts[i]! : total;
      const amount = `${Math.floor(kurus / 100)},${String(kurus % 100).padStart(2, '0')}`;
      const [debit, credit] = i < n - 1 ? [amount, '0'] : ['0', amount];
      buf += `${entry};${date};${i + 1};${main};HESAP ${main};${sub};ALT HESAP ${sub};${debit};${credit};Satır açıklaması ${entry}/${i + 1};invoice;;FTR${String(entry).padStart(9, '0')};${date};KREDI;Yevmiye maddesi ${entry}\n`;
    }
    written += n;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  return { entries: entry, lines: written };
}

function zipFile(src: string, name: string, dest: string): Promise<void> {
  const z = new yazl.ZipFile();
  z.addFile(src, name, { compress: true });
  z.end();
  return new Promise((resolve, reject) => z.outputStream.pipe(fs.createWriteStream(dest)).on('close', resolve).on('error', reject));
}

const ms = (from: string, to: string) => Date.parse(to) - Date.parse(from);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-ledger-bench-'));
  const csv = path.join(dir, `${VKN}-202601.csv`);
  const zip = path.join(dir, `${VKN}-202601.zip`);
  let t = Date.now();
  const gen = generateCsv(csv, Math.round((targetMb * 1024 * 1024) / YEVMIYE_BYTES_PER_LINE));
  await zipFile(csv, path.basename(csv), zip);
  console.log(`journal: ${gen.entries} entries, ${gen.lines} lines; CSV ${(fs.statSync(csv).size / 2 ** 20).toFixed(1)} MB, ZIP ${(fs.statSync(zip).size / 2 ** 20).toFixed(1)} MB (generated in ${Date.now() - t} ms)`);
  fs.rmSync(csv);

  const config = loadConfig({ GW_DATA_DIR: path.join(dir, 'data'), GW_WORKER_POLL_MS: '20' });
  const db = createDb({ databaseUrl: null, sqliteFile: config.sqliteFile });
  await migrate(db);
  const gateway = await createApp({ config, db, logger: pino({ level: 'warn' }) });
  const tenant = await gateway.services.tenants.createTenant({ vkn: VKN, title: 'BENCH TICARET A.S.' });
  const caller = { userId: 0, username: 'bench', tenantId: tenant.id, tenantVkn: VKN };
  const ledgers = gateway.services.ledgers;
  await ledgers.saveSettings(caller, {
    phone: '3121111111', email: 'info@bench.com.tr', webSite: 'www.bench.com.tr',
    address: { buildingNumber: '1', street: 'Cadde', city: 'Ankara', postalCode: '06100', country: 'Türkiye' },
    nace: '47.19.01', branch: null, accountant: { name: 'SMMM Bench', engagement: '-' }, enteredBy: 'Bench',
  });
  await gateway.signers.signerFor(tenant.id); // the development seal is made once, outside the timings

  // The gateway answers SOAP calls in this process while the steps run: the longest time its event loop was blocked.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  t = Date.now();
  await ledgers.receive(caller, { fileName: path.basename(zip), data: fs.createReadStream(zip), via: 'SFTP' });
  const uploadMs = Date.now() - t;
  t = Date.now();
  await ledgers.requestStep(caller, PERIOD, 'ALL');
  // The worker as under `npm start` (runUntilIdle would poll every 5 ms beside the work).
  gateway.worker.start();
  const settled = (s: string) => ['BERAT_SIGNED', 'CHECK_FAILED', 'NOT_STARTED'].includes(s);
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const books = (await ledgers.month(caller, PERIOD)).books;
    if (books.every((b) => b.state === 'BERAT_SIGNED' || b.state === 'CHECK_FAILED')) break;
    if (books.every((b) => settled(b.state)) && (await db('jobs').where('task', 'ledger.advance').whereNull('failed_at').count({ n: '*' }).first())!.n === 0) break;
  }
  const stepsMs = Date.now() - t;
  loopDelay.disable();

  const month = await ledgers.month(caller, PERIOD);
  const states = month.books.map((b) => b.state);
  if (states.some((s) => s !== 'BERAT_SIGNED')) {
    const jobs = await db('jobs').where('task', 'ledger.advance').select('attempts', 'run_at', 'failed_at', 'last_error');
    throw new Error(`books ended in ${states.join(', ')}: ${month.books.map((b) => b.lastError).join(' ')} ${JSON.stringify(jobs)}`);
  }
  const y = (await db('ledger_books').where({ tenant_id: tenant.id, period: PERIOD, book: 'Y' }).first()) as { id: number };
  const history = (await gateway.store.history('ledger-book', y.id)) as Array<{ event: string; at: string }>;
  const at = (event: string) => history.find((h) => h.event === event)!.at;
  const plan = history.filter((h) => h.event === 'PLAN').at(-1)!.at;
  const steps = [
    ['Dosya Oluştur (check, Yevmiye + Büyük Defter)', ms(plan, at('BUILD'))],
    ['Dosya İmzala (both books)', ms(at('BUILD'), at('SIGN'))],
    ['Berat Oluştur', ms(at('SIGN'), at('BUILD_BERAT'))],
    ['Berat İmzala', ms(at('BUILD_BERAT'), at('SIGN_BERAT'))],
  ] as const;
  const files = month.books.flatMap((b) => b.files);
  const yParts = files.filter((f) => /-Y-\d{6}\.xml$/.test(f.fileName));
  const kParts = files.filter((f) => /-K-\d{6}\.xml$/.test(f.fileName));
  const mb = (list: typeof files) => (list.reduce((n, f) => n + f.sizeBytes, 0) / 2 ** 20).toFixed(1);
  const yPaths = await Promise.all(yParts.map(async (f) => `${gateway.config.ledger.dir}/${(await ledgers.file(caller, PERIOD, f.fileName)).row.path}`));
  t = Date.now();
  execFileSync('sha256sum', yPaths, { stdio: 'ignore' });
  const shaMs = Date.now() - t;

  const parts = (list: typeof files) => (list.length === 1 ? '1 part' : `${list.length} parts of ≤ ${(Math.max(...list.map((f) => f.sizeBytes)) / 2 ** 20).toFixed(1)} MB`);
  console.log(`Yevmiye ${mb(yParts)} MB (${parts(yParts)}), Büyük Defter ${mb(kParts)} MB (${parts(kParts)})`);
  console.log(`upload (ZIP + whole-journal check): ${(uploadMs / 1000).toFixed(2)} s`);
  for (const [name, v] of steps) console.log(`${name}: ${(v / 1000).toFixed(2)} s`);
  console.log(`Dosya Oluştur → Berat İmzala: ${(stepsMs / 1000).toFixed(2)} s`);
  console.log(`sha256sum of the sealed Yevmiye: ${(shaMs / 1000).toFixed(2)} s`);
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`event loop blocked at most: ${(loopDelay.max / 1e6).toFixed(0)} ms (p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms)`);
  if (withSchematron) {
    // GİB's rules read the VKN and period from the file's name, in a folder without digit-dash runs.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-sch-'));
    const first = path.join(work, yParts[0]!.fileName);
    fs.copyFileSync(yPaths[0]!, first);
    t = Date.now();
    const xsl = compileEdefterSchematron('edefter_yevmiye', work);
    const compileMs = Date.now() - t;
    t = Date.now();
    saxon([`-s:${first}`, `-xsl:${xsl}`, `-o:${path.join(work, 'svrl.xml')}`]);
    const runMs = Date.now() - t;
    const failed = (fs.readFileSync(path.join(work, 'svrl.xml'), 'utf8').match(/<svrl:failed-assert/g) ?? []).length;
    console.log(`GİB's edefter_yevmiye.sch (Saxon-HE) on ${yParts[0]!.fileName} (${(yParts[0]!.sizeBytes / 2 ** 20).toFixed(1)} MB): compile ${(compileMs / 1000).toFixed(2)} s, run ${(runMs / 1000).toFixed(2)} s, ${failed} failed asserts`);
    fs.rmSync(work, { recursive: true, force: true });
  }
  await gateway.worker.stop();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
