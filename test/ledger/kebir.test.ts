/**
 * The Büyük Defter (Kebir) derived from a journal, judged as the Yevmiye is: GİB's e-Defter XSD (xmllint) and GİB's
 * edefter_kebir.sch (Saxon-HE, under the file's GİB name), which must also fail a broken Kebir. Then what the
 * builder promises beyond GİB's rules: the external sort (many run files) writes the same bytes as one in-memory
 * batch, its totals are the journal's, its output is already canonical XML (what is hashed for the seal), the sealed
 * Kebir verifies with xmlsec1, and cleanup leaves no run file behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { XML_DECLARATION, sealWith, type SignatureFor } from '../../src/ledger/canonical-out';
import type { JournalEntry, JournalLine } from '../../src/ledger/journal';
import { createKebirBuilder } from '../../src/ledger/kebir';
import { DEFTER_NAMESPACES, type LedgerDocumentInfo } from '../../src/ledger/xbrl-gl';
import { createSigner } from '../../src/signing';
import { canonicalBytes, canonicalize } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { softwareSeal, xmlsecVerify } from '../signing/fixtures';
import { tempDir } from '../helpers/db';
import { PLACEHOLDER_SIGNATURE, demoDocument, edefterRules, edefterXsdProblems, generatedJournal, sampleEntries } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';


const HEADER: LedgerDocumentInfo = demoDocument('K');

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

interface Built {
  xml: Buffer;
  totals: { debit: bigint; credit: bigint; accounts: number; lines: number; digest: string };
  /** Files in the temp dir before and after cleanup. */
  runFiles: number;
  leftAfterCleanup: number;
}

