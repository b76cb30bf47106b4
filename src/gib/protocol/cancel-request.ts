/**
 * The e-Fatura cancellation portal (e-Fatura İptal/İtiraz Portalı, https://portal.efatura.gov.tr/FaturaIptal/) as
 * signed documents, a pure codec shared by the GİB simulator (src/simulator/cancel-portal.ts) and the gateway's
 * client (src/gib/cancel-portal-client.ts).
 *
 * GİB HAS NO PUBLISHED XML FOR ITS PORTAL: it is a web UI where the user types the invoice number and the payable
 * amount and signs them with the mali mühür through GİB's signing tool (İptal, İhtar/İtiraz Bildirim Kılavuzu v1.2
 * §3, §4.3: "fatura numarası ve fatura tutar bilgilerini imzalayıp fatura iptal talebi oluşturmanız gerekmektedir").
 * The two documents below, in a namespace of our own, are what the simulator's machine version of the portal takes
 * instead of those screens:
 *
 *   <ci:CancelRequest xmlns:ci="urn:acik-entegrator:gib-simulator:fatura-iptal:1">   "Talep Oluştur" (§4.3)
 *     <ci:RequestId>UUID</ci:RequestId>                      our id of the request (a resent document is refused)
 *     <ci:SenderVknTckn>…</ci:SenderVknTckn>                 Gönderen VKN/TCKN: the invoice's sender, who asks
 *     <ci:ReceiverVknTckn>…</ci:ReceiverVknTckn>             Alan VKN/TCKN: the invoice's receiver, who decides
 *     <ci:ETTN>UUID</ci:ETTN>                                ETTN
 *     <ci:InvoiceNumber>ABC2024000000001</ci:InvoiceNumber>  Fatura No: 16 characters (§4.3 "16 haneli seri numarası")
 *     <ci:InvoiceDate>YYYY-MM-DD</ci:InvoiceDate>            Fatura Tarihi (the invoice's cbc:IssueDate)
 *     <ci:PayableAmount currencyID="TRY">7840.80</ci:PayableAmount>   Ödenecek Tutar (LegalMonetaryTotal)
 *     <ci:RequestTime>YYYY-MM-DDTHH:mm:ss</ci:RequestTime>   when the sender signed it (Turkish time)
 *     <ds:Signature>…</ds:Signature>                         XAdES, CANCEL_REQUEST_SIGNATURE_PLACEMENT
 *   </ci:CancelRequest>
 *
 *   <ci:CancelDecision xmlns:ci="…">                         "Fatura İptal Et" / "Talebi Reddet" (§4.4),
 *     <ci:RequestId>UUID</ci:RequestId>                      "Seçilen Talepleri Sil" (seed 004)
 *     <ci:Decision>APPROVE | REJECT | DELETE</ci:Decision>
 *     <ci:DeciderVknTckn>…</ci:DeciderVknTckn>               who signs: the receiver (approve, reject), the sender (delete)
 *     <ci:DecisionTime>YYYY-MM-DDTHH:mm:ss</ci:DecisionTime>
 *     <ds:Signature>…</ds:Signature>                         XAdES, CANCEL_DECISION_SIGNATURE_PLACEMENT
 *   </ci:CancelDecision>
 *
 * The builders write the document unsigned; the signer (src/signing signXml) puts ds:Signature last in the root
 * with the placement constants. The parsers check the shape and every value's format (our schema: a wrong value is
 * 1160 XML SEMA KONTROLUNDEN GECEMEDI, like the other parsers; not XML is 1132/1140) and report whether a
 * ds:Signature is there; verifying it is the caller's (src/signing verifyXml).
 *
 * The refusals the portal answers with (stable codes, Turkish messages, HTTP statuses of the simulator's API) are
 * in CANCEL_PORTAL_REFUSALS, shared by the simulator and the client.
 */
import type { XmlElement } from '../../xml/parse';
import { invalidField } from './errors';
import { dateTimeValue, is, leaf, escapeAttr, nameOf, parseGibXml, schemaError, turkishTime, UUID_RE, VKN_TCKN_RE, XML_DECLARATION } from './markup';

