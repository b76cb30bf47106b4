/**
 * GİB's daily e-Arşiv report (eArsivRaporu, GİB's e-Arşiv report schema gib/earsiv/EArsiv.xsd, namespace
 * http://earsiv.efatura.gov.tr) as a pure codec: the integrator reports each day the e-Arşiv invoices issued that
 * day (`fatura`) and those cancelled that day (`faturaIptal`) — a cancelled invoice goes into the report of its
 * cancellation date (DOMAIN.md, "Cancellation" and "e-Arşiv report").
 *
 * Signature: EArsiv.xsd's baslikType ends with a required `ds:Signature` (after bolumNo). The builder leaves it out
 * and the integrator's seal is put there by the signer (src/signing/xades.ts) with EARSIV_REPORT_SIGNATURE_PLACEMENT;
 * an unsigned report is therefore not yet valid against EArsiv.xsd.
 *
 * Only the invoice entries are built (fatura, faturaIptal); the report's other entries (mustahsilMakbuz,
 * serbestMeslekMakbuz, mRapor, adisyon…) and the optional parts of `fatura` for internet sales, ÖKC receipts and
 * charging (internetSatisBilgi, ynOkcFisBilgisi, sarjAnlik, sarj) are not. The parser names any other entry it
 * meets in `otherEntries`.
 */
import type { XmlElement } from '../../xml/parse';
import { invalidField } from './errors';
import {
  child,
  children,
  childText,
  dateTimeValue,
  is,
  leaf,
  nameOf,
  parseGibXml,
  required,
  requiredText,
  requireText,
  requireUuid,
  schemaError,
  turkishTime,
  UUID_RE,
  XML_DECLARATION,
} from './markup';

export const EARSIV_NS = 'http://earsiv.efatura.gov.tr';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Where the seal goes (EArsiv.xsd baslikType: `… bolumNo, ds:Signature`): for signXml's `placement`. */
export const EARSIV_REPORT_SIGNATURE_PLACEMENT = {
  parentXPath: '/earsiv:eArsivRaporu/earsiv:baslik',
  namespaces: { earsiv: EARSIV_NS },
  position: 'last',
} as const;

/** EArsiv.xsd faturaTipEnum. */
export const EARSIV_INVOICE_TYPES = [
  'SATIS',
  'IADE',
  'TEVKIFAT',
  'TEVKIFATIADE',
  'ISTISNA',
  'OZELMATRAH',
  'IHRACKAYITLI',
  'SGK',
  'KOMISYONCU',
  'HKSSATIS',
  'HKSKOMISYONCU',
  'SARJ',
  'SARJANLIK',
  'TEKNOLOJIDESTEK',
  'KONAKLAMAVERGISI',
  'YTBSATIS',
  'YTBISTISNA',
  'YTBIADE',
] as const;
export type EarsivInvoiceType = (typeof EARSIV_INVOICE_TYPES)[number];

/** EArsiv.xsd vergiKodEnum (the codes vergiBilgisiType's vergiKodu takes). */
export const EARSIV_TAX_CODES = [
  '0003', '0011', '0015', '0021', '0022', '0059', '0061', '0071', '0073', '0074', '0075', '0076', '0077', '1047', '1048',
  '4080', '4081', '4171', '9015', '9021', '9077', '8001', '8002', '4071', '8004', '8005', '8006', '8007', '8008', '9040',
  '9064', '9944', 'SGK_PRIM',
] as const;

/** `gonderimSekli`: how the invoice reached the buyer. */
export type EarsivSendingType = 'ELEKTRONIK' | 'KAGIT';

/** Decimal amounts are written as given (xs:decimal literals such as "1180.00"), never through a float. */
export type DecimalString = string;

export interface EarsivReportTax {
  /** matrah */
  base: DecimalString;
  /** vergiKodu (EARSIV_TAX_CODES), e.g. 0015 KDV. */
  code: string;
  /** vergiTutari */
  amount: DecimalString;
  /** vergiOrani, 0–300 */
  percent: DecimalString;
}

export interface EarsivReportWithholding {
  /** tevkifatKodu, three digits */
  code: string;
  /** tevkifatTutari */
  amount: DecimalString;
  /** tevkifatOrani, 0–100 */
  percent: DecimalString;
}

