/**
 * What the e-Defter book tests share: a placeholder signature (present and XSD-valid, never verified by GİB's
 * rules, so the book itself is what is judged) and GİB's two judges — xmllint with GİB's e-Defter XSD, Saxon-HE
 * with one of GİB's rule files compiled into a work folder — each returning what it found wrong. Files are judged
 * under their GİB name, in a folder without digit-dash runs: the rules read VKN and period from base-uri().
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as libxml from 'libxmljs2';
import { PassThrough } from 'node:stream';
import type { JournalEntry, JournalLine } from '../../src/ledger/journal';
import { createJournalChecker } from '../../src/ledger/journal-checks';
import { readCsvJournal } from '../../src/ledger/journal-csv';
import type { BookKind, LedgerDocumentInfo } from '../../src/ledger/xbrl-gl';
import { compileEdefterSchematron, SAXON_JAR, saxon, saxonAvailable } from './gib-schematron';
import { GIB_DIR, REPO_DIR } from './paths';

export const PLACEHOLDER_SIGNATURE =
  '<ds:Signature Id="Signature_1"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>' +
  '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference>' +
  '<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#SignedProperties_1"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference></ds:SignedInfo>' +
  '<ds:SignatureValue Id="SignatureValue_1">AAAA</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509SubjectName>CN=PLACEHOLDER</ds:X509SubjectName><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo>' +
  '<ds:Object><xades:QualifyingProperties Target="#Signature_1"><xades:SignedProperties Id="SignedProperties_1"><xades:SignedSignatureProperties><xades:SigningTime>2026-02-01T10:00:00+03:00</xades:SigningTime>' +
  '<xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></xades:CertDigest>' +
  '<xades:IssuerSerial><ds:X509IssuerName>CN=PLACEHOLDER CA</ds:X509IssuerName><ds:X509SerialNumber>1</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SigningCertificate></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>';

/** January 2026 of the sample CSV's company (VKN 1234567801): a book's document facts, with the book's control number. */
export function demoDocument(book: BookKind): LedgerDocumentInfo {
  return {
    company: {
      vkn: '1234567801', title: 'DEMO TİCARET A.Ş.', phone: '3121111111', email: 'info@demo.com.tr', webSite: 'www.demo.com.tr',
      address: { buildingNumber: '26/4', street: 'Atatürk Caddesi', city: 'Ankara', postalCode: '06110', country: 'Türkiye' },
      nace: '47.19.01', branch: null, accountant: { name: 'SMMM Ayşe Yılmaz', engagement: 'SMMM sözleşmesi, 2026-01-01' }, enteredBy: 'Ali Can',
    },
    controlNumber: `${book === 'Y' ? 'YEV' : 'KEB'}202601000001`, periodStart: '2026-01-01', periodEnd: '2026-01-31', fiscalYearStart: '2026-01-01', fiscalYearEnd: '2026-12-31',
    creationDate: '2026-02-01', sourceApplication: '1234567801##DEMO TİCARET A.Ş.##açık entegratör##0.1',
  };
}

/** xmllint's complaints about `file` against GİB's edefter.xsd (its notes on skipped imports aside); [] when valid. */
export function edefterXsdProblems(file: string): string[] {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', path.join(GIB_DIR, 'edefter', 'xsd', 'edefter.xsd'), file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const problems = r.stderr.split('\n').filter((l) => l && !l.includes('Skipping import') && !l.endsWith('validates'));
  return r.status === 0 ? problems : [...problems, `xmllint exit status ${r.status}`];
}

/**
 * GİB's rule file `name` compiled into `work`; the returned function runs it on a file and gives the texts of the
 * failed assertions ([] when the file passes).
 */
