/**
 * The one ZIP reader (SendInvoice's documents, GİB's envelopes, reports and user lists). unpackDocument is the ZIP
 * step of GİB's order (ZIP → XML → XSD → rules): an incoming document is either one XML file or a ZIP holding
 * exactly one XML file (Ek-2 codes 1110 ZIP DOSYASI DEGIL, 1130 ZIP ACILAMADI, 1131 ZIP BIR DOSYA ICERMELI, 1132 XML
 * DOSYASI DEGIL), plus the gateway's own guards: no path-like entry names (4005) and a hard limit on inflated bytes
 * that does not trust the sizes the archive declares (4006, zip bombs). readXmlEntry reads what it can of an archive
 * those checks refused (one XML entry of several), under the same limit.
 *
 * yauzl reads the central directory; the entry's raw bytes are inflated here, under the limit:
 * - a small entry (declared ≤ 1 MB) is inflated synchronously with zlib's maxOutputLength, which stops inflating as
 *   soon as the output would pass the cap (measured on a 10-line invoice: 0.05 ms, against 0.14 ms CPU for the
 *   stream path below); if it passes the cap although the header said ≤ 1 MB, the stream path takes over to tell a
 *   lying header (ZIP_UNREADABLE) from a bomb (ZIP_TOO_LARGE);
 * - anything larger is inflated as a stream on zlib's thread pool, counting bytes and destroying the stream the
 *   moment the count passes maxUnzippedBytes, so a bomb costs at most the limit in memory and time.
 * The CRC-32 of the result must match the entry's (yauzl does not check it).
 */
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { GatewayError, isGatewayError } from '../faults';

export interface UnpackOptions {
  /** 'auto': a ZIP when the bytes start with a ZIP signature, else XML. */
  container: 'auto' | 'xml' | 'zip';
  maxUnzippedBytes: number;
}

export interface Unpacked {
  /** The entry's name inside the ZIP; null for a bare XML document. */
  fileName: string | null;
  xml: Buffer;
}

/** Above this declared size the entry is inflated on the thread pool instead of synchronously. */
const SYNC_INFLATE_MAX = 1024 * 1024;

/** PK\x03\x04 (a local file header) or PK\x05\x06 (the end record of an empty archive). */
export function looksLikeZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06));
}

export async function unpackDocument(input: Buffer, opts: UnpackOptions): Promise<Unpacked> {
  const zip = looksLikeZip(input);
  if (opts.container === 'xml' || (opts.container === 'auto' && !zip)) return { fileName: null, xml: input };
  return withArchive(input, (archive) => readSingleEntry(archive, input, opts.maxUnzippedBytes));
}

/** `use` on the opened archive (ZIP_NOT_ZIP / ZIP_UNREADABLE when it is none), closed afterwards whatever happens. */
async function withArchive<T>(input: Buffer, use: (archive: yauzl.ZipFile) => Promise<T>): Promise<T> {
  if (!looksLikeZip(input)) throw new GatewayError('ZIP_NOT_ZIP');
  let archive: yauzl.ZipFile;
  try {
    archive = await openZip(input);
  } catch (err) {
    throw new GatewayError('ZIP_UNREADABLE', {}, err);
  }
  try {
    return await use(archive);
  } finally {
    if (archive.isOpen) archive.close();
  }
}

export function openZip(input: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false: entry names are checked here (yauzl's own check would only give a generic error).
    yauzl.fromBuffer(input, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (err, zf) => {
      if (err || !zf) reject(err ?? new Error('no zip file'));
      else resolve(zf);
    });
  });
}

export function nextEntry(archive: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      archive.removeListener('entry', onEntry);
      archive.removeListener('end', onEnd);
      archive.removeListener('error', onError);
    };
    const onEntry = (e: yauzl.Entry): void => { cleanup(); resolve(e); };
    const onEnd = (): void => { cleanup(); resolve(null); };
    const onError = (e: Error): void => { cleanup(); reject(e); };
    archive.on('entry', onEntry);
    archive.on('end', onEnd);
    archive.on('error', onError);
    archive.readEntry();
  });
}

/** Why an entry name is unsafe to use as a file name, or null. */
export function unsafeName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('/') || name.includes('\\')) return 'a path, not a file name';
  if (name.includes('..')) return 'parent directory reference';
  if (/^[A-Za-z]:/.test(name) || name.includes(':')) return 'drive letter or stream name';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'control character';
  return null;
}

/** The name as a standard unzip tool would use it (Info-ZIP Unicode Path field first). */
export function entryName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, true);
}

/**
 * Why an entry's name is unsafe, or null: the name an unzip tool would use and its raw bytes must both be plain file
 * names, so no extractor can be led outside its directory. (A directory entry's trailing slash is the caller's.)
 */