export interface EarsivReportInvoice {
  /** faturaUUID: the ETTN. */
  ettn: string;
  /** faturaNo: 3 characters, year, 9-digit sequence (EArsiv.xsd idType), e.g. ABC2024000000001. */
  number: string;
  /** faturaTip */
  type: EarsivInvoiceType;
  /** ytbBilgileri: required by GİB's report schematron for YTBSATIS, YTBISTISNA, YTBIADE. */
  ytb?: { number: string; date: Date | string };
  /** gonderimSekli */
  sendingType: EarsivSendingType;
  /** dosyaAdi: the invoice's file name. */
  fileName: string;
  /** ozetDeger: the digest of the invoice file. */
  digest: string;
  /** duzenlenmeTarihi (and, from a Date, duzenlenmeZamani), in Turkish time. */
  issueDate: Date | string;
  /** duzenlenmeZamani, HH:mm:ss; required when issueDate is a string. */
  issueTime?: string;
  /** toplamTutar */
  total: DecimalString;
  /** toplamIskonto */
  discount: DecimalString;
  /** odenecekTutar */
  payable: DecimalString;
  /** paraBirimi, ISO 4217 (e.g. TRY) */
  currency: string;
  /** dovizKuru (18 digits, 6 decimals) */
  exchangeRate: DecimalString;
  /** faturaUrl, at most 255 characters. */
  url: string;
  /** vergiBilgisi */
  taxTotal: DecimalString;
  taxes: readonly EarsivReportTax[];
  withholdings?: readonly EarsivReportWithholding[];
  /** aliciBilgileri: a VKN (10 digits: tuzelKisi/unvan) or a TCKN (11 digits: gercekKisi/adiSoyadi). */
  receiver: { vknTckn: string; name: string; installationNumber?: string };
  /** imzaZamani: when the invoice was signed. */
  signedAt: Date | string;
}

export interface EarsivReportCancellation {
  /** faturaNo */
  number: string;
  /**
   * The cancelled invoice's ETTN. faturaIptal has no element for it (EArsiv.xsd), so it is not written; given, it
   * is checked against the report (no repeats; the same number issued in this report must have this ETTN).
   */
  ettn?: string;
  /** iptalTarihi: must fall within the report's part (cancellations are reported on their date). */
  cancelledOn: Date | string;
  /** toplamTutar */
  amount: DecimalString;
}

export interface EarsivReportSpec {
  /** baslik/versiyon; default '1.0'. */
  version?: string;
  /** baslik/mukellef: the taxpayer whose invoices these are (VKN or TCKN). */
  taxpayer: string;
  /** baslik/hazirlayan: who prepared the report, the integrator (VKN or TCKN). */
  integrator: string;
  /** baslik/raporNo (UUID). */
  reportId: string;
  /** donemBaslangicTarihi, donemBitisTarihi. */
  period: { start: Date | string; end: Date | string };
  /** bolumBaslangicTarihi, bolumBitisTarihi, bolumNo; default the whole period, part 1. */
  part?: { start: Date | string; end: Date | string; number: number };
  /** One fatura per invoice issued within the part. */
  invoices: readonly EarsivReportInvoice[];
  /** One faturaIptal per invoice cancelled within the part. */
  cancellations?: readonly EarsivReportCancellation[];
}

// --- checks of EArsiv.xsd's simple types ------------------------------------------------------------------------

const ID_RE = /^[A-Za-z0-9]{3}20[0-9]{2}[0-9]{9}$/; // idType (length 16)
const VKN_RE = /^[0-9]{10}$/; // vknType
const TCKN_RE = /^[0-9]{11}$/; // tcknType
const TIME_RE = /^(([01][0-9])|(2[0-3]))(:[0-5][0-9]){2}(\.[0-9]+)?$/; // timeType
const DECIMAL_RE = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/; // xs:decimal's lexical space
const CURRENCY_RE = /^[A-Z]{3}$/;

function vknTckn(value: string, field: string): string {
  if (!VKN_RE.test(value) && !TCKN_RE.test(value)) throw invalidField(field, '10 haneli VKN veya 11 haneli TCKN olmalı');
  return value;
}

function invoiceNumber(value: string, field: string): string {
  if (!ID_RE.test(value)) throw invalidField(field, '16 karakter olmalı: 3 harf/rakam, yıl (20YY), 9 haneli sıra numarası');
  return value;
}