export function edefterRules(name: 'edefter_yevmiye' | 'edefter_kebir' | 'edefter_berat' | 'edefter_rapor', work: string): (file: string) => string[] {
  if (!saxonAvailable()) throw new Error(`GİB's e-Defter rules need java and ${SAXON_JAR} (Debian libsaxonhe-java)`);
  const xsl = compileEdefterSchematron(name, work);
  return (file) => {
    const svrl = path.join(work, `${name}.svrl`);
    saxon([`-s:${file}`, `-xsl:${xsl}`, `-o:${svrl}`]);
    return failedAsserts(svrl);
  };
}

function failedAsserts(svrl: string): string[] {
  const doc = libxml.parseXml(fs.readFileSync(svrl, 'utf8'));
  return (doc.find('//svrl:failed-assert/svrl:text', { svrl: 'http://purl.oclc.org/dsdl/svrl' }) as libxml.Element[]).map((e) => e.text().replace(/\s+/g, ' ').trim());
}

/**
 * GİB's rule file `name` run once over several documents (one Java start, one compile: Saxon's directory mode), by
 * their GİB file names; each name's failed assertions.
 */
export function edefterRulesOnMany(name: 'edefter_yevmiye' | 'edefter_kebir' | 'edefter_berat' | 'edefter_rapor', work: string, files: Record<string, string>): Record<string, string[]> {
  if (!saxonAvailable()) throw new Error(`GİB's e-Defter rules need java and ${SAXON_JAR} (Debian libsaxonhe-java)`);
  const folder = fs.mkdtempSync(path.join(work, 'many'));
  const inDir = path.join(folder, 'in');
  const outDir = path.join(folder, 'out');
  fs.mkdirSync(inDir);
  fs.mkdirSync(outDir);
  for (const [file, xml] of Object.entries(files)) fs.writeFileSync(path.join(inDir, file), xml);
  saxon([`-s:${inDir}`, `-xsl:${compileEdefterSchematron(name, folder)}`, `-o:${outDir}`]);
  const out = Object.fromEntries(Object.keys(files).map((file) => [file, failedAsserts(path.join(outDir, file))]));
  fs.rmSync(folder, { recursive: true, force: true });
  return out;
}

/** A company's e-Defter settings as SaveLedgerSettings takes them. */
export const LEDGER_SETTINGS = {
  phone: '3121111111', email: 'info@demo.com.tr', webSite: 'www.demo.com.tr', buildingNumber: '26/4', street: 'Atatürk Caddesi', city: 'Ankara',
  postalCode: '06110', country: 'Türkiye', nace: '47.19.01', accountantName: 'SMMM Ayşe Yılmaz', accountantEngagement: 'SMMM sözleşmesi, 2026-01-01', enteredBy: 'Ali Can',
};

export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Account = Pick<JournalLine, 'account' | 'accountName' | 'subAccount' | 'subAccountName'>;

/**
 * About 300 accounts: 3- and 4-digit main accounts (string order is not number order: 1020 sorts before 103), most
 * with sub-accounts, some used both with and without one; names with characters XML escapes.
 */
export function accounts(): Account[] {
  const mains = [...Array.from({ length: 56 }, (_, i) => String(100 + i * 12)), '1020', '1001', '7700', '4000'];
  return mains.flatMap((main, i) => {
    const name = i % 9 === 0 ? `HESAP ${main} & <ORTAK> "A"` : `HESAP ${main}`;
    const subs = Array.from({ length: i % 11 }, (_, j): Account => ({ account: main, accountName: name, subAccount: `${main}.${String(j + 1).padStart(2, '0')}`, subAccountName: `ALT ${main} ${j + 1} > B&C` }));
    return subs.length === 0 || i % 4 === 0 ? [{ account: main, accountName: name, subAccount: null, subAccountName: null }, ...subs] : subs;
  });
}

