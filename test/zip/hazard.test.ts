import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { PUSHED_ZIP_LIMITS, zipHazard, type ZipHazardLimits } from '../../src/zip/hazard';
import { deflatedEntry, rawZip, storedEntry, yazlZip, zeroBomb } from './zip-fixtures';

const SMALL: ZipHazardLimits = { maxEntries: 4, maxTotalBytes: 2 * 1024 * 1024, maxRatio: 200, ratioGraceBytes: 256 * 1024 };

/** Invoice-like text: repetitive markup with varying numbers, compressing like UBL does (tens to one). */
function ublLike(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let size = 0; size < bytes; n++) {
    const line = `<cac:InvoiceLine><cbc:ID>${n}</cbc:ID><cbc:InvoicedQuantity unitCode="C62">${(n * 7) % 113}</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="TRY">${(n * 1234.56) % 9999}</cbc:LineExtensionAmount></cac:InvoiceLine>\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

describe('zip/hazard: what a pushed ZIP must not be', () => {
  it('an ordinary envelope ZIP, and a 60 MB one of invoice-like text, are no hazard', async () => {
    expect(await zipHazard(await yazlZip([{ name: 'a.xml', data: ublLike(50_000) }]), PUSHED_ZIP_LIMITS)).to.equal(null);
    const big = ublLike(60 * 1024 * 1024);
    const zip = await yazlZip([{ name: 'big.xml', data: big }]);
    expect(big.length / zip.length).to.be.within(10, 200); // what real UBL does
    expect(await zipHazard(zip, PUSHED_ZIP_LIMITS)).to.equal(null);
  });

  it('a small document compresses as well as it likes (below the grace size no ratio is checked)', async () => {
    const spaces = Buffer.alloc(200 * 1024, 0x20);
    const zip = rawZip([deflatedEntry('a.xml', spaces)]);
    expect(spaces.length / zip.length).to.be.greaterThan(200);
    expect(await zipHazard(zip, SMALL)).to.equal(null);
  });

  it('more entries than the limit', async () => {
    const zip = rawZip(Array.from({ length: 5 }, (_, i) => storedEntry(`${i}.xml`, '<a/>')));
    expect(await zipHazard(zip, SMALL)).to.match(/5 entries \(at most 4\)/);
    expect(await zipHazard(rawZip([storedEntry('1.xml', '<a/>'), storedEntry('2.xml', '<a/>')]), SMALL)).to.equal(null); // GİB's 1131, later
  });

  for (const name of ['../x.xml', 'dir/../../x.xml', '..\\x.xml', '/etc/passwd', 'C:x.xml', 'x\u0000.xml']) {
    it(`an entry named ${JSON.stringify(name)}`, async () => {
      const zip = rawZip([storedEntry('ok.xml', '<a/>'), storedEntry(name, '<a/>')]);
      expect(await zipHazard(zip, PUSHED_ZIP_LIMITS)).to.match(/^entry name .*: /);
    });
  }

  it('a bomb with an honest header is refused from the directory alone', async () => {
    const bomb = zeroBomb(200);
    const zip = rawZip([{ name: 'bomb.xml', data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }]);
    expect(await zipHazard(zip, PUSHED_ZIP_LIMITS)).to.match(/declares 209715200 bytes inflated/);
    const smaller = zeroBomb(50);
    const zip2 = rawZip([{ name: 'bomb.xml', data: smaller.data, method: 8, crc32: smaller.crc32, uncompressedSize: smaller.size }]);
    expect(await zipHazard(zip2, PUSHED_ZIP_LIMITS)).to.match(/declares a ratio of \d+:1 \(at most 200:1\)/);
  });

  for (const entries of [1, 3]) {
    it(`a bomb whose header lies (${entries} entr${entries > 1 ? 'ies' : 'y'} declaring 1000 bytes) is stopped just past the grace size, in milliseconds`, async () => {
      const bomb = zeroBomb(200);
      const zip = rawZip(Array.from({ length: entries }, (_, i) => ({ name: `b${i}.xml`, data: bomb.data, method: 8 as const, crc32: bomb.crc32, uncompressedSize: 1000 })));
      const before = process.memoryUsage().arrayBuffers;
      const t = process.hrtime.bigint();
      const why = await zipHazard(zip, PUSHED_ZIP_LIMITS);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      expect(why).to.match(/inflates at more than 200:1/);
      expect(ms).to.be.lessThan(500); // ≈ 5 ms here; inflating the 200 MB takes ≈ 300 ms
      expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(16 * 1024 * 1024);
    });
  }

  it('entries that together inflate past the total, each within the ratio and lying about its size', async () => {
    const text = ublLike(1536 * 1024); // ≈ 1.5 MB each, two of them past SMALL's 2 MiB
    const lying = (name: string) => ({ ...deflatedEntry(name, text), uncompressedSize: 100 });
    expect(await zipHazard(rawZip([lying('a.xml')]), SMALL)).to.equal(null);
    expect(await zipHazard(rawZip([lying('a.xml'), lying('b.xml')]), SMALL)).to.match(/more than 2097152 bytes inflated/);
  });

  it('stored entries count as they are', async () => {
    const mb = randomBytes(1024 * 1024);
    expect(await zipHazard(rawZip([storedEntry('a.xml', mb), storedEntry('b.xml', mb)]), SMALL)).to.equal(null);
    expect(await zipHazard(rawZip([storedEntry('a.xml', mb), storedEntry('b.xml', mb), storedEntry('c.xml', mb)]), SMALL)).to.match(/declares 3145728 bytes/);
  });

  it('what is merely unreadable is left to the envelope job (GİB 1110–1133 in a system response)', async () => {
    const good = rawZip([deflatedEntry('a.xml', ublLike(10_000))]);
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 40, 80); // inside the deflate stream
    for (const input of [Buffer.from('not a zip at all'), good.subarray(0, good.length - 30), corrupt, rawZip([])]) {
      expect(await zipHazard(input, PUSHED_ZIP_LIMITS)).to.equal(null);
    }
    expect(zlib.crc32(corrupt)).to.not.equal(zlib.crc32(good));
  });
});