/** An xs:date that is a real calendar day. */
function date(value: Date | string, field: string): string {
  const v = typeof value === 'string' ? value : turkishTime(value).date;
  const d = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw invalidField(field, 'YYYY-AA-GG biçiminde geçerli bir tarih olmalı');
  return v;
}

/** xs:decimal with EArsiv.xsd's totalDigits / fractionDigits facets (on the value: leading and trailing zeros do not count). */
function decimal(value: string, field: string, totalDigits: number, fractionDigits: number, range?: { min: number; max?: number }): string {
  if (typeof value !== 'string' || !DECIMAL_RE.test(value)) throw invalidField(field, 'ondalık sayı olmalı (ör. 1180.00)');
  const unsigned = value.replace(/^[+-]/, '');
  const [intPart = '', fracPart = ''] = unsigned.split('.');
  const int = intPart.replace(/^0+/, '');
  const frac = fracPart.replace(/0+$/, '');
  if (frac.length > fractionDigits) throw invalidField(field, `en çok ${fractionDigits} ondalık basamak olabilir`);
  if (int.length + frac.length > totalDigits) throw invalidField(field, `en çok ${totalDigits} basamak olabilir`);
  const n = Number(value);
  const min = range?.min ?? 0; // amounts, rates and percentages of a report are never negative
  if (n < min || (range?.max !== undefined && n > range.max)) {
    throw invalidField(field, range?.max !== undefined ? `${min} ile ${range.max} arasında olmalı` : 'negatif olamaz');
  }
  return value;
}

const amount = (value: string, field: string): string => decimal(value, field, 18, 2); // currencyValueType

function minLength2(value: string, field: string): string {
  requireText(value, field);
  if ([...value].length < 2) throw invalidField(field, 'en az 2 karakter olmalı');
  return value;
}

function xsString(value: string, field: string): string {
  if (typeof value !== 'string') throw invalidField(field, 'metin olmalı');
  return value;
}

// --- building ---------------------------------------------------------------------------------------------------

