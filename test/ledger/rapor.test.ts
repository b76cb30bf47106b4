/**
 * The month's Defter Raporu Beratı (DR) of the sample journal, judged by GİB's own files through independent engines:
 * xmllint against GİB's e-Defter XSD (element defterraporu) and Saxon-HE running GİB's edefter_rapor.sch (under the
 * DR's GİB name, as the rules read VKN and period from base-uri()); the rules must also fail broken DRs. Then what
 * the writer promises beyond the rules: the header is the Büyük Defter's in context "now" with entriesType
 * trialbalance and "defter raporu" in entriesComment, its segment only the DR's UUID; every main account has a D and
 * a C period_change line with the month's gross debit and credit and the number of lines on that side (expected
 * figures read here from the CSV's rows); accounts in string order; the output is canonical XML (what is hashed for
 * the seal); and the sealed DR verifies with xmlsec1.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { XML_DECLARATION, sealWith, type SignatureFor } from '../../src/ledger/canonical-out';
import type { JournalEntry } from '../../src/ledger/journal';
import { createKebirBuilder } from '../../src/ledger/kebir';
import { writeDefterRaporu, type RaporAccount, type RaporInput } from '../../src/ledger/rapor-writer';
import { DEFTER_NAMESPACES, type LedgerDocumentInfo } from '../../src/ledger/xbrl-gl';
import { createSigner, type Signer } from '../../src/signing';
import { canonicalBytes, canonicalize } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { softwareSeal, xmlsecVerify } from '../signing/fixtures';
import { tempDir } from '../helpers/db';
import { PLACEHOLDER_SIGNATURE, demoDocument, edefterRules, edefterRulesOnMany, edefterXsdProblems, generatedJournal, sink, sampleEntries } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';

const SAMPLE_CSV = path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv');

/** The DR takes the month's Büyük Defter facts (its control number KEB202601000001: 15 characters with YYYYMM). */
const HEADER: LedgerDocumentInfo = demoDocument('K');
const GIB_NAME = '1234567801-202601-DR-000000.xml';



/** The month's main accounts as the ledger step sums them (sub-accounts under their main account), in input order. */
function raporAccountsOf(entries: JournalEntry[]): RaporAccount[] {
  const m = new Map<string, RaporAccount>();
  for (const e of entries) {
    for (const l of e.lines) {
      const a = m.get(l.account) ?? { main: l.account, name: l.accountName, debit: 0n, credit: 0n, debitCount: 0, creditCount: 0 };
      if (l.side === 'D') (a.debit += l.amount), a.debitCount++;
      else (a.credit += l.amount), a.creditCount++;
      m.set(l.account, a);
    }
  }
  return [...m.values()];
}

async function drOf(r: RaporInput, signature: string | SignatureFor): Promise<{ xml: string; digest: string; bytes: number; uuid: string }> {
  const s = sink();
  const { digest, bytes, uuid } = await writeDefterRaporu(s.out, r, signature);
  return { xml: s.text(), digest, bytes, uuid };
}

const lira = (k: bigint) => `${k / 100n}.${String(k % 100n).padStart(2, '0')}`;

/**
 * The sample's main accounts read from the CSV's rows here (columns by header name, comma or dot decimals),
 * independently of the journal reader: [main, name, debit, debit lines, credit, credit lines], in string order.
 */
function csvAccounts(): Array<[string, string, string, number, string, number]> {
  const [head, ...rows] = fs.readFileSync(SAMPLE_CSV, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim());
  const col = (name: string) => head!.split(';').indexOf(name);
  const [acc, accName, debit, credit] = [col('hesap_kodu'), col('hesap_adi'), col('borc'), col('alacak')];
  const kurus = (s: string) => {
    const [whole, frac = ''] = s.replace(',', '.').split('.');
    return BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0'));
  };
  const sums = new Map<string, { name: string; D: bigint; C: bigint; nD: number; nC: number }>();
  for (const r of rows) {
    const f = r.split(';');
    const s = sums.get(f[acc]!) ?? { name: f[accName]!, D: 0n, C: 0n, nD: 0, nC: 0 };
    const [d, c] = [kurus(f[debit]!), kurus(f[credit]!)];
    if (d > 0n) (s.D += d), s.nD++;
    if (c > 0n) (s.C += c), s.nC++;
    sums.set(f[acc]!, s);
  }
  return [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([a, s]) => [a, s.name, lira(s.D), s.nD, lira(s.C), s.nC]);
}

