/**
 * A ready XBRL-GL Yevmiye as a month's source (issue 12): read as a stream into the same journal a CSV gives — a
 * Yevmiye the gateway wrote reads back as the journal it was written from, whatever the chunking — refused with
 * 4601 and the place when it is not a Yevmiye, and taken over SOAP like a CSV: listed as XBRL, checked whole at
 * upload (4602 for an unbalanced entry), and rebuilt by e-Defter Yükle with the company's header and the same entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import type * as soap from 'soap';
import type { JournalEntry } from '../../src/ledger/journal';
import { readCsvJournal } from '../../src/ledger/journal-csv';
import { readXbrlJournal } from '../../src/ledger/journal-xbrl';
import { createYevmiyeWriter } from '../../src/ledger/yevmiye-writer';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { LEDGER_SETTINGS, PLACEHOLDER_SIGNATURE, demoDocument, generatedJournal, sampleMonth } from '../helpers/edefter';
import { expectFault, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { REPO_DIR } from '../helpers/paths';
import { createSoftHsmToken, sharedSoftHsmDir, useTokenAsSeal } from '../helpers/softhsm';

const SAMPLE = path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv');

async function yevmiyeOf(entries: JournalEntry[] | AsyncIterable<JournalEntry>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = await createYevmiyeWriter(out, { ...demoDocument('Y'), firstLineNumber: 1 });
  for await (const e of entries) await w.entry(e);
  await w.end(PLACEHOLDER_SIGNATURE);
  return Buffer.concat(chunks);
}

const all = async (it: AsyncIterable<JournalEntry>) => {
  const list: JournalEntry[] = [];
  for await (const e of it) list.push(e);
  return list;
};
/** What a Yevmiye keeps of an entry (the writer names a sub-account without a name by its code; `source` differs). */
const kept = (entries: JournalEntry[]) =>
  entries.map(({ source: _s, ...e }) => ({ ...e, lines: e.lines.map((l) => ({ ...l, subAccountName: l.subAccount ? l.subAccountName ?? l.subAccount : null })) }));
/** A stream of `b` in pieces of `size` bytes (multi-byte characters split between them). */
const inPieces = (b: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

describe('e-Defter: a ready XBRL-GL Yevmiye read as the month\'s journal', function () {
  this.timeout(60_000);

  it('a Yevmiye the gateway wrote reads back as its journal: the sample and a generated month, in any chunking', async () => {
    const sample = await all(readCsvJournal(fs.createReadStream(SAMPLE)));
    const xml = await yevmiyeOf(sample);
    expect(kept(await all(readXbrlJournal(inPieces(xml, 1 << 16))))).to.deep.equal(kept(sample));
    expect(kept(await all(readXbrlJournal(inPieces(xml, 7)))), 'split inside characters').to.deep.equal(kept(sample));
    const generated = generatedJournal(900);
    expect(kept(await all(readXbrlJournal(inPieces(await yevmiyeOf(generated), 4096))))).to.deep.equal(kept(generated));
  });

  const refusals: Array<[string, (xml: string) => string, RegExp]> = [
    ['a DOCTYPE', (x) => x.replace('<edefter:defter', '<!DOCTYPE x [<!ENTITY a "b">]><edefter:defter'), /DOCTYPE kabul edilmez/],
    ['not a book', (x) => x.replace(/<edefter:defter/g, '<edefter:berat').replace(/<\/edefter:defter>/g, '</edefter:berat>'), /kök eleman edefter:defter değil/],
    ['a Büyük Defter, not a Yevmiye', (x) => x.replace('>journal</gl-cor:entriesType>', '>ledger</gl-cor:entriesType>'), /bir Yevmiye defteri değil \(gl-cor:entriesType ledger\)/],
    ['an amount that is not one', (x) => x.replace(/(<gl-cor:amount [^>]*>)[^<]+/, '$1 50.000,00'), /1 numaralı madde, 1\. satır: gl-cor:amount "50\.000,00" pozitif bir tutar değil/],
    ['a side that is not D or C', (x) => x.replace(/(<gl-cor:debitCreditCode [^>]*>)D</, '$1debit<'), /debitCreditCode D veya C olmalı \("debit"\)/],
    ['a madde number that is not one', (x) => x.replace(/(<gl-cor:entryNumberCounter [^>]*>)1</, '$1bir<'), /entryNumberCounter "bir" bir madde numarası değil/],
    ['cut off half-way', (x) => x.slice(0, Math.floor(x.length / 2)), /XML okunamadı/],
  ];
  for (const [what, edit, message] of refusals) {
    it(`refuses ${what} with 4601 and where`, async () => {
      const xml = edit((await yevmiyeOf(await all(readCsvJournal(fs.createReadStream(SAMPLE))))).toString('utf8'));
      const err = await all(readXbrlJournal(inPieces(Buffer.from(xml), 1 << 12))).then(() => null, (e: unknown) => e as { code: number; message: string });
      expect(err, what).to.not.equal(null);
      expect(err!.code).to.equal(4601);
      expect(err!.message).to.match(message);
      expect(err!.message).to.match(/satır \d+\)$/);
    });
  }
});