/** The eArsivRaporu, unsigned (UTF-8 with an XML declaration); sign it with EARSIV_REPORT_SIGNATURE_PLACEMENT. */
export function buildEarsivReport(spec: EarsivReportSpec): Buffer {
  const f = 'earsivReport';
  const version = spec.version ?? '1.0';
  requireText(version, `${f}.version`);
  vknTckn(spec.taxpayer, `${f}.taxpayer`);
  vknTckn(spec.integrator, `${f}.integrator`);
  if (!UUID_RE.test(spec.reportId)) throw invalidField(`${f}.reportId`, 'UUID biçiminde olmalı');
  const periodStart = date(spec.period.start, `${f}.period.start`);
  const periodEnd = date(spec.period.end, `${f}.period.end`);
  if (periodStart > periodEnd) throw invalidField(`${f}.period`, 'başlangıç bitişten sonra olamaz');
  const part = spec.part ?? { start: periodStart, end: periodEnd, number: 1 };
  const partStart = date(part.start, `${f}.part.start`);
  const partEnd = date(part.end, `${f}.part.end`);
  if (partStart > partEnd) throw invalidField(`${f}.part`, 'başlangıç bitişten sonra olamaz');
  if (partStart < periodStart || partEnd > periodEnd) throw invalidField(`${f}.part`, 'bölüm dönemin içinde olmalı');
  if (!Number.isInteger(part.number) || part.number < 1 || part.number > 2147483647) throw invalidField(`${f}.part.number`, 'pozitif tam sayı olmalı (xs:int)');

  const cancellations = spec.cancellations ?? [];
  // GİB's report schematron: the report must hold at least one entry (EArsiv.xsd: choice minOccurs="1").
  if (spec.invoices.length === 0 && cancellations.length === 0) throw invalidField(`${f}.invoices`, 'raporda en az bir fatura veya fatura iptali olmalı');

  // No ETTN or invoice number twice in a report (DOMAIN.md; EArsiv.xsd xs:unique faturaNo, faturaIptalNo).
  const ettns = new Map<string, string>(); // lower-cased ETTN → invoice number
  const numbers = new Map<string, string>(); // invoice number → ETTN
  const body: string[] = [];
  spec.invoices.forEach((inv, i) => {
    const fi = `${f}.invoices[${i}]`;
    const xml = invoice(inv, fi, partStart, partEnd);
    const key = inv.ettn.toLowerCase();
    if (ettns.has(key)) throw invalidField(`${fi}.ettn`, `ETTN ${inv.ettn} raporda birden çok kez geçiyor`);
    if (numbers.has(inv.number)) throw invalidField(`${fi}.number`, `fatura numarası ${inv.number} raporda birden çok kez geçiyor`);
    ettns.set(key, inv.number);
    numbers.set(inv.number, key);
    body.push(xml);
  });
  const cancelledNumbers = new Set<string>();
  const cancelledEttns = new Set<string>();
  cancellations.forEach((c, i) => {
    const fc = `${f}.cancellations[${i}]`;
    invoiceNumber(c.number, `${fc}.number`);
    const on = date(c.cancelledOn, `${fc}.cancelledOn`);
    if (on < partStart || on > partEnd) throw invalidField(`${fc}.cancelledOn`, `iptal tarihi raporun ${partStart}–${partEnd} aralığında olmalı (iptal, iptal tarihinin raporunda bildirilir)`);
    amount(c.amount, `${fc}.amount`);
    if (cancelledNumbers.has(c.number)) throw invalidField(`${fc}.number`, `iptal edilen fatura numarası ${c.number} raporda birden çok kez geçiyor`);
    cancelledNumbers.add(c.number);
    if (c.ettn !== undefined) {
      requireUuid(c.ettn, `${fc}.ettn`);
      const key = c.ettn.toLowerCase();
      if (cancelledEttns.has(key)) throw invalidField(`${fc}.ettn`, `iptal edilen ETTN ${c.ettn} raporda birden çok kez geçiyor`);
      cancelledEttns.add(key);
      // An invoice issued and cancelled within the same report appears in both lists, as the same invoice.
      const issuedNumber = ettns.get(key);
      if (issuedNumber !== undefined && issuedNumber !== c.number) throw invalidField(`${fc}.ettn`, `ETTN ${c.ettn} bu raporda ${issuedNumber} numaralı faturaya ait`);
      const issuedEttn = numbers.get(c.number);
      if (issuedEttn !== undefined && issuedEttn !== key) throw invalidField(`${fc}.ettn`, `${c.number} numaralı fatura bu raporda başka bir ETTN ile bildirildi`);
    }
    body.push(`<earsiv:faturaIptal>${leaf('earsiv:faturaNo', c.number)}${leaf('earsiv:iptalTarihi', on)}${leaf('earsiv:toplamTutar', c.amount)}</earsiv:faturaIptal>`);
  });

  const xml =
    `${XML_DECLARATION}\n` +
    `<earsiv:eArsivRaporu xmlns:earsiv="${EARSIV_NS}">` +
    '<earsiv:baslik>' +
    leaf('earsiv:versiyon', version, `${f}.version`) +
    `<earsiv:mukellef>${party(spec.taxpayer)}</earsiv:mukellef>` +
    `<earsiv:hazirlayan>${party(spec.integrator)}</earsiv:hazirlayan>` +
    leaf('earsiv:raporNo', spec.reportId) +
    leaf('earsiv:donemBaslangicTarihi', periodStart) +
    leaf('earsiv:donemBitisTarihi', periodEnd) +
    leaf('earsiv:bolumBaslangicTarihi', partStart) +
    leaf('earsiv:bolumBitisTarihi', partEnd) +
    leaf('earsiv:bolumNo', String(part.number)) +
    // ds:Signature goes here (EARSIV_REPORT_SIGNATURE_PLACEMENT).
    '</earsiv:baslik>' +
    body.join('') +
    '</earsiv:eArsivRaporu>\n';
  return Buffer.from(xml, 'utf8');
}

/** vknTcknType: a choice of vkn (10 digits) or tckn (11 digits). */
function party(id: string): string {
  return id.length === 10 ? leaf('earsiv:vkn', id) : leaf('earsiv:tckn', id);
}

