/**
 * e-Defter's archive at size (issue 13): a month of seven ZIPs totalling TARGET_MB stored through the gateway's SOAP
 * API by the uploader (`npm run cli -- ledger:upload`, a process of its own, as the e-Defter program would be):
 * chunks uploaded, StoreLedger's checks and the copy into the archive, then Durum Sorgula re-reading and re-hashing
 * everything — with the gateway process's peak RSS, and beside it, in the same run, `cp` and `sha256sum` of the same
 * files (the floor: the bytes copied once and read once).
 *
 *   npx tsx bench/ledger-archive.bench.ts [TARGET_MB=1024] [CHUNK_MB=4]
 *
 * The month is real: built, sealed and sent by the gateway's own e-Defter steps to GİB's simulator (in this process,
 * over HTTP) and approved, so the berats and GİB's approved berats are what StoreLedger checks. To reach the size, the
 * Yevmiye and the Büyük Defter are then padded, each with one XML comment of their own text repeated (the archive
 * does not re-verify a book's seal: it checks that each berat carries its book's SignatureValue, which the padding
 * keeps), and the ZIPs are written without compression, so TARGET_MB of ZIP is that much XML to read and scan.
 * SQLite, the company's seal on a SoftHSM token (as the tests: softhsm2 must be installed).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { createDb } from '../src/db/connect';
import { createSimulator } from '../src/simulator';
import { unpackDocument } from '../src/zip/read';
import { zipOne } from '../src/zip/write';
import { tempDir } from '../test/helpers/db';
import { TEST_VKN } from '../test/helpers/gateway';
import { startGibWorld, until } from '../test/helpers/ledger-world';
import { testRootCa } from '../test/helpers/softhsm';

const targetMb = Number(process.argv[2] ?? 1024);
const chunkMb = Number(process.argv[3] ?? 4);
const REPO_DIR = path.resolve(__dirname, '..');
const KINDS = ['Y', 'K', 'YB', 'KB', 'GIB-YB', 'GIB-KB', 'DR'];
const xmlName = (kind: string) => (kind.startsWith('GIB-') ? `GIB-${TEST_VKN}-202601-${kind.slice(4)}-000000.xml` : `${TEST_VKN}-202601-${kind}-000000.xml`);
const mb = (n: number) => (n / 1048576).toFixed(0);
const s = (ms: number) => (ms / 1000).toFixed(2);

/** `xml` with one comment of its own text (up to its signature) after the declaration, `bytes` long in all. */
function writePadded(file: string, xml: Buffer, bytes: number): void {
  const declEnd = xml.indexOf('?>') + 2;
  const text = xml.subarray(declEnd, xml.indexOf('<ds:Signature')).toString('utf8').replace(/-/g, '_');
  const unit = Buffer.from(text.repeat(Math.max(1, Math.ceil((1 << 20) / text.length))));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, xml.subarray(0, declEnd));
  fs.writeSync(fd, '<!--');
  let left = bytes - xml.length - 7;
  while (left > 0) {
    const n = Math.min(left, unit.length);
    fs.writeSync(fd, unit, 0, n);
    left -= n;
  }
  fs.writeSync(fd, '-->');
  fs.writeSync(fd, xml.subarray(declEnd));
  fs.closeSync(fd);
}

function zipStored(xmlFile: string, entryName: string, zipFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    z.addFile(xmlFile, entryName, { compress: false });
    z.end();
    z.outputStream.pipe(fs.createWriteStream(zipFile)).on('close', () => resolve()).on('error', reject);
  });
}

