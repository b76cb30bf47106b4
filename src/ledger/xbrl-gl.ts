/**
 * What GİB's e-Defter documents share in XBRL-GL (Yevmiye, Büyük Defter, their berats): the root and xbrli:xbrl
 * start, the context and units, documentInfo and entityInformation, and an entry line (entryDetail). Everything is
 * written in canonical XML (inclusive C14N: namespace declarations by prefix before the attributes, attributes by
 * name, no empty-element tags, C14N escaping), because the documents are hashed as they are written
 * (canonical-out.ts) and sealed without ever being parsed. What the rules check and the guides' examples get
 * wrong: every `decimals` is INF; amounts have at most two decimals with a dot.
 */
import { escapeText } from '../xml/c14n';
import { formatKurus, type JournalEntry, type JournalLine } from './journal';

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

/** documentInfo's facts, the same in a book and in its berat. */
export interface LedgerDocumentInfo {
  company: LedgerCompany;
  /** YEV/KEB + YYYYMM + 6 digits: the fiscal year's running file number. */
  controlNumber: string;
  /** YYYY-MM-DD. */
  periodStart: string;
  periodEnd: string;
  fiscalYearStart: string;
  fiscalYearEnd: string;
  /** YYYY-MM-DD, on or after periodEnd. */
  creationDate: string;
  /** `VKN##Firm##Program##Version` (sourceApplication). */
  sourceApplication: string;
}

export type BookKind = 'Y' | 'K';

/** The root's namespace declarations, in C14N order; the signature's canonical parts inherit them. */
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

const xmlns = (decls: ReadonlyArray<readonly [string, string]>) => decls.map(([p, u]) => ` xmlns:${p}="${u}"`).join('');

/** Each book's context id, entriesType and Turkish name. */
export const BOOKS = {
  Y: { ctx: 'journal_context', entriesType: 'journal', name: 'Yevmiye defteri', stylesheet: 'yevmiye.xslt' },
  K: { ctx: 'ledger_context', entriesType: 'ledger', name: 'Büyük defter', stylesheet: 'kebir.xslt' },
} as const;

/**
 * The Defter Raporu Beratı's (DR) context id, entriesType and name, as Teknik Kılavuz §2.6 and the DR guide give
 * them: contextRef "now", trialbalance, "defter raporu" in entriesComment, defterraporu.xslt.
 */
export const RAPOR = { ctx: 'now', entriesType: 'trialbalance', name: 'defter raporu', stylesheet: 'defterraporu.xslt' } as const;

/** The root elements of GİB's e-Defter documents (edefter.xsd). */
export type DefterRoot = 'defter' | 'berat' | 'defterraporu';

/** Fact writers for one context (attributes in C14N order). */
export function facts(ctx: string) {
  return {
    fact: (name: string, value: string) => `<${name} contextRef="${ctx}">${escapeText(value)}</${name}>`,
    money: (name: string, kurus: bigint) => `<${name} contextRef="${ctx}" decimals="INF" unitRef="try">${formatKurus(kurus)}</${name}>`,
    count: (name: string, n: number | string) => `<${name} contextRef="${ctx}" decimals="INF" unitRef="countable">${n}</${name}>`,
  };
}

/**
 * Everything before the entries: the stylesheet PI, `<edefter:{root}>`, xbrli:xbrl with its context (and the berat's
 * or the Defter Raporu's segment), units, and accountingEntries' documentInfo and entityInformation.
 */
