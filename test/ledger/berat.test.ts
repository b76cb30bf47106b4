/**
 * The berats (Yevmiye beratı YB, Büyük Defter beratı KB) of the sample journal's two sealed books, judged by GİB's
 * own files through independent engines: xmllint against GİB's e-Defter XSD and Saxon-HE running GİB's
 * edefter_berat.sch (under the berat's GİB name, as the rules read VKN and period from base-uri()); the rules must
 * also fail broken berats. Then what the writer promises beyond the rules: the berat is its book's header without
 * the entries, it carries the book's own ds:SignatureValue, the ten tax lines are the journal's movements of
 * 391/191/600/601/602 (expected figures computed here from the CSV's rows, not by the accumulator), the output is
 * canonical XML (what is hashed for the seal), and the sealed berat verifies with xmlsec1.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createBeratTotals, sizeInMb, writeBerat, type BeratInput } from '../../src/ledger/berat-writer';
import { XML_DECLARATION, sealWith, type SignatureFor } from '../../src/ledger/canonical-out';
import type { JournalEntry } from '../../src/ledger/journal';
import { createKebirBuilder } from '../../src/ledger/kebir';
import { DEFTER_NAMESPACES, type BookKind, type LedgerDocumentInfo } from '../../src/ledger/xbrl-gl';
import { createYevmiyeWriter } from '../../src/ledger/yevmiye-writer';
import { createSigner, type Signer } from '../../src/signing';
import { canonicalBytes, canonicalize } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { softwareSeal, xmlsecVerify } from '../signing/fixtures';
import { tempDir } from '../helpers/db';
import { PLACEHOLDER_SIGNATURE, demoDocument, edefterRules, edefterRulesOnMany, edefterXsdProblems, sink, sampleEntries } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';

const SAMPLE_CSV = path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv');

const HEADERS: Record<BookKind, LedgerDocumentInfo> = { Y: demoDocument('Y'), K: demoDocument('K') };

/** The five accounts of the berat's tax detail, in GİB's order. */
const TAX_ACCOUNTS = ['391', '191', '600', '601', '602'];



