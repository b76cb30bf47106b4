import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { blobData, hasBlob, insertBlob } from '../db/blobs';
import { metrics } from '../metrics';

/**
 * Content-addressed blob store: a blob's name is its SHA-256, so storing the same bytes twice is a no-op and a read
 * proves the bytes are the ones stored (BlobIntegrityError otherwise).
 *
 * Two places, one name space (createBlobStore): blobs up to `inlineMaxBytes` (the documents, envelopes and reports of
 * everyday traffic) go into the database's `blobs` table, in the transaction given to put() — so a blob commits
 * with the rows that name it, sharing their one fsync (a file costs a write, an fsync, a rename and a directory fsync
 * of its own, ≈ 13 % of the sender's CPU in the end-to-end benchmark before). Larger ones are files
 * (createFileBlobStore): written to a temporary file, fsynced and renamed, so a file blob is either absent or whole,
 * and it is written before the row that names it is committed.
 */
export interface BlobStore {
  /** Stores `data`; with `trx`, a database blob is written in that transaction. Returns its SHA-256. */
  put(data: Buffer, trx?: Knex.Transaction): Promise<string>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

export class BlobIntegrityError extends Error {
  override name = 'BlobIntegrityError';
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Blobs as files under `dir` (`put`'s transaction is not used: a file is written and fsynced at once). */
export function createFileBlobStore(dir: string): BlobStore {
  const pathOf = (sha: string) => {
    if (!HEX64.test(sha)) throw new BlobIntegrityError(`not a SHA-256 name: ${sha.slice(0, 80)}`);
    return path.join(dir, sha.slice(0, 2), sha.slice(2, 4), sha);
  };
  const knownDirs = new Set<string>();

  async function ensureDir(folder: string) {
    if (knownDirs.has(folder)) return;
    await fs.mkdir(folder, { recursive: true });
    knownDirs.add(folder);
  }

  return {
    async put(data: Buffer): Promise<string> {
      const sha = sha256Hex(data);
      const target = pathOf(sha);
      try {
        await fs.access(target);
        return sha; // same content already stored
      } catch {
        // not there yet
      }
      const folder = path.dirname(target);
      await ensureDir(folder);
      const tmp = path.join(folder, `.${sha}.${randomUUID()}.tmp`);
      const handle = await fs.open(tmp, 'wx', 0o640);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, target);
      // fsync the folder so the rename itself survives a crash.
      const dirHandle = await fs.open(folder, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
      return sha;
    },

    async get(sha256: string): Promise<Buffer> {
      const data = await fs.readFile(pathOf(sha256));
      if (sha256Hex(data) !== sha256) throw new BlobIntegrityError(`blob ${sha256} does not match its hash`);
      return data;
    },

    async has(sha256: string): Promise<boolean> {
      try {
        await fs.access(pathOf(sha256));
        return true;
      } catch {
        return false;
      }
    },
  };
}

export interface BlobStoreOptions {
  db: Knex;
  /** Where the files of the larger blobs go. */
  dir: string;
  /** Blobs up to this size live in the database (default 1 MiB). */
  inlineMaxBytes?: number;
  clock?: () => Date;
}

/** Counts a failed blob operation (gateway_blob_store_errors_total) and lets the error go on. */
function counted<A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      metrics.blobErrors.inc({ op });
      throw err;
    }
  };
}

/** The gateway's blob store: small blobs in the database (in the caller's transaction), larger ones in files. */
export function createBlobStore(opts: BlobStoreOptions): BlobStore {
  const files = createFileBlobStore(opts.dir);
  const inlineMax = opts.inlineMaxBytes ?? 1024 * 1024;
  const now = () => (opts.clock ?? (() => new Date()))().toISOString();
  return {
    put: counted('put', async (data: Buffer, trx?: Knex.Transaction) => {
      if (data.length > inlineMax) return files.put(data);
      const sha = sha256Hex(data);
      await insertBlob(trx ?? opts.db, sha, data, now());
      return sha;
    }),
    get: counted('get', async (sha256: string) => {
      if (!HEX64.test(sha256)) throw new BlobIntegrityError(`not a SHA-256 name: ${sha256.slice(0, 80)}`);
      const data = await blobData(opts.db, sha256);
      if (data === null) return files.get(sha256);
      if (sha256Hex(data) !== sha256) throw new BlobIntegrityError(`blob ${sha256} does not match its hash`);
      return data;
    }),
    async has(sha256) {
      return (await hasBlob(opts.db, sha256)) || files.has(sha256);
    },
  };
}