async function buildMonth() {
  const work = tempDir('gw-archive-bench-');
  const sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => null, trustedRoots: [testRootCa().certPem] });
  const { gw, client } = await startGibWorld(work, sim, { GW_ARCHIVE_MAX_FILE_BYTES: String(4 * 1024 ** 3), GW_LOG_LEVEL: 'warn' });
  try {
    const csv = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601.csv`, csv)).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    await until('the month approved', async () => {
      const m = [(await client.GetLedgerStatusAsync({ from: '2026-01', to: '2026-01' }))[0].month].flat()[0];
      return m?.ledgerBook.every((b: { state: string }) => b.state === 'DOWNLOADED') ? true : undefined;
    }, 120_000);

    // The e-Defter program's folder, the books padded to the size.
    const month = path.join(work, 'edefter', 'xml', TEST_VKN, '01.01.2026-31.12.2026', '01');
    fs.mkdirSync(month, { recursive: true });
    const small: Record<string, Buffer> = {};
    for (const kind of KINDS) {
      const [f] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: xmlName(kind) });
      small[kind] = (await unpackDocument(Buffer.from(f.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 64 << 20 })).xml;
    }
    const rest = KINDS.filter((k) => k !== 'Y' && k !== 'K').reduce((n, k) => n + small[k]!.length, 0);
    const each = Math.floor((targetMb * 1048576 - rest) / 2);
    for (const kind of KINDS) {
      const xmlFile = path.join(work, xmlName(kind));
      if (kind === 'Y' || kind === 'K') writePadded(xmlFile, small[kind]!, each);
      else fs.writeFileSync(xmlFile, small[kind]!);
      await zipStored(xmlFile, xmlName(kind), path.join(month, xmlName(kind).replace('.xml', '.zip')));
      fs.rmSync(xmlFile);
    }
    const files = fs.readdirSync(month).map((f) => path.join(month, f));
    const total = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    console.log(`month: ${files.length} ZIPs, ${mb(total)} MB (Yevmiye and Büyük Defter ${mb(each)} MB each)`);

    // The roots StoreLedger checks the seals with: the company's (the tests' root) and GİB's (the simulator's).
    const roots = path.join(work, 'roots.pem');
    fs.writeFileSync(roots, `${testRootCa().certPem}\n${String(await sim.gibSealRoot())}`);
    return { work, folder: path.join(work, 'edefter'), files, total, roots };
  } finally {
    await gw.gateway.signers.close();
    await gw.close();
    await sim.stop();
  }
}

/** /proc's view of a process: its resident set now and its peak (VmHWM), in bytes. */
function rssOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function main() {
  const { work, folder, files, total, roots } = await buildMonth();
  try {
    // The floor, in the same run: the bytes copied once (cp) and read once (sha256sum).
    const copyDir = path.join(work, 'cp');
    fs.mkdirSync(copyDir);
    execFileSync('sync');
    let t = performance.now();
    execFileSync('cp', [...files, copyDir]);
    execFileSync('sync');
    const cpMs = performance.now() - t;
    fs.rmSync(copyDir, { recursive: true });
    t = performance.now();
    execFileSync('sha256sum', files, { stdio: 'ignore' });
    const shaMs = performance.now() - t;

    // The gateway as its own process (bench/gateway-server.ts: embedded defaults, local archive), fresh.
    const gateway = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', path.join(REPO_DIR, 'bench', 'gateway-server.ts')], {
      cwd: REPO_DIR,
      env: { ...process.env, ...(process.env.BENCH_GATEWAY_ENV ? Object.fromEntries(process.env.BENCH_GATEWAY_ENV.split(' ').map((kv) => kv.split('='))) : {}), GW_TRUSTED_ROOTS: roots, GW_ARCHIVE_MAX_FILE_BYTES: String(4 * 1024 ** 3) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const info = await new Promise<{ port: number; username: string; password: string; dataDir: string }>((resolve, reject) => {
      let text = '';
      gateway.stdout.on('data', (c) => {
        text += c;
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]!));
      });
      gateway.on('exit', (code) => reject(new Error(`gateway exited ${code}`)));
    });
    try {
      const passwordFile = path.join(work, 'parola');
      fs.writeFileSync(passwordFile, info.password);
      const db = createDb({ databaseUrl: null, sqliteFile: path.join(info.dataDir, 'gateway.sqlite'), poolMax: 1 });
      const idle = rssOf(gateway.pid!);
      let peak = idle.rss;
      let peakUpload = idle.rss;
      let uploadedAt = 0;
      const watcher = setInterval(async () => {
        const now = rssOf(gateway.pid!).rss;
        peak = Math.max(peak, now);
        if (!uploadedAt) peakUpload = Math.max(peakUpload, now);
        if (uploadedAt) return;
        const ups = await db('ledger_archive_uploads').select('received_bytes', 'total_bytes').catch(() => []);
        if (ups.length === files.length && ups.every((u: { received_bytes: number; total_bytes: number }) => Number(u.received_bytes) === Number(u.total_bytes))) uploadedAt = Date.now();
      }, 50);
      const t0 = Date.now();
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'ledger:upload', folder, '--url', `http://127.0.0.1:${info.port}/soap/gateway`, '--username', info.username, '--password-file', passwordFile, '--chunk-mb', String(chunkMb)], { cwd: REPO_DIR, env: { ...process.env, GW_DATA_DIR: path.join(work, 'uploader') }, stdio: ['ignore', 'pipe', 'ignore'] });
        let text = '';
        child.stdout.on('data', (c) => (text += c));
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`uploader exited ${code}: ${text}`))));
      });
      const endMs = Date.now();
      clearInterval(watcher);
      const hwm = rssOf(gateway.pid!).hwm;
      const backup = await db('ledger_backups').where({ period: '2026-01' }).first();
      const history = await db('state_history').where({ machine: 'ledger-backup', entity_id: backup.id }).orderBy('id');
      await db.destroy();
      const storedAt = Date.parse(history.find((h: { event: string }) => h.event === 'STORE').at);
      const verifiedAt = Date.parse(history.find((h: { event: string }) => h.event === 'VERIFY').at);
      console.log(out.trim());
      // Phases by the wall clock: the last chunk seen in (polled every 50 ms), STORE and VERIFY from the month's history.
      const uploadMs = uploadedAt - t0;
      const storeMs = storedAt - uploadedAt;
      const statusMs = verifiedAt - storedAt;
      console.log('');
      console.log('| step | seconds | MB/s |');
      console.log('|---|---:|---:|');
      const row = (name: string, ms: number) => console.log(`| ${name} | ${s(ms)} | ${(total / 1048576 / (ms / 1000)).toFixed(0)} |`);
      row('cp of the seven files (+ sync)', cpMs);
      row('sha256sum of the seven files', shaMs);
      row(`upload: PutLedgerBackupChunk, ${chunkMb} MB chunks, each fsynced`, uploadMs);
      row('StoreLedger: the checks and the copy into the archive', storeMs);
      row('Durum Sorgula: every stored file read back and hashed', statusMs);
      row('the uploader from start to its last line', endMs - t0);
      console.log('');
      console.log(`gateway process RSS: ${mb(idle.rss)} MB idle, peak ${mb(Math.max(peak, hwm))} MB (VmHWM ${mb(hwm)} MB; ${mb(peakUpload)} MB while the chunks came in)`);
    } finally {
      gateway.kill('SIGTERM');
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
