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
        write(chunk: Buffer, _enc, done) {
          hash?.update(chunk);
          size += chunk.length;
          if (file.write(chunk)) done();
          else file.once('drain', () => done());
        },
        final(done) {
          file.end(() => done());
        },
      });
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
          await fsp.rename(tmp, target);
          await fsyncDir(path.dirname(target));
          return { path: rel, sizeBytes: size, sha256: hash ? hash.digest('hex') : '' };
        },
        async abort() {
          if (ended) return;
          ended = true;
          out.destroy();
          file.destroy();
          await fsp.rm(tmp, { force: true });
        },
      };
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
