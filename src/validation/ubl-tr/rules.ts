/**
 * The gateway's UBL-TR 1.2.1 rules for an incoming invoice, each failure its own fault, and the facts the rest of
 * the gateway needs. Values are compared as GİB's schematron compares them (UBL-TR_Common_Schematron.xml): exactly
 * as written, without trimming, so that a value GİB would refuse is refused here too.
 *
 * Order (as GİB checks a document): what the document is and which UBL-TR version it claims come first, since they
 * decide which schema applies (checkDocumentKind; GİB's 1143 GECERSIZ VERSIYON); then, after the XSD, the content
 * rules of checkInvoice; the arithmetic last (amounts.ts), which is the gateway's own (GİB checks none).
 */
import { turkishDay } from '../../turkish-time';
import { GatewayError } from '../../faults';
import { readInvoiceFields, type UblInvoiceFields, type UblPartyHolder } from '../../ubl/invoice-fields';
import type { XmlDocument, XmlElement } from '../../xml/parse';
import { checkAmounts } from './amounts';
import { EARSIV_PROFILES, EFATURA_PROFILES, INVOICE_TYPE_CODES } from './codes';
import * as NS from './names';
import { isValidDate } from './xsd-types';

// Local copies of the namespaces: imported bindings are property reads on every use.
const CBC = NS.CBC;
const DS = NS.DS;
const EXT = NS.EXT;
const INV = NS.INV;
const SH = NS.SH;

export interface InvoiceFacts {
  ettn: string;
  number: string | null;
  profileId: string;
  kind: 'EFATURA' | 'EARSIV';
  typeCode: string;
  issueDate: string;
  customizationId: string;
  senderId: string;
  senderScheme: 'VKN' | 'TCKN';
  senderName: string;
  receiverId: string;
  receiverScheme: 'VKN' | 'TCKN';
  receiverName: string;
  currency: string;
  payableAmount: string;
  lineCount: number;
  /** ds:Signature present in ext:UBLExtensions (the sender signed it already). */
  hasSignature: boolean;
}

export interface RuleOptions {
  /** The gateway assigns cbc:ID: a missing, empty or placeholder number is accepted (and reported as null). */
  numberWillBeAssigned: boolean;
  /** Check the arithmetic (amounts.ts) at the end; true by default. index.ts runs it after GİB's schematron rules. */
  amounts?: boolean;
  /**
   * The gateway's clock. With it, GİB's TimeCheck applies: no cbc:IssueDate after today (Türkiye time). Without
   * it that check is skipped (the caller decides which "today" counts, e.g. a test clock).
   */
  now?: () => Date;
  /**
   * The GİB channel the sender means (e-Logo's DOCUMENTTYPE EINVOICE / EARCHIVE): GİB runs its schematron with
   * type=efatura or type=earchive, and ProfileIDCheck holds the profile to that channel's list. Unset: inferred from
   * the profile (EARSIVFATURA → EARSIV, any other → EFATURA), so ProfileIDCheck can only fail on an unknown profile.
   */
  channel?: Channel;
}

export type Channel = 'EFATURA' | 'EARSIV';

/** InvoiceIDCheck: 3-character series, 4-digit year starting 20, 9-digit sequence. */
export const INVOICE_NUMBER = /^[A-Z0-9]{3}20[0-9]{2}[0-9]{9}$/;
/** UUIDCheck. */
const UUID = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;

const ROOT_NAMES: Record<string, string> = {
  [SH]: 'a zarf (envelope)',
  'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2': 'an application response',
  'urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2': 'a despatch advice (e-İrsaliye)',
  'urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2': 'a receipt advice (irsaliye yanıtı)',
  'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2': 'a credit note',
  'http://www.hr-xml.org/3': 'a user account document (HR-XML)',
};

/**
 * Is this a UBL invoice (root `Invoice` in the Invoice-2 namespace) → NOT_AN_INVOICE, and does it claim UBL 2.1 /
 * UBL-TR 1.2 or 1.2.1 (UBLVersionIDCheck, CustomizationIDCheck) → UBL_VERSION. Returns the invoice's fields.
 */