/** The DR's lines as [lineNumber, main, name, amount, side, documentApplyToNumber, xbrlInclude]; every line must match. */
function drLines(xml: string): string[][] {
  const re =
    /<gl-cor:entryDetail><gl-cor:lineNumber contextRef="now">(\d+)<\/gl-cor:lineNumber><gl-cor:account><gl-cor:accountMainID contextRef="now">([^<]+)<\/gl-cor:accountMainID><gl-cor:accountMainDescription contextRef="now">([^<]*)<\/gl-cor:accountMainDescription><\/gl-cor:account><gl-cor:amount contextRef="now" decimals="INF" unitRef="try">([\d.]+)<\/gl-cor:amount><gl-cor:debitCreditCode contextRef="now">([DC])<\/gl-cor:debitCreditCode><gl-cor:documentApplyToNumber contextRef="now">(\d+)<\/gl-cor:documentApplyToNumber><gl-cor:xbrlInfo><gl-cor:xbrlInclude contextRef="now">([a-z_]+)<\/gl-cor:xbrlInclude><\/gl-cor:xbrlInfo><\/gl-cor:entryDetail>/g;
  const lines = [...xml.matchAll(re)].map((m) => m.slice(1));
  expect(lines.length, 'every entryDetail in the expected shape').to.equal(xml.split('<gl-cor:entryDetail>').length - 1);
  return lines;
}

