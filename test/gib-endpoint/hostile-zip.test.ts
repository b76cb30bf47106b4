/**
 * /gib/EFatura checks a pushed ZIP before it stores anything (src/zip/hazard.ts): a bomb, a path in an entry name,
 * too many entries are answered 2005 SISTEM HATASI at once, with no row, no job and no blob; an ordinary envelope next
 * to them is still taken.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { buildSendDocumentRequest, md5Hex } from '../../src/gib/protocol';
import { sha256Hex } from '../../src/storage/blob-store';
import { rawZip, storedEntry, zeroBomb } from '../zip/zip-fixtures';
import { countOf, envelopeXml, invoiceXml, packed, postSoapMessage, startFakeGib, startHarness, type FakeGib, type Harness } from './helpers';

describe('GİB endpoint: hostile ZIPs are refused before anything is stored', function () {
  let gib: FakeGib;
  let h: Harness;

  before(async () => {
    gib = await startFakeGib();
    h = await startHarness({ gibUrl: gib.url, maxBytes: 2 * 1024 * 1024 });
  });

  after(async () => {
    await h.close();
    await gib.stop();
  });

  const bomb = zeroBomb(200);
  const cases: Array<[string, (id: string) => Buffer, RegExp]> = [
    ['a zip bomb with an honest header (200 MB of zeros in 200 KB)', (id) => rawZip([{ name: `${id}.xml`, data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }]), /declares 209715200 bytes/],
    ['a zip bomb whose header says 1000 bytes', (id) => rawZip([{ name: `${id}.xml`, data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: 1000 }]), /inflates at more than 200:1/],
    ['an entry named ../<id>.xml', (id) => rawZip([storedEntry(`../${id}.xml`, '<a/>')]), /entry name "\.\.\/.*": a path/],
    ['an entry with a directory in its name', (id) => rawZip([storedEntry(`x/${id}.xml`, '<a/>')]), /entry name .*a path/],
    ['17 entries', (id) => rawZip(Array.from({ length: 17 }, (_, i) => storedEntry(`${id}-${i}.xml`, '<a/>'))), /17 entries/],
  ];

  for (const [what, make, reason] of cases) {
    it(`2005 for ${what}: no row, no job, no blob`, async () => {
      const id = randomUUID();
      const zip = make(id);
      const envelopesBefore = await countOf(h.db('envelopes'));
      const rss = process.memoryUsage().rss;
      const r = await postSoapMessage(h.url, buildSendDocumentRequest({ fileName: `${id}.zip`, binaryData: zip, hash: md5Hex(zip) }));
      expect(r.status).to.equal(500);
      expect(r.msg).to.deep.equal({ kind: 'fault', code: 2005, msg: 'SISTEM HATASI', reason: 'SISTEM HATASI', soapCode: 'soap:Receiver' });
      expect(await countOf(h.db('envelopes'))).to.equal(envelopesBefore);
      expect(await countOf(h.db('jobs').where('job_key', 'like', `gib.inbound:${id}%`))).to.equal(0);
      expect(await h.blobs.has(sha256Hex(zip))).to.equal(false);
      expect(process.memoryUsage().rss - rss).to.be.lessThan(64 * 1024 * 1024); // never the 200 MB
      const log = h.logs.find((l) => l.msg === 'EFatura request refused' && l.gibCode === 2005 && reason.test(String(l.reason)));
      expect(log, JSON.stringify(h.logs.slice(-3))).to.not.equal(undefined);
    });
  }

  it('an ordinary envelope after them is taken', async () => {
    const env = await packed(envelopeXml({ elements: [invoiceXml()] }));
    const r = await postSoapMessage(h.url, buildSendDocumentRequest({ fileName: env.fileName, binaryData: env.zip, hash: env.md5 }));
    expect(r.status).to.equal(200);
    expect(await countOf(h.db('envelopes').where({ id: env.id.toLowerCase() }))).to.equal(1);
  });
});