export function entryNameHazard(entry: yauzl.Entry): string | null {
  const name = entryName(entry).replace(/[/\\]$/, '');
  const raw = (entry.fileName as unknown as Buffer).toString('latin1').replace(/[/\\]$/, '');
  return unsafeName(name) ?? unsafeName(raw);
}

/** Where an entry's stored bytes are in the archive, or null when they are not all inside it. */
export async function entryData(archive: yauzl.ZipFile, entry: yauzl.Entry, input: Buffer): Promise<Buffer | null> {
  const dataStart = await new Promise<number>((resolve, reject) => {
    archive.readLocalFileHeader(entry, { minimal: true }, (err, header) => (err ? reject(err) : resolve(header.fileDataStart)));
  });
  const end = dataStart + entry.compressedSize;
  return end > input.length ? null : input.subarray(dataStart, end);
}

/**
 * The archive's one file, its name checked as an unzip tool would use it: exactly one entry (1131), not a directory,
 * a plain file name in both the name an unzip tool takes (Info-ZIP Unicode Path field first) and the raw bytes (4005),
 * so no extractor can be led outside its directory. Shared by unpackDocument and the streamed reader (file-entry.ts).
 */
export async function singleEntry(archive: yauzl.ZipFile): Promise<{ entry: yauzl.Entry; name: string }> {
  if (archive.entryCount !== 1) throw new GatewayError('ZIP_ONE_FILE');
  let entry: yauzl.Entry | null;
  try {
    entry = await nextEntry(archive);
  } catch (err) {
    throw new GatewayError('ZIP_UNREADABLE', {}, err);
  }
  if (!entry) throw new GatewayError('ZIP_ONE_FILE');
  return { entry, name: fileEntryName(entry, () => new GatewayError('ZIP_ONE_FILE')) };
}

/** A file entry's name, checked as an unzip tool would use it (4005); a directory entry is `directory()`'s fault. */
function fileEntryName(entry: yauzl.Entry, directory: (name: string) => GatewayError): string {
  const name = entryName(entry);
  if (name.endsWith('/') || name.endsWith('\\')) throw directory(name);
  const why = entryNameHazard(entry);
  if (why) throw new GatewayError('ZIP_BAD_ENTRY_NAME', { name: `${JSON.stringify(name.slice(0, 100))} (${why})` });
  return name;
}

/** An entry the reader can inflate (not encrypted, stored or deflated) whose header claims no more than `limit`. */
export function checkReadable(entry: yauzl.Entry, limit: number): void {
  if (entry.isEncrypted()) throw new GatewayError('ZIP_UNREADABLE', { detail: 'encrypted entry' });
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new GatewayError('ZIP_UNREADABLE', { detail: `compression method ${entry.compressionMethod}` });
  }
  if (entry.uncompressedSize > limit) throw new GatewayError('ZIP_TOO_LARGE', { limit });
}

/**
 * Every file of a ZIP holding a few named files (an e-Defter package: the book and its berat), each name checked
 * like singleEntry's and each entry inflated and CRC-checked like unpackDocument's, `maxUnzippedBytes` counted over
 * all of them. More than `maxEntries` entries or a directory entry: ZIP_ONE_FILE's sibling, ZIP_UNREADABLE.
 */
export async function unpackFiles(input: Buffer, opts: { maxEntries: number; maxUnzippedBytes: number }): Promise<Array<{ name: string; bytes: Buffer }>> {
  return withArchive(input, async (archive) => {
    if (archive.entryCount > opts.maxEntries) throw new GatewayError('ZIP_UNREADABLE', { detail: `${archive.entryCount} entries, at most ${opts.maxEntries}` });
    const out: Array<{ name: string; bytes: Buffer }> = [];
    let left = opts.maxUnzippedBytes;
    for (let entry = await nextEntry(archive); entry; entry = await nextEntry(archive)) {
      const name = fileEntryName(entry, (n) => new GatewayError('ZIP_UNREADABLE', { detail: `directory entry ${JSON.stringify(n.slice(0, 100))}` }));
      let bytes: Buffer;
      try {
        bytes = await readEntry(archive, entry, input, left);
      } catch (err) {
        // The limit is over all the files together: say so, not what was left of it.
        throw isGatewayError(err) && err.fault === 'ZIP_TOO_LARGE' ? new GatewayError('ZIP_TOO_LARGE', { limit: opts.maxUnzippedBytes }) : err;
      }
      left -= bytes.length;
      out.push({ name, bytes });
    }
    return out;
  });
}

async function readSingleEntry(archive: yauzl.ZipFile, input: Buffer, limit: number): Promise<Unpacked> {
  const { entry, name } = await singleEntry(archive);
  if (!/\.xml$/i.test(name)) throw new GatewayError('XML_NOT_XML');
  return { fileName: name, xml: await readEntry(archive, entry, input, limit) };
}

