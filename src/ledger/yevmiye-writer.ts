/**
 * GİB's Yevmiye (journal) in XBRL-GL, written entry by entry to a stream, so that a ledger of any size is built with
 * the memory of one entry (issue 12, "Dosya Oluştur"). The layout is the one GİB's Yevmiye guide and its rules
 * (`gib/edefter/sch/edefter_yevmiye.sch`) ask for; test/ledger/yevmiye.test.ts holds the output to GİB's XSD
 * (xmllint) and schematron (Saxon-HE). What the rules check and the guides' examples get wrong: every `decimals` is
 * INF; totalDebit and totalCredit are compared as strings, so both are written the same way; lineNumber runs over the
 * fiscal year, not per entry; an entry's lines carry its madde number (lineNumberCounter) and, as documentReference,
 * its fiş number (entryNumber). The output is canonical XML, hashed as it is written (canonical-out.ts), so `end()`
 * seals it — the enveloped ds:Signature after xbrli:xbrl — without the document ever being parsed.
 */
import type { Writable } from 'node:stream';
import { escapeText } from '../xml/c14n';
import { canonicalOut, type SignatureFor } from './canonical-out';
import { formatKurus, type JournalEntry } from './journal';

export interface LedgerCompany {
  vkn: string;
  /** Kurum Unvanı (VKN) or Adı Soyadı (TCKN). */
  title: string;
  phone: string;
  email: string;
  webSite: string;
  address: { buildingNumber: string; street: string; city: string; postalCode: string; country: string };
  /** NACE code (businessDescription). */
  nace: string;
  /** Optional branch (şube): a name and a 4-digit number. */
  branch?: { name: string; number: string } | null;
  /** The accountant (SM/SMMM/YMM) and the engagement; '-' for in-house bookkeeping, as GİB's guide says. */
  accountant: { name: string; engagement: string };
  /** Who enters the records (enteredBy, at least two characters). */
  enteredBy: string;
}

export interface YevmiyeHeader {
  company: LedgerCompany;
  /** YEV + YYYYMM + 6 digits: the fiscal year's running file number. */
  controlNumber: string;
  /** YYYY-MM-DD. */
  periodStart: string;
  periodEnd: string;
  fiscalYearStart: string;
  fiscalYearEnd: string;
  /** YYYY-MM-DD, on or after periodEnd. */
  creationDate: string;
  /** The first line's number (lineNumber runs on over the fiscal year): 1 in its first period. */
  firstLineNumber: number;
  /** `VKN##Firm##Program##Version` (sourceApplication). */
  sourceApplication: string;
}

const CTX = 'journal_context';

/**
 * The root's namespace declarations, in C14N order (by prefix): the writers emit canonical XML, hashed as it is
 * written (canonical-out.ts), and the signature's canonical parts inherit these.
 */
