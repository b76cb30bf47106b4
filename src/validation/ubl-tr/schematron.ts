/**
 * The rest of GİB's invoice schematron (e-fatura-paketi/schematron/UBL-TR_Main_Schematron.xml, pattern "invoice",
 * and the general rules; assertions in UBL-TR_Common_Schematron.xml, code lists read from UBL-TR_Codelist.xml),
 * evaluated natively on the parsed tree: GİB runs these as XSLT, which costs 25–60 ms per invoice and grows with
 * the square of the line count; here they cost microseconds. Like GİB's report, every failed assertion is listed
 * (UBL_RULE, GİB's 1150 SCHEMATRON KONTROL SONUCU HATALI: each with the rule's id, the element and GİB's own text).
 *
 * Rules already enforced with their own fault by rules.ts (version, profile, type, number, UUID, parties, VKN/TCKN,
 * issue date) are not repeated here. Envelope-dependent assertions ($senderId, $receiverAlias…) hold when there is
 * no envelope, as for an invoice the gateway has not enveloped yet. The cac:Signature block and the XAdES
 * signature are checked only when the sender signed the invoice: otherwise the gateway's signer writes both
 * (src/signing/xades.ts). XPath semantics are kept: `a = 'x'` is true when any node matches, `a != 'x'` when any
 * node differs, concat() takes the first node, values are compared exactly as written.
 *
 * test/validation/schematron.test.ts compares the verdicts with GİB's schematron run by Saxon on every sample and
 * on targeted variants of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { failedChecksError, type FailedCheck } from '../../faults';
import { parseXml, type XmlElement } from '../../xml/parse';
import { qname } from '../../xml/query';
import * as NS from './names';

// Local copies: imported bindings are property reads on every use, and these sit in the hottest loops.
const CAC = NS.CAC;
const CBC = NS.CBC;
const DS = NS.DS;
const XSI = NS.XSI;
const PREFIXES: Record<string, string> = { cac: NS.CAC, cbc: NS.CBC, ext: NS.EXT, ds: NS.DS, xades: NS.XADES };

/** GİB's code lists: the raw ",A,B," strings, and sets of their codes for fast lookups. */
export interface CodeLists {
  readonly raw: ReadonlyMap<string, string>;
  readonly sets: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Reads every `<sch:let name=… value="',A,B,'"/>` of UBL-TR_Codelist.xml. */
export function loadCodeLists(schematronDir: string): CodeLists {
  const file = path.join(schematronDir, 'UBL-TR_Codelist.xml');
  const doc = parseXml(fs.readFileSync(file));
  const lists = new Map<string, string>();
  const walk = (el: XmlElement): void => {
    if (el.local === 'let') {
      const name = el.attrs.find((a) => a.local === 'name')?.value;
      const value = el.attrs.find((a) => a.local === 'value')?.value;
      if (name && value && value.startsWith("'") && value.endsWith("'")) lists.set(name, value.slice(1, -1));
    }
    el.children.forEach(walk);
  };
  walk(doc.root);
  for (const needed of ['CurrencyCodeList', 'UnitCodeList', 'TaxType', 'WithholdingTaxType', 'PartyIdentificationIDType', 'CountryCodeList']) {
    if (!lists.has(needed)) throw new Error(`${file}: code list ${needed} not found`);
  }
  const sets = new Map<string, ReadonlySet<string>>();
  for (const [name, value] of lists) sets.set(name, new Set(value.split(',').filter((c) => c !== '')));
  return { raw: lists, sets };
}

const PAYMENT_IBAN = /^TR\d{7}[A-Z0-9]{17}$/;
/** decimalCheck: at most 17 digits before the point (optionally grouped by commas), at most 2 after. */
const DECIMAL_2 = /^[ \t\n\r]*[0-9][0-9]{0,16}(,[0-9]{3})*(\.[0-9]{1,2}[ \t\n\r]*)?[ \t\n\r]*$/;
const RATE_6 = /^[ \t\n\r]*[0-9][0-9]{0,16}(,[0-9]{3})*(\.[0-9]{1,6}[ \t\n\r]*)?[ \t\n\r]*$/;

// --- node-set helpers with XPath meaning ---

export function kids(el: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  if (!el) return [];
  const out: XmlElement[] = [];
  for (const k of el.children) if (k.local === local && k.ns === ns) out.push(k);
  return out;
}

const compiledPaths = new Map<string, Array<[string, string]>>();

function compilePath(steps: string): Array<[string, string]> {
  let c = compiledPaths.get(steps);
  if (!c) {
    c = steps.split('/').map((step) => {
      const [prefix, local] = step.split(':') as [string, string];
      return [PREFIXES[prefix] ?? '', local];
    });
    compiledPaths.set(steps, c);
  }
  return c;
}

/** Nodes at a relative path like "cac:Party/cac:PartyIdentification/cbc:ID" from every start node. */
export function at(from: XmlElement | XmlElement[] | undefined, steps: string): XmlElement[] {
  let set: readonly XmlElement[] = from === undefined ? [] : Array.isArray(from) ? from : [from];
  for (const [ns, local] of compilePath(steps)) {
    const next: XmlElement[] = [];
    for (let i = 0; i < set.length; i++) {
      const kids = set[i]!.children;
      for (let j = 0; j < kids.length; j++) {
        const k = kids[j]!;
        if (k.local === local && k.ns === ns) next.push(k);
      }
    }
    set = next;
  }
  return set as XmlElement[];
}

export function str(el: XmlElement | undefined): string {
  if (!el) return '';
  if (el.children.length === 0) return el.text;
  let s = '';
  for (const k of el.children) s += str(k);
  return s;
}

/** string(first node) */
export function first(set: XmlElement[]): string {
  return set.length > 0 ? str(set[0]) : '';
}

export function normalizeSpace(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}

export function attr(el: XmlElement, local: string, ns = ''): string | undefined {
  for (const a of el.attrs) if (a.local === local && a.ns === ns) return a.value;
  return undefined;
}

/** `set = value`: some node's string value equals it. */
export function anyEq(set: XmlElement[], value: string): boolean {
  return set.some((n) => str(n) === value);
}

/** XPath number(): NaN unless the whole (trimmed) string is a number. */
function num(s: string): number {
  const t = s.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
}

/** contains($List, concat(',', value, ',')); a value with a comma can only match the raw string. */
export function inCodeList(lists: CodeLists, list: string, value: string): boolean {
  if (value.indexOf(',') === -1) return value !== '' && (lists.sets.get(list)?.has(value) ?? false);
  return (lists.raw.get(list) ?? '').includes(`,${value},`);
}

/** An assertion: recorded as failed (rule, GİB's text, where) unless `ok`. */
export type Assert = (ok: boolean, rule: string, message: string, where?: string) => void;

/**
 * The general rules of UBL-TR_Main_Schematron.xml (outside any pattern) on every element from `el` down: country,
 * currency, unit, channel and MIME codes. They apply to every document GİB checks (invoices, application responses).
 */
export function generalRules(root: XmlElement, lists: CodeLists, assert: Assert): void {
  // One walker per call: a closure made per element costs more than the checks (300,000 elements in 10,000 lines).
  const walk = (el: XmlElement): void => {
    // The texts are built only for a failure: a 10,000-line invoice has 100,000 currencyID attributes.
    for (const a of el.attrs) {
      if (a.ns !== '') continue;
      if (a.local === 'currencyID') {
        if (!inCodeList(lists, 'CurrencyCodeList', a.value)) assert(false, 'GeneralCurrencyIDCheck', `Geçersiz currencyID niteliği : '${a.value}'. Geçerli değerler için kod listesine bakınız.`, el.local);
      } else if (a.local === 'unitCode') {
        if (!inCodeList(lists, 'UnitCodeList', a.value)) assert(false, 'GeneralUnitCodeCheck', `Geçersiz unitCode niteliği : '${a.value}'. Geçerli değerler için kod listesine bakınız.`, el.local);
      } else if (a.local === 'mimeCode') {
        if (!inCodeList(lists, 'MimeCodeList', a.value)) assert(false, 'MimeCodeCheck', `Geçersiz mimeCode niteliği : '${a.value}'. Geçerli değerler için kod listesine bakınız.`, el.local);
      }
    }
    const kids = el.children;
    if (kids.length === 0) {
      if (el.ns !== CBC) return;
      switch (el.local) {
        case 'IdentificationCode':
          assert(inCodeList(lists, 'CountryCodeList', el.text), 'CountryCodeCheck', `Geçersiz ${qname(el)} elemanı değeri:${el.text} Geçerli değerler için kod listesine bakınız.`);
          break;
        case 'SourceCurrencyCode':
        case 'TargetCurrencyCode':
        case 'CurrencyCode':
          assert(inCodeList(lists, 'CurrencyCodeList', el.text), 'GeneralCurrencyCodeCheck', `Geçersiz ${qname(el)} elemanı değeri:${el.text} Geçerli değerler için kod listesine bakınız.`);
          break;
        case 'ChannelCode':
          assert(inCodeList(lists, 'ChannelCodeList', el.text), 'GeneralChannelCodeCheck', `Geçersiz ${qname(el)} elemanı değeri:${el.text} Geçerli değerler için kod listesine bakınız.`);
          break;
      }
      return;
    }
    for (let i = 0; i < kids.length; i++) walk(kids[i]!);
  };
  walk(root);
}

/** GİB's schematron lists every failed assertion; a pathological document is held to this many. */
export const MAX_FAILURES = 100;

export interface SchematronContext {
  /** EARSIVFATURA (the schematron run with type=earchive). */
  earsiv: boolean;
  /** The sender signed the invoice (ds:Signature present): check it and cac:Signature as GİB will. */
  signed: boolean;
}

export class SchematronChecks {
  constructor(private readonly lists: CodeLists) {}