function invoice(inv: EarsivReportInvoice, f: string, partStart: string, partEnd: string): string {
  requireUuid(inv.ettn, `${f}.ettn`);
  invoiceNumber(inv.number, `${f}.number`);
  if (!(EARSIV_INVOICE_TYPES as readonly string[]).includes(inv.type)) throw invalidField(`${f}.type`, `faturaTip şunlardan biri olmalı: ${EARSIV_INVOICE_TYPES.join(', ')}`);
  // GİB's report schematron (earsiv_schematron.xsl): YTB invoices carry ytbBilgileri.
  if (inv.type.startsWith('YTB') && !inv.ytb) throw invalidField(`${f}.ytb`, `${inv.type} faturasında ytbBilgileri zorunludur`);
  let ytb = '';
  if (inv.ytb) {
    if (!/^[0-9]{6}$/.test(inv.ytb.number)) throw invalidField(`${f}.ytb.number`, '6 haneli olmalı');
    ytb = `<earsiv:ytbBilgileri>${leaf('earsiv:ytbNo', inv.ytb.number)}${leaf('earsiv:tarih', date(inv.ytb.date, `${f}.ytb.date`))}</earsiv:ytbBilgileri>`;
  }
  if (inv.sendingType !== 'ELEKTRONIK' && inv.sendingType !== 'KAGIT') throw invalidField(`${f}.sendingType`, 'ELEKTRONIK veya KAGIT olmalı');
  requireText(inv.fileName, `${f}.fileName`);
  requireText(inv.digest, `${f}.digest`);
  const issueDate = date(inv.issueDate, `${f}.issueDate`);
  if (issueDate < partStart || issueDate > partEnd) throw invalidField(`${f}.issueDate`, `düzenlenme tarihi raporun ${partStart}–${partEnd} aralığında olmalı`);
  const issueTime = inv.issueTime ?? (typeof inv.issueDate === 'string' ? undefined : turkishTime(inv.issueDate).time);
  if (issueTime === undefined || !TIME_RE.test(issueTime)) throw invalidField(`${f}.issueTime`, 'SS:DD:ss biçiminde olmalı');
  amount(inv.total, `${f}.total`);
  amount(inv.discount, `${f}.discount`);
  amount(inv.payable, `${f}.payable`);
  if (!CURRENCY_RE.test(inv.currency)) throw invalidField(`${f}.currency`, 'ISO 4217 para birimi kodu olmalı (ör. TRY)');
  decimal(inv.exchangeRate, `${f}.exchangeRate`, 18, 6);
  xsString(inv.url, `${f}.url`);
  if ([...inv.url].length > 255) throw invalidField(`${f}.url`, 'en çok 255 karakter olabilir');
  const signedAt = dateTimeValue(inv.signedAt, `${f}.signedAt`);

  // vergiBilgisiType: vergilerToplami, vergi+ (matrah, vergiKodu, vergiTutari, vergiOrani), tevkifat*.
  amount(inv.taxTotal, `${f}.taxTotal`);
  if (inv.taxes.length === 0) throw invalidField(`${f}.taxes`, 'en az bir vergi olmalı');
  const taxes = inv.taxes
    .map((t, j) => {
      const ft = `${f}.taxes[${j}]`;
      if (!(EARSIV_TAX_CODES as readonly string[]).includes(t.code)) throw invalidField(`${ft}.code`, `vergiKodu GİB'in listesinde yok: ${t.code}`);
      return (
        '<earsiv:vergi>' +
        leaf('earsiv:matrah', amount(t.base, `${ft}.base`)) +
        leaf('earsiv:vergiKodu', t.code) +
        leaf('earsiv:vergiTutari', amount(t.amount, `${ft}.amount`)) +
        leaf('earsiv:vergiOrani', decimal(t.percent, `${ft}.percent`, 6, 3, { min: 0, max: 300 })) +
        '</earsiv:vergi>'
      );
    })
    .join('');
  const withholdings = (inv.withholdings ?? [])
    .map((w, j) => {
      const fw = `${f}.withholdings[${j}]`;
      if (!/^[0-9]{3}$/.test(w.code)) throw invalidField(`${fw}.code`, '3 haneli olmalı');
      return (
        '<earsiv:tevkifat>' +
        leaf('earsiv:tevkifatKodu', w.code) +
        leaf('earsiv:tevkifatTutari', amount(w.amount, `${fw}.amount`)) +
        leaf('earsiv:tevkifatOrani', decimal(w.percent, `${fw}.percent`, 5, 3, { min: 0, max: 100 })) +
        '</earsiv:tevkifat>'
      );
    })
    .join('');

  // aliciType: tuzelKisi (vkn, unvan) or gercekKisi (tckn, adiSoyadi), then tesisatNumarasi.
  const r = inv.receiver;
  vknTckn(r.vknTckn, `${f}.receiver.vknTckn`);
  minLength2(r.name, `${f}.receiver.name`);
  const who =
    r.vknTckn.length === 10
      ? `<earsiv:tuzelKisi>${leaf('earsiv:vkn', r.vknTckn)}${leaf('earsiv:unvan', r.name, `${f}.receiver.name`)}</earsiv:tuzelKisi>`
      : `<earsiv:gercekKisi>${leaf('earsiv:tckn', r.vknTckn)}${leaf('earsiv:adiSoyadi', r.name, `${f}.receiver.name`)}</earsiv:gercekKisi>`;
  const installation = r.installationNumber !== undefined ? leaf('earsiv:tesisatNumarasi', requireText(r.installationNumber, `${f}.receiver.installationNumber`), `${f}.receiver.installationNumber`) : '';

  return (
    '<earsiv:fatura>' +
    leaf('earsiv:faturaNo', inv.number) +
    leaf('earsiv:faturaUUID', inv.ettn) +
    leaf('earsiv:faturaTip', inv.type) +
    ytb +
    leaf('earsiv:gonderimSekli', inv.sendingType) +
    leaf('earsiv:dosyaAdi', inv.fileName, `${f}.fileName`) +
    leaf('earsiv:ozetDeger', inv.digest, `${f}.digest`) +
    leaf('earsiv:duzenlenmeTarihi', issueDate) +
    leaf('earsiv:duzenlenmeZamani', issueTime) +
    leaf('earsiv:toplamTutar', inv.total) +
    leaf('earsiv:toplamIskonto', inv.discount) +
    leaf('earsiv:odenecekTutar', inv.payable) +
    leaf('earsiv:paraBirimi', inv.currency) +
    leaf('earsiv:dovizKuru', inv.exchangeRate) +
    leaf('earsiv:faturaUrl', inv.url, `${f}.url`) +
    `<earsiv:vergiBilgisi>${leaf('earsiv:vergilerToplami', inv.taxTotal)}${taxes}${withholdings}</earsiv:vergiBilgisi>` +
    `<earsiv:aliciBilgileri>${who}${installation}</earsiv:aliciBilgileri>` +
    leaf('earsiv:imzaZamani', signedAt) +
    '</earsiv:fatura>'
  );
}

