/**
 * The e-Defter program's uploader (the e-Defter.exe role in seed 002; `npm run cli -- ledger:upload FOLDER`): finds the
 * month ZIPs under a folder (`edefter/xml/VKN/…/MM/*.zip` as the seed's screenshot shows, or any layout: files are
 * known by GİB's names), and for each month the gateway does not hold as it is here, sends its files in chunks over
 * the gateway's SOAP API (PutLedgerBackupChunk), resuming each file where the gateway's count of received bytes
 * stands — so an interrupted run sends nothing twice — then StoreLedger and the status query ("Durum Sorgula").
 * It is a client: it knows the gateway only by its WSDL URL and a user's credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArchiveName, type ArchiveName } from '../ledger/archive-files';
import { gatewayClient, soapFaultOf } from './gateway-client';
import { buildUsernameTokenHeader } from '../security/wsse';
import { parseXml, type XmlElement } from '../xml/parse';

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
  /** Stop before sending more than this many bytes (tests: an interrupted run). */
  stopAfterBytes?: number;
  /** Files sent at the same time (default 1). */
  parallelFiles?: number;
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

/** A fault the gateway answered a raw call with. */
export class GatewayFaultError extends Error {
  override name = 'GatewayFaultError';
  constructor(readonly code: number, message: string) {
    super(`${code}: ${message}`);
  }
}

function descendant(el: XmlElement, local: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.local === local) return c;
    const found = descendant(c, local);
    if (found) return found;
  }
  return undefined;
}

/**
 * One PutLedgerBackupChunk call, written by hand rather than through the SOAP client: the chunk's base64 goes
 * straight into the body (node-soap's serializer walks and escapes a 5 MB string on every call).
 */
async function putChunkRaw(url: string, auth: { username: string; password: string }, f: { period: string; fileName: string; totalBytes: number; sha256: string; offset: number }, content: Buffer): Promise<{ receivedBytes: number; complete: boolean }> {
  const header = buildUsernameTokenHeader(auth.username, auth.password, { nonce: randomBytes(16), created: new Date().toISOString() });
  const el = (name: string, v: string | number) => `<tns:${name}>${v}</tns:${name}>`;
  const body = Buffer.concat([
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:acik-entegrator:gateway:1">' +
        `<soap:Header>${header}</soap:Header><soap:Body><tns:PutLedgerBackupChunkRequest>` +
        el('period', f.period) + el('fileName', f.fileName) + el('totalBytes', f.totalBytes) + el('sha256', f.sha256) + el('offset', f.offset) + '<tns:content>',
    ),
    Buffer.from(content.toString('base64')),
    Buffer.from('</tns:content></tns:PutLedgerBackupChunkRequest></soap:Body></soap:Envelope>'),
  ]);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"urn:acik-entegrator:gateway:1#PutLedgerBackupChunk"' }, body });
  const root = parseXml(Buffer.from(await res.arrayBuffer())).root;
  const fault = descendant(root, 'GatewayFault');
  if (fault) throw new GatewayFaultError(Number(descendant(fault, 'code')?.text), descendant(fault, 'message')?.text ?? '');
  const received = descendant(root, 'receivedBytes');
  if (!received) throw new Error(`unexpected answer (HTTP ${res.status})`);
  return { receivedBytes: Number(received.text), complete: descendant(root, 'complete')?.text === 'true' };
}

/** The gateway's fault text (code and Turkish message), or the error's own. */
function faultText(err: unknown): string {
  if (err instanceof GatewayFaultError) return err.message;
  const fault = soapFaultOf(err);
  return fault && fault.code !== 0 ? `${fault.code}: ${fault.message}` : err instanceof Error ? err.message : String(err);
}

export async function uploadLedgerFolder(opts: UploaderOptions): Promise<MonthOutcome[]> {
  const chunkBytes = opts.chunkBytes ?? 4 * 1024 * 1024;
  const months = await findMonths(opts.folder);
  const client = await gatewayClient(opts);

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
      // One file after another by default: two at a time measured no faster (the gateway's one thread parsing the
      // chunks is the limit) and held more memory there.
      const queue = [...m.files].sort((a, b) => b.sizeBytes - a.sizeBytes);
      const lane = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          progress.current = f.fileName;
          const file = f;
          const call = (offset: number, content: Buffer) => putChunkRaw(opts.url, opts, { period: m.period, fileName: file.fileName, totalBytes: file.sizeBytes, sha256: file.sha256, offset }, content);
          // An empty chunk asks where the gateway's count stands for this very file (0 for a new one).
          let at = (await call(0, Buffer.alloc(0))).receivedBytes;
          progress.bytesDone += at;
          opts.onProgress?.(progress);
          const handle = await fsp.open(f.path, 'r');
          try {
            const buffer = Buffer.allocUnsafe(chunkBytes);
            while (at < f.sizeBytes) {
              const n = Math.min(chunkBytes, f.sizeBytes - at);
              if (opts.stopAfterBytes !== undefined && sentThisRun + n > opts.stopAfterBytes) throw new UploadInterrupted(`${sentThisRun} bayt gönderildikten sonra durduruldu`);
              sentThisRun += n;
              const { bytesRead } = await handle.read(buffer, 0, n, at);
              at = (await call(at, buffer.subarray(0, bytesRead))).receivedBytes;
              bytesSent += bytesRead;
              progress.bytesDone += bytesRead;
              opts.onProgress?.(progress);
            }
          } finally {
            await handle.close();
          }
          progress.filesDone++;
          opts.onProgress?.(progress);
        }
      };
      await Promise.all(Array.from({ length: opts.parallelFiles ?? 1 }, lane));
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