/** The sealed book of `kind` for `entries`, as the ledger steps write it. */
async function sealedBook(kind: BookKind, entries: JournalEntry[], signature: SignatureFor): Promise<string> {
  const s = sink();
  if (kind === 'Y') {
    const w = await createYevmiyeWriter(s.out, { ...HEADERS.Y, firstLineNumber: 1 });
    for (const e of entries) await w.entry(e);
    await w.end(signature);
    return s.text();
  }
  const tmp = tempDir('gw-berat-kebir');
  const builder = createKebirBuilder({ tmpDir: tmp });
  try {
    let line = 1;
    for (const e of entries) {
      await builder.add(e, line);
      line += e.lines.length;
    }
    await builder.write(s.out, HEADERS.K, signature);
    return s.text();
  } finally {
    await builder.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The berat's input for a sealed book: its header, its own SignatureValue (Id and text), entries, size, totals. */
function beratInput(kind: BookKind, book: string, entries: JournalEntry[]): BeratInput {
  const sv = [...book.matchAll(/<ds:SignatureValue Id="([^"]+)">([^<]+)<\/ds:SignatureValue>/g)];
  expect(sv).to.have.length(1);
  const totals = createBeratTotals();
  for (const e of entries) totals.add(e);
  return {
    ...HEADERS[kind], book: kind, numberOfEntries: entries.length, bookBytes: Buffer.byteLength(book, 'utf8'),
    signatureValue: { id: sv[0]![1]!, value: sv[0]![2]! }, totals: totals.result(),
  };
}

async function beratOf(b: BeratInput, signature: string | SignatureFor): Promise<{ xml: string; digest: string; uuid: string }> {
  const s = sink();
  const { digest, uuid } = await writeBerat(s.out, b, signature);
  return { xml: s.text(), digest, uuid };
}

/**
 * The sample's movements of the five accounts in kuruş, read from the CSV's rows here (columns by header name,
 * comma or dot decimals), independently of the journal reader and the accumulator.
 */
function csvMovements(): Map<string, { D: bigint; C: bigint }> {
  const [head, ...rows] = fs.readFileSync(SAMPLE_CSV, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim());
  const col = (name: string) => head!.split(';').indexOf(name);
  const [acc, debit, credit] = [col('hesap_kodu'), col('borc'), col('alacak')];
  const kurus = (s: string) => {
    const [lira, frac = ''] = s.replace(',', '.').split('.');
    return BigInt(lira!) * 100n + BigInt(frac.padEnd(2, '0'));
  };
  const sums = new Map(TAX_ACCOUNTS.map((a) => [a, { D: 0n, C: 0n }]));
  for (const r of rows) {
    const f = r.split(';');
    const s = sums.get(f[acc]!);
    if (!s) continue;
    s.D += kurus(f[debit]!);
    s.C += kurus(f[credit]!);
  }
  return sums;
}

/** The berat's ten tax lines as [lineNumber, account, name, amount, side, xbrlInclude]. */
function taxLines(xml: string): string[][] {
  const re =
    /<gl-cor:entryDetail><gl-cor:lineNumber [^>]*>(\d+)<\/gl-cor:lineNumber><gl-cor:account><gl-cor:accountMainID [^>]*>(\d+)<\/gl-cor:accountMainID><gl-cor:accountMainDescription [^>]*>([^<]+)<\/gl-cor:accountMainDescription><\/gl-cor:account><gl-cor:amount [^>]*>([\d.]+)<\/gl-cor:amount><gl-cor:debitCreditCode [^>]*>([DC])<\/gl-cor:debitCreditCode><gl-cor:xbrlInfo><gl-cor:xbrlInclude [^>]*>([a-z_]+)<\/gl-cor:xbrlInclude><\/gl-cor:xbrlInfo><\/gl-cor:entryDetail>/g;
  return [...xml.matchAll(re)].map((m) => m.slice(1));
}

describe('e-Defter: the berats (YB, KB) of the sample\'s sealed books pass GİB\'s XSD and edefter_berat.sch', function () {
  this.timeout(120_000);
  // A folder without digit-dash runs: GİB's rules look for "VKN-" and "-YYYYMM-" anywhere in the file's URI.
  const work = fs.mkdtempSync(path.join(tempDir('gw-berat'), 'work'));
  const fileOf = (kind: BookKind) => path.join(work, `1234567801-202601-${kind}B-000000.xml`);
  let signer: Signer;
  let certPem: string;
  let entries: JournalEntry[];
  let failures: ((file: string) => string[]) | undefined;
  /** GİB's berat rules, compiled once. */
  const rules = (file: string) => (failures ??= edefterRules('edefter_berat', work))(file);
  const books = {} as Record<BookKind, string>;
  const inputs = {} as Record<BookKind, BeratInput>;
  const berats = {} as Record<BookKind, string>;

  before(async () => {
    const seal = softwareSeal(tempDir('gw-berat-seal'), { vkn: HEADERS.Y.company.vkn, title: HEADERS.Y.company.title });
    certPem = seal.ca.certPem;
    signer = await createSigner(seal.config);
    entries = await sampleEntries();
    for (const kind of ['Y', 'K'] as const) {
      books[kind] = await sealedBook(kind, entries, sealWith(signer, DEFTER_NAMESPACES));
      inputs[kind] = beratInput(kind, books[kind], entries);
      berats[kind] = (await beratOf(inputs[kind], sealWith(signer, DEFTER_NAMESPACES))).xml;
      fs.writeFileSync(fileOf(kind), berats[kind]);
    }
  });
  after(async () => {
    await signer?.close();
    fs.rmSync(path.dirname(work), { recursive: true, force: true });
  });

  it('GİB\'s XSD (xmllint, edefter.xsd): both berats', () => {
    for (const kind of ['Y', 'K'] as const) expect(edefterXsdProblems(fileOf(kind)), kind).to.deep.equal([]);
  });

  it('GİB\'s edefter_berat.sch (Saxon-HE): no failed assert in either berat', () => {
    for (const kind of ['Y', 'K'] as const) expect(rules(fileOf(kind)), kind).to.deep.equal([]);
  });

  it('the rules and the XSD fail broken berats', () => {
    // Each broken berat under its own GİB name (the part number tells them apart; the rules read only VKN and period).
    const unlinked = berats.K.replace(/<\/xbrli:xbrl><ds:SignatureValue [^>]*>[^<]*<\/ds:SignatureValue>/, '</xbrli:xbrl>');
    const noCount = berats.Y.replace(/<gl-bus:numberOfEntries [^>]*>\d+<\/gl-bus:numberOfEntries>/, '');
    const counted = berats.K.replace('<xbrli:segment>', '<xbrli:segment><gl-bus:numberOfEntries contextRef="ledger_context" decimals="INF" unitRef="countable">3</gl-bus:numberOfEntries>');
    const nine = berats.Y.replace(/<gl-cor:entryDetail>(?:(?!<\/gl-cor:entryDetail>).)*<\/gl-cor:entryDetail><\/gl-cor:entryHeader>/s, '</gl-cor:entryHeader>');
    for (const [broken, good] of [[unlinked, berats.K], [noCount, berats.Y], [counted, berats.K], [nine, berats.Y]]) expect(broken).to.not.equal(good);
    const verdicts = edefterRulesOnMany('edefter_berat', work, {
      '1234567801-202602-YB-000001.xml': berats.Y, // the January berat under a February name
      '1234567801-202601-KB-000002.xml': unlinked, // without the book's SignatureValue (the link between the two)
      '1234567801-202601-YB-000003.xml': noCount, // a Yevmiye berat without numberOfEntries
      '1234567801-202601-KB-000004.xml': counted, // a Kebir berat with one
      '1234567801-202601-YB-000005.xml': nine, // nine tax lines instead of ten
    });
    expect(verdicts['1234567801-202602-YB-000001.xml']).to.include("Dosya adındaki dönem ile periodCoveredStart'daki dönem bilgisi aynı olmalıdır.");
    expect(verdicts['1234567801-202601-KB-000002.xml']).to.include('ds:SignatureValue zorunlu bir elemandır.');
    expect(verdicts['1234567801-202601-YB-000003.xml']).to.include('Yevmiye beratında xbrli:segment/gl-bus:numberOfEntries zorunlu bir elemandır.');
    expect(verdicts['1234567801-202601-KB-000004.xml']).to.include('xbrli:segment/gl-bus:numberOfEntries elemanı sadece yevmiye beratında bulunabilir.');
    expect(verdicts['1234567801-202601-YB-000005.xml']).to.include('Dönem içi değişiklikleri temsil eden gl-cor:entryDetail elemanı sayısı 10 olmalıdır.');
    const file = path.join(work, '1234567801-202601-KB-000002.xml');
    fs.writeFileSync(file, unlinked);
    expect(edefterXsdProblems(file)).to.not.deep.equal([]);
    fs.rmSync(file);
  });

  it('a berat is its book\'s header without the entries, with a new UUID, the size in MB, numberOfEntries in YB only', () => {
    for (const kind of ['Y', 'K'] as const) {
      const headOf = (xml: string) => xml.slice(xml.indexOf('<xbrli:xbrl '), xml.indexOf('</gl-cor:entityInformation>'));
      // The book's xbrli:xbrl up to its entries, and the berat's without its segment, are the same text.
      expect(headOf(berats[kind]).replace(/<xbrli:segment>.*<\/xbrli:segment>/, '')).to.equal(headOf(books[kind]));
      expect(berats[kind].match(/<gl-cor:entryHeader>/g), kind).to.have.length(1);
      expect(berats[kind]).to.contain('<gl-cor:entryHeader><gl-cor:qualifierEntry contextRef="' + (kind === 'Y' ? 'journal' : 'ledger') + '_context">standard</gl-cor:qualifierEntry>');
      const segment = /<xbrli:segment>(.*)<\/xbrli:segment>/.exec(berats[kind])![1]!;
      const uuid = /<gl-cor:uniqueID [^>]*>([^<]+)</.exec(segment)![1]!;
      expect(uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const mb = (Buffer.byteLength(books[kind]) / 1024 / 1024).toFixed(2);
      expect(segment).to.contain(`>${mb}</gl-bus:measurableQuantity>`);
      expect(segment.includes('<gl-bus:numberOfEntries contextRef="journal_context" decimals="INF" unitRef="countable">3</gl-bus:numberOfEntries>'), kind).to.equal(kind === 'Y');
    }
    // The berat's segment is the only difference between YB and KB besides the book's own facts.
    expect(berats.Y).to.contain('<gl-cor:entriesType contextRef="journal_context">journal</gl-cor:entriesType><gl-cor:uniqueID contextRef="journal_context">YEV202601000001</gl-cor:uniqueID>');
    expect(berats.K).to.contain('<gl-cor:entriesType contextRef="ledger_context">ledger</gl-cor:entriesType><gl-cor:uniqueID contextRef="ledger_context">KEB202601000001</gl-cor:uniqueID>');
  });

  it('each berat carries its own book\'s ds:SignatureValue (Id and value) after xbrli:xbrl, then its own seal', () => {
    for (const kind of ['Y', 'K'] as const) {
      const { id, value } = inputs[kind].signatureValue;
      expect(books[kind]).to.contain(`<ds:SignatureValue Id="${id}">${value}</ds:SignatureValue>`);
      expect(berats[kind]).to.contain(`</xbrli:xbrl><ds:SignatureValue Id="${id}">${value}</ds:SignatureValue><ds:Signature `);
      expect(berats[kind]).to.match(/<\/ds:Signature><\/edefter:berat>\n$/);
    }
    expect(inputs.Y.signatureValue.value).to.not.equal(inputs.K.signatureValue.value);
  });

  it('the ten tax lines are the period\'s debit and credit movements of 391, 191, 600, 601, 602 (figures from the CSV)', () => {
    const sums = csvMovements();
    // The sample's sale: 600 credited 1,000.00 and 391 credited 200.00; nothing else moves.
    expect([...sums].map(([a, s]) => [a, s.D, s.C])).to.deep.equal([['391', 0n, 20000n], ['191', 0n, 0n], ['600', 0n, 100000n], ['601', 0n, 0n], ['602', 0n, 0n]]);
    const lira = (k: bigint) => `${k / 100n}.${String(k % 100n).padStart(2, '0')}`;
    const names: Record<string, string> = { '391': 'Hesaplanan KDV', '191': 'İndirilecek KDV', '600': 'Yurt İçi Satışlar', '601': 'Yurt Dışı Satışlar', '602': 'Diğer Gelirler' };
    const expected = TAX_ACCOUNTS.flatMap((a, i) => [
      [String(2 * i + 1), a, names[a]!, lira(sums.get(a)!.D), 'D', 'period_change'],
      [String(2 * i + 2), a, names[a]!, lira(sums.get(a)!.C), 'C', 'period_change'],
    ]);
    for (const kind of ['Y', 'K'] as const) expect(taxLines(berats[kind]), kind).to.deep.equal(expected);
  });

  it('the sealed berats verify with xmlsec1 against the seal\'s root; one changed tax amount does not', async () => {
    for (const kind of ['Y', 'K'] as const) {
      const good = await xmlsecVerify(berats[kind], certPem);
      expect(good.ok, `${kind}: ${good.output}`).to.equal(true);
    }
    const tampered = berats.Y.replace('>200.00</gl-cor:amount>', '>200.01</gl-cor:amount>');
    expect(tampered).to.not.equal(berats.Y);
    expect((await xmlsecVerify(tampered, certPem)).ok).to.equal(false);
  });
});

describe('e-Defter: the berat\'s totals, size and canonical form', function () {
  this.timeout(60_000);

  it('createBeratTotals sums the sample\'s movements of the five accounts (sub-accounts under their main account)', async () => {
    const t = createBeratTotals();
    for (const e of await sampleEntries()) t.add(e);
    const expected = Object.fromEntries([...csvMovements()].map(([a, s]) => [a, { debit: String(s.D), credit: String(s.C) }]));
    expect(t.result()).to.deep.equal(expected);
    expect(t.result()['391']).to.deep.equal({ debit: '0', credit: '20000' });
  });

  it('createBeratTotals adds both sides, over several entries, and ignores other accounts', () => {
    const line = (account: string, side: 'D' | 'C', amount: bigint, subAccount: string | null = null) => ({
      lineNo: 1, account, accountName: account, subAccount, subAccountName: null, side, amount,
      description: null, documentType: null, documentTypeDescription: null, documentNumber: null, documentDate: null, paymentMethod: null,
    });
    const entry = (number: number, lines: JournalEntry['lines']): JournalEntry => ({ number, date: '2026-01-10', description: null, lines, source: `madde ${number}` });
    const t = createBeratTotals();
    t.add(entry(1, [line('153', 'D', 100_000n), line('191', 'D', 18_000n, '191.01'), line('320', 'C', 118_000n)]));
    t.add(entry(2, [line('602', 'D', 5n), line('602', 'C', 999_999_999_999_999n), line('601', 'C', 1n), line('100', 'D', 999_999_999_999_995n)]));
    t.add(entry(3, [line('191', 'C', 7_000n), line('391', 'D', 7_000n)]));
    expect(t.result()).to.deep.equal({
      '391': { debit: '7000', credit: '0' }, '191': { debit: '18000', credit: '7000' }, '600': { debit: '0', credit: '0' },
      '601': { debit: '0', credit: '1' }, '602': { debit: '5', credit: '999999999999999' },
    });
  });

  it('sizeInMb divides the bytes twice by 1024 and rounds to two decimals (GİB\'s examples)', () => {
    expect(sizeInMb(66_135)).to.equal('0.06'); // the Berat Kılavuzu's Yevmiye example
    expect(Number(sizeInMb(417_061))).to.equal(0.4); // its Kebir example ("0.4")
    expect(sizeInMb(0)).to.equal('0.00');
    expect(sizeInMb(5_242)).to.equal('0.00');
    expect(sizeInMb(5_243)).to.equal('0.01');
    expect(sizeInMb(1_048_576)).to.equal('1.00');
    expect(sizeInMb(131_072)).to.equal('0.13'); // 0.125 MB, half up
    expect(sizeInMb(2_147_483_648)).to.equal('2048.00');
  });

  it('the output is canonical: the project\'s C14N of it is the output itself, and the digest is that C14N\'s SHA-256', async () => {
    const entries = await sampleEntries();
    const totals = createBeratTotals();
    for (const e of entries) totals.add(e);
    // Characters C14N escapes, in texts and in the copied SignatureValue's Id.
    const company = { ...HEADERS.Y.company, title: 'A & B <Ticaret> "Ltd" \'Şti\'', address: { ...HEADERS.Y.company.address, street: 'Cadde > 1 & 2\r' } };
    for (const kind of ['Y', 'K'] as const) {
      const b: BeratInput = {
        ...HEADERS[kind], company, book: kind, numberOfEntries: entries.length, bookBytes: 66_135,
        signatureValue: { id: 'SignatureValue_a&b', value: 'QUJD\nREVG' }, totals: totals.result(), uuid: crypto.randomUUID(),
      };
      const { xml, digest, uuid } = await beratOf(b, '');
      expect(uuid).to.equal(b.uuid);
      expect(xml.startsWith(XML_DECLARATION)).to.equal(true);
      expect(xml.endsWith('</edefter:berat>\n')).to.equal(true);
      expect(xml).to.not.match(/\/>/);
      const doc = parseXml(xml);
      // C14N drops the XML declaration and keeps the PI, followed by "\n"; nothing follows the root's end tag.
      expect(canonicalize(doc)).to.equal(xml.slice(XML_DECLARATION.length, -1));
      expect(digest).to.equal(crypto.createHash('sha256').update(canonicalBytes(doc)).digest('base64'));
      expect(xml).to.contain('<?xml-stylesheet type="text/xsl" href="berat.xslt"?>\n<edefter:berat xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:edefter="http://www.edefter.gov.tr" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation=');
    }
  });

  it('a new UUID for every berat unless one is given', async () => {
    const b: BeratInput = { ...HEADERS.K, book: 'K', numberOfEntries: 0, bookBytes: 1, signatureValue: { id: 'SV_1', value: 'AAAA' }, totals: createBeratTotals().result() };
    const [one, two] = [await beratOf(b, PLACEHOLDER_SIGNATURE), await beratOf(b, PLACEHOLDER_SIGNATURE)];
    expect(one.uuid).to.not.equal(two.uuid);
    expect(one.xml).to.contain(`<gl-cor:uniqueID contextRef="ledger_context">${one.uuid}</gl-cor:uniqueID>`);
    expect(one.xml.replace(one.uuid, two.uuid)).to.equal(two.xml);
  });
});