export const CANCEL_PORTAL_NS = 'urn:acik-entegrator:gib-simulator:fatura-iptal:1';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Where the sender's seal goes in a CancelRequest: last child of the root (for signXml's `placement`). */
export const CANCEL_REQUEST_SIGNATURE_PLACEMENT = {
  parentXPath: '/ci:CancelRequest',
  namespaces: { ci: CANCEL_PORTAL_NS },
  position: 'last',
} as const;

/** Where the deciding party's seal goes in a CancelDecision: last child of the root. */
export const CANCEL_DECISION_SIGNATURE_PLACEMENT = {
  parentXPath: '/ci:CancelDecision',
  namespaces: { ci: CANCEL_PORTAL_NS },
  position: 'last',
} as const;

/**
 * A request's state, in the portal's words: "Onay Bekliyor" (seed 004's list), "Fatura İptal Edildi" (guide §4.1,
 * §4.3). For a rejected request the guide's cancellation sections give no state text ("iptal talebi reddedilmiş"),
 * while the same portal's objection list shows "Talep Reddedildi" (§5.1, §5.3): that is the wording used.
 * "Silindi" is ours: the portal's "Seçilen Talepleri Sil" (seed 004) removes the row; the simulator keeps it.
 */
export const CANCEL_REQUEST_STATES = ['Onay Bekliyor', 'Fatura İptal Edildi', 'Talep Reddedildi', 'Silindi'] as const;
export type CancelRequestState = (typeof CANCEL_REQUEST_STATES)[number];

export const CANCEL_DECISIONS = ['APPROVE', 'REJECT', 'DELETE'] as const;
export type CancelDecisionKind = (typeof CANCEL_DECISIONS)[number];

/**
 * A request as the portal API answers it (JSON), one row of the portal's lists (seed 004: Gönderen VKN/TCKN, Alan
 * VKN/TCKN, ETTN, Fatura No, Fatura Tarihi, Tutar, Talep Zamanı, Durum, Onay Zamanı).
 */
export interface CancelRequestView {
  id: string;
  senderVknTckn: string;
  receiverVknTckn: string;
  ettn: string;
  invoiceNumber: string;
  /** YYYY-MM-DD */
  invoiceDate: string;
  /** The invoice's PayableAmount, as the invoice writes it (e.g. 7840.80). */
  amount: string;
  currency: string;
  /** Talep Zamanı, Turkish time with offset: 2020-01-29T14:02:48+03:00. */
  requestedAt: string;
  state: CancelRequestState;
  /** Onay Zamanı: when it was approved, rejected or deleted (same form). */
  decidedAt?: string;
}

// --- refusals ----------------------------------------------------------------------------------------------------

export interface CancelPortalRefusal {
  /** HTTP status of the simulator's answer. */
  http: number;
  /** Turkish message; `{name}` placeholders are filled from the refusal's parameters. */
  message: string;
}

function refusal(http: number, message: string): CancelPortalRefusal {
  return Object.freeze({ http, message });
}

/**
 * Every refusal of the portal API, by stable code. Where the guide names the case, the section is given; the
 * portal's own error screen is only shown as a picture in the guide, so the texts are ours.
 */
