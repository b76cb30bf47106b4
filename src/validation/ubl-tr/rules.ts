/**
 * The gateway's UBL-TR 1.2.1 rules for an incoming invoice — GİB's schematron rules that decide what the invoice is
 * (version, profile, type, number, ETTN, dates, parties), each failure listed with GİB's rule id and words under
 * the gateway's fault for it — and the facts the rest of the gateway needs. Values are compared as GİB's schematron compares them (UBL-TR_Common_Schematron.xml): exactly
 * as written, without trimming, so that a value GİB would refuse is refused here too.
 *
 * Order (as GİB checks a document): what the document is and which UBL-TR version it claims come first, since they
 * decide which schema applies (checkDocumentKind; GİB's 1143 GECERSIZ VERSIYON); then, after the XSD, the content
 * rules of checkInvoice; the arithmetic last (amounts.ts), which is the gateway's own (GİB checks none).
 */
import { turkishDay } from '../../turkish-time';
import { FAULTS, GatewayError, failedChecksError, type FailedCheck } from '../../faults';
import { readInvoiceFields, type UblInvoiceFields, type UblPartyHolder } from '../../ubl/invoice-fields';
import type { XmlDocument, XmlElement } from '../../xml/parse';
import { qname } from '../../xml/query';
import { checkAmounts } from './amounts';
import { EARSIV_PROFILES, EFATURA_PROFILES, INVOICE_TYPE_CODES } from './codes';
import * as NS from './names';
import { isValidDate } from './xsd-types';

// Local copies of the namespaces: imported bindings are property reads on every use.
const CBC = NS.CBC;
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
  [SH]: 'bir zarf (StandardBusinessDocument)',
  'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2': 'bir uygulama yanıtı (ApplicationResponse)',
  'urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2': 'bir e-İrsaliye (DespatchAdvice)',
  'urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2': 'bir irsaliye yanıtı (ReceiptAdvice)',
  'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2': 'bir alacak dekontu (CreditNote)',
  'http://www.hr-xml.org/3': 'bir kullanıcı hesabı belgesi (HR-XML)',
};

/**
 * Is this a UBL invoice (root `Invoice` in the Invoice-2 namespace) → NOT_AN_INVOICE, and does it claim UBL 2.1 /
 * UBL-TR 1.2 or 1.2.1 (UBLVersionIDCheck, CustomizationIDCheck, listed with GİB's words) → UBL_VERSION. Returns
 * the invoice's fields.
 */
export function checkDocumentKind(doc: XmlDocument): UblInvoiceFields {
  const root = doc.root;
  if (!(root.ns === INV && root.local === 'Invoice')) {
    const what = ROOT_NAMES[root.ns];
    const name = `${root.prefix ? `${root.prefix}:` : ''}${root.local}`;
    let detail: string;
    if (root.local === 'Invoice') detail = `kök eleman Invoice '${root.ns}' ad alanında, '${INV}' olmalı`;
    else if (what) detail = `belge ${what}, fatura değil (kök eleman ${name})`;
    else detail = `kök eleman ${name}${root.ns ? ` {${root.ns}}` : ''}, ${INV} Invoice değil`;
    throw new GatewayError('NOT_AN_INVOICE', { detail });
  }
  const fields = readInvoiceFields(root);
  const version = fields.ublVersionId;
  const customization = fields.customizationId;
  const failed: FailedCheck[] = [];
  const fail = (rule: string, message: string): void => void failed.push({ code: 1143, name: 'UBL_VERSION', rule, path: '', message });
  if (version !== '2.1') {
    fail('UBLVersionIDCheck', `Geçersiz cbc:UBLVersionID elemanı değeri : '${version ?? ''}'. cbc:UBLVersionID değeri '2.1' olmalıdır.`);
  }
  if (customization !== 'TR1.2' && customization !== 'TR1.2.1') {
    fail('CustomizationIDCheck', `Geçersiz cbc:CustomizationID elemanı değeri : '${customization ?? ''}' cbc:CustomizationID elemanı değeri 'TR1.2' veya 'TR1.2.1' olmalıdır.`);
  }
  if (failed.length > 0) throw failedChecksError(failed);
  return fields;
}

const NUMBER_TEXT = "Geçersiz cbc:ID elemanı değeri. cbc:ID elemanı 'ABC2009123456789' formatında olmalıdır.";