/** A balanced journal of at least `lines` lines over accounts(), in January 2026 (every day), entry numbers from 1. */
export function generatedJournal(lines: number, seed = 7): JournalEntry[] {
  const next = random(seed);
  const pool = accounts();
  const entries: JournalEntry[] = [];
  let count = 0;
  while (count < lines) {
    const n = 2 + Math.floor(next() * 3);
    const number = entries.length + 1;
    const day = String(1 + Math.floor((count * 31) / lines)).padStart(2, '0');
    const debitFirst = next() < 0.5;
    const amounts = Array.from({ length: n - 1 }, () => BigInt(1 + Math.floor(next() * 10_000_000)));
    const sum = amounts.reduce((a, b) => a + b, 0n);
    const entryLines = [...amounts, sum].map((amount, i): JournalLine => {
      const doc = next();
      return {
        lineNo: i + 1, ...pool[Math.floor(next() * pool.length)]!, amount,
        side: (i < n - 1) === debitFirst ? 'D' : 'C',
        description: i % 3 === 0 ? `Satır ${i + 1} <not> & 'açıklama'` : null,
        documentType: doc < 0.4 ? 'invoice' : doc < 0.6 ? 'other' : null,
        documentTypeDescription: doc >= 0.4 && doc < 0.6 ? 'Dekont' : null,
        documentNumber: doc < 0.6 ? `B-${number}` : null,
        documentDate: doc < 0.6 ? `2026-01-${day}` : null,
        paymentMethod: doc < 0.2 ? 'KREDI' : null,
      };
    });
    entries.push({ number, date: `2026-01-${day}`, description: null, lines: entryLines, source: `madde ${number}` });
    count += n;
  }
  return entries;
}

/** `entries` as the gateway's CSV journal (README "e-Defter: the CSV journal"), header row first. */
export function journalCsv(entries: JournalEntry[]): Buffer {
  const kurus = (k: bigint) => `${k / 100n},${String(k % 100n).padStart(2, '0')}`;
  const cell = (v: string | null | undefined) => (v ?? '').replace(/[;\n"]/g, ' ');
  const rows = ['fis_no;fis_tarihi;satir_no;hesap_kodu;hesap_adi;alt_hesap_kodu;alt_hesap_adi;borc;alacak;aciklama;belge_turu;belge_turu_aciklama;belge_no;belge_tarihi;odeme_sekli;fis_aciklama'];
  for (const e of entries) {
    for (const l of e.lines) {
      rows.push([e.number, e.date, l.lineNo, l.account, cell(l.accountName), cell(l.subAccount), cell(l.subAccountName), l.side === 'D' ? kurus(l.amount) : '0', l.side === 'C' ? kurus(l.amount) : '0', cell(l.description), cell(l.documentType), cell(l.documentTypeDescription), cell(l.documentNumber), cell(l.documentDate), cell(l.paymentMethod), cell(e.description)].join(';'));
    }
  }
  return Buffer.from(`${rows.join('\n')}\n`, 'utf8');
}

/**
 * The sample CSV journal (examples/ledger, January 2026, entries 1–3) moved to month `mm` of 2026 with its entries
 * numbered from `first`, so later months continue January's numbering.
 */
export function sampleMonth(csv: string, mm: number, first: number): Buffer {
  const month = `2026-${String(mm).padStart(2, '0')}`;
  return Buffer.from(
    csv.split('\n').map((line, i) => {
      if (i === 0 || !line) return line;
      const f = line.split(';');
      f[0] = String(Number(f[0]) + first - 1);
      return f.join(';').replace(/2026-01/g, month);
    }).join('\n'),
  );
}

/** Collects what a writer puts on a stream. */
export function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The sample CSV journal's entries (examples/ledger, January 2026), checked as the upload checks them. */
export async function sampleEntries(): Promise<JournalEntry[]> {
  const checker = createJournalChecker({ start: '2026-01-01', end: '2026-01-31', firstEntryNumber: 1 });
  const entries: JournalEntry[] = [];
  for await (const e of readCsvJournal(fs.createReadStream(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv')))) {
    checker.check(e);
    entries.push(e);
  }
  return entries;
}
