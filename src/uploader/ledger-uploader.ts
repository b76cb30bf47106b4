/**
 * The e-Defter program's uploader (the e-Defter.exe role in seed 002; `npm run cli -- ledger:upload FOLDER`): finds the
 * month ZIPs under a folder (`edefter/xml/VKN/…/MM/*.zip` as the seed's screenshot shows, or any layout: files are
 * known by GİB's names), and for each month the gateway does not hold as it is here, sends its files in chunks over
 * the gateway's SOAP API (PutLedgerBackupChunk), resuming each file where the gateway's count of received bytes
 * stands — so an interrupted run sends nothing twice — then StoreLedger and the status query ("Durum Sorgula").
 * It is a client: it knows the gateway only by its WSDL URL and a user's credentials.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as soap from 'soap';
import { parseArchiveName, type ArchiveName } from '../ledger/archive-files';

export interface LocalFile extends ArchiveName {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface UploadProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  current: string;
}

export interface MonthOutcome {
  vkn: string;
  period: string;
  /** 'stored': sent and stored now; 'unchanged': the gateway already had these very files; 'failed': see message. */
  outcome: 'stored' | 'unchanged' | 'failed';
  bytesSent: number;
  message: string;
}

export interface UploaderOptions {
  folder: string;
  /** The gateway's SOAP endpoint (its WSDL is at `?wsdl`). */
  url: string;
  username: string;
  password: string;
  chunkBytes?: number;
  onProgress?: (p: UploadProgress) => void;
  /** Stop after this many bytes sent (tests: an interrupted run). */
  stopAfterBytes?: number;
}

export class UploadInterrupted extends Error {
  override name = 'UploadInterrupted';
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every month ZIP under `folder` by GİB's name, grouped by company and month, oldest month first. */
export async function findMonths(folder: string): Promise<Array<{ vkn: string; period: string; files: LocalFile[] }>> {
  const found: LocalFile[] = [];
  for (const entry of await fsp.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const name = parseArchiveName(entry.name);
    if (!name) continue;
    const file = path.join(entry.parentPath, entry.name);
    found.push({ ...name, path: file, sizeBytes: (await fsp.stat(file)).size, sha256: await sha256Of(file) });
  }
  const months = new Map<string, { vkn: string; period: string; files: LocalFile[] }>();
  for (const f of found) {
    const key = `${f.vkn} ${f.period}`;
    if (!months.has(key)) months.set(key, { vkn: f.vkn, period: f.period, files: [] });
    months.get(key)!.files.push(f);
  }
  return [...months.values()].sort((a, b) => a.period.localeCompare(b.period) || a.vkn.localeCompare(b.vkn));
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined || v === null ? [] : ([v].flat() as T[]));

/** The gateway's fault text (code and Turkish message), or the error's own. */
function faultText(err: unknown): string {
  const detail = (err as { root?: { Envelope?: { Body?: { Fault?: { detail?: { GatewayFault?: { code: string; message: string } } } } } } }).root?.Envelope?.Body?.Fault?.detail?.GatewayFault;
  return detail ? `${detail.code}: ${detail.message}` : err instanceof Error ? err.message : String(err);
}

export async function uploadLedgerFolder(opts: UploaderOptions): Promise<MonthOutcome[]> {
  const chunkBytes = opts.chunkBytes ?? 4 * 1024 * 1024;
  const months = await findMonths(opts.folder);
  const client = await soap.createClientAsync(`${opts.url}?wsdl`);
  client.setSecurity(new soap.WSSecurity(opts.username, opts.password, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false }));
  client.setEndpoint(opts.url);

  // What the gateway already holds as it is here: those months are not sent again.
  const todo: typeof months = [];
  const outcomes: MonthOutcome[] = [];
  for (const m of months) {
    const [res] = await client.ListLedgerBackupsAsync({ from: m.period, to: m.period });
    const stored = list<{ file?: unknown; versions: number }>(res.month)[0];
    const have = new Map(list<{ fileName: string; sha256: string }>(stored?.file as never).map((f) => [f.fileName, f.sha256]));
    const same = have.size === m.files.length && m.files.every((f) => have.get(f.fileName) === f.sha256);
    if (same) outcomes.push({ vkn: m.vkn, period: m.period, outcome: 'unchanged', bytesSent: 0, message: 'entegratörde aynı dosyalar saklı' });
    else todo.push(m);
  }
  const progress: UploadProgress = { bytesDone: 0, bytesTotal: todo.reduce((n, m) => n + m.files.reduce((k, f) => k + f.sizeBytes, 0), 0), filesDone: 0, filesTotal: todo.reduce((n, m) => n + m.files.length, 0), current: '' };
  let sentThisRun = 0;

  for (const m of todo) {
    let bytesSent = 0;
    try {
      for (const f of m.files) {
        progress.current = f.fileName;
        // An empty chunk asks where the gateway's count stands for this very file (0 for a new one).
        const call = (offset: number, content: Buffer) => client.PutLedgerBackupChunkAsync({ period: m.period, fileName: f.fileName, totalBytes: f.sizeBytes, sha256: f.sha256, offset, content: content.toString('base64') });
        let [r] = await call(0, Buffer.alloc(0));
        let at = Number(r.receivedBytes);
        progress.bytesDone += at;
        opts.onProgress?.(progress);
        const handle = await fsp.open(f.path, 'r');
        try {
          const buffer = Buffer.allocUnsafe(chunkBytes);
          while (at < f.sizeBytes) {
            if (opts.stopAfterBytes !== undefined && sentThisRun >= opts.stopAfterBytes) throw new UploadInterrupted(`${sentThisRun} bayt gönderildikten sonra durduruldu`);
            const { bytesRead } = await handle.read(buffer, 0, Math.min(chunkBytes, f.sizeBytes - at), at);
            [r] = await call(at, buffer.subarray(0, bytesRead));
            at += bytesRead;
            bytesSent += bytesRead;
            sentThisRun += bytesRead;
            progress.bytesDone += bytesRead;
            opts.onProgress?.(progress);
          }
        } finally {
          await handle.close();
        }
        progress.filesDone++;
        opts.onProgress?.(progress);
      }
      await client.StoreLedgerAsync({ period: m.period });
      const [status] = await client.GetLedgerBackupStatusAsync({ period: m.period });
      outcomes.push({ vkn: m.vkn, period: m.period, outcome: status.month.state === 'BACKED_UP' ? 'stored' : 'failed', bytesSent, message: status.message });
    } catch (err) {
      if (err instanceof UploadInterrupted) throw err;
      outcomes.push({ vkn: m.vkn, period: m.period, outcome: 'failed', bytesSent, message: faultText(err) });
    }
  }
  return outcomes;
}
