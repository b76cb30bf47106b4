/**
 * From a signed e-Arşiv invoice (UBL-TR 1.2.1, ProfileID EARSIVFATURA) to its line in the daily e-Arşiv report:
 * the `fatura` entry of GİB's eArsivRaporu (gib/earsiv/EArsiv.xsd; the codec is ./protocol/earsiv-report.ts).
 * Pure: bytes in, an EarsivReportInvoice out; what the invoice does not say comes from the caller (the row).
 *
 * Where each field comes from (EArsiv.xsd element ← UBL-TR):
 *   faturaNo, faturaUUID        cbc:ID, cbc:UUID (as written in the invoice)
 *   faturaTip                   cbc:InvoiceTypeCode — only the values of EArsiv.xsd faturaTipEnum. UBL-TR also has
 *                               YTBTEVKIFAT and YTBTEVKIFATIADE (UBL-TR_Codelist.xml, YatirimTesvikEArsivInvoiceType…)
 *                               which the report schema has no value for: such an invoice is refused here rather
 *                               than reported under a type GİB did not define.
 *   ytbBilgileri                cac:ContractDocumentReference with cbc:ID/@schemeID="YTBNO" (+ its cbc:IssueDate),
 *                               where GİB's YTB e-Arşiv samples (ubl-tr-1.2.1/xml/YTB_*_EArşiv.xml) put it
 *   gonderimSekli               see sendingTypeOf below; ELEKTRONIK unless the invoice (or the row) says KAGIT
 *   dosyaAdi                    `<ETTN>.xml`
 *   ozetDeger                   SHA-256 of the signed invoice file, 64 lower-case hex digits. Neither EArsiv.xsd
 *                               (ozetDeger is a bare xs:string, no annotation) nor GİB's compiled report schematron
 *                               (earsiv_schematron.xsl, which checks only the entry list and ytbBilgileri) names the
 *                               algorithm, and GİB's e-Arşiv technical guide is not among the files we have; Ek-3's
 *                               MD5 is for e-Fatura's web-service hash, not for this field. SHA-256 is the default,
 *                               and the one a third-party source quotes from the guide (e-Arşiv Teknik Kılavuzu
 *                               v1.18 §3.3.2.6, "imzalanmış faturanın SHA-256 özet değeri"), unverified here.
 *                               It equals the name the blob store gives the signed invoice (invoices.signed_sha256).
 *   duzenlenmeTarihi/Zamani     cbc:IssueDate, cbc:IssueTime (HH:mm:ss, fraction and zone dropped; 00:00:00 when
 *                               the invoice has no IssueTime, which UBL-TR allows)
 *   toplamTutar                 cac:LegalMonetaryTotal/cbc:LineExtensionAmount
 *   toplamIskonto               cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount (0 when absent)
 *   odenecekTutar               cac:LegalMonetaryTotal/cbc:PayableAmount
 *   paraBirimi, dovizKuru       cbc:DocumentCurrencyCode; 1 for TRY, else cac:PricingExchangeRate/cbc:CalculationRate
 *   vergilerToplami, vergi      the document's cac:TaxTotal (sum of cbc:TaxAmount) and each cac:TaxSubtotal:
 *                               matrah TaxableAmount, vergiKodu TaxCategory/TaxScheme/TaxTypeCode, vergiTutari
 *                               TaxAmount, vergiOrani Percent (0 when absent)
 *   tevkifat                    each cac:WithholdingTaxTotal/cac:TaxSubtotal: TaxTypeCode (e.g. 613), TaxAmount,
 *                               Percent
 *   aliciBilgileri              cac:AccountingCustomerParty/cac:Party: the cac:PartyIdentification/cbc:ID with
 *                               schemeID VKN or TCKN; the name from cac:PartyName/cbc:Name, or cac:Person
 *                               (FirstName MiddleName FamilyName) — a TCKN prefers the person, a VKN the party name
 *   imzaZamani                  xades:SigningTime of the invoice's own XAdES signature (in ext:UBLExtensions);
 *                               the caller's `signedAt` when the invoice carries none (GİB's unsigned samples)
 * Amounts are kept as written unless they have more decimals than the report allows (2; rates 3; dövizKuru 6),
 * which are rounded half up in decimal arithmetic, never through a float.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../../faults';
import { readInvoiceFields, taxIdOf, type UblPartyFields } from '../../ubl/invoice-fields';
import { parseXml, type XmlDocument, type XmlElement } from '../../xml/parse';
import { attrValue, childrenNamed, firstChild, textContent } from '../../xml/query';
import { NS } from '../../xml/namespaces';
import { invalidField } from './errors';
import {
  EARSIV_INVOICE_TYPES,
  type EarsivInvoiceType,
  type EarsivReportInvoice,
  type EarsivReportTax,
  type EarsivReportWithholding,
  type EarsivSendingType,
} from './earsiv-report';

/** The hash of ozetDeger (see the file comment). */
export const EARSIV_DIGEST_ALGORITHM = 'sha256';