export function checkDocumentKind(doc: XmlDocument): UblInvoiceFields {
  const root = doc.root;
  if (!(root.ns === INV && root.local === 'Invoice')) {
    const what = ROOT_NAMES[root.ns];
    const name = `${root.prefix ? `${root.prefix}:` : ''}${root.local}`;
    let detail: string;
    if (root.local === 'Invoice') detail = `root element Invoice is in namespace '${root.ns}', not '${INV}'`;
    else if (what) detail = `the document is ${what} (${name}), not an invoice`;
    else detail = `root element ${name}${root.ns ? ` {${root.ns}}` : ''} is not ${INV} Invoice`;
    throw new GatewayError('NOT_AN_INVOICE', { detail });
  }
  const fields = readInvoiceFields(root);
  const version = fields.ublVersionId;
  const customization = fields.customizationId;
  const problems: string[] = [];
  if (version === undefined) problems.push('cbc:UBLVersionID is missing (2.1 expected)');
  else if (version !== '2.1') problems.push(`cbc:UBLVersionID is '${version.slice(0, 20)}', 2.1 expected`);
  if (customization === undefined) problems.push('cbc:CustomizationID is missing (TR1.2 or TR1.2.1 expected)');
  else if (customization !== 'TR1.2' && customization !== 'TR1.2.1') {
    const old = /^TR1\.[01]$/.test(customization) ? ' (UBL-TR 1.0 documents are no longer accepted)' : '';
    problems.push(`cbc:CustomizationID is '${customization.slice(0, 20)}', TR1.2 or TR1.2.1 expected${old}`);
  }
  if (problems.length > 0) throw new GatewayError('UBL_VERSION', { detail: problems.join('; ') });
  return fields;
}

/**
 * The invoice number rule on its own (InvoiceIDCheck). Returns the number, or null when the gateway will assign
 * it and the document holds none or a placeholder. Missing → REQUIRED_FIELD; malformed → INVOICE_NUMBER_FORMAT.
 */
export function checkInvoiceNumber(value: string | undefined, numberWillBeAssigned: boolean): string | null {
  if (value !== undefined && INVOICE_NUMBER.test(value)) return value;
  if (numberWillBeAssigned) return null;
  if (value === undefined || value.trim() === '') throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:ID (fatura numarasi)' });
  throw new GatewayError('INVOICE_NUMBER_FORMAT', { value: value.slice(0, 40) });
}

export { hasSignature } from '../../ubl/invoice-fields';