/** An entry's bytes, inflated under `limit` and checked against its header's size and CRC-32. */
async function readEntry(archive: yauzl.ZipFile, entry: yauzl.Entry, input: Buffer, limit: number): Promise<Buffer> {
  checkReadable(entry, limit);
  let bytes: Buffer;
  try {
    bytes = await inflateEntry(archive, entry, input, limit);
  } catch (err) {
    if (isGatewayError(err)) throw err;
    throw new GatewayError('ZIP_UNREADABLE', {}, err);
  }
  if (bytes.length !== entry.uncompressedSize) throw new GatewayError('ZIP_UNREADABLE', { detail: 'entry size differs from its header' });
  if (zlib.crc32(bytes) !== entry.crc32) throw new GatewayError('ZIP_UNREADABLE', { detail: 'CRC-32 mismatch' });
  return bytes;
}

async function inflateEntry(archive: yauzl.ZipFile, entry: yauzl.Entry, input: Buffer, limit: number): Promise<Buffer> {
  const data = await entryData(archive, entry, input);
  if (!data) throw new GatewayError('ZIP_UNREADABLE', { detail: 'entry data beyond the end of the archive' });
  if (entry.compressionMethod === 0) {
    if (data.length > limit) throw new GatewayError('ZIP_TOO_LARGE', { limit });
    return Buffer.from(data); // a copy: the result must not pin the whole request buffer
  }
  if (entry.uncompressedSize <= SYNC_INFLATE_MAX) {
    const cap = Math.min(limit, SYNC_INFLATE_MAX);
    try {
      return zlib.inflateRawSync(data, { maxOutputLength: cap });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw err;
      if (cap >= limit) throw new GatewayError('ZIP_TOO_LARGE', { limit });
      // More than the header said: find out on the stream path whether it also passes the limit.
    }
  }
  return inflateStream(data, limit);
}

/** An entry's raw deflate data inflated on zlib's thread pool, kept, and stopped the moment it passes `limit`. */
async function inflateStream(data: Buffer, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const total = await inflateChunks(data, (chunk, sofar) => {
    if (sofar > limit) return new GatewayError('ZIP_TOO_LARGE', { limit });
    chunks.push(chunk);
    return null;
  });
  return Buffer.concat(chunks, total);
}

/**
 * Inflates raw deflate data as a stream on zlib's thread pool, handing `take` each output chunk with the output so
 * far and the input zlib has consumed so far (bytesWritten is current at each data event); an error `take` returns
 * stops the inflation at once and rejects with it, so a bomb costs no more than what was taken. Resolves with the
 * output's size; rejects with zlib's error for data that does not inflate.
 */
export function inflateChunks(data: Buffer, take: (chunk: Buffer, outputSoFar: number, inputSoFar: number) => Error | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflateRaw();
    let out = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      inflate.destroy();
      if (err) reject(err);
      else resolve(out);
    };
    inflate.on('data', (chunk: Buffer) => {
      out += chunk.length;
      const stop = take(chunk, out, inflate.bytesWritten);
      if (stop) finish(stop);
    });
    inflate.on('end', () => finish(null));
    inflate.on('error', (e) => finish(e));
    inflate.end(data);
  });
}

/**
 * The XML entry named `preferred` of a ZIP, else its first `.xml` entry, inflated under `limit` like any other
 * (CRC checked, a bomb stopped at the limit); null when there is none or it cannot be read. For reading what can be
 * read of an archive unpackDocument refused (e.g. to tell the sender of a bad envelope why).
 */
export async function readXmlEntry(input: Buffer, preferred: string, limit: number): Promise<Buffer | null> {
  let archive: yauzl.ZipFile;
  try {
    archive = await openZip(input);
  } catch {
    return null;
  }
  try {
    let chosen: yauzl.Entry | null = null;
    for (let entry = await nextEntry(archive); entry; entry = await nextEntry(archive)) {
      const name = entryName(entry);
      if (name.endsWith('/') || !/\.xml$/i.test(name)) continue;
      if (name === preferred) {
        chosen = entry;
        break;
      }
      chosen ??= entry;
    }
    if (!chosen || chosen.isEncrypted() || (chosen.compressionMethod !== 0 && chosen.compressionMethod !== 8) || chosen.uncompressedSize > limit) return null;
    const xml = await inflateEntry(archive, chosen, input, limit);
    return xml.length === chosen.uncompressedSize && zlib.crc32(xml) === chosen.crc32 ? xml : null;
  } catch {
    return null;
  } finally {
    if (archive.isOpen) archive.close();
  }
}
