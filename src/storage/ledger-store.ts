/**
 * e-Defter's files on disk: a month's sources and everything its steps produce (books, their parts, berats, GİB's
 * approved berats). They can be a gigabyte, so they are written and read as streams, never held in memory; a file
 * is written under a temporary name, fsynced and renamed, so it is either absent or whole, and its size and
 * SHA-256 are measured as it is written (the rows that name it are committed after). Paths are
 * `<vkn>/<YYYYMM>/<name>`, built here from checked parts only.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RELEASES_CHUNKS } from '../ledger/canonical-out';

export interface StoredFile {
  /** Relative path in the store. */
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** A file being written: `out` takes the bytes; `commit()` makes it whole under its name, `abort()` leaves nothing. */
export interface LedgerFileWriter {
  out: Writable;
  /** Where the bytes go until commit (readable once `out` has finished: a book's part is re-read when it is split). */
  tempPath: string;
  commit(): Promise<StoredFile>;
  abort(): Promise<void>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export function createLedgerStore(root: string) {
  function relative(vkn: string, period: string, name: string): string {
    if (!/^\d{10,11}$/.test(vkn) || !/^\d{4}-\d{2}$/.test(period) || !SAFE_NAME.test(name) || name.includes('..')) {
      throw new Error(`ledger store: unsafe path part (${vkn}, ${period}, ${name})`);
    }
    return path.join(vkn, period.replace('-', ''), name);
  }
  const absolute = (rel: string) => {
    const abs = path.resolve(root, rel);
    if (!abs.startsWith(path.resolve(root) + path.sep)) throw new Error('ledger store: path outside the store');
    return abs;
  };

  async function fsyncDir(dir: string) {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }

  /** A whole, fsynced temporary file takes its name, durably. */
  async function settle(tmp: string, target: string) {
    await fsp.rename(tmp, target);
    await fsyncDir(path.dirname(target));
  }

  return {
    root,
    /**
     * Starts writing `name` for a tenant's month (replacing a file of that name when committed). `hash: false` for
     * an intermediate file no one will ask the SHA-256 of (a built book before its seal): sha256 is then ''.
     */
    async create(vkn: string, period: string, name: string, opts: { hash?: boolean } = {}): Promise<LedgerFileWriter> {
      const rel = relative(vkn, period, name);
      const target = absolute(rel);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomUUID()}.tmp`;
      const hash = opts.hash === false ? null : createHash('sha256');
      let size = 0;
      const file = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o640 });
      const out = new Writable({
        highWaterMark: 1 << 20,
        // Done with a chunk once it is in the file (RELEASES_CHUNKS: the writer may reuse the buffer then).
        write(chunk: Buffer, _enc, done) {
          hash?.update(chunk);
          size += chunk.length;
          file.write(chunk, (err) => done(err ?? undefined));
        },
        final(done) {
          file.end(() => done());
        },
      });
      Object.defineProperty(out, RELEASES_CHUNKS, { value: true });
      file.on('error', (err) => out.destroy(err));
      const finished = new Promise<void>((resolve, reject) => {
        file.on('close', resolve);
        file.on('error', reject);
      });
      let ended = false;
      return {
        out,
        tempPath: tmp,
        async commit() {
          if (!out.writableFinished) await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
          await finished;
          ended = true;
          const h = await fsp.open(tmp, 'r+');
          try {
            await h.sync();
          } finally {
            await h.close();
          }
          await settle(tmp, target);
          return { path: rel, sizeBytes: size, sha256: hash ? hash.digest('hex') : '' };
        },
        async abort() {
          if (ended) return;
          ended = true;
          out.destroy();
          // The file may still be opening: removed only once the stream has closed, or the open would create it
          // again after the removal (seen under load: a .tmp left behind).
          const closed = new Promise<void>((resolve) => (file.closed ? resolve() : file.once('close', () => resolve())));
          file.destroy();
          await closed;
          await fsp.rm(tmp, { force: true });
        },
      };
    },
    /**
     * Writes `name` as the first `length` bytes of the stored file `from` followed by `tail` (a book sealed: its
     * bytes up to the root's end tag, then the signature and the end tag), measuring size and SHA-256 as it copies.
     * A gigabyte goes through two reused buffers, reading the next chunk while this one is hashed and written.
     */
    async copyWithTail(vkn: string, period: string, name: string, from: string, length: number, tail: Buffer): Promise<StoredFile> {
      const rel = relative(vkn, period, name);
      const target = absolute(rel);
      const tmp = `${target}.${randomUUID()}.tmp`;
      const hash = createHash('sha256');
      const input = await fsp.open(absolute(from), 'r');
      let output: fsp.FileHandle | null = null;
      try {
        output = await fsp.open(tmp, 'wx', 0o640);
        const buffers = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
        const readAt = (i: number, at: number) => (at < length ? input.read(buffers[i % 2]!, 0, Math.min(1 << 20, length - at), at) : Promise.resolve({ bytesRead: 0 }));
        let reading = readAt(0, 0);
        let writing: Promise<unknown> = Promise.resolve();
        for (let i = 0, at = 0; at < length; i++) {
          const { bytesRead } = await reading;
          if (bytesRead === 0) throw new Error(`ledger store: ${from} is shorter than ${length} bytes`);
          const chunk = buffers[i % 2]!.subarray(0, bytesRead);
          at += bytesRead;
          await writing; // the other buffer is free again
          reading = readAt(i + 1, at);
          hash.update(chunk);
          writing = output.write(chunk);
        }
        await writing;
        hash.update(tail);
        await output.write(tail);
        await output.sync();
        await output.close();
        output = null;
        await settle(tmp, target);
        return { path: rel, sizeBytes: length + tail.length, sha256: hash.digest('hex') };
      } catch (err) {
        await output?.close();
        await fsp.rm(tmp, { force: true });
        throw err;
      } finally {
        await input.close();
      }
    },
    /** Stores a whole stream as `name` (a source as it arrives). */
    async put(vkn: string, period: string, name: string, input: Readable): Promise<StoredFile> {
      const w = await this.create(vkn, period, name);
      try {
        await pipeline(input, w.out);
        return await w.commit();
      } catch (err) {
        await w.abort();
        throw err;
      }
    },
    read(rel: string): Readable {
      return fs.createReadStream(absolute(rel));
    },
    pathOf: absolute,
    async remove(rel: string): Promise<void> {
      await fsp.rm(absolute(rel), { force: true });
    },
  };
}

export type LedgerStore = ReturnType<typeof createLedgerStore>;