/** The sample's Büyük Defter (placeholder seal), for the DR's header. */
async function sampleKebir(entries: JournalEntry[]): Promise<string> {
  const tmp = tempDir('gw-rapor-kebir');
  const builder = createKebirBuilder({ tmpDir: tmp });
  try {
    let line = 1;
    for (const e of entries) {
      await builder.add(e, line);
      line += e.lines.length;
    }
    const s = sink();
    await builder.write(s.out, HEADER, PLACEHOLDER_SIGNATURE);
    return s.text();
  } finally {
    await builder.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('e-Defter: the Defter Raporu Beratı (DR) of the sample month passes GİB\'s XSD and edefter_rapor.sch', function () {
  this.timeout(120_000);
  // A folder without digit-dash runs: GİB's rules look for "VKN-" and "-YYYYMM-" anywhere in the file's URI.
  const work = fs.mkdtempSync(path.join(tempDir('gw-rapor'), 'work'));
  const file = path.join(work, GIB_NAME);
  const sealedFile = path.join(work, 'sealed', GIB_NAME);
  let signer: Signer;
  let certPem: string;
  let entries: JournalEntry[];
  let failures: ((file: string) => string[]) | undefined;
  /** GİB's DR rules, compiled once. */
  const rules = (f: string) => (failures ??= edefterRules('edefter_rapor', work))(f);
  let input: RaporInput;
  let dr: { xml: string; digest: string; uuid: string };
  let sealed: string;

  before(async () => {
    const seal = softwareSeal(tempDir('gw-rapor-seal'), { vkn: HEADER.company.vkn, title: HEADER.company.title });
    certPem = seal.ca.certPem;
    signer = await createSigner(seal.config);
    entries = await sampleEntries();
    input = { ...HEADER, accounts: raporAccountsOf(entries) };
    dr = await drOf(input, PLACEHOLDER_SIGNATURE);
    fs.writeFileSync(file, dr.xml);
    sealed = (await drOf(input, sealWith(signer, DEFTER_NAMESPACES))).xml;
    fs.mkdirSync(path.dirname(sealedFile));
    fs.writeFileSync(sealedFile, sealed);
  });
  after(async () => {
    await signer?.close();
    fs.rmSync(path.dirname(work), { recursive: true, force: true });
  });

  it('GİB\'s XSD (xmllint, edefter.xsd, element defterraporu): the DR with the placeholder and with a real seal', () => {
    expect(edefterXsdProblems(file)).to.deep.equal([]);
    expect(edefterXsdProblems(sealedFile)).to.deep.equal([]);
  });

  it('GİB\'s edefter_rapor.sch (Saxon-HE): no failed assert, with the placeholder and with a real seal', () => {
    expect(rules(file)).to.deep.equal([]);
    expect(rules(sealedFile)).to.deep.equal([]);
  });

  it('the rules pass a DR of many accounts (3- and 4-digit, escaped names) and fail broken DRs; the XSD refuses a berat\'s SignatureValue', async () => {
    const many = (await drOf({ ...HEADER, accounts: raporAccountsOf(generatedJournal(3_000)) }, PLACEHOLDER_SIGNATURE)).xml;
    expect(many).to.contain('<gl-cor:accountMainID contextRef="now">1020</gl-cor:accountMainID>');
    expect(many).to.contain('&amp; &lt;ORTAK&gt; "A"</gl-cor:accountMainDescription>');
    const detail = (n: number) => new RegExp(`<gl-cor:entryDetail><gl-cor:lineNumber contextRef="now">${n}</gl-cor:lineNumber>(?:(?!</gl-cor:entryDetail>).)*</gl-cor:entryDetail>`).exec(dr.xml)![0];
    // Line 6 is the sample's 120 ALICILAR credit line (lines 1-2: 100, 3-4: 102, 5-6: 120).
    expect(detail(6)).to.contain('>120</gl-cor:accountMainID>').and.contain('>C</gl-cor:debitCreditCode>');
    const broken = {
      '1234567801-202602-DR-000001.xml': dr.xml, // the January DR under a February name
      '1234567801-202601-DR-000002.xml': dr.xml.replace('>trialbalance</gl-cor:entriesType>', '>ledger</gl-cor:entriesType>'),
      '1234567801-202601-DR-000003.xml': dr.xml.replace(detail(6), ''), // 120 without its C line
      '1234567801-202601-DR-000004.xml': dr.xml.replace(detail(1), detail(1) + detail(1)), // 100's D line twice
      '1234567801-202601-DR-000005.xml': dr.xml.replace(/<gl-cor:documentApplyToNumber [^>]*>\d+<\/gl-cor:documentApplyToNumber>/, ''),
      '1234567801-202601-DR-000006.xml': dr.xml.replace('<xbrli:segment>', '<xbrli:segment><gl-bus:numberOfEntries contextRef="now" decimals="INF" unitRef="countable">3</gl-bus:numberOfEntries>'),
      '1234567801-202601-DR-000007.xml': dr.xml.replace(`>${dr.uuid}</gl-cor:uniqueID>`, '>DR-202601</gl-cor:uniqueID>'),
      '1234567801-202601-DR-000008.xml': dr.xml.replace('>KEB202601000001</gl-cor:uniqueID>', '>KEB20260100001</gl-cor:uniqueID>'),
      '1234567801-202601-DR-000009.xml': dr.xml.replace('<gl-cor:lineNumber contextRef="now">3</gl-cor:lineNumber>', '<gl-cor:lineNumber contextRef="now">4</gl-cor:lineNumber>'),
      '1234567801-202601-DR-000010.xml': dr.xml.replace('<gl-cor:qualifierEntry contextRef="now">standard<', '<gl-cor:qualifierEntry contextRef="now">other<'),
    };
    for (const [name, xml] of Object.entries(broken)) if (!name.includes('202602')) expect(xml, name).to.not.equal(dr.xml);
    const verdicts = edefterRulesOnMany('edefter_rapor', work, { '1234567801-202601-DR-000000.xml': many, ...broken });
    expect(verdicts['1234567801-202601-DR-000000.xml']).to.deep.equal([]);
    expect(verdicts['1234567801-202602-DR-000001.xml']).to.deep.equal(["Dosya adındaki dönem ile periodCoveredStart'daki dönem bilgisi aynı olmalıdır."]);
    expect(verdicts['1234567801-202601-DR-000002.xml']).to.deep.equal(["Defter raporu dokümanında gl-cor:entriesType elemanının değeri 'trialbalance' olmalıdır."]);
    expect(verdicts['1234567801-202601-DR-000003.xml']).to.include("Hesap Kodu 120 ve borç alacak kodu 'C' olan gl-cor:entryDetail elemanı bulunamamıştır.");
    // GİB's texts name the sides the wrong way round: the count of D lines is checked by the text about 'C'.
    expect(verdicts['1234567801-202601-DR-000003.xml']).to.include("Borç alacak kodu 'D' olan gl-cor:entryDetail elemanı sayısı (5) farklı hesap sayısına (6) eşit olmalıdır.");
    expect(verdicts['1234567801-202601-DR-000004.xml']).to.include('Hesap Kodu 100 ve borç alacak kodu D olan 1 tane gl-cor:entryDetail elemanı olabilir; fakat 2 adet var.');
    expect(verdicts['1234567801-202601-DR-000005.xml']).to.deep.equal(['gl-cor:documentApplyToNumber zorunlu bir elemandır.']);
    expect(verdicts['1234567801-202601-DR-000006.xml']).to.deep.equal(['xbrli:segment/gl-bus:numberOfEntries elemanı sadece yevmiye beratında bulunabilir.']);
    expect(verdicts['1234567801-202601-DR-000007.xml']).to.deep.equal(['xbrli:segment/gl-cor:uniqueID elemanı UUID formatında olmalıdır.']);
    expect(verdicts['1234567801-202601-DR-000008.xml']).to.deep.equal(['gl-cor:uniqueID elemanı 15 karakterden oluşmalıdır.']);
    expect(verdicts['1234567801-202601-DR-000009.xml']).to.include('gl-cor:lineNumber müteselsil bir değere sahip olmalıdır.');
    expect(verdicts['1234567801-202601-DR-000010.xml']).to.include("gl-cor:qualifierEntry elemanının değeri 'standard' olmalıdır.");
    // A berat carries its book's ds:SignatureValue after xbrli:xbrl; defterraporu has no place for one.
    const bad = path.join(work, '1234567801-202601-DR-000011.xml');
    fs.writeFileSync(bad, dr.xml.replace('</xbrli:xbrl>', '</xbrli:xbrl><ds:SignatureValue Id="SignatureValue_K">AAAA</ds:SignatureValue>'));
    expect(edefterXsdProblems(bad)).to.not.deep.equal([]);
    fs.rmSync(bad);
  });

  it('the header is the Büyük Defter\'s in context "now", trialbalance, "defter raporu" in entriesComment; the segment holds only the DR\'s UUID', async () => {
    expect(dr.xml.startsWith(`${XML_DECLARATION}<?xml-stylesheet type="text/xsl" href="defterraporu.xslt"?>\n<edefter:defterraporu xmlns:ds=`)).to.equal(true);
    expect([...new Set([...dr.xml.matchAll(/contextRef="([^"]*)"/g)].map((m) => m[1]))]).to.deep.equal(['now']);
    expect(dr.xml).to.contain('<xbrli:context id="now"><xbrli:entity><xbrli:identifier scheme="http://www.gib.gov.tr">1234567801</xbrli:identifier>');
    const segment = /<xbrli:segment>(.*?)<\/xbrli:segment>/.exec(dr.xml)![1]!;
    expect(segment).to.equal(`<gl-cor:uniqueID contextRef="now">${dr.uuid}</gl-cor:uniqueID>`);
    expect(dr.uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(dr.xml).to.contain('<gl-cor:entriesType contextRef="now">trialbalance</gl-cor:entriesType><gl-cor:uniqueID contextRef="now">KEB202601000001</gl-cor:uniqueID>');
    expect(dr.xml).to.contain('<gl-cor:entriesComment contextRef="now">2026-01-01 - 2026-01-31 arası DEMO TİCARET A.Ş. defter raporu</gl-cor:entriesComment>');
    expect(dr.xml).to.contain('<xbrli:period><xbrli:instant>2026-02-01</xbrli:instant></xbrli:period>');
    // documentInfo and entityInformation are the Büyük Defter's but for the context, entriesType and entriesComment.
    const infoOf = (xml: string) => xml.slice(xml.indexOf('<gl-cor:documentInfo>'), xml.indexOf('</gl-cor:entityInformation>'));
    const asKebir = infoOf(dr.xml).replaceAll('contextRef="now"', 'contextRef="ledger_context"').replace('>trialbalance<', '>ledger<').replace(' defter raporu<', ' Büyük defter<');
    expect(asKebir).to.equal(infoOf(await sampleKebir(entries)));
    // One standard entryHeader, then xbrli:xbrl's end and the seal: no book SignatureValue, no extensions.
    expect(dr.xml.match(/<gl-cor:entryHeader>/g)).to.have.length(1);
    expect(dr.xml).to.contain('<gl-cor:entryHeader><gl-cor:qualifierEntry contextRef="now">standard</gl-cor:qualifierEntry><gl-cor:entryDetail>');
    expect(dr.xml).to.contain(`</gl-cor:entryDetail></gl-cor:entryHeader></gl-cor:accountingEntries></xbrli:xbrl>${PLACEHOLDER_SIGNATURE}</edefter:defterraporu>\n`);
    expect(sealed).to.match(/<\/xbrli:xbrl><ds:Signature [^>]*>.*<\/ds:Signature><\/edefter:defterraporu>\n$/s);
  });

  it('every main account has a D and a C period_change line: the month\'s gross movements and line counts (figures from the CSV)', () => {
    const csv = csvAccounts();
    // The sample: 120 ALICILAR is debited and credited 1,200.00 once each (net 0, gross both), sub-accounts under their main.
    expect(csv).to.deep.equal([
      ['100', 'KASA', '50000.00', 1, '0.00', 0],
      ['102', 'BANKALAR', '1200.00', 1, '0.00', 0],
      ['120', 'ALICILAR', '1200.00', 1, '1200.00', 1],
      ['391', 'HESAPLANAN KDV', '0.00', 0, '200.00', 1],
      ['500', 'SERMAYE', '0.00', 0, '50000.00', 1],
      ['600', 'YURTICI SATISLAR', '0.00', 0, '1000.00', 1],
    ]);
    const expected = csv.flatMap(([main, name, d, nD, c, nC], i) => [
      [String(2 * i + 1), main, name, d, 'D', String(nD), 'period_change'],
      [String(2 * i + 2), main, name, c, 'C', String(nC), 'period_change'],
    ]);
    expect(drLines(dr.xml)).to.deep.equal(expected);
    expect(drLines(sealed)).to.deep.equal(expected);
  });

  it('the sealed DR verifies with xmlsec1; one changed amount or count does not', async () => {
    const good = await xmlsecVerify(sealed, certPem);
    expect(good.ok, good.output).to.equal(true);
    for (const [from, to] of [['>50000.00</gl-cor:amount>', '>50000.01</gl-cor:amount>'], ['">1</gl-cor:documentApplyToNumber>', '">2</gl-cor:documentApplyToNumber>']]) {
      const tampered = sealed.replace(from!, to!);
      expect(tampered).to.not.equal(sealed);
      expect((await xmlsecVerify(tampered, certPem)).ok, from).to.equal(false);
    }
  });
});

describe('e-Defter: the DR writer\'s order, canonical form and UUID', function () {
  this.timeout(60_000);
  const acc = (main: string, name: string, debit: bigint, debitCount: number, credit: bigint, creditCount: number): RaporAccount => ({ main, name, debit, credit, debitCount, creditCount });

  it('the output is canonical: the project\'s C14N of it is the output itself, and the digest is that C14N\'s SHA-256', async () => {
    // Characters C14N escapes, and Turkish letters, in the company's facts and the accounts' names.
    const company = { ...HEADER.company, title: 'A & B <Ticaret> "Ltd" \'Şti\'', address: { ...HEADER.company.address, street: 'Cadde > 1 & 2\r' } };
    const accounts = [
      acc('600', 'YURT İÇİ SATIŞLAR & <İADE> "ÖZEL"', 0n, 0, 999_999_999_999_999n, 120_000),
      acc('100', 'KASA\r\nMERKEZ', 1n, 1, 5n, 2),
      acc('1020', 'ÇEKLER > ĞÜŞ', 10_050n, 3, 0n, 0),
    ];
    const r: RaporInput = { ...HEADER, company, accounts, uuid: crypto.randomUUID() };
    const { xml, digest, bytes, uuid } = await drOf(r, '');
    expect(uuid).to.equal(r.uuid);
    expect(bytes).to.equal(Buffer.byteLength(xml));
    expect(xml.startsWith(XML_DECLARATION)).to.equal(true);
    expect(xml.endsWith('</edefter:defterraporu>\n')).to.equal(true);
    expect(xml).to.not.match(/\/>/);
    const doc = parseXml(xml);
    // C14N drops the XML declaration and keeps the PI, followed by "\n"; nothing follows the root's end tag.
    expect(canonicalize(doc)).to.equal(xml.slice(XML_DECLARATION.length, -1));
    expect(digest).to.equal(crypto.createHash('sha256').update(canonicalBytes(doc)).digest('base64'));
    expect(xml).to.contain('<?xml-stylesheet type="text/xsl" href="defterraporu.xslt"?>\n<edefter:defterraporu xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:edefter="http://www.edefter.gov.tr" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.edefter.gov.tr ../xsd/edefter.xsd">');
    // Accounts in string order (1020 before 600 and after 100), amounts in lira with two decimals.
    expect(drLines(xml)).to.deep.equal([
      ['1', '100', 'KASA&#xD;\nMERKEZ', '0.01', 'D', '1', 'period_change'],
      ['2', '100', 'KASA&#xD;\nMERKEZ', '0.05', 'C', '2', 'period_change'],
      ['3', '1020', 'ÇEKLER &gt; ĞÜŞ', '100.50', 'D', '3', 'period_change'],
      ['4', '1020', 'ÇEKLER &gt; ĞÜŞ', '0.00', 'C', '0', 'period_change'],
      ['5', '600', 'YURT İÇİ SATIŞLAR &amp; &lt;İADE&gt; "ÖZEL"', '0.00', 'D', '0', 'period_change'],
      ['6', '600', 'YURT İÇİ SATIŞLAR &amp; &lt;İADE&gt; "ÖZEL"', '9999999999999.99', 'C', '120000', 'period_change'],
    ]);
    // The given order is left alone.
    expect(accounts.map((a) => a.main)).to.deep.equal(['600', '100', '1020']);
  });

  it('a large month: every main account of a generated journal, in string order, the same bytes whatever the input order', async () => {
    const accounts = raporAccountsOf(generatedJournal(20_000, 11));
    expect(accounts.length).to.be.greaterThan(50);
    const uuid = crypto.randomUUID();
    const a = await drOf({ ...HEADER, accounts, uuid }, PLACEHOLDER_SIGNATURE);
    const b = await drOf({ ...HEADER, accounts: [...accounts].reverse(), uuid }, PLACEHOLDER_SIGNATURE);
    expect(b.xml).to.equal(a.xml);
    expect(b.digest).to.equal(a.digest);
    const lines = drLines(a.xml);
    expect(lines.map((l) => l[0])).to.deep.equal(lines.map((_, i) => String(i + 1)));
    const mains = lines.filter((_, i) => i % 2 === 0).map((l) => l[1]);
    expect(mains).to.deep.equal(accounts.map((x) => x.main).sort());
    expect(lines.map((l) => l[4]).join('')).to.equal('DC'.repeat(accounts.length));
    // The lines' counts are the journal's lines; the amounts its totals (debit = credit over the month).
    expect(lines.reduce((n, l) => n + Number(l[5]), 0)).to.be.at.least(20_000);
    const total = (side: string) => lines.filter((l) => l[4] === side).reduce((s, l) => s + BigInt(l[3]!.replace('.', '')), 0n);
    expect(total('D')).to.equal(total('C'));
  });

  it('a new UUID for every DR unless one is given', async () => {
    const r: RaporInput = { ...HEADER, accounts: [acc('100', 'KASA', 100n, 1, 0n, 0)] };
    const [one, two] = [await drOf(r, PLACEHOLDER_SIGNATURE), await drOf(r, PLACEHOLDER_SIGNATURE)];
    expect(one.uuid).to.not.equal(two.uuid);
    expect(one.xml).to.contain(`<xbrli:segment><gl-cor:uniqueID contextRef="now">${one.uuid}</gl-cor:uniqueID></xbrli:segment>`);
    expect(one.xml.replace(one.uuid, two.uuid)).to.equal(two.xml);
  });

  it('refuses what cannot be a month\'s lines: an account twice, a negative amount, an amount without lines', async () => {
    for (const accounts of [
      [acc('100', 'KASA', 1n, 1, 0n, 0), acc('100', 'KASA', 0n, 0, 1n, 1)],
      [acc('100', 'KASA', -1n, 1, 0n, 0)],
      [acc('100', 'KASA', 0n, 0, 5n, 0)],
      [acc('100', 'KASA', 0n, 0.5, 0n, 0)],
    ]) {
      const s = sink();
      let err: unknown;
      try {
        await writeDefterRaporu(s.out, { ...HEADER, accounts }, '');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(accounts, (_, v) => (typeof v === 'bigint' ? String(v) : v))).to.be.instanceOf(Error);
      expect(s.text()).to.equal('');
    }
  });
});
