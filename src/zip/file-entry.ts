/**
 * A ZIP file on disk holding one file, read as a stream: e-Defter sources are months of a company's journal (a
 * gigabyte of CSV zips to a tenth of it), so they are never inflated into memory. The guards are unpackDocument's
 * own (read.ts singleEntry, checkReadable): exactly one file, a plain name (4005), then a limit on inflated bytes
 * counted as they come rather than trusted from the headers (4006, zip bombs), and the CRC-32 checked at the end.
 */
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { GatewayError, isGatewayError } from '../faults';
import { checkReadable, singleEntry } from './read';

export interface ZipFileEntry {
  name: string;
  /** The inflated bytes; errors with ZIP_TOO_LARGE past the limit and ZIP_UNREADABLE on a bad CRC or a cut archive. */
  stream: Readable;
}

function openFile(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true }, (err, zf) => {
      if (err || !zf) reject(err ?? new Error('no zip file'));
      else resolve(zf);
    });
  });
}

/** Opens the one file of the ZIP at `file`; faults as unpackDocument's. */
export async function openSingleEntry(file: string, maxUnzippedBytes: number): Promise<ZipFileEntry> {
  let archive: yauzl.ZipFile;
  try {
    archive = await openFile(file);
  } catch (err) {
    throw new GatewayError('ZIP_UNREADABLE', {}, err);
  }
  try {
    const { entry, name } = await singleEntry(archive);
    checkReadable(entry, maxUnzippedBytes);
    const raw = await new Promise<Readable>((resolve, reject) => {
      // Raw (still deflated) bytes: the inflating is ours, so that the count below stops a bomb mid-way.
      // (yauzl takes `decompress` only for a deflated entry; a stored one is raw anyway.)
      archive.openReadStream(entry, entry.compressionMethod === 8 ? { decompress: false } : {}, (err, s) => (err || !s ? reject(err ?? new Error('no stream')) : resolve(s)));
    }).catch((err) => Promise.reject(new GatewayError('ZIP_UNREADABLE', {}, err)));
    const inflated = entry.compressionMethod === 8 ? raw.pipe(zlib.createInflateRaw()) : raw;
    if (inflated !== raw) raw.on('error', (err) => inflated.destroy(err));
    const checked = inflated.pipe(limitAndCrc(maxUnzippedBytes, entry.crc32));
    inflated.on('error', (err) => checked.destroy(isGatewayError(err) ? err : new GatewayError('ZIP_UNREADABLE', {}, err)));
    return { name, stream: checked };
  } catch (err) {
    archive.close();
    throw err;
  }
}

/** Counts bytes (ZIP_TOO_LARGE past `limit`) and checks the CRC-32 at the end (ZIP_UNREADABLE). */
function limitAndCrc(limit: number, expectedCrc: number): Transform {
  let seen = 0;
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) return done(new GatewayError('ZIP_TOO_LARGE', { limit }));
      crc = zlib.crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(crc >>> 0 === expectedCrc >>> 0 ? null : new GatewayError('ZIP_UNREADABLE', {}, 'CRC-32 mismatch'));
    },
  });
}