/** The content rules after the XSD, on the invoice's fields (readInvoiceFields, e.g. from checkDocumentKind); returns the facts. */
export function checkInvoice(doc: XmlDocument, opts: RuleOptions, fields: UblInvoiceFields = readInvoiceFields(doc.root)): InvoiceFacts {
  const root = doc.root;

  // ProfileIDCheck: the e-Fatura scenarios (ProfileIDType) on the e-Fatura channel, EARSIVFATURA
  // (ProfileIDTypeEarchive) on the e-Arşiv channel — GİB's schematron run with type=earchive.
  const profileId = fields.profileId ?? '';
  const channel: Channel = opts.channel ?? (EARSIV_PROFILES.has(profileId) ? 'EARSIV' : 'EFATURA');
  const earsiv = channel === 'EARSIV';
  if (!(earsiv ? EARSIV_PROFILES : EFATURA_PROFILES).has(profileId)) {
    const known = EARSIV_PROFILES.has(profileId) || EFATURA_PROFILES.has(profileId);
    throw new GatewayError('PROFILE_UNKNOWN', {
      value: known ? `${profileId} (${earsiv ? 'e-Arsiv kanalinda yalnizca EARSIVFATURA' : 'e-Fatura kanalinda EARSIVFATURA olamaz'})` : profileId.slice(0, 40),
    });
  }

  // InvoiceTypeCodeCheck: the code list and the profile/type pairs GİB allows.
  const typeCode = fields.typeCode ?? '';
  if (!INVOICE_TYPE_CODES.has(typeCode)) throw new GatewayError('INVOICE_TYPE_UNKNOWN', { value: typeCode.slice(0, 40) });
  checkTypeForProfile(typeCode, profileId, earsiv);

  const number = checkInvoiceNumber(fields.id, opts.numberWillBeAssigned);

  const ettn = fields.uuid;
  if (ettn === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:UUID (ETTN)' });
  if (!UUID.test(ettn)) throw new GatewayError('ETTN_FORMAT', { value: ettn.slice(0, 40) });

  const issueDate = fields.issueDate;
  if (issueDate === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:IssueDate' });
  const today = opts.now ? turkishDay(opts.now()) : null; // as GİB's current-date() sees it
  checkIssueDate(issueDate, today);
  // TimeCheck applies to every cbc:IssueDate in the document (referenced invoices, despatches, …).
  checkOtherIssueDates(root, today);

  const sender = party(fields.supplier, 'AccountingSupplierParty');
  const receiver = party(fields.customer, 'AccountingCustomerParty');

  const currency = fields.currency;
  if (currency === undefined || currency.trim() === '') throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:DocumentCurrencyCode' });

  if (opts.amounts !== false) checkAmounts(root, { profileId, typeCode });
  const payable = fields.totals?.payable;
  if (payable === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cac:LegalMonetaryTotal/cbc:PayableAmount' });

  return {
    ettn,
    number,
    profileId,
    kind: earsiv ? 'EARSIV' : 'EFATURA',
    typeCode,
    issueDate: issueDate.trim().slice(0, 10),
    customizationId: fields.customizationId ?? '',
    senderId: sender.id,
    senderScheme: sender.scheme,
    senderName: sender.name,
    receiverId: receiver.id,
    receiverScheme: receiver.scheme,
    receiverName: receiver.name,
    currency: currency.trim(),
    payableAmount: payable.trim(),
    lineCount: fields.lineCount,
    hasSignature: fields.hasSignature,
  };
}

/** The profile/type pairs of InvoiceTypeCodeCheck. */
function checkTypeForProfile(typeCode: string, profileId: string, earsiv: boolean): void {
  const refuse = (why: string): never => {
    throw new GatewayError('INVOICE_TYPE_UNKNOWN', { value: `${typeCode} (${why})` });
  };
  if (typeCode === 'IADE' && !['TEMELFATURA', 'EARSIVFATURA', 'ILAC_TIBBICIHAZ', 'YATIRIMTESVIK', 'IDIS'].includes(profileId)) {
    refuse(`IADE is allowed only with TEMELFATURA, EARSIVFATURA, ILAC_TIBBICIHAZ, YATIRIMTESVIK or IDIS, not ${profileId}`);
  }
  if (!earsiv) {
    const sarj = typeCode === 'SARJ' || typeCode === 'SARJANLIK';
    if (profileId === 'ENERJI' && !sarj) refuse('the ENERJI profile takes only SARJ or SARJANLIK');
    if (profileId !== 'ENERJI' && sarj) refuse(`${typeCode} needs the ENERJI profile`);
  }
  if (typeCode === 'TEKNOLOJIDESTEK' && profileId !== 'EARSIVFATURA') refuse('TEKNOLOJIDESTEK needs the EARSIVFATURA profile');
}

function checkIssueDate(value: string, today: string | null): void {
  const v = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/.test(v) || !isValidDate(v)) {
    throw new GatewayError('ISSUE_DATE_INVALID', { value: value.slice(0, 40) });
  }
  const why = issueDateProblem(v, today);
  if (why) throw new GatewayError('ISSUE_DATE_INVALID', { value: `${v} (${why})` });
}

/** The first instant of 2005-01-01+04:00, in minutes since the epoch: TimeCheck's lower bound as GİB wrote it. */
const EARLIEST_ISSUE = Date.UTC(2005, 0, 1) / 60_000 - 4 * 60;

/**
 * TimeCheck on a well-formed xs:date: not after today (Türkiye's day, compared by the date as written), and
 * `xs:date('2005-01-01+04:00') le xs:date(.)` — XPath compares dates by their first instant, so a date with a
 * timezone east of +04:00 on 2005-01-01 is still too early; one without a timezone counts by its day alone (any
 * implicit timezone within ±4 hours of +04:00, Türkiye's +03:00 included, gives that).
 */
function issueDateProblem(v: string, today: string | null): string | null {
  if (today && v.slice(0, 10) > today) return `bugunden sonra; bugun ${today}`;
  const tz = /(Z|[+-]\d{2}:\d{2})$/.exec(v)?.[1];
  const early = tz
    ? Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10))) / 60_000 - tzMinutes(tz) < EARLIEST_ISSUE
    : v.slice(0, 10) < '2005-01-01';
  return early ? '01.01.2005 tarihinden once olamaz' : null;
}

function tzMinutes(tz: string): number {
  if (tz === 'Z') return 0;
  const m = Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6));
  return tz[0] === '-' ? -m : m;
}

