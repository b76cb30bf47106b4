import zlib from 'node:zlib';
import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import { buildEnvelope } from '../../src/gib/protocol/envelope';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import { envelopeIdFromFileName, md5Hex, openEnvelope, packEnvelope, unpackEnvelope } from '../../src/gib/protocol/package';
import yauzl from 'yauzl';
import { deflatedEntry, rawZip, storedEntry, yazlZip, zeroBomb } from '../zip/zip-fixtures';
import { sample } from './helpers';

const ID = 'e002da78-223f-438c-addb-16badeb047b5'; // the envelope of GİB's 1_TEMEL_FATURA_ZARF.xml
const ENVELOPE = sample('1_TEMEL_FATURA_ZARF.xml');

async function gibCodeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (isGibProtocolError(err)) return err.gibCode;
    throw err;
  }
  throw new Error('expected a GibProtocolError');
}

/** A ZIP and the arguments sendDocument would carry for it. */
function call(zip: Buffer, id = ID): [string, Buffer, string] {
  return [`${id}.zip`, zip, md5Hex(zip)];
}

function entries(zip: Buffer): Promise<Array<{ name: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) return reject(err);
      const out: Array<{ name: string; data: Buffer }> = [];
      zf.on('entry', (e: yauzl.Entry) => {
        zf.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out.push({ name: e.fileName, data: Buffer.concat(chunks) });
            zf.readEntry();
          });
        });
      });
      zf.on('end', () => resolve(out));
      zf.readEntry();
    });
  });
}

