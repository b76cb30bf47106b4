import { expect } from 'chai';
import { unpackDocument } from '../../src/zip/read';
import { GatewayError, type FaultName } from '../../src/faults';
import { makeInvoice } from '../helpers/invoices';
import { deflatedEntry, rawZip, storedEntry, yazlZip, zeroBomb } from './zip-fixtures';

const LIMIT = 10 * 1024 * 1024;

async function fault(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

async function expectFault(input: Buffer, name: FaultName, container: 'auto' | 'xml' | 'zip' = 'auto'): Promise<GatewayError> {
  const e = await fault(unpackDocument(input, { container, maxUnzippedBytes: LIMIT }));
  expect(e.fault, e.message).to.equal(name);
  return e;
}

describe('validation/archive: unpackDocument', () => {
  const xml = Buffer.from(makeInvoice({ lines: 3 }));

  it('passes a bare XML document through untouched (auto and xml)', async () => {
    for (const container of ['auto', 'xml'] as const) {
      const r = await unpackDocument(xml, { container, maxUnzippedBytes: LIMIT });
      expect(r.fileName).to.equal(null);
      expect(r.xml).to.equal(xml);
    }
  });

  it('unzips a deflated single-entry ZIP (yazl) to the exact bytes', async () => {
    const zip = await yazlZip([{ name: 'F47AC10B-58CC-4372-A567-0E02B2C3D479.xml', data: xml }]);
    for (const container of ['auto', 'zip'] as const) {
      const r = await unpackDocument(zip, { container, maxUnzippedBytes: LIMIT });
      expect(r.fileName).to.equal('F47AC10B-58CC-4372-A567-0E02B2C3D479.xml');
      expect(r.xml.equals(xml)).to.equal(true);
    }
  });

  it('unzips a stored (uncompressed) entry', async () => {
    const r = await unpackDocument(await yazlZip([{ name: 'a.XML', data: xml, compress: false }]), { container: 'zip', maxUnzippedBytes: LIMIT });
    expect(r.xml.equals(xml)).to.equal(true);
    expect(r.fileName).to.equal('a.XML');
  });

  it('takes an entry larger than the synchronous threshold through the stream path', async () => {
    const big = Buffer.from(makeInvoice({ lines: 2500 })); // ≈ 2.3 MB
    expect(big.length).to.be.greaterThan(1024 * 1024);
    const r = await unpackDocument(await yazlZip([{ name: 'big.xml', data: big }]), { container: 'zip', maxUnzippedBytes: LIMIT });
    expect(r.xml.equals(big)).to.equal(true);
  });

  it('declared ZIP that is not one → ZIP_NOT_ZIP (1110)', async () => {
    const e = await expectFault(xml, 'ZIP_NOT_ZIP', 'zip');
    expect(e.code).to.equal(1110);
  });

  it('a ZIP given as container xml is left to the XML step', async () => {
    const zip = await yazlZip([{ name: 'a.xml', data: xml }]);
    const r = await unpackDocument(zip, { container: 'xml', maxUnzippedBytes: LIMIT });
    expect(r.xml).to.equal(zip);
  });

  it('a ZIP with two files → ZIP_ONE_FILE (1131)', async () => {
    const zip = await yazlZip([{ name: 'a.xml', data: xml }, { name: 'b.xml', data: xml }]);
    const e = await expectFault(zip, 'ZIP_ONE_FILE');
    expect(e.code).to.equal(1131);
  });

  it('an empty ZIP (no entries) → ZIP_ONE_FILE, also in auto mode', async () => {
    const empty = rawZip([]);
    await expectFault(empty, 'ZIP_ONE_FILE', 'auto');
    await expectFault(empty, 'ZIP_ONE_FILE', 'zip');
  });

  it('a ZIP whose only entry is a directory → ZIP_ONE_FILE', async () => {
    await expectFault(rawZip([storedEntry('invoices/', Buffer.alloc(0))]), 'ZIP_ONE_FILE');
  });

  it('a ZIP with ../x.xml (path traversal) → ZIP_BAD_ENTRY_NAME', async () => {
    const e = await expectFault(rawZip([deflatedEntry('../x.xml', xml)]), 'ZIP_BAD_ENTRY_NAME');
    expect(e.message).to.include('../x.xml');
  });

  for (const name of ['dir/x.xml', '..\\x.xml', 'C:x.xml', '/etc/x.xml', '..', 'a..xml', 'x\u0001.xml']) {
    it(`entry name ${JSON.stringify(name)} → ZIP_BAD_ENTRY_NAME`, async () => {
      await expectFault(rawZip([storedEntry(name, xml)]), 'ZIP_BAD_ENTRY_NAME');
    });
  }

  it('an Info-ZIP Unicode Path field cannot smuggle a traversal past a harmless raw name', async () => {
    // Raw name "aaaa.xml", Unicode Path extra field (0x7075) "../a.xml" with the raw name's CRC: unzip uses the latter.
    const zip = rawZip([storedEntry('aaaa.xml', xml)]);
    const unicode = Buffer.from('../a.xml');
    const field = Buffer.alloc(4 + 5 + unicode.length);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + unicode.length, 2);
    field.writeUInt8(1, 4);
    field.writeUInt32LE((await import('node:zlib')).crc32(Buffer.from('aaaa.xml')), 5);
    unicode.copy(field, 9);
    // Rebuild with the extra field in the central directory entry.
    const cdStart = zip.readUInt32LE(zip.length - 22 + 16);
    const before = zip.subarray(0, cdStart);
    const cd = Buffer.from(zip.subarray(cdStart, zip.length - 22));
    cd.writeUInt16LE(field.length, 30);
    const end = Buffer.from(zip.subarray(zip.length - 22));
    end.writeUInt32LE(cd.length + field.length, 12);
    const patched = Buffer.concat([before, cd, field, end]);
    await expectFault(patched, 'ZIP_BAD_ENTRY_NAME');
  });

  it('an entry that is not .xml → XML_NOT_XML (1132)', async () => {
    const e = await expectFault(await yazlZip([{ name: 'invoice.pdf', data: xml }]), 'XML_NOT_XML');
    expect(e.code).to.equal(1132);
  });

  it('a zip bomb (200 MB of zeros, honest header) → ZIP_TOO_LARGE before inflating anything', async () => {
    const bomb = zeroBomb(200);
    const zip = rawZip([{ name: 'bomb.xml', data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }]);
    expect(zip.length).to.be.lessThan(300_000);
    const e = await expectFault(zip, 'ZIP_TOO_LARGE');
    expect(e.code).to.equal(4006);
    expect(e.message).to.include(String(LIMIT));
  });

  for (const declared of [1000, 5 * 1024 * 1024]) {
    it(`a zip bomb whose header lies (declares ${declared} bytes) is stopped at the limit while inflating → ZIP_TOO_LARGE`, async () => {
      const bomb = zeroBomb(200);
      const zip = rawZip([{ name: 'bomb.xml', data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: declared }]);
      const before = process.memoryUsage().arrayBuffers;
      const t = Date.now();
      await expectFault(zip, 'ZIP_TOO_LARGE');
      expect(Date.now() - t).to.be.lessThan(2000);
      // Never holds the 200 MB: at most about the limit.
      expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(4 * LIMIT);
    });
  }

  it('a stored entry larger than the limit → ZIP_TOO_LARGE', async () => {
    const big = Buffer.alloc(2048, 0x20);
    const e = await fault(unpackDocument(rawZip([storedEntry('a.xml', big)]), { container: 'zip', maxUnzippedBytes: 1024 }));
    expect(e.fault).to.equal('ZIP_TOO_LARGE');
  });

  it('a corrupt ZIP (truncated) → ZIP_UNREADABLE (1130)', async () => {
    const zip = await yazlZip([{ name: 'a.xml', data: xml }]);
    const e = await expectFault(zip.subarray(0, zip.length - 30), 'ZIP_UNREADABLE');
    expect(e.code).to.equal(1130);
  });

  it('a corrupt deflate stream → ZIP_UNREADABLE', async () => {
    const entry = deflatedEntry('a.xml', xml);
    const data = Buffer.from(entry.data);
    for (let i = 10; i < data.length; i += 7) data[i] = data[i]! ^ 0x5a;
    await expectFault(rawZip([{ ...entry, data }]), 'ZIP_UNREADABLE');
  });

  it('a CRC-32 that does not match the content → ZIP_UNREADABLE', async () => {
    const entry = deflatedEntry('a.xml', xml);
    await expectFault(rawZip([{ ...entry, crc32: (entry.crc32 ^ 1) >>> 0 }]), 'ZIP_UNREADABLE');
  });

  it('an entry whose data runs past the end of the archive → ZIP_UNREADABLE', async () => {
    const entry = storedEntry('a.xml', xml);
    await expectFault(rawZip([{ ...entry, compressedSize: xml.length + 10_000, uncompressedSize: xml.length + 10_000 }]), 'ZIP_UNREADABLE');
  });

  it('a header that understates a small entry (no bomb) → ZIP_UNREADABLE', async () => {
    const entry = deflatedEntry('a.xml', xml);
    await expectFault(rawZip([{ ...entry, uncompressedSize: 100 }]), 'ZIP_UNREADABLE');
  });
});