/**
 * The invoice number rule on its own (InvoiceIDCheck). Returns the number, or null when the gateway will assign
 * it and the document holds none or a placeholder. Missing → REQUIRED_FIELD; malformed → INVOICE_NUMBER_FORMAT.
 */
export function checkInvoiceNumber(value: string | undefined, numberWillBeAssigned: boolean): string | null {
  const failure = invoiceNumberFailure(value, numberWillBeAssigned);
  if (failure) throw failedChecksError([failure]);
  return value !== undefined && INVOICE_NUMBER.test(value) ? value : null;
}

function invoiceNumberFailure(value: string | undefined, numberWillBeAssigned: boolean): FailedCheck | null {
  if ((value !== undefined && INVOICE_NUMBER.test(value)) || numberWillBeAssigned) return null;
  // Absent is the XSD's to refuse (cbc:ID is required); blank is missing, anything else malformed.
  if (value === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:ID (fatura numarası)' });
  const blank = value.trim() === '';
  return { code: blank ? 4205 : 4202, name: blank ? 'REQUIRED_FIELD' : 'INVOICE_NUMBER_FORMAT', rule: 'InvoiceIDCheck', path: 'cbc:ID', message: NUMBER_TEXT };
}

export { hasSignature } from '../../ubl/invoice-fields';

/** What inspectInvoice found: the facts when every check holds, and each failed check. */
export interface InvoiceInspection {
  facts: InvoiceFacts | null;
  /** The GİB channel the checks ran for (the sender's, or inferred from the profile). */
  channel: Channel;
  failures: FailedCheck[];
}

/**
 * The content rules after the XSD, on the invoice's fields (readInvoiceFields, e.g. from checkDocumentKind): throws
 * one fault listing every failed check (the first one's code), or returns the facts.
 */
export function checkInvoice(doc: XmlDocument, opts: RuleOptions, fields: UblInvoiceFields = readInvoiceFields(doc.root)): InvoiceFacts {
  const r = inspectInvoice(doc, opts, fields);
  if (r.failures.length > 0) throw failedChecksError(r.failures);
  if (opts.amounts !== false) checkAmounts(doc.root, { profileId: r.facts!.profileId, typeCode: r.facts!.typeCode });
  return r.facts!;
}

/**
 * GİB's rules that rules.ts owns (ProfileIDCheck, InvoiceTypeCodeCheck, InvoiceIDCheck, UUIDCheck, TimeCheck,
 * PartyIdentificationTCKNVKNCheck, PartyIdentificationPartyNamePersonCheck), every one evaluated as GİB's
 * schematron does and each failure listed with GİB's rule id and words under the gateway's fault for it. What the
 * XSD requires (a missing cbc:UUID, IssueDate, party, a date that is no xs:date) throws at once, as GİB stops at
 * the XSD.
 */
export function inspectInvoice(doc: XmlDocument, opts: RuleOptions, fields: UblInvoiceFields = readInvoiceFields(doc.root)): InvoiceInspection {
  const root = doc.root;
  const failed: FailedCheck[] = [];
  const fail = (name: 'PROFILE_UNKNOWN' | 'INVOICE_TYPE_UNKNOWN' | 'ETTN_FORMAT' | 'ISSUE_DATE_INVALID' | 'PARTY_ID_INVALID' | 'REQUIRED_FIELD', rule: string, path: string, message: string): void => {
    failed.push({ code: FAULTS[name].code, name, rule, path, message });
  };

  // ProfileIDCheck: the e-Fatura scenarios (ProfileIDType) on the e-Fatura channel, EARSIVFATURA
  // (ProfileIDTypeEarchive) on the e-Arşiv channel — GİB's schematron run with type=earchive.
  const profileId = fields.profileId ?? '';
  const channel: Channel = opts.channel ?? (EARSIV_PROFILES.has(profileId) ? 'EARSIV' : 'EFATURA');
  const earsiv = channel === 'EARSIV';
  if (!(earsiv ? EARSIV_PROFILES : EFATURA_PROFILES).has(profileId)) {
    fail('PROFILE_UNKNOWN', 'ProfileIDCheck', 'cbc:ProfileID', earsiv
      ? `Geçersiz cbc:ProfileID elemanı değeri : '${profileId}'. Geçerli cbc:ProfileID değerleri için ProfileIDTypeEarchive listesine bakınız.`
      : `Geçersiz cbc:ProfileID elemanı değeri : '${profileId}'. Geçerli cbc:ProfileID değerleri için ProfileIDType listesine bakınız.`);
  }

  // InvoiceTypeCodeCheck: the code list and the profile/type pairs GİB allows.
  const typeCode = fields.typeCode ?? '';
  for (const message of typeCodeProblems(typeCode, profileId, earsiv)) fail('INVOICE_TYPE_UNKNOWN', 'InvoiceTypeCodeCheck', 'cbc:InvoiceTypeCode', message);

  const numberFailure = invoiceNumberFailure(fields.id, opts.numberWillBeAssigned);
  if (numberFailure) failed.push(numberFailure);
  const number = fields.id !== undefined && INVOICE_NUMBER.test(fields.id) ? fields.id : null;

  const ettn = fields.uuid;
  if (ettn === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:UUID (ETTN)' });
  if (!UUID.test(ettn)) {
    const uuid = root.children.find((c) => c.local === 'UUID' && c.ns === CBC)!;
    const name = qname(uuid);
    fail('ETTN_FORMAT', 'UUIDCheck', 'cbc:UUID', `Geçersiz ${name} elemanı değeri. ${name} elemanı UUID formatında olmalıdır.`);
  }

  const issueDate = fields.issueDate;
  if (issueDate === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:IssueDate' });
  if (!XS_DATE.test(issueDate.trim()) || !isValidDate(issueDate.trim())) {
    throw new GatewayError('ISSUE_DATE_INVALID', { value: `${issueDate.slice(0, 40)} (geçerli bir tarih değil; YYYY-AA-GG olmalı)` });
  }
  // TimeCheck applies to every cbc:IssueDate in the document (referenced invoices, despatches, …).
  const today = opts.now ? turkishDay(opts.now()) : null; // as GİB's current-date() sees it
  for (const t of timeChecks(root, today)) fail('ISSUE_DATE_INVALID', 'TimeCheck', t.path, t.message);

  const sender = party(fields.supplier, 'AccountingSupplierParty', fail);
  const receiver = party(fields.customer, 'AccountingCustomerParty', fail);

  // A blank currency is CurrencyCodeCheck's (schematron.ts, GİB's words); only an absent one is the XSD's.
  const currency = fields.currency;
  if (currency === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:DocumentCurrencyCode' });
  const payable = fields.totals?.payable;
  if (payable === undefined) throw new GatewayError('REQUIRED_FIELD', { field: 'cac:LegalMonetaryTotal/cbc:PayableAmount' });

  if (failed.length > 0 || !sender || !receiver) return { facts: null, channel, failures: failed };
  return {
    channel,
    failures: failed,
    facts: {
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
    },
  };
}

/** InvoiceTypeCodeCheck's four assertions, GİB's text for each that fails. */
function typeCodeProblems(typeCode: string, profileId: string, earsiv: boolean): string[] {
  const out: string[] = [];
  if (!INVOICE_TYPE_CODES.has(typeCode)) {
    out.push(`Geçersiz cbc:InvoiceTypeCode elemanı değeri : '${typeCode}'. Geçerli cbc:InvoiceTypeCode değerleri için kod listesine bakınız.`);
  }
  if (typeCode === 'IADE' && !['TEMELFATURA', 'EARSIVFATURA', 'ILAC_TIBBICIHAZ', 'YATIRIMTESVIK', 'IDIS'].includes(profileId)) {
    out.push('Fatura tipi IADE iken fatura profili sadece TEMELFATURA , EARSIVFATURA, ILAC_TIBBICIHAZ, YATIRIMTESVIK veya IDIS olabilir');
  }
  // On the e-Fatura channel only: ENERJI exactly with SARJ or SARJANLIK.
  if (!earsiv && (profileId === 'ENERJI') !== (typeCode === 'SARJ' || typeCode === 'SARJANLIK')) {
    out.push(`Geçersiz cbc:ProfileID ve cbc:InvoiceTypeCode elemanı değeri : '${profileId} ve ${typeCode}'. cbc:ProfileID değeri ENERJI olduğu durumda cbc:InvoiceTypeCode değeri SARJ veya SARJANLIK olmalıdır.`);
  }
  if (typeCode === 'TEKNOLOJIDESTEK' && profileId !== 'EARSIVFATURA') {
    out.push(`Geçersiz cbc:ProfileID ve cbc:InvoiceTypeCode elemanı değeri : '${profileId} ve ${typeCode}'. cbc:InvoiceTypeCode değeri ${typeCode} olduğu durumda cbc:ProfileID değeri EARSIVFATURA olmalıdır.`);
  }
  return out;
}

const XS_DATE = /^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/;

/** The first instant of 2005-01-01+04:00, in minutes since the epoch: TimeCheck's lower bound as GİB wrote it. */
const EARLIEST_ISSUE = Date.UTC(2005, 0, 1) / 60_000 - 4 * 60;

/**
 * TimeCheck on a well-formed xs:date: not after today (Türkiye's day, compared by the date as written), and
 * `xs:date('2005-01-01+04:00') le xs:date(.)` — XPath compares dates by their first instant, so a date with a
 * timezone east of +04:00 on 2005-01-01 is still too early; one without a timezone counts by its day alone (any
 * implicit timezone within ±4 hours of +04:00, Türkiye's +03:00 included, gives that).
 */
function issueDateProblem(v: string, today: string | null): Array<'future' | 'early'> {
  const out: Array<'future' | 'early'> = [];
  if (today && v.slice(0, 10) > today) out.push('future');
  const tz = /(Z|[+-]\d{2}:\d{2})$/.exec(v)?.[1];
  const early = tz
    ? Date.UTC(Number(v.slice(0, 4)), Number(v.slice(5, 7)) - 1, Number(v.slice(8, 10))) / 60_000 - tzMinutes(tz) < EARLIEST_ISSUE
    : v.slice(0, 10) < '2005-01-01';
  if (early) out.push('early');
  return out;
}

function tzMinutes(tz: string): number {
  if (tz === 'Z') return 0;
  const m = Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6));
  return tz[0] === '-' ? -m : m;
}

/**
 * TimeCheck's context is //cbc:IssueDate: every one in the document, in document order, with its path. A date
 * that is no xs:date is the XSD's to refuse (GİB's xs:date() would stop the schematron on it).
 */
function issueDateProblems(root: XmlElement, today: string | null): Array<[string, string, 'future' | 'early']> {
  const out: Array<[string, string, 'future' | 'early']> = [];
  // Every element is visited; a path is built only for a date that fails (a 10,000-line invoice has 300,000 elements).
  const walk = (el: XmlElement): void => {
    for (const c of el.children) {
      if (c.local === 'IssueDate' && c.ns === CBC) {
        const v = c.text.trim();
        if (XS_DATE.test(v) && isValidDate(v)) for (const p of issueDateProblem(v, today)) out.push([pathOf(c, root), c.text, p]);
      } else if (c.children.length > 0) {
        walk(c);
      }
    }
  };
  walk(root);
  return out;
}

/** `cac:A[1]/cac:B[2]/cbc:IssueDate`: the element's steps below `root`, each numbered among its same-named siblings. */
function pathOf(el: XmlElement, root: XmlElement): string {
  const steps: string[] = [];
  for (let e = el; e !== root && e.parent; e = e.parent) {
    const name = qname(e);
    if (e === el) {
      steps.push(name);
      continue;
    }
    const n = e.parent.children.filter((s) => qname(s) === name).indexOf(e) + 1;
    steps.push(`${name}[${n}]`);
  }
  return steps.reverse().join('/');
}

/**
 * TimeCheck (context //cbc:IssueDate, every document GİB checks): each failure's path and GİB's text. `today` is
 * Türkiye's day as GİB's current-date() sees it; null skips the upper bound.
 */
export function timeChecks(root: XmlElement, today: string | null): Array<{ path: string; message: string }> {
  return issueDateProblems(root, today).map(([path, value, problem]) => ({
    path,
    message: problem === 'future'
      ? `Geçersiz cbc:IssueDate değeri : '${value}' cbc:IssueDate alanı günün tarihinden ileri bir tarih olamaz`
      : `Geçersiz cbc:IssueDate değeri : '${value}' cbc:IssueDate alanı 01.01.2005 tarihinden önce bir tarih olamaz`,
  }));
}

interface PartyFacts {
  id: string;
  scheme: 'VKN' | 'TCKN';
  name: string;
}

type Fail = (name: 'PARTY_ID_INVALID' | 'REQUIRED_FIELD', rule: string, path: string, message: string) => void;

/**
 * AccountingSupplierParty / AccountingCustomerParty, as GİB checks them: each PartyIdentification's VKN 10 and TCKN
 * 11 characters long (PartyIdentificationTCKNVKNCheck); exactly one cbc:ID with schemeID VKN or exactly one with
 * TCKN, not one of each, and the name that goes with it — PartyName/Name for a VKN, Person/FirstName and
 * FamilyName for a TCKN (PartyIdentificationPartyNamePersonCheck). The gateway adds one check of its own: the
 * identifier it routes by is digits only (VknTcknDigitsCheck; GİB counts characters). Returns the party's
 * identity, or null when a check failed.
 */
function party(holder: UblPartyHolder, role: 'AccountingSupplierParty' | 'AccountingCustomerParty', fail: Fail): PartyFacts | null {
  const base = `cac:${role}`;
  if (!holder.present) throw new GatewayError('REQUIRED_FIELD', { field: base });
  const p = holder.party;
  if (!p) throw new GatewayError('REQUIRED_FIELD', { field: `${base}/cac:Party` });
  const partyPath = `${base}/cac:Party`;
  let ok = true;
  const failed: Fail = (name, rule, path, message) => {
    ok = false;
    fail(name, rule, path, message);
  };
  p.ids.forEach((id, i) => {
    const path = `${partyPath}/cac:PartyIdentification[${i + 1}]`;
    if (id.scheme === 'VKN' && [...id.value].length !== 10) {
      failed('PARTY_ID_INVALID', 'PartyIdentificationTCKNVKNCheck', path, "cbc:ID elemanının schemeID niteliği değeri 'VKN' olması durumunda cbc:ID elemanına 10 haneli vergi kimlik numarası yazılmalıdır.");
    }
    if (id.scheme === 'TCKN' && [...id.value].length !== 11) {
      failed('PARTY_ID_INVALID', 'PartyIdentificationTCKNVKNCheck', path, "cbc:ID elemanının schemeID niteliği değeri 'TCKN' olması durumunda cbc:ID elemanına 11 haneli TC kimlik numarası yazılmalıdır.");
    }
  });
  const vkns = p.ids.filter((i) => i.scheme === 'VKN');
  const tckns = p.ids.filter((i) => i.scheme === 'TCKN');
  const R = 'PartyIdentificationPartyNamePersonCheck';
  if (tckns.length !== 1 && vkns.length !== 1) {
    failed(vkns.length + tckns.length === 0 ? 'REQUIRED_FIELD' : 'PARTY_ID_INVALID', R, partyPath, "schemeID niteliği değeri 'VKN' ve ya 'TCKN' olan bir tane cbc:ID elemanı bulunmalıdır.");
  }
  if (tckns.length === 1 && vkns.length === 1) {
    failed('PARTY_ID_INVALID', R, partyPath, "schemeID niteliği değeri hem 'VKN' hem de 'TCKN' olan cbc:ID elemanları bulunmamalıdır.");
  }
  const name = normalizeSpace(p.name ?? '');
  const first = normalizeSpace(p.person?.firstName ?? '');
  const family = normalizeSpace(p.person?.familyName ?? '');
  if (vkns.length > 0 && !p.hasPartyName) {
    failed('REQUIRED_FIELD', R, partyPath, "schemeID niteliği değeri 'VKN' olması durumunda cac:PartyName elemanı bulunmalıdır.");
  } else if (vkns.length > 0 && name === '') {
    failed('REQUIRED_FIELD', R, partyPath, 'cac:PartyName elemanı geçerli ve boş değer içermeyen cbc:Name elemanı içermelidir.');
  }
  if (tckns.length > 0 && !p.person) {
    failed('REQUIRED_FIELD', R, partyPath, "schemeID niteliği değeri 'TCKN' olması durumunda cac:Person elemanı bulunmalıdır.");
  } else if (tckns.length > 0 && (first === '' || family === '')) {
    failed('REQUIRED_FIELD', R, partyPath, 'cac:Person elemanı geçerli ve boş değer içermeyen cbc:FirstName ve cbc:FamilyName elemanlarına sahip olmalıdır.');
  }
  if (!ok) return null;
  // GİB's checks hold: exactly one TCKN or exactly one VKN; the party is the one that is single.
  const scheme: 'VKN' | 'TCKN' = tckns.length === 1 ? 'TCKN' : 'VKN';
  const { value } = (scheme === 'TCKN' ? tckns : vkns)[0]!;
  if (!/^\d+$/.test(value)) {
    fail('PARTY_ID_INVALID', 'VknTcknDigitsCheck', partyPath, `${scheme === 'VKN' ? 'Vergi kimlik numarası' : 'TC kimlik numarası'} yalnız rakamlardan oluşmalıdır: '${value.slice(0, 20)}'.`);
    return null;
  }
  return { id: value, scheme, name: scheme === 'VKN' ? name : `${first} ${family}` };
}

function normalizeSpace(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}