export const CANCEL_PORTAL_REFUSALS = Object.freeze({
  /** Not XML, not our document, a value of the wrong form (the codec's 1132/1140/1160). */
  BELGE_HATALI: refusal(400, 'Belge okunamadı: {detail}'),
  /** §3: the portal works only with a mali mühür or e-imza. */
  IMZA_BULUNAMADI: refusal(400, 'Belgede imza bulunamadı; iptal talepleri ve onayları mali mühür veya elektronik imza ile imzalanmalıdır.'),
  IMZA_GECERSIZ: refusal(400, 'Belgedeki imza geçersiz: {detail}'),
  IMZA_GUVENILIR_DEGIL: refusal(403, 'İmza sertifikası güvenilir bir kök sertifikaya zincirlenmiyor veya geçerli değil: {detail}'),
  IMZA_SAHIBI_ALINAMADI: refusal(403, 'İmza sertifikasından VKN/TCKN alınamadı.'),
  /** The seal is not the one of the party the document names. */
  IMZA_SAHIBI_YETKISIZ: refusal(403, 'Belgeyi imzalayan mükellef ({signer}), belgede işlemi yapan olarak adı geçen mükellef ({party}) değil.'),
  /** §4.3 "sistemde kayıtlı olmayan e-Fatura no". */
  FATURA_BULUNAMADI: refusal(404, '{vknTckn} vergi / tc kimlik numaralı mükellefin alıcısına iletilmiş {invoiceNumber} numaralı e-Faturası sistemde kayıtlı değil.'),
  /** §4.3 "hatalı ödenecek tutar bilgisi". */
  TUTAR_HATALI: refusal(422, '{invoiceNumber} numaralı faturanın ödenecek tutar bilgisi hatalı.'),
  /** The request's ETTN, date or receiver is not the invoice's. */
  FATURA_BILGISI_UYUSMUYOR: refusal(422, 'Talepteki {field} ({given}), {invoiceNumber} numaralı faturanınki ({actual}) ile uyuşmuyor.'),
  /** §4.3 "daha önceden iptal edilmiş fatura tekrar iptal edilmek istenirse". */
  FATURA_ZATEN_IPTAL: refusal(409, '{invoiceNumber} numaralı fatura daha önce iptal edilmiştir.'),
  BEKLEYEN_TALEP_VAR: refusal(409, '{invoiceNumber} numaralı fatura için onay bekleyen bir iptal talebi zaten var ({requestId}).'),
  TALEP_NO_KULLANILMIS: refusal(409, '{requestId} numaralı iptal talebi daha önce alındı.'),
  /** §2: portal cancellation only for Temel and Hal tipi (HKS) invoices. */
  SENARYO_UYGUN_DEGIL: refusal(422, '{profile} senaryosundaki faturalar e-Fatura İptal Portalı üzerinden iptal edilemez. {hint}'),
  /** §2, §4: requests and approvals only within 8 days of the invoice reaching its receiver. */
  SURE_DOLDU: refusal(422, 'e-Fatura alıcısına {deliveredOn} tarihinde iletildi; 8 günlük süre {deadline} itibarıyla doldu, {what}.'),
  TALEP_BULUNAMADI: refusal(404, '{requestId} numaralı iptal talebi bulunamadı.'),
  TALEP_ONAY_BEKLEMIYOR: refusal(409, 'İptal talebinin durumu "{state}"; bu işlem yalnızca "Onay Bekliyor" durumundaki taleplere yapılabilir.'),
  /** §4.4: only the invoice's receiver approves or rejects. */
  ONAY_YETKISI_YOK: refusal(403, 'Bu iptal talebini yalnızca faturanın alıcısı ({receiver}) onaylayabilir veya reddedebilir; {decider} bu faturanın alıcısı değil.'),
  /** Seed 004 "Seçilen Talepleri Sil": the sender's own list. */
  SILME_YETKISI_YOK: refusal(403, 'Bu iptal talebini yalnızca talebi oluşturan fatura düzenleyicisi ({sender}) silebilir; {decider} silemez.'),
  SORGU_HATALI: refusal(400, 'Sorgu geçersiz: {detail}'),
  SISTEM_HATASI: refusal(500, 'Sistem hatası, daha sonra tekrar deneyiniz.'),
});
export type CancelPortalRefusalCode = keyof typeof CANCEL_PORTAL_REFUSALS;

/** A refusal's message with its parameters filled in. */
export function cancelPortalMessage(code: CancelPortalRefusalCode, params: Record<string, string> = {}): string {
  return CANCEL_PORTAL_REFUSALS[code].message.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
}

// --- values ------------------------------------------------------------------------------------------------------

/** GİB's InvoiceIDCheck (UBL-TR_Common_Schematron.xml): 'ABC2009123456789'. */
export const INVOICE_NUMBER_RE = /^[A-Z0-9]{3}20[0-9]{2}[0-9]{9}$/;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
/** A non-negative xs:decimal without sign or exponent, as UBL amounts are written. */
const AMOUNT_RE = /^[0-9]{1,20}(\.[0-9]{1,10})?$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const DATE_TIME_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;

