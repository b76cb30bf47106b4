import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { openSingleEntry } from '../../src/zip/file-entry';
import { tempDir } from '../helpers/db';
import { rawZip, storedEntry, deflatedEntry, zeroBomb } from './zip-fixtures';

/** The ZIP reader for files on disk (e-Defter sources and archived months): the one file as a stream. */
describe('ZIP file on disk, its one file streamed (file-entry.ts)', () => {
  const dir = tempDir('gw-file-entry-');
  const read = async (zip: Buffer, limit = 1 << 20) => {
    const file = path.join(dir, `${Math.random()}.zip`);
    fs.writeFileSync(file, zip);
    const entry = await openSingleEntry(file, limit);
    const chunks: Buffer[] = [];
    for await (const c of entry.stream) chunks.push(c as Buffer);
    return { name: entry.name, bytes: Buffer.concat(chunks) };
  };

  it('reads a deflated entry and a stored one (no compression: what e-Defter programs may write for large books)', async () => {
    const text = Buffer.from('<defter>'.repeat(5000));
    expect(await read(rawZip([deflatedEntry('a.xml', text)]))).to.deep.equal({ name: 'a.xml', bytes: text });
    expect(await read(rawZip([storedEntry('b.xml', text)]))).to.deep.equal({ name: 'b.xml', bytes: text });
  });

  it('a stored entry is held to the limit and its CRC-32 like a deflated one', async () => {
    const err = await read(rawZip([storedEntry('b.xml', Buffer.alloc(4096))]), 1024).catch((e: unknown) => e);
    expect(err).to.have.property('fault', 'ZIP_TOO_LARGE');
    const bad = { ...storedEntry('c.xml', 'merhaba'), crc32: 1 };
    expect(await read(rawZip([bad])).catch((e: unknown) => e)).to.have.property('fault', 'ZIP_UNREADABLE');
    const bomb = zeroBomb(8);
    expect(await read(rawZip([{ name: 'd.xml', data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }]), 1 << 20).catch((e: unknown) => e)).to.have.property('fault', 'ZIP_TOO_LARGE');
  });
});