export function documentHead(root: DefterRoot, book: BookKind | 'DR', d: LedgerDocumentInfo, segment = ''): string {
  const { ctx, entriesType, name, stylesheet } = book === 'DR' ? RAPOR : BOOKS[book];
  const { fact } = facts(ctx);
  const c = d.company;
  const ids = [
    [c.title, c.vkn.length === 11 ? 'Adı Soyadı' : 'Kurum Unvanı'],
    ...(c.branch ? [[c.branch.name, 'Şube Adı'], [c.branch.number, 'Şube No']] : []),
  ];
  return (
    `<?xml-stylesheet type="text/xsl" href="${root === 'berat' ? 'berat.xslt' : stylesheet}"?>\n` +
    `<edefter:${root}${xmlns(DEFTER_NAMESPACES)} xsi:schemaLocation="http://www.edefter.gov.tr ../xsd/edefter.xsd">` +
    `<xbrli:xbrl${xmlns(XBRL_NAMESPACES)} xsi:schemaLocation="http://www.xbrl.org/int/gl/plt/2006-10-25 ../xsd/2006-10-25/plt/case-c-b/gl-plt-2006-10-25.xsd">` +
    '<link:schemaRef xlink:href="../xsd/2006-10-25/plt/case-c-b/gl-plt-2006-10-25.xsd" xlink:type="simple"></link:schemaRef>' +
    `<xbrli:context id="${ctx}"><xbrli:entity><xbrli:identifier scheme="http://www.gib.gov.tr">${escapeText(c.vkn)}</xbrli:identifier>${segment}</xbrli:entity>` +
    `<xbrli:period><xbrli:instant>${d.creationDate}</xbrli:instant></xbrli:period></xbrli:context>` +
    '<xbrli:unit id="try"><xbrli:measure>iso4217:TRY</xbrli:measure></xbrli:unit><xbrli:unit id="countable"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>' +
    '<gl-cor:accountingEntries><gl-cor:documentInfo>' +
    fact('gl-cor:entriesType', entriesType) + fact('gl-cor:uniqueID', d.controlNumber) + fact('gl-cor:language', 'iso639:tr') +
    fact('gl-cor:creationDate', d.creationDate) + fact('gl-bus:creator', c.enteredBy) +
    fact('gl-cor:entriesComment', `${d.periodStart} - ${d.periodEnd} arası ${c.title} ${name}`) +
    fact('gl-cor:periodCoveredStart', d.periodStart) + fact('gl-cor:periodCoveredEnd', d.periodEnd) +
    fact('gl-bus:sourceApplication', d.sourceApplication) +
    '</gl-cor:documentInfo><gl-cor:entityInformation>' +
    `<gl-bus:entityPhoneNumber>${fact('gl-bus:phoneNumberDescription', 'main')}${fact('gl-bus:phoneNumber', c.phone)}</gl-bus:entityPhoneNumber>` +
    `<gl-bus:entityEmailAddressStructure>${fact('gl-bus:entityEmailAddress', c.email)}</gl-bus:entityEmailAddressStructure>` +
    ids.map(([id, desc]) => `<gl-bus:organizationIdentifiers>${fact('gl-bus:organizationIdentifier', id!)}${fact('gl-bus:organizationDescription', desc!)}</gl-bus:organizationIdentifiers>`).join('') +
    `<gl-bus:organizationAddress>${fact('gl-bus:organizationBuildingNumber', c.address.buildingNumber)}${fact('gl-bus:organizationAddressStreet', c.address.street)}` +
    `${fact('gl-bus:organizationAddressCity', c.address.city)}${fact('gl-bus:organizationAddressZipOrPostalCode', c.address.postalCode)}${fact('gl-bus:organizationAddressCountry', c.address.country)}</gl-bus:organizationAddress>` +
    `<gl-bus:entityWebSite>${fact('gl-bus:webSiteURL', c.webSite)}</gl-bus:entityWebSite>` +
    fact('gl-bus:businessDescription', c.nace) + fact('gl-bus:fiscalYearStart', d.fiscalYearStart) + fact('gl-bus:fiscalYearEnd', d.fiscalYearEnd) +
    `<gl-bus:accountantInformation>${fact('gl-bus:accountantName', c.accountant.name)}${fact('gl-bus:accountantEngagementTypeDescription', c.accountant.engagement)}</gl-bus:accountantInformation>` +
    '</gl-cor:entityInformation>'
  );
}

/** The end of a document's xbrli:xbrl (the signature follows, then the root's end tag). */
export const XBRL_END = '</gl-cor:accountingEntries></xbrli:xbrl>';
export const rootEnd = (root: DefterRoot) => `</edefter:${root}>`;

/** The fiş number as the books write it (documentReference, entryNumber). */
export const fisNo = (n: number) => String(n).padStart(6, '0');

/**
 * One journal line as an entryDetail: its line number in the fiscal year, its entry's madde number
 * (lineNumberCounter) and fiş number (documentReference), in gl-cor's element order (detailComment after the
 * document and payment method).
 */
export function detailXml(ctx: string, l: JournalLine, lineNumber: number, entry: Pick<JournalEntry, 'number' | 'date'>): string {
  const { fact, money, count } = facts(ctx);
  const sub = l.subAccount ? `<gl-cor:accountSub>${fact('gl-cor:accountSubDescription', l.subAccountName ?? l.subAccount)}${fact('gl-cor:accountSubID', l.subAccount)}</gl-cor:accountSub>` : '';
  const doc = l.documentType
    ? fact('gl-cor:documentType', l.documentType) +
      (l.documentTypeDescription ? fact('gl-cor:documentTypeDescription', l.documentTypeDescription) : '') +
      (l.documentNumber ? fact('gl-cor:documentNumber', l.documentNumber) : '') +
      fact('gl-cor:documentReference', fisNo(entry.number)) +
      (l.documentDate ? fact('gl-cor:documentDate', l.documentDate) : '')
    : '';
  return (
    `<gl-cor:entryDetail>${fact('gl-cor:lineNumber', String(lineNumber))}${count('gl-cor:lineNumberCounter', entry.number)}` +
    `<gl-cor:account>${fact('gl-cor:accountMainID', l.account)}${fact('gl-cor:accountMainDescription', l.accountName)}${sub}</gl-cor:account>` +
    `${money('gl-cor:amount', l.amount)}${fact('gl-cor:debitCreditCode', l.side)}${fact('gl-cor:postingDate', entry.date)}` +
    doc +
    (l.paymentMethod ? fact('gl-bus:paymentMethod', l.paymentMethod) : '') +
    (l.description ? fact('gl-cor:detailComment', l.description) : '') +
    '</gl-cor:entryDetail>'
  );
}
