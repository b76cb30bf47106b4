import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createWriteBatcher } from '../../src/db/write-batcher';
import { BlobIntegrityError, createBlobStore, sha256Hex } from '../../src/storage/blob-store';
import { createTestDb, tempDir, TEST_DB_KIND, type TestDb } from '../helpers/db';

describe(`blob store (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  let dir: string;
  beforeEach(async () => {
    t = await createTestDb();
    dir = tempDir('gw-blobs-');
  });
  afterEach(async () => {
    await t.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a small blob commits with the transaction that names it, or not at all; content-addressed, checked on read', async () => {
    const blobs = createBlobStore({ db: t.db, dir, inlineMaxBytes: 1024 });
    const writer = createWriteBatcher(t.db);
    const data = Buffer.from('<Invoice>bir</Invoice>');
    await writer
      .run(async (trx) => {
        await blobs.put(data, trx);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect(await blobs.has(sha256Hex(data)), 'gone with the rollback').to.equal(false);

    const sha = await writer.run((trx) => blobs.put(data, trx));
    expect(sha).to.equal(sha256Hex(data));
    expect(await writer.run((trx) => blobs.put(data, trx)), 'the same bytes again: the same name, one row').to.equal(sha);
    expect((await blobs.get(sha)).equals(data)).to.equal(true);
    expect(Number((await t.db('blobs').count({ n: '*' }).first())!.n)).to.equal(1);
    expect(fs.readdirSync(dir), 'no file for a small blob').to.deep.equal([]);

    // Bytes changed behind its back are refused, never returned.
    await t.db('blobs').where({ sha256: sha }).update({ data: Buffer.from('<Invoice>iki</Invoice>') });
    let caught: unknown;
    await blobs.get(sha).catch((e) => (caught = e));
    expect(caught).to.be.instanceOf(BlobIntegrityError);
  });

  it('a blob over the inline limit is a file, fsynced before the row that names it commits, found by the same name', async () => {
    const blobs = createBlobStore({ db: t.db, dir, inlineMaxBytes: 1024 });
    const big = Buffer.alloc(4096, 0x41);
    const sha = await blobs.put(big);
    expect(fs.existsSync(path.join(dir, sha.slice(0, 2), sha.slice(2, 4), sha))).to.equal(true);
    expect(Number((await t.db('blobs').count({ n: '*' }).first())!.n)).to.equal(0);
    expect((await blobs.get(sha)).equals(big)).to.equal(true);
    expect(await blobs.has(sha)).to.equal(true);
    expect(await blobs.has(sha256Hex(Buffer.from('yok')))).to.equal(false);
  });
});
