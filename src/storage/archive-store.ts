/**
 * e-Defter's 10-year archive (e-Saklama, issue 13): where the stored months' ZIPs live. Objects are content-addressed
 * per tenant (`<vkn>/<sha256>`), so storing a month again with some files unchanged costs nothing and an object's
 * name proves its bytes. Two backends behind one interface: local files (the default; fsynced, read-only once
 * written) and an S3-compatible object store (archive-s3.ts), which can hold them under S3 Object Lock.
 *
 * The archive does not decide retention: the ledger archive service refuses a delete before a file's retention ends
 * (its rows say until when), and `put` passes that date down so a store with Object Lock enforces it as well.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface ArchivePut {
  /** The file's SHA-256 (hex) and size, measured by the caller as it received the file. */
  sha256: string;
  sizeBytes: number;
  /** Not deletable before this instant (enforced by the store too when it can: S3 Object Lock). */
  retainUntil: Date;
}

export interface ArchiveStore {
  readonly kind: 'local' | 's3';
  /**
   * Stores the file at `filePath` as the tenant's object for its SHA-256 (the same bytes again: nothing is written,
   * the retention is extended when later). Returns the object's key and whether the store itself locks it.
   */
  put(vkn: string, filePath: string, meta: ArchivePut): Promise<{ key: string; lockedByStore: boolean }>;
  /** The object's bytes as a stream, or bytes start…end (inclusive) of it (ArchiveMissingError when absent). */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** The object's size, or null when it is not there. */
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  /** Removes an object whose retention is over (the caller checked; a locking store refuses earlier). */
  remove(key: string): Promise<void>;
  /** Lets go of connections (an object store's sockets). */
  close?(): void;
}

export class ArchiveMissingError extends Error {
  override name = 'ArchiveMissingError';
}

const VKN = /^\d{10,11}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** `<vkn>/<sha256>`: the one key format of both backends. */
export function archiveKey(vkn: string, sha256: string): string {
  if (!VKN.test(vkn) || !HEX64.test(sha256)) throw new Error(`archive: unsafe key part (${vkn}, ${sha256.slice(0, 80)})`);
  return `${vkn}/${sha256}`;
}

export function parseArchiveKey(key: string): { vkn: string; sha256: string } {
  const [vkn, sha256, ...rest] = key.split('/');
  if (rest.length > 0 || !vkn || !sha256 || !VKN.test(vkn) || !HEX64.test(sha256)) throw new Error(`archive: not a key: ${key.slice(0, 120)}`);
  return { vkn, sha256 };
}

/** SHA-256 and size of a stream, read once (what the status query and the archive check do to every stored file). */
export async function hashStream(input: Readable): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of input) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes: size };
}

async function fsyncPath(p: string): Promise<void> {
  const h = await fsp.open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Local files under `root`: `<root>/<vkn>/<aa>/<sha256>`. A file is copied to a temporary name, fsynced, made
 * read-only and renamed (then its folder fsynced), so an object is either absent or whole and survives a crash.
 */
export function createLocalArchiveStore(root: string): ArchiveStore {
  const pathOf = (key: string) => {
    const { vkn, sha256 } = parseArchiveKey(key);
    return path.join(root, vkn, sha256.slice(0, 2), sha256);
  };
  return {
    kind: 'local',
    async put(vkn, filePath, meta) {
      const key = archiveKey(vkn, meta.sha256);
      const target = pathOf(key);
      // The same bytes already there: nothing to write. An object changed behind our back is replaced (a month sent
      // again heals it), never trusted by its name alone.
      const existing = await fsp.stat(target).catch(() => null);
      if (existing && existing.size === meta.sizeBytes && (await hashStream(fs.createReadStream(target))).sha256 === meta.sha256) return { key, lockedByStore: false };
      if (existing) await fsp.rm(target, { force: true });
      const folder = path.dirname(target);
      await fsp.mkdir(folder, { recursive: true });
      const tmp = path.join(folder, `.${meta.sha256}.${randomUUID()}.tmp`);
      try {
        await fsp.copyFile(filePath, tmp, fs.constants.COPYFILE_EXCL);
        await fsp.chmod(tmp, 0o440);
        await fsyncPath(tmp);
        await fsp.rename(tmp, target);
      } catch (err) {
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      await fsyncPath(folder);
      return { key, lockedByStore: false };
    },
    async read(key, range) {
      const p = pathOf(key);
      try {
        const h = await fsp.open(p, 'r');
        return h.createReadStream({ highWaterMark: 1 << 20, ...(range ?? {}) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ArchiveMissingError(key);
        throw err;
      }
    },
    async stat(key) {
      const s = await fsp.stat(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      return s ? { sizeBytes: s.size } : null;
    },
    async remove(key) {
      await fsp.rm(pathOf(key), { force: true });
    },
  };
}