/** What the caller (the invoice's row) knows beyond the document. */
export interface EarsivLineKnown {
  /** Checked against cbc:UUID (case-insensitive) when given. */
  ettn?: string;
  /** Checked against cbc:ID when given. */
  number?: string;
  /** imzaZamani when the document carries no xades:SigningTime. */
  signedAt?: Date | string;
  /** faturaUrl (at most 255 characters); '' by default (the gateway publishes no invoice pages). */
  url?: string;
  /** gonderimSekli, overriding what the document says. */
  sendingType?: EarsivSendingType;
}

/** SHA-256 of the file, lower-case hex: the report's ozetDeger. */
export function earsivInvoiceDigest(bytes: Buffer): string {
  return createHash(EARSIV_DIGEST_ALGORITHM).update(bytes).digest('hex');
}

const { cbc: CBC, cac: CAC, ext: EXT, ds: DS, xades: XADES, inv: INV } = NS;

/** A field as the report reads it: trimmed, and absent when empty. */
function present(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function requiredField(value: string | undefined, what: string): string {
  const t = present(value);
  if (t === undefined) throw missing(what);
  return t;
}

function missing(field: string): GatewayError {
  return new GatewayError('REQUIRED_FIELD', { field });
}

/** The trimmed text of the first `path` (local names in cac/cbc, the last one cbc) under `el`, or undefined. */
function textAt(doc: XmlDocument, el: XmlElement | undefined, ...path: string[]): string | undefined {
  let cur = el;
  for (let i = 0; cur && i < path.length; i++) cur = firstChild(cur, i === path.length - 1 ? CBC : CAC, path[i]!);
  if (!cur) return undefined;
  const t = textContent(doc, cur).trim();
  return t === '' ? undefined : t;
}

function requiredText(doc: XmlDocument, el: XmlElement | undefined, what: string, ...path: string[]): string {
  const t = textAt(doc, el, ...path);
  if (t === undefined) throw missing(what);
  return t;
}

const DECIMAL_RE = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;

/** An xs:decimal with at most `digits` decimals: as written when it has no more, else rounded half up. */
export function decimalAt(value: string, digits: number, field: string): string {
  const v = value.trim();
  if (!DECIMAL_RE.test(v)) throw invalidField(field, 'ondalık sayı olmalı');
  const neg = v.startsWith('-');
  const [intPart = '', frac = ''] = v.replace(/^[+-]/, '').split('.');
  if (frac.length <= digits) return v;
  const scaled = BigInt(`${intPart || '0'}${frac.slice(0, digits)}`) + (Number(frac[digits]) >= 5 ? 1n : 0n);
  const s = scaled.toString().padStart(digits + 1, '0');
  const out = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return neg && scaled !== 0n ? `-${out}` : out;
}

/** Sum of xs:decimal strings, exactly. */
export function sumDecimals(values: readonly string[], field: string): string {
  let scale = 0;
  for (const v of values) {
    if (!DECIMAL_RE.test(v.trim())) throw invalidField(field, 'ondalık sayı olmalı');
    scale = Math.max(scale, (v.trim().split('.')[1] ?? '').length);
  }
  let total = 0n;
  for (const v of values) {
    const t = v.trim();
    const neg = t.startsWith('-');
    const [i = '', f = ''] = t.replace(/^[+-]/, '').split('.');
    const n = BigInt(`${i || '0'}${f.padEnd(scale, '0')}`);
    total += neg ? -n : n;
  }
  const neg = total < 0n;
  const s = (neg ? -total : total).toString().padStart(scale + 1, '0');
  const out = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return neg ? `-${out}` : out;
}

/** Lower case, Turkish letters folded to ASCII, everything but letters and digits dropped. */
function fold(s: string): string {
  return s
    .replace(/İ/g, 'i')
    .toLowerCase()
    .replace(/ı/g, 'i')
    .replace(/ö/g, 'o')
    .replace(/ü/g, 'u')
    .replace(/ş/g, 's')
    .replace(/ç/g, 'c')
    .replace(/ğ/g, 'g')
    .replace(/[^a-z0-9]/g, '');
}

const SENDING_TYPE_KEYS = new Set(['gonderimsekli', 'sendingtype', 'sendtype']);

/**
 * gonderimSekli as the invoice carries it. GİB's UBL-TR package has no field for it (none of its e-Arşiv samples
 * says how the invoice reached the buyer), and integrators mark it in a cac:AdditionalDocumentReference whose
 * cbc:ID or cbc:DocumentTypeCode names the field — `gonderimSekli`, `GONDERIM_SEKLI` or `SendingType` — and whose
 * cbc:DocumentType holds KAGIT or ELEKTRONIK. Any of these spellings is read; anything else, or no such reference,
 * is ELEKTRONIK: this gateway delivers e-Arşiv invoices electronically (DOMAIN.md: by e-mail, signed UBL or a link).
 */
export function sendingTypeOf(doc: XmlDocument): EarsivSendingType {
  for (const ref of childrenNamed(doc.root, CAC, 'AdditionalDocumentReference')) {
    const names = [textAt(doc, ref, 'ID'), textAt(doc, ref, 'DocumentTypeCode')].filter((x): x is string => x !== undefined).map(fold);
    if (!names.some((n) => SENDING_TYPE_KEYS.has(n))) continue;
    const value = fold(textAt(doc, ref, 'DocumentType') ?? '');
    if (value === 'kagit') return 'KAGIT';
    if (value === 'elektronik') return 'ELEKTRONIK';
  }
  return 'ELEKTRONIK';
}

/** xades:SigningTime of the invoice's own signature (inside ext:UBLExtensions), or null. */
export function invoiceSigningTime(doc: XmlDocument): Date | null {
  const exts = firstChild(doc.root, EXT, 'UBLExtensions');
  if (!exts) return null;
  const find = (el: XmlElement): XmlElement | undefined => {
    if (el.ns === XADES && el.local === 'SigningTime') return el;
    for (const c of el.children) {
      const hit = find(c);
      if (hit) return hit;
    }
    return undefined;
  };
  for (const ext of childrenNamed(exts, EXT, 'UBLExtension')) {
    const content = firstChild(ext, EXT, 'ExtensionContent');
    const sig = content && firstChild(content, DS, 'Signature');
    const st = sig && find(sig);
    if (!st) continue;
    const text = textContent(doc, st).trim();
    // xs:dateTime without a zone: GİB's tools write Turkish local time.
    const d = new Date(/(Z|[+-][0-9]{2}:[0-9]{2})$/.test(text) ? text : `${text}+03:00`);
    if (Number.isNaN(d.getTime())) throw invalidField('xades:SigningTime', `geçersiz tarih/saat: ${text.slice(0, 40)}`);
    return d;
  }
  return null;
}

function personName(party: UblPartyFields): string | undefined {
  if (!party.person) return undefined;
  const parts = [party.person.firstName, party.person.middleName, party.person.familyName].map(present).filter((x): x is string => !!x);
  return parts.length ? parts.join(' ') : undefined;
}

function receiverOf(party: UblPartyFields | undefined): EarsivReportInvoice['receiver'] {
  if (!party) throw missing('cac:AccountingCustomerParty/cac:Party');
  const id = present(taxIdOf(party)?.value);
  if (!id) throw missing('cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID[@schemeID=VKN|TCKN]');
  const partyName = present(party.name);
  const person = personName(party);
  const name = id.length === 11 ? person ?? partyName : partyName ?? person;
  if (!name) throw missing('cac:AccountingCustomerParty/cac:Party (cac:PartyName/cbc:Name veya cac:Person)');
  return { vknTckn: id, name };
}

function taxesOf(doc: XmlDocument): { taxTotal: string; taxes: EarsivReportTax[] } {
  const totals = childrenNamed(doc.root, CAC, 'TaxTotal');
  if (totals.length === 0) throw missing('cac:TaxTotal');
  const taxes: EarsivReportTax[] = [];
  const amounts: string[] = [];
  totals.forEach((total, i) => {
    amounts.push(requiredText(doc, total, `cac:TaxTotal[${i + 1}]/cbc:TaxAmount`, 'TaxAmount'));
    childrenNamed(total, CAC, 'TaxSubtotal').forEach((sub, j) => {
      const f = `cac:TaxTotal[${i + 1}]/cac:TaxSubtotal[${j + 1}]`;
      taxes.push({
        base: decimalAt(requiredText(doc, sub, `${f}/cbc:TaxableAmount`, 'TaxableAmount'), 2, `${f}/cbc:TaxableAmount`),
        code: requiredText(doc, sub, `${f}/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode`, 'TaxCategory', 'TaxScheme', 'TaxTypeCode'),
        amount: decimalAt(requiredText(doc, sub, `${f}/cbc:TaxAmount`, 'TaxAmount'), 2, `${f}/cbc:TaxAmount`),
        percent: decimalAt(textAt(doc, sub, 'Percent') ?? '0', 3, `${f}/cbc:Percent`),
      });
    });
  });
  return { taxTotal: decimalAt(sumDecimals(amounts, 'cac:TaxTotal/cbc:TaxAmount'), 2, 'cac:TaxTotal/cbc:TaxAmount'), taxes };
}

function withholdingsOf(doc: XmlDocument): EarsivReportWithholding[] {
  const out: EarsivReportWithholding[] = [];
  childrenNamed(doc.root, CAC, 'WithholdingTaxTotal').forEach((total, i) => {
    childrenNamed(total, CAC, 'TaxSubtotal').forEach((sub, j) => {
      const f = `cac:WithholdingTaxTotal[${i + 1}]/cac:TaxSubtotal[${j + 1}]`;
      out.push({
        code: requiredText(doc, sub, `${f}/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode`, 'TaxCategory', 'TaxScheme', 'TaxTypeCode'),
        amount: decimalAt(requiredText(doc, sub, `${f}/cbc:TaxAmount`, 'TaxAmount'), 2, `${f}/cbc:TaxAmount`),
        percent: decimalAt(textAt(doc, sub, 'Percent') ?? '0', 3, `${f}/cbc:Percent`),
      });
    });
  });
  return out;
}

function ytbOf(doc: XmlDocument): EarsivReportInvoice['ytb'] {
  for (const ref of childrenNamed(doc.root, CAC, 'ContractDocumentReference')) {
    const idEl = firstChild(ref, CBC, 'ID');
    if (!idEl || attrValue(idEl, 'schemeID') !== 'YTBNO') continue;
    return { number: textContent(doc, idEl).trim(), date: requiredText(doc, ref, 'cac:ContractDocumentReference/cbc:IssueDate', 'IssueDate') };
  }
  return undefined;
}

/**
 * The report line (`fatura`) of a signed e-Arşiv invoice. Throws a GatewayError naming the field when the invoice
 * cannot be reported as it is (REQUIRED_FIELD, INVOICE_TYPE_UNKNOWN, REQUEST_FIELD); the values it returns are then
 * still checked by buildEarsivReport against EArsiv.xsd's types.
 */
export function earsivReportInvoice(signedInvoice: Buffer, known: EarsivLineKnown = {}): EarsivReportInvoice {
  const doc = parseXml(signedInvoice);
  const root = doc.root;
  if (root.ns !== INV || root.local !== 'Invoice') throw new GatewayError('NOT_AN_INVOICE', { detail: `${root.qname}` });
  const f = readInvoiceFields(root);
  const profile = present(f.profileId);
  if (profile !== 'EARSIVFATURA') throw new GatewayError('PROFILE_UNKNOWN', { value: `${profile ?? ''} (e-Arşiv raporuna yalnız EARSIVFATURA girer)` });

  const ettn = requiredField(f.uuid, 'cbc:UUID');
  const number = requiredField(f.id, 'cbc:ID');
  if (known.ettn !== undefined && known.ettn.toLowerCase() !== ettn.toLowerCase()) throw invalidField('cbc:UUID', `belgedeki ETTN ${ettn}, kayıttaki ${known.ettn}`);
  if (known.number !== undefined && known.number !== number) throw invalidField('cbc:ID', `belgedeki numara ${number}, kayıttaki ${known.number}`);

  const typeCode = requiredField(f.typeCode, 'cbc:InvoiceTypeCode');
  if (!(EARSIV_INVOICE_TYPES as readonly string[]).includes(typeCode)) {
    throw new GatewayError('INVOICE_TYPE_UNKNOWN', { value: `${typeCode} (e-Arşiv raporunda (EArsiv.xsd faturaTip) karşılığı yok)` });
  }
  const ytb = ytbOf(doc);

  const issueDate = requiredField(f.issueDate, 'cbc:IssueDate');
  const issueTimeText = present(f.issueTime);
  const issueTime = issueTimeText ? /^([0-9]{2}:[0-9]{2}:[0-9]{2})/.exec(issueTimeText)?.[1] : '00:00:00';
  if (!issueTime) throw invalidField('cbc:IssueTime', `SS:DD:ss biçiminde olmalı: ${issueTimeText}`);

  const totals = f.totals;
  if (!totals) throw missing('cac:LegalMonetaryTotal');
  const money = (local: string, value: string | undefined, fallback?: string): string => {
    const t = present(value) ?? fallback;
    if (t === undefined) throw missing(`cac:LegalMonetaryTotal/cbc:${local}`);
    return decimalAt(t, 2, `cac:LegalMonetaryTotal/cbc:${local}`);
  };

  const currency = requiredField(f.currency, 'cbc:DocumentCurrencyCode').toUpperCase();
  const exchangeRate =
    currency === 'TRY'
      ? '1'
      : decimalAt(requiredText(doc, root, `cac:PricingExchangeRate/cbc:CalculationRate (${currency} faturası)`, 'PricingExchangeRate', 'CalculationRate'), 6, 'cac:PricingExchangeRate/cbc:CalculationRate');

  let signedAt: Date | string | null = invoiceSigningTime(doc);
  if (!signedAt) {
    if (known.signedAt === undefined) throw missing('ext:UBLExtensions/…/xades:SigningTime (imza zamanı)');
    signedAt = known.signedAt;
  }

  const { taxTotal, taxes } = taxesOf(doc);
  const withholdings = withholdingsOf(doc);
  return {
    ettn,
    number,
    type: typeCode as EarsivInvoiceType,
    ...(ytb ? { ytb } : {}),
    sendingType: known.sendingType ?? sendingTypeOf(doc),
    fileName: `${ettn}.xml`,
    digest: earsivInvoiceDigest(signedInvoice),
    issueDate,
    issueTime,
    total: money('LineExtensionAmount', totals.lineExtension),
    discount: money('AllowanceTotalAmount', totals.allowanceTotal, '0'),
    payable: money('PayableAmount', totals.payable),
    currency,
    exchangeRate,
    url: known.url ?? '',
    taxTotal,
    taxes,
    ...(withholdings.length ? { withholdings } : {}),
    receiver: receiverOf(f.customer.party),
    signedAt,
  };
}