export const DEFTER_NAMESPACES: ReadonlyArray<readonly [string, string]> = [
  ['ds', 'http://www.w3.org/2000/09/xmldsig#'],
  ['edefter', 'http://www.edefter.gov.tr'],
  ['xades', 'http://uri.etsi.org/01903/v1.3.2#'],
  ['xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
];

const XBRL_NAMESPACES: ReadonlyArray<readonly [string, string]> = [
  ['gl-bus', 'http://www.xbrl.org/int/gl/bus/2006-10-25'],
  ['gl-cor', 'http://www.xbrl.org/int/gl/cor/2006-10-25'],
  ['gl-plt', 'http://www.xbrl.org/int/gl/plt/2006-10-25'],
  ['iso4217', 'http://www.xbrl.org/2003/iso4217'],
  ['iso639', 'http://www.xbrl.org/2005/iso639'],
  ['link', 'http://www.xbrl.org/2003/linkbase'],
  ['xbrli', 'http://www.xbrl.org/2003/instance'],
  ['xlink', 'http://www.w3.org/1999/xlink'],
];

export const xmlns = (decls: ReadonlyArray<readonly [string, string]>) => decls.map(([p, u]) => ` xmlns:${p}="${u}"`).join('');

/** xbrli:xbrl's start and its schemaRef (canonical: attributes by namespace URI then name, no empty-element tag). */
export const XBRL_START =
  `<xbrli:xbrl${xmlns(XBRL_NAMESPACES)} xsi:schemaLocation="http://www.xbrl.org/int/gl/plt/2006-10-25 ../xsd/2006-10-25/plt/case-c-b/gl-plt-2006-10-25.xsd">` +
  '<link:schemaRef xlink:href="../xsd/2006-10-25/plt/case-c-b/gl-plt-2006-10-25.xsd" xlink:type="simple"></link:schemaRef>';

const fact = (name: string, value: string) => `<${name} contextRef="${CTX}">${escapeText(value)}</${name}>`;
// Attributes in C14N order (by name): the output is hashed as written.
const money = (name: string, kurus: bigint) => `<${name} contextRef="${CTX}" decimals="INF" unitRef="try">${formatKurus(kurus)}</${name}>`;
const count = (name: string, n: number) => `<${name} contextRef="${CTX}" decimals="INF" unitRef="countable">${n}</${name}>`;

function head(h: YevmiyeHeader): string {
  const c = h.company;
  const ids = [
    [c.title, c.vkn.length === 11 ? 'Adı Soyadı' : 'Kurum Unvanı'],
    ...(c.branch ? [[c.branch.name, 'Şube Adı'], [c.branch.number, 'Şube No']] : []),
  ];
  return (
    '<?xml-stylesheet type="text/xsl" href="yevmiye.xslt"?>\n' +
    `<edefter:defter${xmlns(DEFTER_NAMESPACES)} xsi:schemaLocation="http://www.edefter.gov.tr ../xsd/edefter.xsd">` +
    XBRL_START +
    `<xbrli:context id="${CTX}"><xbrli:entity><xbrli:identifier scheme="http://www.gib.gov.tr">${escapeText(c.vkn)}</xbrli:identifier></xbrli:entity>` +
    `<xbrli:period><xbrli:instant>${h.creationDate}</xbrli:instant></xbrli:period></xbrli:context>` +
    '<xbrli:unit id="try"><xbrli:measure>iso4217:TRY</xbrli:measure></xbrli:unit><xbrli:unit id="countable"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>' +
    '<gl-cor:accountingEntries><gl-cor:documentInfo>' +
    fact('gl-cor:entriesType', 'journal') + fact('gl-cor:uniqueID', h.controlNumber) + fact('gl-cor:language', 'iso639:tr') +
    fact('gl-cor:creationDate', h.creationDate) + fact('gl-bus:creator', c.enteredBy) +
    fact('gl-cor:entriesComment', `${h.periodStart} - ${h.periodEnd} arası ${c.title} Yevmiye defteri`) +
    fact('gl-cor:periodCoveredStart', h.periodStart) + fact('gl-cor:periodCoveredEnd', h.periodEnd) +
    fact('gl-bus:sourceApplication', h.sourceApplication) +
    '</gl-cor:documentInfo><gl-cor:entityInformation>' +
    `<gl-bus:entityPhoneNumber>${fact('gl-bus:phoneNumberDescription', 'main')}${fact('gl-bus:phoneNumber', c.phone)}</gl-bus:entityPhoneNumber>` +
    `<gl-bus:entityEmailAddressStructure>${fact('gl-bus:entityEmailAddress', c.email)}</gl-bus:entityEmailAddressStructure>` +
    ids.map(([id, d]) => `<gl-bus:organizationIdentifiers>${fact('gl-bus:organizationIdentifier', id!)}${fact('gl-bus:organizationDescription', d!)}</gl-bus:organizationIdentifiers>`).join('') +
    `<gl-bus:organizationAddress>${fact('gl-bus:organizationBuildingNumber', c.address.buildingNumber)}${fact('gl-bus:organizationAddressStreet', c.address.street)}` +
    `${fact('gl-bus:organizationAddressCity', c.address.city)}${fact('gl-bus:organizationAddressZipOrPostalCode', c.address.postalCode)}${fact('gl-bus:organizationAddressCountry', c.address.country)}</gl-bus:organizationAddress>` +
    `<gl-bus:entityWebSite>${fact('gl-bus:webSiteURL', c.webSite)}</gl-bus:entityWebSite>` +
    fact('gl-bus:businessDescription', c.nace) + fact('gl-bus:fiscalYearStart', h.fiscalYearStart) + fact('gl-bus:fiscalYearEnd', h.fiscalYearEnd) +
    `<gl-bus:accountantInformation>${fact('gl-bus:accountantName', c.accountant.name)}${fact('gl-bus:accountantEngagementTypeDescription', c.accountant.engagement)}</gl-bus:accountantInformation>` +
    '</gl-cor:entityInformation>'
  );
}

/** One entry; `lineNumber` is the first line's number in the fiscal year. */
function entryXml(e: JournalEntry, lineNumber: number, enteredBy: string): string {
  const fisNo = String(e.number).padStart(6, '0');
  let debit = 0n;
  let credit = 0n;
  for (const l of e.lines) {
    if (l.side === 'D') debit += l.amount;
    else credit += l.amount;
  }
  const lines = e.lines.map((l, i) => {
    const sub = l.subAccount ? `<gl-cor:accountSub>${fact('gl-cor:accountSubDescription', l.subAccountName ?? l.subAccount)}${fact('gl-cor:accountSubID', l.subAccount)}</gl-cor:accountSub>` : '';
    const doc = l.documentType
      ? fact('gl-cor:documentType', l.documentType) +
        (l.documentTypeDescription ? fact('gl-cor:documentTypeDescription', l.documentTypeDescription) : '') +
        (l.documentNumber ? fact('gl-cor:documentNumber', l.documentNumber) : '') +
        fact('gl-cor:documentReference', fisNo) +
        (l.documentDate ? fact('gl-cor:documentDate', l.documentDate) : '')
      : '';
    return (
      `<gl-cor:entryDetail>${fact('gl-cor:lineNumber', String(lineNumber + i))}${count('gl-cor:lineNumberCounter', e.number)}` +
      `<gl-cor:account>${fact('gl-cor:accountMainID', l.account)}${fact('gl-cor:accountMainDescription', l.accountName)}${sub}</gl-cor:account>` +
      `${money('gl-cor:amount', l.amount)}${fact('gl-cor:debitCreditCode', l.side)}${fact('gl-cor:postingDate', e.date)}` +
      doc +
      (l.paymentMethod ? fact('gl-bus:paymentMethod', l.paymentMethod) : '') +
      (l.description ? fact('gl-cor:detailComment', l.description) : '') + // after the document, as gl-cor orders them
      '</gl-cor:entryDetail>'
    );
  });
  return (
    `<gl-cor:entryHeader>${fact('gl-cor:enteredBy', enteredBy)}${fact('gl-cor:enteredDate', e.date)}${fact('gl-cor:entryNumber', fisNo)}` +
    (e.description ? fact('gl-cor:entryComment', e.description) : '') +
    `${money('gl-bus:totalDebit', debit)}${money('gl-bus:totalCredit', credit)}${count('gl-cor:entryNumberCounter', e.number)}` +
    `${lines.join('')}</gl-cor:entryHeader>`
  );
}

/** Writes a Yevmiye to `out`: the header now, each entry as it comes (waiting when `out` is full), then the end. */
export async function createYevmiyeWriter(out: Writable, h: YevmiyeHeader) {
  let lineNumber = h.firstLineNumber;
  const doc = await canonicalOut(out);
  await doc.write(head(h));
  return {
    async entry(e: JournalEntry): Promise<void> {
      await doc.write(entryXml(e, lineNumber, h.company.enteredBy));
      lineNumber += e.lines.length;
    },
    /** Closes xbrli:xbrl; the enveloped ds:Signature (given, or made for the document's digest) goes before the root's end. */
    async end(signature: string | SignatureFor): Promise<{ nextLineNumber: number; digest: string; bytes: number }> {
      await doc.write('</gl-cor:accountingEntries></xbrli:xbrl>');
      const { digest, bytes } = await doc.close('</edefter:defter>', signature);
      return { nextLineNumber: lineNumber, digest, bytes };
    },
  };
}