describe(`e-Defter over SOAP: a ready XBRL-GL Yevmiye as the month's source (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let client: soap.Client;
  const dir = tempDir('gw-ledger-xbrl-');
  before(async () => {
    const token = await createSoftHsmToken(sharedSoftHsmDir(), { vkn: TEST_VKN, title: 'TEST TICARET A.S.' });
    gw = await startTestGateway();
    client = await soapClient(gw);
    await useTokenAsSeal(gw, token, token.pin, dir);
    await client.SaveLedgerSettingsAsync(LEDGER_SETTINGS);
  });
  after(async () => {
    await gw.gateway.signers.close();
    await gw.close();
  });

  it('is checked whole as it arrives (an unbalanced entry: 4602, nothing kept), listed as XBRL, and rebuilt with the company\'s header and the same entries', async () => {
    const source = await yevmiyeOf(await all(readCsvJournal(fs.createReadStream(SAMPLE))));
    const unbalanced = source.toString('utf8').replace(/(<gl-cor:amount [^>]*>)50000\.00</, '$150000.01<');
    const f = await expectFault(client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601-Y-000000.xml`, Buffer.from(unbalanced))).toString('base64') }));
    expect(f.code, f.message).to.equal(4602);
    expect([(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat()).to.deep.equal([]);

    const [res] = await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601-Y-000000.xml`, source)).toString('base64') });
    expect(res.source).to.include({ format: 'XBRL', state: 'NOT_STARTED' });
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    await gw.gateway.worker.runUntilIdle();
    const [got] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: `${TEST_VKN}-202601-Y-000000.xml` });
    const rebuilt = (await unpackDocument(Buffer.from(got.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 })).xml.toString('utf8');
    const entries = (x: string) => [...x.matchAll(/<gl-cor:entryHeader>.*?<\/gl-cor:entryHeader>/gs)].map((m) => m[0]);
    expect(entries(rebuilt)).to.deep.equal(entries(source.toString('utf8')));
    // The header is the company's (tenant title and settings), not the one the source carried.
    expect(rebuilt).to.contain('>TEST TICARET A.S.<');
    expect(rebuilt).to.not.contain(demoDocument('Y').company.title);
  });

  it('GİB\'s Yevmiye rules run natively on the built book before anything is signed: a 2-character account is 4613 in GİB\'s words', async () => {
    // February: the sample's entries numbered on from January's, one entry booked to account "10".
    const csv = sampleMonth(fs.readFileSync(SAMPLE, 'utf8'), 2, 4).toString('utf8').replace(/^4;(2026-02-\d\d);1;100;/m, '4;$1;1;10;');
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202602.zip`, content: (await zipOne(`${TEST_VKN}-202602.csv`, Buffer.from(csv))).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-02', step: 'DOSYA_OLUSTUR' });
    await gw.gateway.worker.runUntilIdle();
    const m = [(await client.GetLedgerStatusAsync({ from: '2026-02', to: '2026-02' }))[0].month].flat()[0];
    expect(m.ledgerBook.map((b: { state: string; code: number }) => [b.state, b.code])).to.deep.equal([['CHECK_FAILED', 4613], ['CHECK_FAILED', 4613]]);
    expect(m.ledgerBook[0].lastError).to.equal(`DEFTER GİB KURALLARINA UYMUYOR: ${TEST_VKN}-202602-Y-000000.xml: gl-cor:account elemanı içerisinde gl-cor:accountMainID zorunlu bir elemandır ve en az 3 karakter olmalıdır.`);
    expect(m.yevmiye, 'nothing was kept').to.equal(false);
  });
});