function checkOtherIssueDates(root: XmlElement, today: string | null): void {
  const walk = (el: XmlElement): void => {
    for (const c of el.children) {
      if (c.local === 'IssueDate' && c.ns === CBC) {
        const v = c.text.trim();
        const why = /^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/.test(v) ? issueDateProblem(v, today) : null;
        if (why) throw new GatewayError('ISSUE_DATE_INVALID', { value: `${el.prefix ? `${el.prefix}:` : ''}${el.local}/cbc:IssueDate ${v} (${why})` });
      } else if (c.children.length > 0 && c.ns !== DS) {
        walk(c);
      }
    }
  };
  for (const c of root.children) if (c.children.length > 0 && c.ns !== EXT) walk(c);
}

interface PartyFacts {
  id: string;
  scheme: 'VKN' | 'TCKN';
  name: string;
}

/**
 * AccountingSupplierParty / AccountingCustomerParty: exactly one PartyIdentification/cbc:ID with schemeID VKN
 * (10 digits) or TCKN (11 digits) (PartyIdentificationTCKNVKNCheck, PartyIdentificationPartyNamePersonCheck; GİB
 * counts characters, the gateway wants digits), and the name that goes with it: PartyName/Name for a VKN,
 * Person/FirstName and FamilyName for a TCKN.
 */
function party(holder: UblPartyHolder, role: 'AccountingSupplierParty' | 'AccountingCustomerParty'): PartyFacts {
  const base = `cac:${role}`;
  if (!holder.present) throw new GatewayError('REQUIRED_FIELD', { field: base });
  const p = holder.party;
  if (!p) throw new GatewayError('REQUIRED_FIELD', { field: `${base}/cac:Party` });
  const idField = `${base}/cac:Party/cac:PartyIdentification/cbc:ID[@schemeID='VKN' or @schemeID='TCKN']`;
  const ids = p.ids.filter((i): i is { scheme: 'VKN' | 'TCKN'; value: string } => i.scheme === 'VKN' || i.scheme === 'TCKN');
  if (ids.length === 0) throw new GatewayError('REQUIRED_FIELD', { field: idField });
  // Present but malformed is not missing: PARTY_ID_INVALID, in GİB's words (PartyIdentificationPartyNamePersonCheck,
  // PartyIdentificationTCKNVKNCheck; GİB counts characters, the gateway wants digits).
  if (ids.length > 1) {
    const both = ids.some((i) => i.scheme === 'VKN') && ids.some((i) => i.scheme === 'TCKN');
    throw new GatewayError('PARTY_ID_INVALID', {
      detail: `${base}: ${both ? "schemeID niteliği değeri hem 'VKN' hem de 'TCKN' olan cbc:ID elemanları bulunmamalıdır." : "schemeID niteliği değeri 'VKN' ve ya 'TCKN' olan bir tane cbc:ID elemanı bulunmalıdır."} (${ids.length} bulundu)`,
    });
  }
  const { scheme, value } = ids[0]!;
  if (!(scheme === 'VKN' ? /^\d{10}$/ : /^\d{11}$/).test(value)) {
    const gib = scheme === 'VKN'
      ? "cbc:ID elemanının schemeID niteliği değeri 'VKN' olması durumunda cbc:ID elemanına 10 haneli vergi kimlik numarası yazılmalıdır."
      : "cbc:ID elemanının schemeID niteliği değeri 'TCKN' olması durumunda cbc:ID elemanına 11 haneli TC kimlik numarası yazılmalıdır.";
    throw new GatewayError('PARTY_ID_INVALID', { detail: `${base}/cac:Party/cac:PartyIdentification/cbc:ID '${value.slice(0, 20)}': ${gib}` });
  }
  let name: string;
  if (scheme === 'VKN') {
    name = normalizeSpace(p.name ?? '');
    if (name === '') throw new GatewayError('REQUIRED_FIELD', { field: `${base}/cac:Party/cac:PartyName/cbc:Name` });
  } else {
    const first = normalizeSpace(p.person?.firstName ?? '');
    const family = normalizeSpace(p.person?.familyName ?? '');
    if (first === '') throw new GatewayError('REQUIRED_FIELD', { field: `${base}/cac:Party/cac:Person/cbc:FirstName` });
    if (family === '') throw new GatewayError('REQUIRED_FIELD', { field: `${base}/cac:Party/cac:Person/cbc:FamilyName` });
    name = `${first} ${family}`;
  }
  return { id: value, scheme, name };
}

function normalizeSpace(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}
