/**
 * The `blobs` table: the blob store's small blobs, by SHA-256 (src/storage/blob-store.ts checks the hash on read).
 */
import { reading, type Queryable } from './connect';
import { execute, selectFirst } from './sql';

/** Stores a blob unless the same content is there already. */
export async function insertBlob(q: Queryable, sha256: string, data: Buffer, at: string): Promise<void> {
  await execute(q, 'insert into blobs (sha256, data, created_at) values (?, ?, ?) on conflict (sha256) do nothing', [sha256, data, at]);
}

export async function blobData(q: Queryable, sha256: string): Promise<Buffer | null> {
  const row = await selectFirst<{ data: unknown }>(q, 'select data from blobs where sha256 = ?', [sha256]);
  if (!row) return null;
  return Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data as Uint8Array);
}

export async function hasBlob(q: Queryable, sha256: string): Promise<boolean> {
  return Boolean(await reading(q)('blobs').where({ sha256 }).first('sha256'));
}
