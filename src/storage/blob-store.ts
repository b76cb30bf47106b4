import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Content-addressed blob store on local files: a blob's name is its SHA-256, so storing the same bytes twice is a
 * no-op and a read proves the bytes are the ones stored. Writes go to a temporary file, are fsynced and renamed,
 * so a blob is either absent or whole — it is written before the database row that names it is committed.
 */
export interface BlobStore {
  put(data: Buffer): Promise<string>;
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
