/**
 * ZIP archives for the validation tests: yazl for ordinary ones; a hand-built writer for what yazl refuses to make
 * (path-traversal names, lying size headers) and for zip bombs, whose deflate stream is assembled from one
 * compressed megabyte repeated, so a 200 MB bomb costs milliseconds to build.
 */
import zlib from 'node:zlib';
import yazl from 'yazl';

export async function yazlZip(files: Array<{ name: string; data: Buffer | string; compress?: boolean }>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const f of files) z.addBuffer(Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data), f.name, { compress: f.compress ?? true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface RawEntry {
  name: string;
  /** Bytes as stored (already deflated when method is 8). */
  data: Buffer;
  method: 0 | 8;
  crc32: number;
  uncompressedSize: number;
  /** Defaults to data.length. */
  compressedSize?: number;
  /** General purpose flags (0x800 = UTF-8 names). */
  flags?: number;
}

/** A minimal PKZIP archive: local headers, data, central directory, end record. */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const compressed = e.compressedSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0x800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc32 >>> 0, 14);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.flags ?? 0x800, 8);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt32LE(e.crc32 >>> 0, 16);
    cd.writeUInt32LE(compressed, 20);
    cd.writeUInt32LE(e.uncompressedSize, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, e.data);
    central.push(cd, name);
    offset += local.length + name.length + e.data.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

export function storedEntry(name: string, data: Buffer | string): RawEntry {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { name, data: b, method: 0, crc32: zlib.crc32(b), uncompressedSize: b.length };
}

export function deflatedEntry(name: string, data: Buffer | string): RawEntry {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { name, data: zlib.deflateRawSync(b), method: 8, crc32: zlib.crc32(b), uncompressedSize: b.length };
}

/**
 * `megabytes` MB of zeros as one raw deflate stream: a full-flushed compressed megabyte (byte-aligned, no history)
 * repeated, then an empty final block. Returns the stream and the CRC-32 of what it inflates to.
 */
export function zeroBomb(megabytes: number): { data: Buffer; crc32: number; size: number } {
  const mb = Buffer.alloc(1024 * 1024);
  const chunk = zlib.deflateRawSync(mb, { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const data = Buffer.concat([...Array.from({ length: megabytes }, () => chunk), Buffer.from([0x03, 0x00])]);
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = zlib.crc32(mb, crc);
  return { data, crc32: crc, size: megabytes * 1024 * 1024 };
}