  /** Every assertion that fails, in document order of the checks (empty when all hold). */
  failures(root: XmlElement, ctx: SchematronContext): FailedCheck[] {
    const run = new Run(root, this.lists, ctx);
    run.all();
    return run.failed;
  }

  /** Throws UBL_RULE (GİB's 1150) listing every assertion that fails, as GİB's schematron report does. */
  check(root: XmlElement, ctx: SchematronContext): void {
    const failed = this.failures(root, ctx);
    if (failed.length > 0) throw failedChecksError(failed);
  }
}

class Run {
  private readonly profile: string;
  private readonly type: string;

  constructor(private readonly inv: XmlElement, private readonly lists: CodeLists, private readonly ctx: SchematronContext) {
    this.profile = first(kids(inv, CBC, 'ProfileID'));
    this.type = first(kids(inv, CBC, 'InvoiceTypeCode'));
  }

  readonly failed: FailedCheck[] = [];

  private assert(ok: boolean, rule: string, message: string, where = ''): void {
    if (!ok && this.failed.length < MAX_FAILURES) this.failed.push({ code: 1150, name: 'UBL_RULE', rule, path: where, message });
  }

  private inList(list: string, value: string): boolean {
    return inCodeList(this.lists, list, value);
  }

  private typeIn(...types: string[]): boolean {
    return types.includes(this.type);
  }

  all(): void {
    if (this.ctx.signed) this.signatures();
    this.invoiceLevel();
    if (this.ctx.signed) for (const s of kids(this.inv, CAC, 'Signature')) this.signatureBlock(s);
    this.withholding(kids(this.inv, CAC, 'WithholdingTaxTotal'), 'cac:WithholdingTaxTotal');
    this.parties();
    this.taxes();
    this.lines();
    this.totals();
    this.paymentAndReferences();
    this.profileRules();
    this.buyer();
    generalRules(this.inv, this.lists, (ok, rule, message, where) => this.assert(ok, rule, message, where));
  }