/** The Kebir of `entries` (line numbers from 1), with the builder's run files counted before and after cleanup. */
async function kebirOf(entries: AsyncIterable<JournalEntry> | Iterable<JournalEntry>, batchLines?: number, signature: string | SignatureFor = PLACEHOLDER_SIGNATURE): Promise<Built> {
  const tmp = tempDir('gw-kebir-runs');
  const builder = createKebirBuilder({ tmpDir: tmp, batchLines });
  try {
    let lineNumber = 1;
    for await (const e of entries) {
      await builder.add(e, lineNumber);
      lineNumber += e.lines.length;
    }
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const totals = await builder.write(out, HEADER, signature);
    const runFiles = filesUnder(tmp).length;
    await builder.cleanup();
    return { xml: Buffer.concat(chunks), totals, runFiles, leftAfterCleanup: filesUnder(tmp).length };
  } finally {
    await builder.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}


/** A deterministic pseudo-random number generator (mulberry32), so that a failure can be replayed. */
/** Each entryHeader's text, in order. */
const headersOf = (xml: string) => [...xml.matchAll(/<gl-cor:entryHeader>.*?<\/gl-cor:entryHeader>/gs)].map((m) => m[0]);
const valuesOf = (xml: string, element: string) => [...xml.matchAll(new RegExp(`<${element} [^>]*>([^<]*)</${element}>`, 'g'))].map((m) => m[1]!);
/** A header's account as (main, sub or ''), from its first line. */
const accountOf = (header: string): [string, string] => [valuesOf(header, 'gl-cor:accountMainID')[0]!, valuesOf(header, 'gl-cor:accountSubID')[0] ?? ''];

describe('e-Defter: the Büyük Defter derived from the sample journal passes GİB\'s XSD and edefter_kebir.sch', function () {
  this.timeout(120_000);
  // A folder without digit-dash runs: GİB's rules look for "VKN-" and "-YYYYMM-" anywhere in the file's URI.
  const work = fs.mkdtempSync(path.join(tempDir('gw-kebir'), 'work'));
  const file = path.join(work, '1234567801-202601-K-000000.xml');
  let built: Built;
  let xml: string;
  let rules: (file: string) => string[];

  before(async () => {
    built = await kebirOf(await sampleEntries());
    xml = built.xml.toString('utf8');
    fs.writeFileSync(file, xml);
    rules = edefterRules('edefter_kebir', work);
  });
  after(() => fs.rmSync(path.dirname(work), { recursive: true, force: true }));

  it('GİB\'s XSD (xmllint, edefter.xsd)', () => {
    expect(edefterXsdProblems(file)).to.deep.equal([]);
  });

  it('GİB\'s edefter_kebir.sch (Saxon-HE): no failed assert', () => {
    expect(rules(file)).to.deep.equal([]);
  });

  it('the rules fail a broken Kebir: accounts out of order, gross instead of net totals', () => {
    const headers = headersOf(xml);
    const swapped = xml.replace(headers[0]! + headers[1]!, headers[1]! + headers[0]!);
    expect(swapped).to.not.equal(xml);
    fs.writeFileSync(file, swapped);
    expect(rules(file)).to.include('Büyük defterde hesaplar, ana hesap numarası bazında sıralı olmalıdır.');
    // 120.001: debit 1200 and credit 1200, so both net totals are 0; the gross ones are not allowed.
    const gross = xml.replace(/(<gl-cor:entryHeader><gl-bus:totalDebit [^>]*>)0\.00(<\/gl-bus:totalDebit><gl-bus:totalCredit [^>]*>)0\.00/, '$11200.00$21200.00');
    expect(gross).to.not.equal(xml);
    fs.writeFileSync(file, gross);
    expect(rules(file)).to.include('gl-bus:totalDebit ve gl-bus:totalCredit değerlerinden en az biri 0 olmalıdır.');
    fs.writeFileSync(file, xml);
  });

  it('one entryHeader per account by main account then sub-account, net totals, lines in journal order with madde and fiş numbers', () => {
    const headers = headersOf(xml);
    expect(headers.map(accountOf)).to.deep.equal([['100', '100.01'], ['102', '102.01'], ['120', '120.001'], ['391', '391.20'], ['500', ''], ['600', '']]);
    const totals = headers.map((h) => [valuesOf(h, 'gl-bus:totalDebit')[0], valuesOf(h, 'gl-bus:totalCredit')[0]]);
    expect(totals).to.deep.equal([['50000.00', '0.00'], ['1200.00', '0.00'], ['0.00', '0.00'], ['0.00', '200.00'], ['0.00', '50000.00'], ['0.00', '1000.00']]);
    const alici = headers[2]!;
    expect(valuesOf(alici, 'gl-cor:lineNumber')).to.deep.equal(['3', '7']);
    expect(valuesOf(alici, 'gl-cor:lineNumberCounter')).to.deep.equal(['2', '3']);
    expect(valuesOf(alici, 'gl-cor:documentReference')).to.deep.equal(['000002', '000003']);
    expect(valuesOf(alici, 'gl-cor:debitCreditCode')).to.deep.equal(['D', 'C']);
    expect(valuesOf(alici, 'gl-cor:postingDate')).to.deep.equal(['2026-01-05', '2026-01-20']);
    expect(valuesOf(xml, 'gl-cor:entriesType')).to.deep.equal(['ledger']);
    expect(valuesOf(xml, 'gl-cor:uniqueID')).to.deep.equal(['KEB202601000001']);
    expect(xml).to.contain('<?xml-stylesheet type="text/xsl" href="kebir.xslt"?>');
    // What a Yevmiye entry has and a Kebir account has not.
    for (const element of ['gl-cor:enteredBy', 'gl-cor:enteredDate', 'gl-cor:entryNumber', 'gl-cor:entryComment', 'gl-cor:entryNumberCounter']) {
      expect(xml).to.not.contain(`<${element} `);
    }
    expect(built.totals).to.include({ debit: 5_240_000n, credit: 5_240_000n, accounts: 6, lines: 7 });
  });
});

describe('e-Defter: the Büyük Defter is derived by an external sort, in canonical XML', function () {
  this.timeout(180_000);

  it('6,000 lines over ~300 accounts: run files of 200 lines give the bytes of one batch; totals are the journal\'s; GİB\'s XSD and rules pass', async () => {
    const journal = generatedJournal(6_000);
    const lines = journal.flatMap((e) => e.lines);
    const sum = (side: 'D' | 'C') => lines.filter((l) => l.side === side).reduce((a, l) => a + l.amount, 0n);
    const keys = new Set(lines.map((l) => `${l.account} ${l.subAccount ?? ''}`));
    expect(keys.size).to.be.within(250, 350);

    const runs = await kebirOf(journal, 200);
    const oneBatch = await kebirOf(journal, 1_000_000); // everything in one in-memory batch
    expect(runs.runFiles).to.be.at.least(30);
    expect(oneBatch.runFiles).to.equal(0);
    expect(runs.xml.equals(oneBatch.xml)).to.equal(true);
    expect(runs.totals).to.include({ debit: sum('D'), credit: sum('C'), accounts: keys.size, lines: lines.length });
    expect(runs.totals.debit).to.equal(runs.totals.credit);

    // Accounts in (main, sub) string order, each once; lines ascending within each.
    const xml = runs.xml.toString('utf8');
    const headers = headersOf(xml);
    expect(headers).to.have.length(keys.size);
    const order = headers.map(accountOf);
    const sorted = [...order].sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    expect(order).to.deep.equal(sorted);
    expect(new Set(order.map((k) => k.join(' '))).size).to.equal(order.length);
    // As strings, as fct:isSorted compares them: 1001 and 1020 come between 100 and 112.
    const mains = [...new Set(order.map((k) => k[0]))];
    expect(mains.slice(0, 4)).to.deep.equal(['100', '1001', '1020', '112']);
    for (const h of headers) {
      const numbers = valuesOf(h, 'gl-cor:lineNumber').map(Number);
      expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b));
    }

    const work = fs.mkdtempSync(path.join(tempDir('gw-kebir-big'), 'work'));
    try {
      const file = path.join(work, '1234567801-202601-K-000000.xml');
      fs.writeFileSync(file, runs.xml);
      expect(edefterXsdProblems(file)).to.deep.equal([]);
      expect(edefterRules('edefter_kebir', work)(file)).to.deep.equal([]);
    } finally {
      fs.rmSync(path.dirname(work), { recursive: true, force: true });
    }
  });

  it('cleanup removes the run files', async () => {
    const built = await kebirOf(generatedJournal(3_000, 11), 500);
    expect(built.runFiles).to.be.at.least(6);
    expect(built.leftAfterCleanup).to.equal(0);
  });

  it('the output is canonical: the project\'s C14N of it is the output itself, and its digest is that C14N\'s SHA-256', async () => {
    for (const entries of [await sampleEntries(), generatedJournal(2_000, 3)]) {
      const built = await kebirOf(entries, 300, '');
      const xml = built.xml.toString('utf8');
      expect(xml.startsWith(XML_DECLARATION)).to.equal(true);
      expect(xml.endsWith('</edefter:defter>\n')).to.equal(true);
      const doc = parseXml(built.xml);
      // C14N drops the XML declaration and keeps the PI, followed by "\n"; nothing follows the root's end tag.
      expect(canonicalize(doc)).to.equal(xml.slice(XML_DECLARATION.length, -1));
      expect(built.totals.digest).to.equal(crypto.createHash('sha256').update(canonicalBytes(doc)).digest('base64'));
    }
  });

  it('the sealed Kebir verifies with xmlsec1 against the seal\'s root; one changed amount does not', async () => {
    const sealDir = tempDir('gw-kebir-seal');
    const seal = softwareSeal(sealDir, { vkn: HEADER.company.vkn, title: HEADER.company.title });
    const signer = await createSigner(seal.config);
    try {
      const xml = (await kebirOf(await sampleEntries(), undefined, sealWith(signer, DEFTER_NAMESPACES))).xml.toString('utf8');
      expect(xml).to.match(/<\/xbrli:xbrl><ds:Signature [^>]*>.*<\/ds:Signature><\/edefter:defter>\n$/s);
      const good = await xmlsecVerify(xml, seal.ca.certPem);
      expect(good.ok, good.output).to.equal(true);
      const tampered = xml.replace('>50000.00<', '>50000.01<');
      expect(tampered).to.not.equal(xml);
      expect((await xmlsecVerify(tampered, seal.ca.certPem)).ok).to.equal(false);
    } finally {
      await signer.close();
      fs.rmSync(sealDir, { recursive: true, force: true });
    }
  });
});