// --- parsing ----------------------------------------------------------------------------------------------------

export interface ParsedEarsivInvoice {
  ettn: string;
  number: string;
  type: string;
  ytb?: { number: string; date: string };
  sendingType: string;
  fileName: string;
  digest: string;
  issueDate: string;
  issueTime: string;
  total: string;
  discount: string;
  payable: string;
  currency: string;
  exchangeRate: string;
  url: string;
  taxTotal: string;
  taxes: EarsivReportTax[];
  withholdings: EarsivReportWithholding[];
  /** From tuzelKisi or gercekKisi; '' when aliciBilgileri names neither. */
  receiver: { vknTckn: string; name: string; installationNumber?: string };
  signedAt: string;
}

export interface ParsedEarsivReport {
  version: string;
  taxpayer: string;
  integrator: string;
  reportId: string;
  period: { start: string; end: string };
  part: { start: string; end: string; number: number };
  /** Whether baslik holds a ds:Signature. */
  signed: boolean;
  invoices: ParsedEarsivInvoice[];
  cancellations: Array<{ number: string; cancelledOn: string; amount: string }>;
  /** Local names of the report's other entries (mustahsilMakbuz, mRapor, …), in document order; not read. */
  otherEntries: string[];
}

/** Reads an eArsivRaporu; GibProtocolError 1132/1140 for what is not XML, 1160 for a missing part. */
export function parseEarsivReport(xml: Buffer): ParsedEarsivReport {
  const doc = parseGibXml(xml);
  return readEarsivReport(doc.root);
}