function isCalendarDate(v: string): boolean {
  if (!DATE_RE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** Two decimal amounts as numbers, exactly ("7840.8" equals "7840.80" and "07840.800"); false for a non-amount. */
export function sameAmount(a: string, b: string): boolean {
  const norm = (s: string): string | null => {
    const t = s.trim();
    if (!AMOUNT_RE.test(t)) return null;
    const [i = '', f = ''] = t.split('.');
    return `${i.replace(/^0+(?=.)/, '')}.${f.replace(/0+$/, '')}`;
  };
  const x = norm(a);
  return x !== null && x === norm(b);
}

// --- building ----------------------------------------------------------------------------------------------------

export interface CancelRequestSpec {
  /** RequestId, a UUID. */
  id: string;
  /** The invoice's sender (Gönderen VKN/TCKN): who asks, and whose seal signs. */
  senderVknTckn: string;
  /** The invoice's receiver (Alan VKN/TCKN). */
  receiverVknTckn: string;
  /** The invoice's ETTN (cbc:UUID). */
  ettn: string;
  /** The invoice's cbc:ID, e.g. ABC2024000000001. */
  invoiceNumber: string;
  /** The invoice's cbc:IssueDate (a Date is taken in Turkish time). */
  invoiceDate: Date | string;
  /** LegalMonetaryTotal/PayableAmount, as a decimal string. */
  amount: string;
  /** Its currencyID, e.g. TRY. */
  currency: string;
  /** When it is signed; default now (written in Turkish time). */
  requestedAt?: Date | string;
}

export interface CancelDecisionSpec {
  requestId: string;
  decision: CancelDecisionKind;
  /** Who decides: the invoice's receiver (APPROVE, REJECT) or sender (DELETE); its seal signs. */
  deciderVknTckn: string;
  /** Default now (written in Turkish time). */
  decidedAt?: Date | string;
}

function vknTckn(value: string, field: string): string {
  if (typeof value !== 'string' || !VKN_TCKN_RE.test(value)) throw invalidField(field, '10 haneli VKN veya 11 haneli TCKN olmalı');
  return value;
}

function uuid(value: string, field: string): string {
  if (typeof value !== 'string' || !UUID_RE.test(value)) throw invalidField(field, 'UUID biçiminde olmalı');
  return value;
}

const ns = `xmlns:ci="${CANCEL_PORTAL_NS}"`;

/** The CancelRequest, unsigned (UTF-8, with an XML declaration); sign it with CANCEL_REQUEST_SIGNATURE_PLACEMENT. */
export function buildCancelRequest(spec: CancelRequestSpec): Buffer {
  const f = 'cancelRequest';
  uuid(spec.id, `${f}.id`);
  vknTckn(spec.senderVknTckn, `${f}.senderVknTckn`);
  vknTckn(spec.receiverVknTckn, `${f}.receiverVknTckn`);
  uuid(spec.ettn, `${f}.ettn`);
  if (typeof spec.invoiceNumber !== 'string' || !INVOICE_NUMBER_RE.test(spec.invoiceNumber)) {
    throw invalidField(`${f}.invoiceNumber`, '16 karakter olmalı: 3 büyük harf/rakam, yıl (20YY), 9 haneli sıra numarası');
  }
  const date = typeof spec.invoiceDate === 'string' ? spec.invoiceDate : turkishTime(spec.invoiceDate).date;
  if (!isCalendarDate(date)) throw invalidField(`${f}.invoiceDate`, 'YYYY-AA-GG biçiminde geçerli bir tarih olmalı');
  if (typeof spec.amount !== 'string' || !AMOUNT_RE.test(spec.amount)) throw invalidField(`${f}.amount`, 'negatif olmayan ondalık sayı olmalı (ör. 7840.80)');
  if (typeof spec.currency !== 'string' || !CURRENCY_RE.test(spec.currency)) throw invalidField(`${f}.currency`, 'ISO 4217 para birimi kodu olmalı (ör. TRY)');
  const at = dateTimeValue(spec.requestedAt ?? new Date(), `${f}.requestedAt`);
  const xml =
    `${XML_DECLARATION}\n` +
    `<ci:CancelRequest ${ns}>` +
    leaf('ci:RequestId', spec.id) +
    leaf('ci:SenderVknTckn', spec.senderVknTckn) +
    leaf('ci:ReceiverVknTckn', spec.receiverVknTckn) +
    leaf('ci:ETTN', spec.ettn) +
    leaf('ci:InvoiceNumber', spec.invoiceNumber) +
    leaf('ci:InvoiceDate', date) +
    `<ci:PayableAmount currencyID="${escapeAttr(spec.currency)}">${spec.amount}</ci:PayableAmount>` +
    leaf('ci:RequestTime', at) +
    // ds:Signature goes here (CANCEL_REQUEST_SIGNATURE_PLACEMENT).
    '</ci:CancelRequest>\n';
  return Buffer.from(xml, 'utf8');
}

/** The CancelDecision, unsigned; sign it with CANCEL_DECISION_SIGNATURE_PLACEMENT. */
export function buildCancelDecision(spec: CancelDecisionSpec): Buffer {
  const f = 'cancelDecision';
  uuid(spec.requestId, `${f}.requestId`);
  if (!(CANCEL_DECISIONS as readonly string[]).includes(spec.decision)) throw invalidField(`${f}.decision`, `şunlardan biri olmalı: ${CANCEL_DECISIONS.join(', ')}`);
  vknTckn(spec.deciderVknTckn, `${f}.deciderVknTckn`);
  const at = dateTimeValue(spec.decidedAt ?? new Date(), `${f}.decidedAt`);
  const xml =
    `${XML_DECLARATION}\n` +
    `<ci:CancelDecision ${ns}>` +
    leaf('ci:RequestId', spec.requestId) +
    leaf('ci:Decision', spec.decision) +
    leaf('ci:DeciderVknTckn', spec.deciderVknTckn) +
    leaf('ci:DecisionTime', at) +
    // ds:Signature goes here (CANCEL_DECISION_SIGNATURE_PLACEMENT).
    '</ci:CancelDecision>\n';
  return Buffer.from(xml, 'utf8');
}

// --- parsing -----------------------------------------------------------------------------------------------------

export interface ParsedCancelRequest {
  id: string;
  senderVknTckn: string;
  receiverVknTckn: string;
  ettn: string;
  invoiceNumber: string;
  /** YYYY-MM-DD */
  invoiceDate: string;
  amount: string;
  currency: string;
  /** As written (xs:dateTime; no offset means Turkish time). */
  requestedAt: string;
  /** Whether the root holds a ds:Signature (verification is the caller's). */
  signed: boolean;
}

export interface ParsedCancelDecision {
  requestId: string;
  decision: CancelDecisionKind;
  deciderVknTckn: string;
  decidedAt: string;
  signed: boolean;
}

/**
 * The root's children by local name: each of `names` exactly once, at most one ds:Signature, nothing else.
 * 1160 naming the first problem.
 */
function fields(root: XmlElement, path: string, names: readonly string[]): { get: (n: string) => XmlElement; signed: boolean } {
  const found = new Map<string, XmlElement>();
  let signatures = 0;
  for (const c of root.children) {
    if (c.ns === DS_NS && c.local === 'Signature') {
      signatures++;
      continue;
    }
    if (c.ns !== CANCEL_PORTAL_NS || !names.includes(c.local)) throw schemaError(`${path}: beklenmeyen öğe ${nameOf(c)}`);
    if (found.has(c.local)) throw schemaError(`${path}/${c.local} birden fazla`);
    if (c.children.length > 0) throw schemaError(`${path}/${c.local} metin olmalı`);
    found.set(c.local, c);
  }
  for (const n of names) if (!found.has(n)) throw schemaError(`${path}/${n} bulunamadı`);
  if (signatures > 1) throw schemaError(`${path}: birden fazla ds:Signature`);
  return { get: (n) => found.get(n)!, signed: signatures === 1 };
}

function check(value: string, ok: boolean, path: string, why: string): string {
  if (!ok) throw schemaError(`${path} ${why}: ${JSON.stringify(value.slice(0, 60))}`);
  return value;
}

/** Reads a CancelRequest; GibProtocolError 1132/1140 for what is not XML, 1160 for a missing part or a bad value. */
export function parseCancelRequest(xml: Buffer): ParsedCancelRequest {
  return readCancelRequest(parseGibXml(xml).root);
}

export function readCancelRequest(root: XmlElement): ParsedCancelRequest {
  const p = 'CancelRequest';
  if (!is(root, CANCEL_PORTAL_NS, p)) throw schemaError(`${p} bekleniyordu, ${nameOf(root)} bulundu`);
  const f = fields(root, p, ['RequestId', 'SenderVknTckn', 'ReceiverVknTckn', 'ETTN', 'InvoiceNumber', 'InvoiceDate', 'PayableAmount', 'RequestTime']);
  const t = (n: string): string => f.get(n).text.trim();
  const amountEl = f.get('PayableAmount');
  const currency = amountEl.attrs.find((a) => a.local === 'currencyID' && a.ns === '')?.value ?? '';
  return {
    id: check(t('RequestId'), UUID_RE.test(t('RequestId')), `${p}/RequestId`, 'UUID değil'),
    senderVknTckn: check(t('SenderVknTckn'), VKN_TCKN_RE.test(t('SenderVknTckn')), `${p}/SenderVknTckn`, 'VKN/TCKN değil'),
    receiverVknTckn: check(t('ReceiverVknTckn'), VKN_TCKN_RE.test(t('ReceiverVknTckn')), `${p}/ReceiverVknTckn`, 'VKN/TCKN değil'),
    ettn: check(t('ETTN'), UUID_RE.test(t('ETTN')), `${p}/ETTN`, 'UUID değil'),
    invoiceNumber: check(t('InvoiceNumber'), INVOICE_NUMBER_RE.test(t('InvoiceNumber')), `${p}/InvoiceNumber`, 'fatura numarası değil'),
    invoiceDate: check(t('InvoiceDate'), isCalendarDate(t('InvoiceDate')), `${p}/InvoiceDate`, 'tarih değil'),
    amount: check(t('PayableAmount'), AMOUNT_RE.test(t('PayableAmount')), `${p}/PayableAmount`, 'tutar değil'),
    currency: check(currency, CURRENCY_RE.test(currency), `${p}/PayableAmount/@currencyID`, 'para birimi değil'),
    requestedAt: check(t('RequestTime'), DATE_TIME_RE.test(t('RequestTime')), `${p}/RequestTime`, 'xs:dateTime değil'),
    signed: f.signed,
  };
}

/** Reads a CancelDecision; GibProtocolError 1132/1140 for what is not XML, 1160 for a missing part or a bad value. */
export function parseCancelDecision(xml: Buffer): ParsedCancelDecision {
  return readCancelDecision(parseGibXml(xml).root);
}

export function readCancelDecision(root: XmlElement): ParsedCancelDecision {
  const p = 'CancelDecision';
  if (!is(root, CANCEL_PORTAL_NS, p)) throw schemaError(`${p} bekleniyordu, ${nameOf(root)} bulundu`);
  const f = fields(root, p, ['RequestId', 'Decision', 'DeciderVknTckn', 'DecisionTime']);
  const t = (n: string): string => f.get(n).text.trim();
  const decision = check(t('Decision'), (CANCEL_DECISIONS as readonly string[]).includes(t('Decision')), `${p}/Decision`, `${CANCEL_DECISIONS.join(', ')} olmalı`);
  return {
    requestId: check(t('RequestId'), UUID_RE.test(t('RequestId')), `${p}/RequestId`, 'UUID değil'),
    decision: decision as CancelDecisionKind,
    deciderVknTckn: check(t('DeciderVknTckn'), VKN_TCKN_RE.test(t('DeciderVknTckn')), `${p}/DeciderVknTckn`, 'VKN/TCKN değil'),
    decidedAt: check(t('DecisionTime'), DATE_TIME_RE.test(t('DecisionTime')), `${p}/DecisionTime`, 'xs:dateTime değil'),
    signed: f.signed,
  };
}