  // --- ds:Signature in the UBLExtensions (XadesSignatureCheckForInvoice, SignatureMethodCheck, X509…, Transform…)
  private signatures(): void {
    for (const sig of at(this.inv, 'ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/ds:Signature')) {
      const R = 'XadesSignatureCheckForInvoice';
      this.assert(at(sig, 'ds:SignedInfo/ds:Reference/ds:Transforms').length > 0, R, 'ds:SignedInfo/ds:Reference/ds:Transforms elemanı zorunlu bir elemandır.');
      const keyInfo = kids(sig, DS, 'KeyInfo');
      this.assert(keyInfo.length > 0, R, 'ds:KeyInfo elemanı zorunlu bir elemandır.');
      this.assert(keyInfo.length === 0 || at(keyInfo, 'ds:X509Data').length > 0, R, 'ds:KeyInfo elemanı içerisindeki ds:X509Data elemanı zorunlu bir elemandır.');
      const object = kids(sig, DS, 'Object');
      this.assert(object.length > 0, R, 'ds:Object elemanı zorunlu bir elemandır.');
      const ssp = at(object, 'xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties');
      this.assert(object.length === 0 || at(ssp, 'xades:SigningTime').length > 0, R, 'xades:SigningTime elemanı zorunlu bir elemandır.');
      this.assert(object.length === 0 || at(ssp, 'xades:SigningCertificate').length > 0, R, 'xades:SigningCertificate elemanı zorunlu bir elemandır');
      const refs = at(sig, 'ds:SignedInfo/ds:Reference');
      this.assert(refs.filter((r) => attr(r, 'URI') === '').length === 1, R, 'ds:SignedInfo elamanı içerisinde URI niteliği boşluğa("") eşit olan sadece bir tane ds:Reference elemanı bulunmaldır.');
      const algs = at(sig, 'ds:SignedInfo/ds:SignatureMethod').map((m) => attr(m, 'Algorithm')).filter((a): a is string => a !== undefined);
      this.assert(algs.some((a) => a !== 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'), 'SignatureMethodCheck', 'ds:SignatureMethod alanının Algorithm niteliği "http://www.w3.org/2000/09/xmldsig#rsa-sha1" olmamalıdır.');
      for (const x of at(keyInfo, 'ds:X509Data')) {
        this.assert(kids(x, DS, 'X509Certificate').length > 0, 'X509DataCheck', 'ds:X509Data elemanı içerisindeki ds:X509Certificate elemanı zorunlu bir elemandır.');
        for (const sn of kids(x, DS, 'X509SubjectName')) {
          this.assert(normalizeSpace(str(sn)) !== '', 'X509SubjectNameCheck', 'ds:X509SubjectName elemanının değeri boşluk olmamalıdır.');
        }
      }
      for (const t of at(sig, 'ds:SignedInfo/ds:Reference/ds:Transforms')) {
        this.assert(kids(t, DS, 'Transform').length <= 1, 'TransformCountCheck', 'ds:Transforms elemanı içerisinde en fazla bir tane ds:Transform elemanı bulunmalıdır.');
      }
    }
  }

  // --- inv:Invoice itself
  private invoiceLevel(): void {
    const inv = this.inv;
    const loc = attr(inv, 'schemaLocation', XSI);
    this.assert(loc === undefined || loc.includes('UBL-Invoice-2.1.xsd'), 'ProfileIDCheck', "Invoice alanın xsi:schemaLocation özeliği 'UBL-Invoice-2.1.xsd' olmalıdır");
    this.assert(anyEq(kids(inv, CBC, 'CopyIndicator'), 'false'), 'CopyIndicatorCheck', "Geçersiz cbc:CopyIndicator elemanı değeri. cbc:CopyIndicator elemanı 'false' değerine eşit olmalıdır.");

    // CurrencyCodeCheck
    const doc = first(kids(inv, CBC, 'DocumentCurrencyCode'));
    this.assert(this.inList('CurrencyCodeList', doc), 'CurrencyCodeCheck', 'Geçersiz cbc:DocumentCurrencyCode elemanı değeri. Geçerli değerler için kod listesine bakınız.');
    const otherCodes: Array<[string, string]> = [
      ['TaxCurrencyCode', 'Geçersiz cbc:TaxCurrencyCode elemanı değeri. Geçerli değerler için kod listesine bakınız.'],
      ['PricingCurrencyCode', 'Geçersiz cbc:PricingCurrencyCode elemanı değeri. Geçerli değerler için kod listesine bakınız.'],
      ['PaymentCurrencyCode', 'Geçersiz cbc:PaymentCurrencyCode elemanı değeri. Geçerli değerler için kod listesine bakınız.'],
      ['PaymentAlternativeCurrencyCode', 'Geçersiz cbc:PaymentAlternativeCurrencyCode elemanı değeri. Geçerli değerler için kod listesine bakınız.'],
    ];
    for (const [f, text] of otherCodes) {
      const el = kids(inv, CBC, f);
      if (el.length > 0) this.assert(this.inList('CurrencyCodeList', first(el)), 'CurrencyCodeCheck', text);
    }
    const docCodes = kids(inv, CBC, 'DocumentCurrencyCode');
    const notTry = docCodes.some((c) => str(c) !== 'TRY');
    const rate = at(inv, 'cac:PricingExchangeRate/cbc:CalculationRate');
    this.assert(!notTry || rate.length > 0, 'CurrencyCodeCheck', 'Para birimi TRY olmayan belgelerde kur bilgisi zorunludur.');
    this.assert(!notTry || rate.length === 0 || RATE_6.test(first(rate)), 'CurrencyCodeCheck',
      'Geçersiz cac:PricingExchangeRate/cbc:CalculationRate elemanı değeri. cac:PricingExchangeRate/cbc:CalculationRate elemanı noktadan önce en fazla 15 , noktadan sonra(kuruş) en fazla 6 haneli olmalıdır.');

    this.assert(kids(inv, CAC, 'Signature').length <= 1, 'SignatureCountCheck', 'En fazla bir tane cac:Signature elemanı bulunmalıdır.');

    // GeneralWithholdingTaxTotalCheck
    this.assert(kids(inv, CAC, 'WithholdingTaxTotal').length === 0 || this.typeIn('TEVKIFAT', 'YTBTEVKIFAT', 'IADE', 'YTBIADE', 'SGK', 'SARJ', 'SARJANLIK'),
      'GeneralWithholdingTaxTotalCheck', `Uyumsuz fatura tipi: '${this.type}'. cac:WithholdingTaxTotal elamanı varken fatura tipi TEVKIFAT,YTBTEVKIFAT,IADE,YTBIADE,SGK,SARJ ve SARJANLIK olabilir.`);
    const has4171 = at(inv, 'cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode').some((c) => c.text === '4171');
    this.assert(!has4171 || this.typeIn('TEVKIFAT', 'IADE', 'SGK', 'YTBIADE'), 'GeneralWithholdingTaxTotalCheck',
      `Uyumsuz fatura tipi: '${this.type}'. cbc:TaxTypeCode değeri 4171 ise fatura tipi TEVKIFAT,IADE, YTBIADE veya SGK olabilir`);

    this.deliveryCodes(inv, '');

    // TaxRepresentativePartyCheck
    if (this.profile === 'YOLCUBERABERFATURA') {
      const ids = at(inv, 'cac:TaxRepresentativeParty/cac:PartyIdentification/cbc:ID');
      const len = (n: XmlElement): number => normalizeSpace(str(n)).length;
      this.assert(ids.filter((i) => attr(i, 'schemeID') === 'ARACIKURUMVKN' && (len(i) === 10 || len(i) === 11)).length === 1, 'TaxRepresentativePartyCheck',
        "cbc:ProfileID elemanının değeri YOLCUBERABERFATURA iken, cac:TaxRepresentativeParty/cac:PartyIdentification elemanı schemeID niteliği değeri 'ARACIKURUMVKN' olan ve değeri geçerli bir vkn/tckn olan bir tane cbc:ID elemanı içermelidir.");
      this.assert(ids.filter((i) => attr(i, 'schemeID') === 'ARACIKURUMETIKET' && len(i) > 0).length === 1, 'TaxRepresentativePartyCheck',
        "cbc:ProfileID elemanının değeri YOLCUBERABERFATURA iken, cac:TaxRepresentativeParty/cac:PartyIdentification elemanı schemeID niteliği değeri 'ARACIKURUMETIKET' olan ve değeri boş olmayan bir tane cbc:ID elemanı içermelidir.");
    }

    const lines = kids(inv, CAC, 'InvoiceLine');
    // HKSInvioceCheck
    if (this.profile === 'HKS') {
      const withKunye = at(lines, 'cac:Item/cac:AdditionalItemIdentification/cbc:ID').filter((i) => attr(i, 'schemeID') === 'KUNYENO' && normalizeSpace(str(i)).length === 19).length;
      this.assert(withKunye === lines.length, 'HKSInvioceCheck', "ProfileID='HKS' iken, her cac:InvoiceLine elemanı 19 karakterli 'KUNYENO' içermelidir.");
    }
    // IADEInvioceCheck
    if (this.typeIn('TEVKIFATIADE', 'IADE', 'YTBIADE', 'YTBTEVKIFATIADE')) {
      const refs = at(inv, 'cac:BillingReference/cac:InvoiceDocumentReference');
      const good = refs.filter((r) => (anyEq(kids(r, CBC, 'DocumentTypeCode'), 'İADE') || anyEq(kids(r, CBC, 'DocumentTypeCode'), 'IADE')) && normalizeSpace(first(kids(r, CBC, 'ID'))).length === 16);
      this.assert(refs.length > 0 && good.length === refs.length, 'IADEInvioceCheck',
        'IADE, TEVKIFATIADE ve YTBIADE fatura tiplerinde iade bilgilerini içeren cbc:DocumentTypeCode değeri IADE ve 16 haneli ID değeri olan iade fatura sayısı kadar cac:BillingReference/cac:InvoiceDocumentReference elemanı içermelidir.');
    }
    if (this.profile === 'ILAC_TIBBICIHAZ') {
      this.assert(this.typeIn('SATIS', 'ISTISNA', 'TEVKIFAT', 'TEVKIFATIADE', 'IADE', 'IHRACKAYITLI'), 'IlacTibbiCihazInvoiceTypeCodeCheck',
        'ILAC_TIBBICIHAZ Fatura senaryosunda fatura tipi “SATIS”, “ISTISNA” “TEVKIFAT”, “TEVKIFATIADE”, “IADE” ve “IHRACKAYITLI” tiplerinden biri olmalıdır.');
    }
    if (this.profile === 'YATIRIMTESVIK') {
      this.assert(this.typeIn('SATIS', 'ISTISNA', 'IADE', 'TEVKIFAT', 'TEVKIFATIADE'), 'YatirimTesvikInvoiceTypeCodeCheck',
        'Yatırım Teşvik Faturasında fatura tipi “SATIS”, “ISTISNA” , “IADE” , "TEVKIFAT" ve "TEVKIFATIADE" tiplerinden biri olmalıdır.');
    }
    if (this.ytb()) {
      const contracts = kids(inv, CAC, 'ContractDocumentReference');
      const ytbNo = at(contracts, 'cbc:ID').filter((i) => attr(i, 'schemeID') === 'YTBNO');
      const v = first(ytbNo);
      this.assert(contracts.length === 1 && ytbNo.length > 0 && v.length === 6 && /^[0-9]*$/.test(v), 'YatirimTesvikContractDocumentReferenceIDCheck',
        'Yatırım Teşvik Faturasında 6 Haneli Yatırım Teşvik Numarası olmalıdır.');
    }
    if (this.profile === 'IDIS') {
      this.assert(this.typeIn('SATIS', 'ISTISNA', 'IADE', 'TEVKIFAT', 'TEVKIFATIADE', 'IHRACKAYITLI'), 'IdisInvoiceTypeCodeCheck',
        'IDIS fatura senaryosunda fatura tipi SATIS, ISTISNA, IADE, TEVKIFAT, TEVKIFATIADE ve IHRACKAYITLI tiplerinden biri olmalıdır.');
    }
  }

  /** YATIRIMTESVIK, or an e-Arşiv invoice of a YTB type (YatirimTesvikEArsivInvoiceTypeCodeList). */
  private ytb(): boolean {
    return this.profile === 'YATIRIMTESVIK' || (this.profile === 'EARSIVFATURA' && this.inList('YatirimTesvikEArsivInvoiceTypeCodeList', this.type));
  }

  /** DeliveryCodeCheck, in the invoice's or a line's context. */
  private deliveryCodes(el: XmlElement, where: string): void {
    const terms = at(el, 'cac:Delivery/cac:DeliveryTerms/cbc:ID');
    if (terms.some((t) => attr(t, 'schemeID') === 'INCOTERMS')) {
      this.assert(this.inList('DeliveryTermCodeList', first(terms)), 'DeliveryCodeCheck', `cbc:ProfileID elemanının değeri IHRACAT iken, schemeID niteliği INCOTERMS olan Geçersiz cac:Delivery/cac:DeliveryTerms/cbc:ID değeri : '${first(terms)}' Geçerli değerler için kod listesine bakınız.`, where);
    }
    const pack = at(el, 'cac:Delivery/cac:Shipment/cac:TransportHandlingUnit/cac:ActualPackage/cbc:PackagingTypeCode');
    if (pack.length > 0) this.assert(this.inList('PackageTypeCodeList', first(pack)), 'DeliveryCodeCheck', `Geçersiz : cbc:PackagingTypeCode değeri : '${first(pack)}' Geçerli değerler için kod listesine bakınız.`, where);
    const mode = at(el, 'cac:Delivery/cac:Shipment/cac:ShipmentStage/cbc:TransportModeCode');
    if (mode.length > 0) this.assert(this.inList('TransportModeCodeList', first(mode)), 'DeliveryCodeCheck', `Geçersiz cbc:TransportModeCode : '${first(mode)}' Geçerli değerler için kod listesine bakınız.`, where);
  }

  /** SignatureCheck and SignatoryPartyPartyIdentificationCheck on cac:Signature (a signed invoice's). */
  private signatureBlock(s: XmlElement): void {
    const ids = kids(s, CBC, 'ID');
    this.assert(ids.some((i) => attr(i, 'schemeID') === 'VKN_TCKN'), 'SignatureCheck', "cac:Signature elemanı içerisindeki cbc:ID elemanının schemeID niteliği değeri 'VKN_TCKN' olmalıdır.");
    const len = first(ids).length;
    this.assert(len === 10 || len === 11, 'SignatureCheck', "schemeID niteliği 'VKN_TCKN' ye eşit olan elemanın uzunluğu vergi kimlik numarası için 10 karakter TC kimlik numrası için 11 karakter olmalıdır.");
    for (const sp of kids(s, CAC, 'SignatoryParty')) {
      const pids = at(sp, 'cac:PartyIdentification/cbc:ID');
      this.assert(pids.some((i) => attr(i, 'schemeID') === 'TCKN' || attr(i, 'schemeID') === 'VKN'), 'SignatoryPartyPartyIdentificationCheck',
        "cac:SignatoryParty alanı schemeID niteliği değeri 'VKN' veya 'TCKN' olan en az bir cac:PartyIdentification/cbc:ID elemanı içermelidir.");
    }
  }

  /** WithholdingTaxTotalCheck on each TaxSubtotal. */
  private withholding(totals: XmlElement[], where: string): void {
    for (const st of at(totals, 'cac:TaxSubtotal')) {
      const code = at(st, 'cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode');
      const percent = kids(st, CBC, 'Percent');
      const R = 'WithholdingTaxTotalCheck';
      this.assert(normalizeSpace(first(code)) !== '' && normalizeSpace(first(percent)) !== '', R,
        'cac:WithholdingTaxTotal elemanı geçerli ve boş değer içermeyen cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode ve cac:TaxSubtotal/cbc:Percent elemanlarına sahip olmalıdır.', where);
      this.assert(this.inList('WithholdingTaxType', first(code)), R, `Geçersiz cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode elemanı : '${first(code)}'. Geçerli değerler için kod listesine bakınız.`, where);
      this.assert(this.inList('WithholdingTaxTypeWithPercent', first(code) + first(percent)), R,
        `Uyumsuz vergi tipi yüzdesi: '${first(code)}' vergi tipinin yüzdesi '${first(percent)}' olamaz`, where);
    }
  }

  // --- AccountingSupplierParty / AccountingCustomerParty
  private parties(): void {
    for (const role of ['AccountingSupplierParty', 'AccountingCustomerParty'] as const) {
      const party = at(this.inv, `cac:${role}/cac:Party`);
      for (const pi of at(party, 'cac:PartyIdentification')) {
        for (const id of kids(pi, CBC, 'ID')) {
          const scheme = attr(id, 'schemeID') ?? '';
          this.assert(this.inList('PartyIdentificationIDType', scheme), 'PartyIdentificationSchemeIDCheck', `Geçersiz schemeID niteliği : '${scheme}'. Geçerli değerler için kod listesine bakınız.`, `cac:${role}`);
        }
        if (role === 'AccountingCustomerParty') {
          const ids = kids(pi, CBC, 'ID');
          this.assert(this.type !== 'TEKNOLOJIDESTEK' || ids.some((i) => attr(i, 'schemeID') === 'TCKN'), 'PartyIdentificationTEKNOLOJIDESTEKCheck',
            'TEKNOLOJIDESTEK fatura tipinde alıcı kimlik numarası TCKN olmalıdır.');
          this.assert(!anyEq(ids, '1460415308') || ['YOLCUBERABERFATURA', 'IHRACAT', 'OZELFATURA', 'KAMU'].includes(this.profile), 'TaxFreeInvoiceCheck',
            "1460415308 vergi Numaralı mükellefe (GÜMRÜK VE TİCARET BAKANLIĞI BİLGİ İŞLEMDAİRESİ BAŞKANLIĞI) yollanan fatura senaryosu 'YOLCUBERABERFATURA' veya IHRACAT olabilir");
        }
      }
      if (role === 'AccountingSupplierParty') {
        for (const p of party) {
          if (this.profile === 'IHRACAT') {
            this.assert(normalizeSpace(first(at(p, 'cac:PartyTaxScheme/cac:TaxScheme/cbc:Name'))) !== '', 'PartyVDCheck',
              'cbc:ProfileID elemanının değeri IHRACAT iken, cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cac:TaxScheme/cbc:Name elamanı dolu olmalıdır.');
          }
          if (this.profile === 'IDIS') {
            const ok = at(p, 'cac:PartyIdentification/cbc:ID').some((i) => {
              const v = str(i);
              return attr(i, 'schemeID') === 'SEVKIYATNO' && v.startsWith('SE-') && v.length === 10 && /^[0-9]*$/.test(v.slice(3));
            });
            this.assert(ok, 'IdisSevkiyatNoCheck', 'Sevkiyat Numarası değeri SE-0000000 formatında girilmelidir.');
          }
        }
      }
    }
  }

  // --- document-level taxes
  private taxes(): void {
    const inv = this.inv;
    for (const code of at(inv, 'cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode')) {
      this.assert(this.inList('TaxType', str(code)), 'TaxTypeCheck', `Geçersiz cbc:TaxTypeCode değeri : '${str(code)}'. Geçerli değerler için kod listesine bakınız.`);
    }
    const exemptTypes = ['IADE', 'YTBIADE', 'IHRACKAYITLI', 'OZELMATRAH', 'SGK', 'KONAKLAMAVERGISI'];
    for (const st of at(inv, 'cac:TaxTotal/cac:TaxSubtotal')) {
      const zero = kids(st, CBC, 'TaxAmount').some((t) => num(str(t)) === 0);
      const kdv = anyEq(at(st, 'cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode'), '0015');
      this.assert(this.typeIn(...exemptTypes) || !zero || !kdv || normalizeSpace(first(at(st, 'cac:TaxCategory/cbc:TaxExemptionReason'))).length > 0,
        'TaxExemptionReasonCheck', 'Vergi miktarı 0 olan 0015 vergi kodlu KDV için cbc:TaxExemptionReason(vergi istisna muhafiyet sebebi) elemanı bulunmalıdır ve boş değer içermemelidir.');
    }
    for (const tt of kids(inv, CAC, 'TaxTotal')) this.taxTotalRules(tt);
    for (const cat of at(inv, 'cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory')) this.exemptionCodes(cat);
  }

  /** YatirimTesvikKDVCheck and DemirbasKDVTaxExemptionCheck on a document TaxTotal. */
  private taxTotalRules(tt: XmlElement): void {
    const subs = kids(tt, CAC, 'TaxSubtotal');
    const kdvSubs = subs.filter((s) => anyEq(at(s, 'cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode'), '0015'));
    const iade = this.typeIn('IADE', 'TEVKIFATIADE', 'YTBIADE', 'YTBTEVKIFATIADE');
    if (this.ytb() && !iade) {
      const positive = kdvSubs.filter((s) => kids(s, CBC, 'TaxAmount').some((t) => num(str(t)) > 0) && kids(s, CBC, 'Percent').some((p) => num(str(p)) > 0));
      this.assert(positive.length === kdvSubs.length && positive.length > 0, 'YatirimTesvikKDVCheck', 'Yatırım Teşvik Faturasında KDV Oranı ve Değeri girilmelidir.');
    }
    const has555 = at(subs, 'cac:TaxCategory/cbc:TaxExemptionReasonCode').some((c) => num(str(c)) === 555);
    if (has555) {
      const p = this.profile;
      const notAllowed = !(p === 'TEMELFATURA' || p === 'TICARIFATURA' || p === 'EARSIVFATURA') || this.typeIn('ISTISNA', 'IHRACKAYITLI') || (p === 'EARSIVFATURA' && this.type.startsWith('YTB'));
      this.assert(!notAllowed, 'DemirbasKDVTaxExemptionCheck', `${p} senaryolu ${this.type} fatura tipinde '555' vergi muafiyet kodu kullanılamaz.`);
    }
    const has555s = at(subs, 'cac:TaxCategory/cbc:TaxExemptionReasonCode').some((c) => str(c) === '555');
    if (has555s) {
      const zeroKdv = (s: XmlElement): boolean =>
        anyEq(at(s, 'cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode'), '0015') &&
        (kids(s, CBC, 'Percent').some((x) => num(str(x)) === 0) || kids(s, CBC, 'TaxAmount').some((x) => num(str(x)) === 0));
      const lineZero = at(this.inv, 'cac:InvoiceLine/cac:TaxTotal/cac:TaxSubtotal').some(zeroKdv);
      this.assert(!lineZero && !subs.some(zeroKdv), 'DemirbasKDVTaxExemptionCheck', 'Vergi istisna muafiyet kodu 555 olduğu durumda KDV 0 geçilemez.');
    }
  }

  /** TaxExemptionReasonCodeCheck on a document TaxSubtotal/TaxCategory. */
  private exemptionCodes(cat: XmlElement): void {
    const R = 'TaxExemptionReasonCodeCheck';
    const reason = kids(cat, CBC, 'TaxExemptionReason');
    const codeEls = kids(cat, CBC, 'TaxExemptionReasonCode');
    const code = first(codeEls);
    if (reason.length > 0) {
      this.assert(normalizeSpace(first(reason)).length > 0, R, 'cbc:TaxExemptionReason(vergi istisna muhafiyet sebebi) elemanı boş değer içermemelidir.');
      this.assert(normalizeSpace(code).length !== 0 && this.inList('TaxExemptionReasonCodeType', code), R,
        `Geçersiz cbc:TaxExemptionReasonCode niteliği : '${code}' cbc:TaxExemptionReason(vergi istisna muhafiyet sebebi) elemanı varken cbc:TaxExemptionReasonCode elamanı dolu ve geçerli bir değer olmalıdır. Geçerli değerler için kod listesine bakınız.`);
    }
    // `cbc:TaxExemptionReasonCode != 555`: true when some code (as a number) differs from 555.
    const not555 = codeEls.some((c) => num(str(c)) !== 555);
    if (not555 && this.inList('istisnaTaxExemptionReasonCodeType', code)) {
      this.assert(this.typeIn('ISTISNA', 'IADE', 'IHRACKAYITLI', 'SGK', 'YTBISTISNA', 'YTBIADE'), R,
        `Uyumsuz fatura tipi: '${this.type}'. Vergi istisna muhafiyet kodu : '${code}' için fatura tipi ISTISNA,IADE,IHRACKAYITLI,SGK,YTBIADE veya YTBISTISNA olabilir.`);
    }
    if (this.inList('ozelMatrahTaxExemptionReasonCodeType', code)) {
      this.assert(this.typeIn('OZELMATRAH', 'IADE', 'SGK'), R, `Uyumsuz fatura tipi: '${this.type}'. Vergi istisna muhafiyet kodu : '${code}' için fatura tipi OZELMATRAH,IADE veya SGK olabilir.`);
    }
    if (this.inList('ihracExemptionReasonCodeType', code)) {
      this.assert(this.typeIn('IHRACKAYITLI', 'IADE', 'SGK'), R, `Uyumsuz fatura tipi: '${this.type}'. Vergi istisna muhafiyet kodu : '${code}' için fatura tipi IHRACKAYITLI,IADE veya SGK olabilir.`);
    }
    if (this.type === 'IHRACKAYITLI' && codeEls.some((c) => str(c) === '702')) {
      const lines = kids(this.inv, CAC, 'InvoiceLine');
      const ok = at(lines, 'cac:Delivery/cac:Shipment').filter((sh) =>
        at(sh, 'cac:GoodsItem/cbc:RequiredCustomsID').some((r) => normalizeSpace(r.text).length === 12) &&
        at(sh, 'cac:TransportHandlingUnit/cac:CustomsDeclaration/cac:IssuerParty/cac:PartyIdentification/cbc:ID').some((i) => attr(i, 'schemeID') === 'ALICIDIBSATIRKOD' && normalizeSpace(i.text).length === 11)).length;
      this.assert(ok === lines.length, R, 'IHRACKAYITLI fatura tipinde 702 Muafiyet sebebi için GTİP ve Alıcı Satır Kodu bilgisi girilmelidir');
    }
  }

  // --- invoice lines
  private lines(): void {
    const inv = this.inv;
    const docDelivery = kids(inv, CAC, 'Delivery');
    const ihracat = this.profile === 'IHRACAT';
    const ytbIstisna = (this.profile === 'YATIRIMTESVIK' && this.type === 'ISTISNA') || (this.profile === 'EARSIVFATURA' && this.type === 'YTBISTISNA');
    const iade = this.typeIn('IADE', 'TEVKIFATIADE', 'YTBIADE', 'YTBTEVKIFATIADE');
    const docHas702 = at(inv, 'cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode').some((c) => str(c) === '702');
    let n = 0;
    for (const line of kids(inv, CAC, 'InvoiceLine')) {
      n++;
      const where = `cac:InvoiceLine[${n}]`;
      const filled = (steps: string): boolean => normalizeSpace(first(at(line, steps))) !== '';
      if (ihracat) {
        this.assert(filled('cac:Price/cbc:PriceAmount'), 'PriceAmountCheck', 'cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine elemanı geçerli ve boş değer içermeyen cac:Price/cbc:PriceAmount elemanı içermelidir.', where);
        this.assert(filled('cbc:LineExtensionAmount'), 'PriceAmountCheck', 'cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine elemanı geçerli ve boş değer içermeyen cbc:LineExtensionAmount elemanı içermelidir.', where);
        const incoterms = (el: XmlElement | XmlElement[]): boolean => at(el, 'cac:Delivery/cac:DeliveryTerms/cbc:ID').some((i) => attr(i, 'schemeID') === 'INCOTERMS');
        this.assert(incoterms(line) || incoterms(inv), 'LineDeliveryCheck', "cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine/cac:Delivery/cac:DeliveryTerms elamanı schemeID niteliği değeri 'INCOTERMS' olan en az bir cbc:ID elemanı içermiyorsa, Invoice/cac:Delivery/cac:DeliveryTerms elamanı schemeID niteliği değeri 'INCOTERMS' olan en az bir cbc:ID elemanı içermelidir.", where);
        this.assert(at(line, 'cac:Delivery/cac:DeliveryAddress').length > 0 || at(docDelivery, 'cac:DeliveryAddress').length > 0, 'LineDeliveryCheck',
          'cbc:ProfileID elemanının değeri IHRACAT iken Invoice ve cac:InvoiceLine elemanlarından en az bir tanesi cac:Delivery/cac:DeliveryAddress elemanı içermelidir', where);
        const mode = 'cac:Delivery/cac:Shipment/cac:ShipmentStage/cbc:TransportModeCode';
        this.assert(filled(mode) || normalizeSpace(first(at(inv, mode))) !== '', 'LineDeliveryCheck',
          'cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine elemanı Delivery/cac:Shipment/cac:ShipmentStage/cbc:TransportModeCode elamanı içermiyorsa Invoice elemanı Delivery/cac:Shipment/cac:ShipmentStage/cbc:TransportModeCode elemanı içermelidir', where);
        this.assert(filled('cac:Delivery/cac:Shipment/cac:GoodsItem/cbc:RequiredCustomsID'), 'LineDeliveryCheck',
          /* GİB's text, its typo included */ 'cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine elemanı geçerli ve boş değer içermeyen ccac:Delivery/cac:Shipment/cac:GoodsItem/cbc:RequiredCustomsID elemanı içermelidir.', where);
        this.assert(filled('cbc:InvoicedQuantity'), 'PackageCheck', 'cbc:ProfileID elemanının değeri IHRACAT iken, cac:InvoiceLine elemanı geçerli ve boş değer içermeyen cbc:InvoicedQuantity elemanı içermelidir.', where);
      }
      this.deliveryCodes(line, where);
      const addIds = at(line, 'cac:Item/cac:AdditionalItemIdentification/cbc:ID');
      if (this.profile === 'ILAC_TIBBICIHAZ') {
        this.assert(addIds.some((i) => ['ILAC', 'TIBBICIHAZ', 'DIGER'].includes(attr(i, 'schemeID') ?? '') && normalizeSpace(str(i)).length !== 0), 'IlacTibbiCihazAdditionalItemIdentificationCheck',
          'cbc:ProfileID elemanının değeri ILAC_TIBBICIHAZ iken, satır bazında geçerli kod listesinde yer alan en az 1 tane AdditionalItemIdentification elementi içermelidir', where);
      }
      if (this.type === 'TEKNOLOJIDESTEK') {
        this.assert(addIds.some((i) => attr(i, 'schemeID') === 'TELEFON' || attr(i, 'schemeID') === 'TABLET_PC'), 'TeknolojiDestekAdditionalItemIdentificationCheck',
          'TEKNOLOJIDESTEK fatura tipinde yer alan tüm kalemler TELEFON, TABLET_PC schemeID li cac:AdditionalItemIdentification bulunmalıdır.', where);
      }
      if (this.type === 'IHRACKAYITLI' && docHas702) {
        const bad = at(line, 'cac:Delivery/cac:Shipment/cac:TransportHandlingUnit/cac:CustomsDeclaration/cac:IssuerParty/cac:PartyIdentification/cbc:ID')
          .some((i) => attr(i, 'schemeID') !== undefined && !(`,${this.lists.raw.get('IhracKayitliPartyIdentificationIDType') ?? ''},`).includes(`,${attr(i, 'schemeID')},`));
        this.assert(!bad, 'IhracKayitliPartyIdentificationIDTypeCheck', 'Geçersiz Ihraç Kayıtlı schemeID niteliği. Geçerli değerler için kod listesine bakınız."', where);
      }
      if (this.ytb()) this.ytbLine(line, where, ytbIstisna, iade);
      if (this.profile === 'IDIS') {
        this.assert(addIds.some((i) => {
          const v = str(i);
          return attr(i, 'schemeID') === 'ETIKETNO' && v.length === 9 && /^[A-Za-z]*$/.test(v.slice(0, 2)) && /^[0-9]*$/.test(v.slice(2));
        }), 'IdisEtiketNoCheck', 'İlk iki hanesi karakter ve sonraki 7 hanesi rakam olan 9 karakterli en az bir Etiket Numarası bulunmalıdır.', where);
      }
      for (const q of kids(line, CBC, 'InvoicedQuantity')) {
        this.assert(attr(q, 'unitCode') !== undefined, 'InvoicedQuantityCheck', 'cbc:InvoicedQuantity elemanı geçerli ve boş değer içermeyen bir adet unitCode niteliğine sahip olmalıdır.', where);
      }
      for (const code of at(line, 'cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode')) {
        if (!this.inList('TaxType', str(code))) this.assert(false, 'TaxTypeCheck', `Geçersiz cbc:TaxTypeCode değeri : '${str(code)}'. Geçerli değerler için kod listesine bakınız.`, where);
      }
      this.withholding(kids(line, CAC, 'WithholdingTaxTotal'), `${where}/cac:WithholdingTaxTotal`);
    }
  }

  /** The YatirimTesvik* line rules. */
  private ytbLine(line: XmlElement, where: string, ytbIstisna: boolean, iade: boolean): void {
    const classes = at(line, 'cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode');
    const cls = first(classes);
    this.assert(classes.length > 0, 'YatirimTesvikCommodityClassificationCheck', 'Yatırım Teşvik Faturasında Harcama Tipi belirtilmelidir.', where);
    this.assert(this.inList('YatirimTesvikItemClassificationCodeList', cls), 'YatirimTesvikItemClassificationCodeCheck',
      'Geçersiz cbc:ItemClassificationCode elemanı değeri. Geçerki değer için YatirimTesvikItemClassificationCodeList listesine bakınız.', where);
    const kdvSubs = at(line, 'cac:TaxTotal/cac:TaxSubtotal').filter((s) => anyEq(at(s, 'cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode'), '0015'));
    const exemption = (code: string): boolean => kdvSubs.some((s) => anyEq(at(s, 'cac:TaxCategory/cbc:TaxExemptionReasonCode'), code));
    if (ytbIstisna) {
      this.assert(`,01,02,`.includes(`,${cls},`), 'YatirimTesvikItemClassificationCodeIstisnaCheck', 'Yatırım Teşvik Faturasında ISTISNA Fatura Tipinde Harcama Tipi 01 veya 02 kodunu alabilir.', where);
      this.assert(kdvSubs.some((s) => anyEq(kids(s, CBC, 'CalculationSequenceNumeric'), '-1')), 'YatirimTesvikItemClassificationCodeIstisnaCalculationSequenceNumericCheck',
        'Yatırım Teşvik Faturasında ISTISNA Fatura Tipinde cbc:CalculationSequenceNumeric alanı -1 seçilmelidir. ', where);
      if (anyEq(classes, '01')) this.assert(exemption('308'), 'YatirimTesvikTaxExemptionReasonCode308Check', 'Yatırım Teşvik Faturasında ISTISNA Fatura Tipinde Harcama Tipi 01 ise 308 istisna kodu seçilebilir.', where);
      if (anyEq(classes, '02')) this.assert(exemption('339'), 'YatirimTesvikTaxExemptionReasonCode339Check', 'Yatırım Teşvik Faturasında ISTISNA Fatura Tipinde Harcama Tipi 02 ise 339 istisna kodu seçilebilir.', where);
    }
    if (anyEq(classes, '01')) {
      const ok = normalizeSpace(first(at(line, 'cac:Item/cbc:ModelName'))) !== '' &&
        normalizeSpace(first(at(line, 'cac:Item/cac:ItemInstance/cbc:ProductTraceID'))) !== '' &&
        normalizeSpace(first(at(line, 'cac:Item/cac:ItemInstance/cbc:SerialID'))) !== '';
      this.assert(ok, 'YatirimTesvikItemInstanceCheck', 'Yatırım Teşvik Faturasında Harcama Tipi 01 için Makine Adı, Makine Teçhizat Sıra No ve Makine ID alanları belirtilmelidir.', where);
    }
    const positive = (requirePercent: boolean): boolean => kdvSubs.some((s) =>
      kids(s, CBC, 'TaxAmount').some((t) => num(str(t)) > 0) && (!requirePercent || kids(s, CBC, 'Percent').some((p) => num(str(p)) > 0)));
    if (!iade) {
      this.assert(positive(true), 'YatirimTesvikLineKDVCheck', 'Yatırım Teşvik Faturasında Kalem Bazında KDV Oranı ve Değeri girilmelidir.', where);
    } else if (anyEq(classes, '03') || anyEq(classes, '04')) {
      this.assert(positive(false), 'YatirimTesvikLineKDVCheck', 'Yatırım Teşvik Faturasında Harcama Tipi 03 ve 04 için KDV değeri girilmelidir.', where);
    }
  }

  /** decimalCheck on the LegalMonetaryTotal amounts and TaxTotal/TaxAmount. */
  private totals(): void {
    for (const f of ['LineExtensionAmount', 'TaxExclusiveAmount', 'TaxInclusiveAmount', 'AllowanceTotalAmount', 'PayableAmount']) {
      for (const el of at(this.inv, `cac:LegalMonetaryTotal/cbc:${f}`)) {
        this.decimal(el);
      }
    }
    for (const el of at(this.inv, 'cac:TaxTotal/cbc:TaxAmount')) this.decimal(el);
  }

  /** decimalCheck; <sch:name/> is the element's name as the document writes it. */
  private decimal(el: XmlElement): void {
    const name = qname(el);
    this.assert(DECIMAL_2.test(str(el)), 'decimalCheck', `Geçersiz ${name} elemanı değeri. ${name} elemanı noktadan önce en fazla 15 , noktadan sonra(kuruş) en fazla 2 haneli olmalıdır.`);
  }

  /** PaymentMeansCodeCheck and BillingReferenceCheck. */
  private paymentAndReferences(): void {
    for (const c of at(this.inv, 'cac:PaymentMeans/cbc:PaymentMeansCode')) {
      this.assert(this.inList('PaymentMeansCodeTypeList', str(c)), 'PaymentMeansCodeCheck', `Geçersiz cbc:PaymentMeansCode değeri : '${str(c)}'. Geçerli değerler için kod listesine bakınız.`);
    }
    for (const ref of at(this.inv, 'cac:BillingReference/cac:AdditionalDocumentReference')) {
      const R = 'BillingReferenceCheck';
      const code = kids(ref, CBC, 'DocumentTypeCode');
      const okcbf = anyEq(code, 'OKCBF');
      this.assert(!okcbf || anyEq(kids(ref, CBC, 'DocumentType'), 'OKCBilgiFisi'), R, "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBilgiFisi' olmaldır.");
      this.assert(!anyEq(kids(ref, CBC, 'DocumentType'), 'OKCBilgiFisi') || okcbf, R, "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBilgiFisi' iken cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF olmaldır.");
      if (!okcbf) continue;
      const filled = (steps: string): boolean => normalizeSpace(str(at(ref, steps)[0])) !== '';
      // GİB's words, typos and all ("olmaldır", "elamanı", the IssueDate rule naming no element).
      this.assert(filled('cbc:IssueDate'), R, "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cbc: elemanı içermelidir");
      this.assert(filled('cbc:ID'), R, "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cbc:ID elemanı içermelidir");
      const description = first(kids(ref, CBC, 'DocumentDescription'));
      this.assert(this.inList('DocumentDescriptionType', description), R,
        `Geçersiz cbc:DocumentDescription elemanı : '${description}'. cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cbc:DocumentDescription elemanı içermelidir. Geçerli değerler için kod listesine bakınız.`);
      this.assert(filled('cac:Attachment/cac:ExternalReference/cbc:URI'), R,
        "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cac:Attachment/cac:ExternalReference/cbc:URI elemanı içermelidir");
      this.assert(filled('cac:ValidityPeriod/cbc:StartDate'), R,
        "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cac:ValidityPeriod/cbc:StartDate elemanı içermelidir");
      const start = at(ref, 'cac:ValidityPeriod/cbc:StartDate');
      const issue = kids(ref, CBC, 'IssueDate');
      this.assert(start.some((s) => issue.some((i) => str(i) === str(s))), R,
        'cac:BillingReference/cac:AdditionalDocumentReference/cac:ValidityPeriod/cbc:StartDate elemanının değeri ile cac:BillingReference/cac:AdditionalDocumentReference/cbc:IssueDate elemanının değeri aynı olmalıdır.');
      this.assert(filled('cac:IssuerParty/cbc:EndpointID'), R,
        "cac:BillingReference/cac:AdditionalDocumentReference/cbc:DocumentTypeCode elemanının değeri 'OKCBF' iken cac:BillingReference/cac:AdditionalDocumentReference elamanı geçerli ve boş değer içermeyen bir cac:IssuerParty/cbc:EndpointID elemanı içermelidir");
    }
  }

  /** IhracatYolcuBeraberCheck and KamuFaturaCheck on cbc:ProfileID. */
  private profileRules(): void {
    const buyerIds = at(this.inv, 'cac:BuyerCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID');
    const partyType = buyerIds.some((i) => attr(i, 'schemeID') === 'PARTYTYPE');
    if (this.profile === 'YOLCUBERABERFATURA') {
      this.assert(anyEq(buyerIds, 'TAXFREE') && partyType, 'IhracatYolcuBeraberCheck',
        "inv:Invoice/cbc:ProfileID elemanının değeri 'YOLCUBERABERFATURA' iken cbc:ID elemanının değeri TAXFREE ve schemeID özelliği PARTYTYPE olan bir cac:BuyerCustomerParty içermelidir.");
    }
    if (this.profile === 'IHRACAT') {
      this.assert(anyEq(buyerIds, 'EXPORT') && partyType, 'IhracatYolcuBeraberCheck',
        "inv:Invoice elemanı inv:Invoice/cbc:ProfileID elemanının değeri 'IHRACAT' iken, schemeID özelliği PARTYTYPE olan ve değeri EXPORT olan cbc:ID elemanı içeren bir cac:BuyerCustomerParty elemanı içermelidir.");
    }
    if (this.profile === 'KAMU') {
      this.assert(PAYMENT_IBAN.test(first(at(this.inv, 'cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID'))), 'KamuFaturaCheck',
        "inv:Invoice/cbc:ProfileID elemanının değeri 'KAMU' iken cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID alanına geçerli bir Türkiye IBAN numarası yazılmalıdır");
    }
  }

  /** TaxFreeNationalityIDCheck, PassportIDCheck, OfficelTitleCheck on cac:BuyerCustomerParty. */
  private buyer(): void {
    for (const b of kids(this.inv, CAC, 'BuyerCustomerParty')) {
      const ids = at(b, 'cac:Party/cac:PartyIdentification/cbc:ID');
      const taxFree = anyEq(ids, 'TAXFREE') && ids.some((i) => attr(i, 'schemeID') === 'PARTYTYPE');
      if (taxFree) {
        this.assert(this.inList('CountryCodeList', first(at(b, 'cac:Party/cac:Person/cbc:NationalityID'))), 'TaxFreeNationalityIDCheck',
          'Invoice/BuyerCustomerParty/Party/PartyIdentification/cbc:ID elemanının değeri TAXFREE ve schemeID özelliği PARTYTYPE iken cac:Party/cac:Person/cbc:NationalityID elamanı dolu ve geçerli bir değer olmalıdır. Geçerli değerler için kod listesine bakınız.');
        this.assert(normalizeSpace(first(at(b, 'cac:Party/cac:Person/cac:IdentityDocumentReference/cbc:ID'))) !== '', 'PassportIDCheck',
          'Invoice/BuyerCustomerParty/Party/PartyIdentification/cbc:ID elemanının değeri TAXFREE ve schemeID özelliği PARTYTYPE iken cac:Party/cac:Person/cac:IdentityDocumentReference elamanı geçerli ve boş değer içermeyen bir cbc:ID elemanı içermelidir.');
      }
      if (this.profile === 'IHRACAT') {
        this.assert(normalizeSpace(first(at(b, 'cac:Party/cac:PartyLegalEntity/cbc:RegistrationName'))) !== '', 'OfficelTitleCheck',
          'cbc:ProfileID elemanının değeri IHRACAT iken, cac:BuyerCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName elamanı dolu olmalıdır.');
      }
    }
  }
}