describe('gib/protocol package', function () {
  this.timeout(60_000);

  it('packs an envelope as <id>.zip holding one deflated <id>.xml, with the MD5 of the ZIP in lowercase hex', async () => {
    const p = await packEnvelope(ENVELOPE, ID);
    expect(p.fileName).to.equal(`${ID}.zip`);
    expect(p.md5).to.match(/^[0-9a-f]{32}$/).and.to.equal(md5Hex(p.zip));
    const list = await entries(p.zip);
    expect(list.map((e) => e.name)).to.deep.equal([`${ID}.xml`]);
    expect(list[0]!.data.equals(ENVELOPE)).to.equal(true);
    expect(p.zip.length).to.be.lessThan(ENVELOPE.length / 2);
  });

  it('is a pure function: the same envelope gives the same bytes and the same MD5, in any time zone', async () => {
    const a = await packEnvelope(ENVELOPE, ID);
    const b = await packEnvelope(ENVELOPE, ID);
    expect(a.zip.equals(b.zip)).to.equal(true);
    expect(a.md5).to.equal(b.md5);
  });

  it('refuses to pack under another name than the envelope’s own InstanceIdentifier (GİB would answer 1142)', async () => {
    let err: unknown;
    await packEnvelope(ENVELOPE, '11111111-2222-3333-4444-555555555555').catch((e) => (err = e));
    expect(isGatewayError(err) && err.fault === 'REQUEST_FIELD').to.equal(true);
    err = undefined;
    await packEnvelope(ENVELOPE, 'x').catch((e) => (err = e));
    expect(isGatewayError(err) && err.fault === 'REQUEST_FIELD').to.equal(true);
  });

  it('unpacks what it packed; the hash may come in upper case', async () => {
    const p = await packEnvelope(ENVELOPE, ID);
    expect((await unpackEnvelope(p.fileName, p.zip, p.md5)).equals(ENVELOPE)).to.equal(true);
    expect((await unpackEnvelope(p.fileName, p.zip, p.md5.toUpperCase())).equals(ENVELOPE)).to.equal(true);
    const opened = await openEnvelope(p.fileName, p.zip, p.md5);
    expect(opened.id).to.equal(ID);
    expect(opened.envelope.id).to.equal(ID);
    expect(opened.envelope.elements).to.have.length(1);
  });

  describe('each check gives GİB’s code', () => {
    it('wrong MD5 → 2000 OZET DEGERLER ESIT DEGIL (checked first)', async () => {
      const p = await packEnvelope(ENVELOPE, ID);
      expect(await gibCodeOf(unpackEnvelope(p.fileName, p.zip, '0'.repeat(32)))).to.equal(2000);
      expect(await gibCodeOf(unpackEnvelope('bad name', Buffer.from('not a zip'), ''))).to.equal(2000);
      let err: unknown;
      await unpackEnvelope(p.fileName, p.zip, 'x').catch((e) => (err = e));
      expect(isGibProtocolError(err) && err.synchronous && err.message.startsWith('OZET DEGERLER ESIT DEGIL')).to.equal(true);
    });

    it('file name not <uuid>.zip → 2006 GECERSIZ ZARF ADI; an ID of the wrong length → 1111', async () => {
      const p = await packEnvelope(ENVELOPE, ID);
      for (const name of [`${ID}.xml`, ID, `${ID}.zip.exe`, `../${ID}.zip`, `a/${ID}.zip`, `${ID.replace(/-/g, 'g')}.zip`, '.zip']) {
        expect(await gibCodeOf(unpackEnvelope(name, p.zip, p.md5)), name).to.equal(2006);
      }
      expect(await gibCodeOf(unpackEnvelope(`${ID}0.zip`, p.zip, p.md5))).to.equal(1111);
      expect(await gibCodeOf(unpackEnvelope('kisa.zip', p.zip, p.md5))).to.equal(1111);
      expect(envelopeIdFromFileName(`${ID}.ZIP`)).to.equal(ID);
    });

    it('not a zip → 1110 ZIP DOSYASI DEGIL', async () => {
      expect(await gibCodeOf(unpackEnvelope(...call(ENVELOPE)))).to.equal(1110);
      expect(await gibCodeOf(unpackEnvelope(...call(zlib.gzipSync(ENVELOPE))))).to.equal(1110);
    });

    it('a damaged archive → 1130 ZIP ACILAMADI', async () => {
      const p = await packEnvelope(ENVELOPE, ID);
      const cut = p.zip.subarray(0, p.zip.length - 30);
      expect(await gibCodeOf(unpackEnvelope(...call(cut)))).to.equal(1130);
      const e = deflatedEntry(`${ID}.xml`, ENVELOPE);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([{ ...e, crc32: e.crc32 ^ 1 }]))))).to.equal(1130);
    });

    it('two files → 1131 ZIP BIR DOSYA ICERMELI; an empty archive or a directory too', async () => {
      const two = await yazlZip([{ name: `${ID}.xml`, data: ENVELOPE }, { name: 'b.xml', data: '<b/>' }]);
      expect(await gibCodeOf(unpackEnvelope(...call(two)))).to.equal(1131);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([]))))).to.equal(1131);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([storedEntry(`${ID}/`, '')]))))).to.equal(1131);
    });

    it('an entry that is not .xml, or whose bytes are not XML → 1132 XML DOSYASI DEGIL', async () => {
      expect(await gibCodeOf(unpackEnvelope(...call(await yazlZip([{ name: `${ID}.txt`, data: ENVELOPE }]))))).to.equal(1132);
      expect(await gibCodeOf(unpackEnvelope(...call(await yazlZip([{ name: `${ID}.xml`, data: '%PDF-1.4 ...' }]))))).to.equal(1132);
    });

    it('entry name ≠ envelope ID → 1133; a path like ../x.xml is refused the same way, never extracted', async () => {
      expect(await gibCodeOf(unpackEnvelope(...call(await yazlZip([{ name: 'zarf.xml', data: ENVELOPE }]))))).to.equal(1133);
      expect(await gibCodeOf(unpackEnvelope(...call(await yazlZip([{ name: `${ID.toUpperCase()}.xml`, data: ENVELOPE }]))))).to.equal(1133);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([storedEntry('../x.xml', ENVELOPE)]))))).to.equal(1133);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([storedEntry(`../${ID}.xml`, ENVELOPE)]))))).to.equal(1133);
      expect(await gibCodeOf(unpackEnvelope(...call(rawZip([storedEntry(`x\\${ID}.xml`, ENVELOPE)]))))).to.equal(1133);
    });

    it('a zip bomb (200 MB of zeros) → 1130, stopped at the limit, quickly', async () => {
      const bomb = zeroBomb(200);
      const started = Date.now();
      for (const declared of [bomb.size, 1000]) {
        const zip = rawZip([{ name: `${ID}.xml`, data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: declared }]);
        expect(await gibCodeOf(unpackEnvelope(...call(zip), { maxXmlBytes: 10 * 1024 * 1024 }))).to.equal(1130);
      }
      expect(Date.now() - started).to.be.lessThan(5000);
    });

    it('after unpacking: not parseable → 1140, no envelope ID → 1141, another ID inside → 1142', async () => {
      const broken = await yazlZip([{ name: `${ID}.xml`, data: '<sh:StandardBusinessDocument' }]);
      expect(await gibCodeOf(openEnvelope(...call(broken)))).to.equal(1140);
      const noId = ENVELOPE.toString('utf8').replace(/<sh:InstanceIdentifier>[^<]*<\/sh:InstanceIdentifier>/, '');
      expect(await gibCodeOf(openEnvelope(...call(await yazlZip([{ name: `${ID}.xml`, data: noId }]))))).to.equal(1141);
      const other = '11111111-2222-3333-4444-555555555555';
      const zip = await yazlZip([{ name: `${other}.xml`, data: ENVELOPE }]);
      expect(await gibCodeOf(openEnvelope(...call(zip, other)))).to.equal(1142);
    });
  });

  it('packs and opens an envelope built here', async () => {
    const id = '5b1f0c8e-4d2a-4e6b-9a7c-3f2e1d0c9b8a';
    const xml = buildEnvelope({
      id,
      type: 'SENDERENVELOPE',
      createdAt: new Date('2024-05-01T09:00:00Z'),
      sender: { alias: 'urn:mail:defaultgb@a.com.tr', vknTckn: '1288331521' },
      receiver: { alias: 'urn:mail:defaultpk@b.com.tr', vknTckn: '9205121120' },
      elementType: 'INVOICE',
      elements: [Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')],
    });
    const p = await packEnvelope(xml, id);
    const { envelope } = await openEnvelope(p.fileName, p.zip, p.md5);
    expect(envelope.createdAt).to.equal('2024-05-01T12:00:00');
  });
});
