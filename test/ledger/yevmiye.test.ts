/**
 * The Yevmiye the gateway writes from a CSV journal, judged by GİB's own files through independent engines: xmllint
 * against GİB's e-Defter XSD, Saxon-HE running GİB's edefter_yevmiye.sch (under the file's GİB name, as the rules
 * read it from base-uri()). The signature is a placeholder here (the rules check its presence, not its value); the
 * signing step comes with the ledger machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { XML_DECLARATION, sealWith, type SignatureFor } from '../../src/ledger/canonical-out';
import { createJournalChecker } from '../../src/ledger/journal-checks';
import { readCsvJournal } from '../../src/ledger/journal-csv';
import { createYevmiyeWriter, type YevmiyeHeader } from '../../src/ledger/yevmiye-writer';
import { DEFTER_NAMESPACES } from '../../src/ledger/xbrl-gl';
import { createSigner } from '../../src/signing';
import { canonicalize } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { softwareSeal, xmlsecVerify } from '../signing/fixtures';
import { PLACEHOLDER_SIGNATURE, demoDocument, edefterRules, edefterXsdProblems } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';
import { tempDir } from '../helpers/db';

const HEADER: YevmiyeHeader = { ...demoDocument('Y'), firstLineNumber: 1 };

async function yevmiyeOf(csvFile: string, header = HEADER, signature: string | SignatureFor = PLACEHOLDER_SIGNATURE): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const checker = createJournalChecker({ start: header.periodStart, end: header.periodEnd, firstEntryNumber: 1 });
  const writer = await createYevmiyeWriter(out, header);
  for await (const e of readCsvJournal(fs.createReadStream(csvFile))) {
    checker.check(e);
    await writer.entry(e);
  }
  await writer.end(signature);
  return Buffer.concat(chunks).toString('utf8');
}

describe('e-Defter: the Yevmiye written from a CSV journal passes GİB\'s XSD and schematron', function () {
  this.timeout(60_000);
  // A folder without digit-dash runs: GİB's rules look for "VKN-" and "-YYYYMM-" anywhere in the file's URI.
  const work = fs.mkdtempSync(path.join(tempDir('gw-yevmiye'), 'work'));
  const file = path.join(work, '1234567801-202601-Y-000000.xml');
  let xml: string;

  before(async () => {
    xml = await yevmiyeOf(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
    fs.writeFileSync(file, xml);
  });
  after(() => fs.rmSync(path.dirname(work), { recursive: true, force: true }));

  it('GİB\'s XSD (xmllint, edefter.xsd)', () => {
    expect(edefterXsdProblems(file)).to.deep.equal([]);
  });

  it('GİB\'s edefter_yevmiye.sch (Saxon-HE): no failed assert; and it fails when the book is wrong', () => {
    const failures = edefterRules('edefter_yevmiye', work);
    expect(failures(file)).to.deep.equal([]);
    // The rules can fail here: the second entry's credit changed, so its totals disagree with its lines.
    const broken = xml.replace(/(<gl-bus:totalCredit contextRef="journal_context" decimals="INF" unitRef="try">)1200\.00/, '$11200.01');
    expect(broken).to.not.equal(xml);
    fs.writeFileSync(file, broken);
    expect(failures(file)).to.include('gl-bus:totalDebit elemanının değeri gl-bus:totalCredit elemanının değerine eşit olmalıdır.');
    fs.writeFileSync(file, xml);
  });

  it('line numbers run on over the entries, each line carries its madde number and fiş number, totals as strings alike', () => {
    const lines = [...xml.matchAll(/<gl-cor:lineNumber contextRef="journal_context">(\d+)</g)].map((m) => Number(m[1]));
    expect(lines).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect([...xml.matchAll(/<gl-cor:entryNumberCounter[^>]*>(\d+)</g)].map((m) => Number(m[1]))).to.deep.equal([1, 2, 3]);
    expect(xml).to.contain('<gl-bus:totalDebit contextRef="journal_context" decimals="INF" unitRef="try">50000.00</gl-bus:totalDebit><gl-bus:totalCredit contextRef="journal_context" decimals="INF" unitRef="try">50000.00</gl-bus:totalCredit>');
  });
});

describe('e-Defter: a ledger is sealed as it is written (XAdES-BES, enveloped, never parsed)', function () {
  this.timeout(60_000);
  const csv = path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv');

  it('the writer emits canonical XML: the project\'s C14N of the output is the output itself (what is hashed)', async () => {
    const xml = await yevmiyeOf(csv, HEADER, '');
    expect(xml.startsWith(XML_DECLARATION)).to.equal(true);
    expect(canonicalize(parseXml(xml))).to.equal(xml.slice(XML_DECLARATION.length).trimEnd());
  });

  it('the sealed Yevmiye verifies with xmlsec1 against the seal\'s root; one changed amount does not', async () => {
    const seal = softwareSeal(tempDir('gw-ledger-seal'), { vkn: HEADER.company.vkn, title: HEADER.company.title });
    const signer = await createSigner(seal.config);
    try {
      const xml = await yevmiyeOf(csv, HEADER, sealWith(signer, DEFTER_NAMESPACES));
      expect(xml).to.match(/<\/xbrli:xbrl><ds:Signature [^>]*>.*<\/ds:Signature><\/edefter:defter>\n$/s);
      const good = await xmlsecVerify(xml, seal.ca.certPem);
      expect(good.ok, good.output).to.equal(true);
      const tampered = xml.replace('>50000.00<', '>50000.01<');
      expect(tampered).to.not.equal(xml);
      const bad = await xmlsecVerify(tampered, seal.ca.certPem);
      expect(bad.ok).to.equal(false);
      expect(bad.output).to.match(/fail/i);
    } finally {
      await signer.close();
    }
  });
});