/** From the element. Values are returned as written (trimmed); the schema check is xmllint's or the validator's. */
export function readEarsivReport(root: XmlElement): ParsedEarsivReport {
  const N = EARSIV_NS;
  if (!is(root, N, 'eArsivRaporu')) throw schemaError(`eArsivRaporu bekleniyordu, ${nameOf(root)} bulundu`);
  const head = required(root, N, 'baslik', 'eArsivRaporu');
  const path = 'eArsivRaporu/baslik';
  const partyOf = (local: string): string => {
    const p = required(head, N, local, path);
    const id = child(p, N, 'vkn') ?? child(p, N, 'tckn');
    if (!id) throw schemaError(`${path}/${local}/vkn veya tckn bulunamadı`);
    return id.text.trim();
  };
  const partNo = requiredText(head, N, 'bolumNo', path);
  const invoices: ParsedEarsivInvoice[] = [];
  const cancellations: ParsedEarsivReport['cancellations'] = [];
  const otherEntries: string[] = [];
  for (const entry of root.children) {
    if (entry === head) continue;
    if (is(entry, N, 'fatura')) invoices.push(readInvoice(entry));
    else if (is(entry, N, 'faturaIptal')) {
      const p = 'eArsivRaporu/faturaIptal';
      cancellations.push({ number: requiredText(entry, N, 'faturaNo', p), cancelledOn: requiredText(entry, N, 'iptalTarihi', p), amount: requiredText(entry, N, 'toplamTutar', p) });
    } else otherEntries.push(entry.local);
  }
  return {
    version: requiredText(head, N, 'versiyon', path),
    taxpayer: partyOf('mukellef'),
    integrator: partyOf('hazirlayan'),
    reportId: requiredText(head, N, 'raporNo', path),
    period: { start: requiredText(head, N, 'donemBaslangicTarihi', path), end: requiredText(head, N, 'donemBitisTarihi', path) },
    part: { start: requiredText(head, N, 'bolumBaslangicTarihi', path), end: requiredText(head, N, 'bolumBitisTarihi', path), number: Number(partNo) },
    signed: head.children.some((c) => c.ns === DS_NS && c.local === 'Signature'),
    invoices,
    cancellations,
    otherEntries,
  };
}

function readInvoice(el: XmlElement): ParsedEarsivInvoice {
  const N = EARSIV_NS;
  const p = 'eArsivRaporu/fatura';
  const t = (local: string): string => requiredText(el, N, local, p);
  const ytbEl = child(el, N, 'ytbBilgileri');
  const tax = required(el, N, 'vergiBilgisi', p);
  const alici = required(el, N, 'aliciBilgileri', p);
  const legal = child(alici, N, 'tuzelKisi');
  const person = child(alici, N, 'gercekKisi');
  const installation = child(alici, N, 'tesisatNumarasi');
  return {
    ettn: t('faturaUUID'),
    number: t('faturaNo'),
    type: t('faturaTip'),
    ...(ytbEl ? { ytb: { number: childText(ytbEl, N, 'ytbNo'), date: childText(ytbEl, N, 'tarih') } } : {}),
    sendingType: t('gonderimSekli'),
    fileName: t('dosyaAdi'),
    digest: t('ozetDeger'),
    issueDate: t('duzenlenmeTarihi'),
    issueTime: t('duzenlenmeZamani'),
    total: t('toplamTutar'),
    discount: t('toplamIskonto'),
    payable: t('odenecekTutar'),
    currency: t('paraBirimi'),
    exchangeRate: t('dovizKuru'),
    url: t('faturaUrl'),
    taxTotal: requiredText(tax, N, 'vergilerToplami', `${p}/vergiBilgisi`),
    taxes: children(tax, N, 'vergi').map((v) => ({
      base: childText(v, N, 'matrah'),
      code: childText(v, N, 'vergiKodu'),
      amount: childText(v, N, 'vergiTutari'),
      percent: childText(v, N, 'vergiOrani'),
    })),
    withholdings: children(tax, N, 'tevkifat').map((w) => ({
      code: childText(w, N, 'tevkifatKodu'),
      amount: childText(w, N, 'tevkifatTutari'),
      percent: childText(w, N, 'tevkifatOrani'),
    })),
    receiver: {
      vknTckn: legal ? childText(legal, N, 'vkn') : person ? childText(person, N, 'tckn') : '',
      name: legal ? childText(legal, N, 'unvan') : person ? childText(person, N, 'adiSoyadi') : '',
      ...(installation ? { installationNumber: installation.text.trim() } : {}),
    },
    signedAt: t('imzaZamani'),
  };
}
