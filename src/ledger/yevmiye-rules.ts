/**
 * GİB's rules for the Yevmiye (gib/edefter/sch/edefter_yevmiye.sch: 13 patterns, 21 rules, 131 assertions), evaluated
 * natively on the project's tree (src/xml/parse.ts) before a book is signed: no XSLT engine on the hot path. GİB runs
 * them as XSLT 2 (Saxon-HE in the tests); three of its assertions look along the following axis from every entry and
 * every line, which makes Saxon quadratic in the book's size; here the whole check is O(n log n).
 *
 * What comes back is what Saxon's SVRL report says, in GİB's words (white space normalised as the tests'
 * failedAsserts does) and in the same order: pattern by pattern in the file's order, within a pattern by the rule's
 * context node in document order, within a rule by assertion. test/ledger/yevmiye-rules.test.ts holds this to GİB's
 * file run by Saxon-HE on valid books and on a few hundred broken ones.
 *
 * XPath 2.0 semantics are kept, because GİB's verdicts depend on them:
 * - a comparison of two node sets is existential and, between untyped values, a comparison of strings by code point
 *   ("2026-01-05" >= "2026-01-02"; totalDebit = totalCredit is false for "50.00" and "50.0");
 * - against a number (`amount > 0`, `totalDebit = sum(…)`, `counter + 1`), an untyped value is cast to xs:double;
 *   the sums are exact decimals, then compared as doubles, as Saxon does;
 * - string-length and substring count code points; normalize-space trims only space, tab, CR and LF;
 * - the rules that read the VKN and period from the file (`base-uri()`) read `fileName`: the file's GİB name, or the
 *   path or URI GİB's engine would see (they look for "VKN-", "-YYYYMM-" and "Y-000000" anywhere in it, so a folder
 *   with such runs in its name can make them pass or fail).
 * Where GİB's XPath raises a dynamic error instead of a verdict (a value cast to a number that is none, such as a
 * comma decimal; two nodes where a function takes one, e.g. two totalDebit in an entry) Saxon stops and the book is
 * refused: here the assertion being evaluated is reported as failed (yevmiyeRuleCheck lists those separately).
 *
 * Cost: one walk over the tree (the `decimals` rule reads every element), a rule context's children indexed once,
 * the following-axis assertions answered from maps built during the walk and a binary search per entry (the date
 * order): O(n log n) at worst, however long an entry is. Memory: the tree dominates. Measured on a generated book of
 * 20,000 lines (28 MB, 348,000 elements, ≈ 17 per line): the tree takes ≈ 190 MB (≈ 550 bytes per element, ≈ 7× the
 * file; parsed in 2.0 s with maxNodes raised past DOCUMENT_LIMITS' 500,000), this checker 0.9 s and ≈ 50 MB more (the
 * decoded texts it reads, a few numbers per entry and per line). A 200 MB part (GİB's limit per part) would need
 * ≈ 1.4 GB of tree: check such books as they are written, or parse them with a heap to match.
 */
import { textContent } from '../xml/query';
import type { XmlDocument, XmlElement } from '../xml/parse';

const EDEFTER = 'http://www.edefter.gov.tr';
const DEFTEREK = 'http://www.edefter.gov.tr/ek';
const XBRLI = 'http://www.xbrl.org/2003/instance';
const COR = 'http://www.xbrl.org/int/gl/cor/2006-10-25';
const BUS = 'http://www.xbrl.org/int/gl/bus/2006-10-25';
const MUC = 'http://www.xbrl.org/int/gl/muc/2006-10-25';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES = 'http://uri.etsi.org/01903/v1.3.2#';

const CURRENCY_CODE_LIST =
  ',AED,AFN,ALL,AMD,ANG,AOA,ARS,AUD,AWG,AZN,BAM,BBD,BDT,BGN,BHD,BIF,BMD,BND,BOB,BOV,BRL,BSD,BTN,BWP,BYN,BYR,BZD,CAD,CDF,CHE,CHF,CHW,CLF,CLP,CNY,COP,COU,CRC,CUC,CUP,CVE,CZK,DJF,DKK,DOP,DZD,EEK,EGP,ERN,ETB,EUR,FJD,FKP,GBP,GEL,GHS,GIP,GMD,GNF,GTQ,GWP,GYD,HKD,HNL,HRK,HTG,HUF,IDR,ILS,INR,IQD,IRR,ISK,JMD,JOD,JPY,KES,KGS,KHR,KMF,KPW,KRW,KWD,KYD,KZT,LAK,LBP,LKR,LRD,LSL,LTL,LVL,LYD,MAD,MAD,MDL,MGA,MKD,MMK,MNT,MOP,MRO,MUR,MVR,MWK,MXN,MXV,MYR,MZN,NAD,NGN,NIO,NOK,NPR,NZD,OMR,PAB,PEN,PGK,PHP,PKR,PLN,PYG,QAR,RON,RSD,RUB,RWF,SAR,SBD,SCR,SDG,SEK,SGD,SHP,SLL,SOS,SSP,SRD,STD,SVC,SYP,SZL,THB,TJS,TMT,TND,TOP,TRY,TTD,TWD,TZS,UAH,UGX,USD,USN,USS,UYI,UYU,UZS,VEF,VND,VUV,WST,XAF,XAG,XAU,XBA,XBB,XBC,XBD,XCD,XDR,XFU,XOF,XPD,XPF,XPT,XSU,XTS,XUA,XXX,YER,ZAR,ZMK,ZMW,ZWL,';

// ---------------------------------------------------------------------------------------------------------------
// GİB's assertion texts (edefter_yevmiye.sch), by pattern; white space is normalised when a failure is reported.

const T = {
  decimals: "Belge içerisindeki 'decimals' nitelikleri 'INF' değerini almalıdır.",
  root: 'Yevmiye defteri dokumanı edefter:defter ana elemanı ile başlamalıdır.',
  // entity
  segmentEntries: ' xbrli:segment/gl-bus:numberOfEntries elemanı sadece yevmiye beratında bulunabilir.',
  segmentUniqueId: 'xbrli:segment/gl-cor:uniqueID elemanı sadece beratlarda bulunabilir.',
  fileVkn: 'Dosya adına yazılan vkn/tckn ile xbrli:identifier elemanına yazılan vkn/tckn aynı olmalıdır.',
  // defter
  signature: 'ds:Signature zorunlu bir elemandır.',
  // signature
  transforms: 'ds:SignedInfo/ds:Reference/ds:Transforms elemanı zorunlu bir elemandır.',
  keyInfo: 'ds:KeyInfo elemanı zorunlu bir elemandır.',
  x509Data: 'ds:KeyInfo elemanı içerisindeki ds:X509Data elemanı zorunlu bir elemandır.',
  object: 'ds:Object elemanı zorunlu bir elemandır.',
  signingTime: 'xades:SigningTime elemanı zorunlu bir elemandır.',
  signingCertificate: 'xades:SigningCertificate elemanı zorunlu bir elemandır',
  wholeReference: 'ds:SignedInfo elamanı içerisinde URI niteliği boşluğa("") eşit olan sadece bir tane ds:Reference elemanının bulunmaldır.',
  sha1: 'İmzalama işleminde kullanılacak özet(hash) algoritması sha1 olmamalıdır.',
  x509Certificate: 'ds:X509Data elemanı içerisindeki ds:X509Certificate elemanı zorunlu bir elemandır.',
  x509SubjectName: ' ds:X509SubjectName elemanının değeri boşluk olmamalıdır.',
  // xbrl
  context: 'xbrli:context zorunlu bir elemandır.',
  unit: 'xbrli:unit zorunlu bir elemandır.',
  accountingEntries: 'gl-cor:accountingEntries zorunlu bir elemandır.',
  measure: 'xbrli:measure zorunlu bir elemandır.',
  isoMeasure: 'iso4217 kod listesindeki değerlerden birini içeren en az 1 measure değeri bulunmalıdır.',
  identifier: 'xbrli:identifier elemanına 10 haneli vergi kimlik numarası ve ya 11 haneli TC kimlik numarası yazılmalıdır.',
  // measure
  currency: (currency: string) => `Gecersiz currency degeri: '${currency}'.`,
  multicurrency: "id'si iso4217 multicurrency kodlarından birisi olan en fazla 1 xbrli:unit elemanı olabilir. ",
  measureValue: (measure: string, id: string) =>
    `xbrli:measure değeri (${measure}) hatalıdır. xbrli:unit id'nin değeri ${id} olduğu için xbrli:measure değeri ${`iso4217:${id}`} olmalıdır. `,
  defaultCurrency: (defaultCurrency: string, measure: string) =>
    ` gl-muc:defaultCurrency değeri (${defaultCurrency}) hatalıdır. gl-muc:defaultCurrency elemanı varsa değeri xbrli:measure(${measure}) ile aynı olmalıdır.`,
  // accountingentries
  documentInfo: 'gl-cor:documentInfo zorunlu bir elemandır.',
  entityInformation: 'gl-cor:entityInformation zorunlu bir elemandır.',
  someEntry: 'Tüm ayı kapsayan bir defterde en az 1 gl-cor:entryHeader elemanı olmalıdır.',
  // documentinfo
  entriesType: 'gl-cor:entriesType zorunlu bir elemandır.',
  journal: "gl-cor:entriesType elemanı yevmiye defteri için 'journal' değerini almalıdır.",
  uniqueId: 'gl-cor:uniqueID zorunlu bir elemandır.',
  yev: "gl-cor:uniqueID elemanı yevmiye defteri için 'YEV' değeri ile başlamalıdır.",
  uniqueIdLength: 'gl-cor:uniqueID elemanı 15 karakterden oluşmalıdır.',
  creationDate: 'gl-cor:creationDate zorunlu bir elemandır.',
  periodStart: 'gl-cor:periodCoveredStart zorunlu bir elemandır.',
  periodEnd: 'gl-cor:periodCoveredEnd zorunlu bir elemandır.',
  periodOrder: 'gl-cor:periodCoveredEnd elemanı gl-cor:periodCoveredStart elemanından büyük ve ya eşit olmalıdır.',
  creationAfterEnd: 'gl-cor:creationDate elemanı gl-cor:periodCoveredEnd elemanından büyük veya eşit olmalıdır.',
  sourceApplication: 'gl-bus:sourceApplication zorunlu bir elemandır ve değeri boşluk olmamalıdır.',
  filePeriod: "Dosya adındaki dönem ile periodCoveredStart'daki dönem bilgisi aynı olmalıdır.",
  sameYear: 'gl-cor:periodCoveredStart elemanındaki yıl bilgisi ile periodCoveredEnd elemanındaki yıl bilgisi aynı olmalıdır.',
  sameMonth: 'gl-cor:periodCoveredStart elemanındaki ay bilgisi ile periodCoveredEnd elemanındaki ay bilgisi aynı olmalıdır.',
  uniqueIdPeriod: 'gl-cor:uniqueID elemanındaki dönem bilgisi ile gl-cor:periodCoveredStart elemanındaki dönem bilgisi aynı olmalıdır.',
  // entityinformation
  phone: 'gl-bus:entityPhoneNumber zorunlu bir elemandır.',
  email: 'gl-bus:entityEmailAddressStructure zorunlu bir elemandır.',
  organizationIdentifiers: 'gl-bus:organizationIdentifiers zorunlu bir elemandır.',
  kurumUnvani: "gl-bus:organizationDescription değeri 'Kurum Unvanı' olan bir tane gl-bus:organizationIdentifiers elemanı bulunmalıdır.",
  adiSoyadi: "gl-bus:organizationDescription değeri 'Adı Soyadı' olan bir tane gl-bus:organizationIdentifiers elemanı bulunmalıdır.",
  onlyOneName: "gl-bus:organizationDescription değeri 'Kurum Unvanı' veya 'Adı Soyadı' olan yalnızca bir tane gl-bus:organizationIdentifiers elemanı bulunmalıdır.",
  kurumUnvaniLength: "gl-bus:organizationDescription değeri 'Kurum Unvanı' olan gl-bus:organizationIdentifiers elemanının  gl-bus:organizationIdentifier eleman değeri en az iki karakter olmalıdır.",
  adiSoyadiLength: "gl-bus:organizationDescription değeri 'Adı Soyadı' olan gl-bus:organizationIdentifiers elemanının  gl-bus:organizationIdentifier eleman değeri en az iki karakter olmalıdır.",
  branchPair: 'Şube no ve şube adı birlikte bulunmalıdır.',
  branchOnce: 'Şube no veya şube adı birden fazla olamaz.',
  branchNumber: 'Şube no 4 haneli sayısal bir değer olmalıdır.',
  branchName: 'Şube adı değeri en az iki karakter olmalıdır.',
  address: 'gl-bus:organizationAddress zorunlu bir elemandır.',
  buildingNumber: 'gl-bus:organizationAddress elemanı içerisindeki gl-bus:organizationBuildingNumber zorunlu bir elemandır.',
  street: 'gl-bus:organizationAddress elemanı içerisindeki gl-bus:organizationAddressStreet zorunlu bir elemandır.',
  city: 'gl-bus:organizationAddress elemanı içerisindeki gl-bus:organizationAddressCity zorunlu bir elemandır.',
  postalCode: "gl-bus:organizationAddress' elemanı içerisindeki 'gl-bus:organizationAddressZipOrPostalCode zorunlu bir elemandır.",
  country: 'gl-bus:organizationAddress elemanı içerisindeki gl-bus:organizationAddressCountry zorunlu bir elemandır.',
  webSite: 'gl-bus:entityWebSite zorunlu bir elemandır.',
  businessDescription: 'gl-bus:businessDescription zorunlu bir elemandır ve değeri boşluk olmamalıdır.',
  fiscalYearStart: 'gl-bus:fiscalYearStart zorunlu bir elemandır.',
  fiscalYearEnd: 'gl-bus:fiscalYearEnd zorunlu bir elemandır.',
  fiscalYearOrder: 'gl-bus:fiscalYearEnd elemanı gl-bus:fiscalYearStart elemanından büyük olmalıdır.',
  accountant: 'gl-bus:accountantInformation zorunlu bir elemandır.',
  accountantName: 'gl-bus:accountantInformation elemanı içerisindeki gl-bus:accountantName zorunlu bir elemandır ve değeri boşluk olmamalıdır.',
  engagement: 'gl-bus:accountantInformation elemanı içerisindeki gl-bus:accountantEngagementTypeDescription zorunlu bir elemandır  ve değeri boşluk olmamalıdır.',
  phoneNumber: 'gl-bus:phoneNumber zorunlu bir elemandır ve değeri boşluk olmamalıdır.',
  emailAddress: 'gl-bus:entityEmailAddressStructure elemanı içerisinde gl-bus:entityEmailAddress zorunlu bir elemandır ve  ve değeri boşluk olmamalıdır.',
  webSiteUrl: 'gl-bus:entityWebSite elemanı içerisindeki gl-bus:webSiteURL zorunlu bir elemandır.',
  // entryheader
  entryNumberSequence: 'gl-cor:entryNumberCounter müteselsil bir değere sahip olmalıdır.',
  dateOrder: 'Yevmiye defteri tarihe göre sıralı olmalıdır.',
  enteredBy: 'gl-cor:enteredBy zorunlu bir elemandır.',
  enteredByLength: 'gl-cor:enteredBy elemanı en az iki karakter olmamalıdır.',
  enteredDate: 'gl-cor:enteredDate zorunlu bir elemandır.',
  enteredDateInPeriod: (start: string, end: string) => `gl-cor:enteredDate elemanın değeri ${start} ile ${end} değerleri arasında olmalıdır.`,
  totalDebit: 'gl-bus:totalDebit zorunlu bir elemandır.',
  totalCredit: 'gl-bus:totalCredit zorunlu bir elemandır.',
  entryNumberCounter: 'gl-cor:entryNumberCounter zorunlu bir elemandır.',
  twoLines: 'gl-cor:entryHeader elemanı en az iki gl-cor:entryDetail elemanı içermelidir.',
  balanced: 'gl-bus:totalDebit elemanının değeri gl-bus:totalCredit elemanının değerine eşit olmalıdır.',
  debitSum: "gl-bus:totalDebit değeri, gl-cor:entryDetail elemanı içerisindeki gl-cor:debitCreditCode değeri 'D' ve ya 'debit' olan gl-cor:amount değelerinin toplamına eşit olmalıdır.",
  creditSum: "gl-bus:totalCredit değeri, gl-cor:entryDetail elemanı içerisindeki gl-cor:debitCreditCode değeri 'C' ve ya 'credit' olan gl-cor:amount değerlerinin toplamına eşit olmalıdır.",
  totalDebitFormat: (v: string) => `gl-bus:totalDebit (${v} ) virgülden sonra 2 haneden fazla olamaz.`,
  totalCreditFormat: (v: string) => `gl-bus:totalCredit (${v} ) virgülden sonra 2 haneden fazla olamaz.`,
  // entrydetail
  lineNumber: 'gl-cor:lineNumber zorunlu bir elemandır.',
  lineNumberSequence: 'gl-cor:lineNumber müteselsil bir değere sahip olmalıdır.',
  lineNumberCounter: 'gl-cor:lineNumberCounter zorunlu bir elemandır.',
  lineNumberCounterValue: 'gl-cor:lineNumberCounter elemanının değeri bir üst düzeydeki gl-cor:entryNumberCounter elemanının değerine eşit olmalıdır.',
  account: 'gl-cor:account zorunlu bir elemandır.',
  accountMainId: 'gl-cor:account elemanı içerisinde gl-cor:accountMainID zorunlu bir elemandır ve en az 3 karakter olmalıdır.',
  accountMainDescription: 'gl-cor:account elemanı içerisinde gl-cor:accountMainDescription zorunlu bir elemandır.',
  accountSubId: 'gl-cor:accountSub elemanı içerisinde gl-cor:accountSubID zorunlu bir elemandır.',
  accountSubDescription: 'gl-cor:accountSub elemanı içerisinde gl-cor:accountSubDescription zorunlu bir elemandır.',
  subOfMain: 'gl-cor:accountSubID(alt hesap numarası) elemanı gl-cor:accountMainID(ana hesap numarası) değeri ile başlamalıdır.',
  amount: 'gl-cor:amount zorunlu bir elemandır.',
  positiveAmount: "gl-cor:amount elemanı 0'dan büyük bir değer almalıdır.",
  amountCurrency: 'gl-muc:amountCurrency olması durumunda gl-muc:defaultCurrency elemanı da bulunmalıdır ',
  originalRateDate: ' gl-muc:amountOriginalAmount elemanı olması durumunda gl-muc:amountOriginalExchangeRateDate elemanı da bulunmalıdır.',
  originalCurrency: 'gl-muc:amountOriginalAmount elemanı olması durumunda gl-muc:amountOriginalCurrency elemanı da bulunmalıdır.',
  originalRate: 'gl-muc:amountOriginalCurrency elemanı olması durumunda gl-muc:amountOriginalExchangeRate elemanı da bulunmalıdır.',
  debitCreditCode: 'gl-cor:debitCreditCode zorunlu bir elemandır.',
  postingDate: 'gl-cor:postingDate zorunlu bir elemandır.',
  postingDateValue: 'gl-cor:postingDate elemanının değeri bir üst düzeydeki gl-cor:enteredDate elemanının değerine eşit olmalıdır.',
  otherDescription: "gl-cor:documentType eleman değerinin 'other' olması durumunda gl-cor:documentTypeDescription zorunlu bir elemandır ve bu elemanın değeri boşluk olmamalıdır.",
  otherDocument: "gl-cor:documentType elemanının değeri 'other' olması durumunda gl-cor:documentNumber ve gl-cor:documentDate elemanları da olmalıdır.",
  invoiceDocument: "gl-cor:documentType elemanının değeri 'invoice' (fatura) olması durumunda gl-cor:documentNumber ve gl-cor:documentDate elemanları da olmalıdır.",
  checkDocument: "gl-cor:documentType elemanının değeri 'check' (çek) olması durumunda gl-cor:documentNumber ve gl-cor:documentDate elemanları da olmalıdır.",
  numberNeedsType: 'gl-cor:documentNumber elemanı olması durumunda gl-cor:documentType elemanı bulunmalıdır.',
  dateNeedsType: 'gl-cor:documentDate elemanı olması durumunda gl-cor:documentType elemanı bulunmalıdır.',
  documentReference: 'gl-cor:documentReference elemanının değeri bir üst düzeydeki gl-cor:entryNumber elemanının değerine eşit olmalıdır.',
  paymentMethod: 'gl-bus:paymentMethod elemanı var ise değeri boşluk olmamalıdır.',
  oneMeasurable: 'En fazla 1 adet gl-bus:measurable elemanı olabilir.',
  amountFormat: (v: string) => `gl-cor:amount (${v}) virgülden sonra 2 haneden fazla olamaz.`,
  // measurable
  measurableCode: 'gl-bus:measurableCode elemanı zorunludur.',
  measurableCodeDescription: 'gl-bus:measurableCodeDescription elemanı zorunludur.',
  measurableQuantity: 'gl-bus:measurableQuantity elemanı zorunludur.',
  measurableQualifier: 'gl-bus:measurableQualifier elemanı zorunludur.',
  measurableUnitOfMeasure: 'gl-bus:measurableUnitOfMeasure elemanı zorunludur.',
  measurableCostPerUnit: 'gl-bus:measurableCostPerUnit elemanı zorunludur.',
  measurableCodeNT: 'gl-bus:measurableCode elemanının değeri "NT" olmalıdır.',
  measurableCodeDescriptionValue: 'gl-bus:measurableCodeDescription elemanının değeri "Maddi Olmayan Kalemler" olmalıdır.',
  measurableQualifierFon: 'gl-bus:measurableQualifier elemanının değeri "Fon" olmalıdır.',
  measurableUnitAdet: 'gl-bus:measurableUnitOfMeasure elemanının değeri "Adet" olmalıdır.',
  measurableProduct: ' gl-bus:measurableCostPerUnit * gl-bus:measurableQuantity = gl-cor:amount olmalıdır.',
  // binaryObject
  pdfMime: "defterek:binaryObject elemanının mimeCode niteliği 'application/pdf' olmalıdır.",
  pdfName: "defterek:binaryObject elemanının filename niteliğinin son 4 karakteri '.pdf' olmalıdır.",
  pdfContent: ' defterek:binaryObject elemanının değeri boşluk olamaz.',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// XPath 2.0 functions and casts, as Saxon evaluates them.

/** A dynamic error of GİB's XPath (Saxon stops the transformation). */
class XPathError extends Error {}
const XPATH_ERROR = new XPathError('dynamic error');

const XML_WS_EDGES = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const XML_WS_RUNS = /[ \t\r\n]+/g;
const SURROGATE = /[\uD800-\uDFFF]/;

function normalizeSpace(s: string): string {
  return s.replace(XML_WS_RUNS, ' ').replace(XML_WS_EDGES, '');
}

/** string-length: code points, not UTF-16 units. */
function stringLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** substring($s, $start) with XPath's rounding and 1-based code point positions. */
function substring(s: string, start: number, length?: number): string {
  const from = Math.floor(start + 0.5);
  const to = length === undefined ? Infinity : from + Math.floor(length + 0.5);
  if (Number.isNaN(from) || Number.isNaN(to)) return '';
  const chars = SURROGATE.test(s) ? Array.from(s) : null;
  const n = chars ? chars.length : s.length;
  const a = Math.max(1, from);
  const b = Math.min(n + 1, to);
  if (b <= a) return '';
  return chars ? chars.slice(a - 1, b - 1).join('') : s.slice(a - 1, b - 1);
}

/** Codepoint collation: UTF-16 order corrected where a surrogate meets a unit above U+DFFF. */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const DOUBLE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/;

/** An untyped value cast to xs:double (a dynamic error when it is no number). */
function castDouble(s: string): number {
  const t = s.replace(XML_WS_EDGES, '');
  if (DOUBLE.test(t)) return Number(t);
  if (t === 'INF' || t === '+INF') return Infinity;
  if (t === '-INF') return -Infinity;
  if (t === 'NaN') return NaN;
  throw XPATH_ERROR;
}

/** number(): NaN where the cast fails. */
function number(s: string | undefined): number {
  if (s === undefined) return NaN;
  try {
    return castDouble(s);
  } catch {
    return NaN;
  }
}

/** xs:decimal($s) as [unscaled value, scale] (a dynamic error when it is no decimal). */
function castDecimal(s: string): [bigint, number] {
  const m = DECIMAL.exec(s.replace(XML_WS_EDGES, ''));
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw XPATH_ERROR;
  const frac = m[3] ?? '';
  const unscaled = BigInt(`${m[2] || '0'}${frac}`);
  return [m[1] === '-' ? -unscaled : unscaled, frac.length];
}

/** A sum of decimals, exact, then promoted to xs:double as a comparison with an untyped value does. */
class DecimalSum {
  private value = 0n;
  private scale = 0;
  add([v, s]: [bigint, number]): void {
    if (s > this.scale) {
      this.value *= 10n ** BigInt(s - this.scale);
      this.scale = s;
    }
    this.value += v * 10n ** BigInt(this.scale - s);
  }
  toDouble(): number {
    if (this.scale === 0) return Number(this.value);
    const neg = this.value < 0n;
    const digits = (neg ? -this.value : this.value).toString().padStart(this.scale + 1, '0');
    return Number(`${neg ? '-' : ''}${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`);
  }
}

/** xs:double as xs:string (what concat() makes of number(…)). */
function doubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'INF';
  if (x === -Infinity) return '-INF';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const abs = Math.abs(x);
  if (abs >= 1e-6 && abs < 1e6) return String(x);
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The walk: every element once; a rule context's children indexed once.

/** Where an element sits with respect to GİB's rule contexts (absolute paths from the root). */
const enum At {
  None,
  Defter,
  Xbrl,
  Context,
  Entity,
  Identifier,
  Unit,
  Measure,
  AccountingEntries,
  DocumentInfo,
  EntityInformation,
  Accountant,
  Phone,
  Email,
  WebSite,
  Header,
  Detail,
  Measurable,
  Signature,
  KeyInfo,
  X509Data,
  SubjectName,
  Extensions,
  Extension,
  BinaryObject,
}

function childAt(parent: At, c: XmlElement): At {
  const ns = c.ns;
  const local = c.local;
  switch (parent) {
    case At.Defter:
      if (ns === XBRLI && local === 'xbrl') return At.Xbrl;
      if (ns === DS && local === 'Signature') return At.Signature;
      if (ns === '' && local === 'extensions') return At.Extensions;
      return At.None;
    case At.Xbrl:
      if (ns === XBRLI && local === 'context') return At.Context;
      if (ns === XBRLI && local === 'unit') return At.Unit;
      if (ns === COR && local === 'accountingEntries') return At.AccountingEntries;
      return At.None;
    case At.Context:
      return ns === XBRLI && local === 'entity' ? At.Entity : At.None;
    case At.Entity:
      return ns === XBRLI && local === 'identifier' ? At.Identifier : At.None;
    case At.Unit:
      return ns === XBRLI && local === 'measure' ? At.Measure : At.None;
    case At.AccountingEntries:
      if (ns === COR && local === 'entryHeader') return At.Header;
      if (ns === COR && local === 'documentInfo') return At.DocumentInfo;
      if (ns === COR && local === 'entityInformation') return At.EntityInformation;
      return At.None;
    case At.EntityInformation:
      if (ns !== BUS) return At.None;
      if (local === 'accountantInformation') return At.Accountant;
      if (local === 'entityPhoneNumber') return At.Phone;
      if (local === 'entityEmailAddressStructure') return At.Email;
      if (local === 'entityWebSite') return At.WebSite;
      return At.None;
    case At.Header:
      return ns === COR && local === 'entryDetail' ? At.Detail : At.None;
    case At.Detail:
      return ns === BUS && local === 'measurable' ? At.Measurable : At.None;
    case At.Signature:
      return ns === DS && local === 'KeyInfo' ? At.KeyInfo : At.None;
    case At.KeyInfo:
      return ns === DS && local === 'X509Data' ? At.X509Data : At.None;
    case At.X509Data:
      return ns === DS && local === 'X509SubjectName' ? At.SubjectName : At.None;
    case At.Extensions:
      return ns === '' && local === 'extension' ? At.Extension : At.None;
    case At.Extension:
      return ns === DEFTEREK && local === 'binaryObject' ? At.BinaryObject : At.None;
    default:
      return At.None;
  }
}

const NO_ELEMENTS: readonly XmlElement[] = Object.freeze([]);

/** A rule context's children by name. */
class Kids {
  private readonly byLocal = new Map<string, XmlElement[]>();

  constructor(el: XmlElement) {
    for (const c of el.children) {
      const list = this.byLocal.get(c.local);
      if (list) list.push(c);
      else this.byLocal.set(c.local, [c]);
    }
  }

  get(ns: string, local: string): readonly XmlElement[] {
    const list = this.byLocal.get(local);
    if (!list) return NO_ELEMENTS;
    for (const c of list) if (c.ns !== ns) return list.filter((k) => k.ns === ns);
    return list;
  }

  has(ns: string, local: string): boolean {
    return this.get(ns, local).length > 0;
  }
}

function childrenOf(nodes: readonly XmlElement[], ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const n of nodes) for (const c of n.children) if (c.ns === ns && c.local === local) out.push(c);
  return out;
}

function path(from: readonly XmlElement[], ...steps: Array<[string, string]>): XmlElement[] {
  let set = from as XmlElement[];
  for (const [ns, local] of steps) set = childrenOf(set, ns, local);
  return set;
}

/** Pattern order of edefter_yevmiye.sch: failures are reported pattern by pattern. */
const enum P {
  Kok,
  Entity,
  Defter,
  Signature,
  Xbrl,
  Measure,
  AccountingEntries,
  DocumentInfo,
  EntityInformation,
  EntryHeader,
  EntryDetail,
  Measurable,
  BinaryObject,
  Count,
}

/** A failure known now, or one that needs what follows in the document (resolved after the walk). */
type Item = { text: string; error: boolean } | (() => { text: string; error: boolean } | null);

export interface YevmiyeRuleCheck {
  /** Every failed assertion's text, in GİB's words and Saxon's order. */
  failures: string[];
  /** Those of them where GİB's XPath raises a dynamic error (Saxon stops: the book is refused all the same). */
  xpathErrors: string[];
}

/** The texts of GİB's Yevmiye assertions that fail on `doc`, read under the GİB file name `fileName`. */
export function yevmiyeRuleFailures(doc: XmlDocument, fileName: string): string[] {
  return yevmiyeRuleCheck(doc, fileName).failures;
}

export function yevmiyeRuleCheck(doc: XmlDocument, fileName: string): YevmiyeRuleCheck {
  return new YevmiyeRules(doc, fileName).run();
}

class YevmiyeRules {
  private readonly buckets: Item[][] = Array.from({ length: P.Count }, () => []);
  private readonly root: XmlElement;
  private readonly isDefter: boolean;

  // The schema's global variables.
  private readonly periodCoveredStart: XmlElement[];
  private readonly periodCoveredEnd: XmlElement[];
  private readonly vknTckn: XmlElement[];
  private readonly defaultCurrency: XmlElement[];

  // What the following axis needs, gathered during the walk: for every element that has such children, its start.
  /** gl-cor:entryNumberCounter children: the largest parent start per value (as xs:double). */
  private readonly counterAt = new Map<number, number>();
  private counterLast = -1;
  private counterBadLast = -1;
  /** gl-cor:enteredDate children: parent starts (ascending) and values. */
  private readonly datePos: number[] = [];
  private readonly dateValue: string[] = [];
  private dateSuffixMax: string[] | null = null;
  /** Elements with gl-cor:lineNumber children: the largest start per number(lineNumber). */
  private readonly lineAt = new Map<number, number>();
  private lineLast = -1;
  private lineBadLast = -1;
  /** The entry whose lines the walk is in, with its children by name (a line reads its entry's counter, date, number). */
  private entry: { el: XmlElement; kids: Kids } | null = null;

  constructor(
    private readonly doc: XmlDocument,
    private readonly fileName: string,
  ) {
    this.root = doc.root;
    this.isDefter = this.root.ns === EDEFTER && this.root.local === 'defter';
    const top = this.isDefter ? [this.root] : [];
    const documentInfo = path(top, [XBRLI, 'xbrl'], [COR, 'accountingEntries'], [COR, 'documentInfo']);
    this.periodCoveredStart = childrenOf(documentInfo, COR, 'periodCoveredStart');
    this.periodCoveredEnd = childrenOf(documentInfo, COR, 'periodCoveredEnd');
    this.defaultCurrency = childrenOf(documentInfo, MUC, 'defaultCurrency');
    this.vknTckn = path(top, [XBRLI, 'xbrl'], [XBRLI, 'context'], [XBRLI, 'entity'], [XBRLI, 'identifier']);
  }

  run(): YevmiyeRuleCheck {
    if (!this.isDefter) this.fail(P.Kok, T.root);
    this.walk(this.root, this.isDefter ? At.Defter : At.None);
    const failures: string[] = [];
    const xpathErrors: string[] = [];
    for (const bucket of this.buckets) {
      for (const item of bucket) {
        const f = typeof item === 'function' ? item() : item;
        if (!f) continue;
        const text = f.text.replace(/\s+/g, ' ').trim();
        failures.push(text);
        if (f.error) xpathErrors.push(text);
      }
    }
    return { failures, xpathErrors };
  }

  // --- helpers ---

  private sv(el: XmlElement): string {
    return el.children.length === 0 ? el.text : textContent(this.doc, el);
  }

  /** The string value of at most one node (xs:string? arguments); more is a dynamic error. */
  private one(nodes: readonly XmlElement[]): string {
    if (nodes.length > 1) throw XPATH_ERROR;
    return nodes.length === 1 ? this.sv(nodes[0]!) : '';
  }

  /** xsl:value-of of a node sequence: the string values joined by one space. */
  private values(nodes: readonly XmlElement[]): string {
    return nodes.map((n) => this.sv(n)).join(' ');
  }

  /** untyped = untyped (or a string): some pair equal. */
  private someEqual(a: readonly XmlElement[], b: readonly XmlElement[] | string): boolean {
    if (typeof b === 'string') return a.some((x) => this.sv(x) === b);
    if (a.length === 0 || b.length === 0) return false;
    const right = new Set(b.map((y) => this.sv(y)));
    return a.some((x) => right.has(this.sv(x)));
  }

  /** untyped >= untyped (as strings, code point order): some pair. `strict` for >. */
  private someGreater(a: readonly XmlElement[], b: readonly XmlElement[], strict: boolean): boolean {
    if (a.length === 0 || b.length === 0) return false;
    let max = this.sv(a[0]!);
    for (let i = 1; i < a.length; i++) {
      const v = this.sv(a[i]!);
      if (compareStrings(v, max) > 0) max = v;
    }
    let min = this.sv(b[0]!);
    for (let i = 1; i < b.length; i++) {
      const v = this.sv(b[i]!);
      if (compareStrings(v, min) < 0) min = v;
    }
    const c = compareStrings(max, min);
    return strict ? c > 0 : c >= 0;
  }

  /** untyped compared with a number: each node cast to xs:double in document order, the first that holds wins. */
  private someNumber(nodes: readonly XmlElement[], holds: (x: number) => boolean): boolean {
    for (const n of nodes) if (holds(castDouble(this.sv(n)))) return true;
    return false;
  }

  private fail(p: P, text: string, error = false): void {
    this.buckets[p]!.push({ text, error });
  }

  /** An assertion: `test` false, or raising GİB's dynamic error, is a failure with `text`. */
  private assert(p: P, test: boolean | (() => boolean), text: string | (() => string)): void {
    let ok: boolean;
    let error = false;
    if (typeof test === 'boolean') ok = test;
    else {
      try {
        ok = test();
      } catch (e) {
        if (!(e instanceof XPathError)) throw e;
        ok = false;
        error = true;
      }
    }
    if (!ok) this.fail(p, typeof text === 'string' ? text : text(), error);
  }

  private defer(p: P, test: () => boolean, text: string): void {
    this.buckets[p]!.push(() => {
      try {
        return test() ? null : { text, error: false };
      } catch (e) {
        if (!(e instanceof XPathError)) throw e;
        return { text, error: true };
      }
    });
  }

  // --- the walk ---

  private walk(el: XmlElement, at: At): void {
    const attrs = el.attrs;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.local === 'decimals' && a.ns === '' && a.value !== 'INF') this.fail(P.Kok, T.decimals);
    }
    if (at !== At.None) this.rule(el, at);
    // What the following axis will ask of this element (noted in document order, before its descendants).
    const kids = el.children;
    let lines = 0;
    let line: XmlElement | undefined;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      if (c.ns !== COR) continue;
      if (c.local === 'entryNumberCounter') this.noteCounter(el.pos, this.sv(c));
      else if (c.local === 'enteredDate') {
        this.datePos.push(el.pos);
        this.dateValue.push(this.sv(c));
      } else if (c.local === 'lineNumber') {
        lines++;
        line = c;
      }
    }
    if (lines > 0) {
      this.lineLast = el.pos;
      if (lines > 1) this.lineBadLast = el.pos;
      else {
        const v = number(this.sv(line!));
        if (!Number.isNaN(v)) this.lineAt.set(v, el.pos);
      }
    }
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      this.walk(c, at === At.None ? At.None : childAt(at, c));
    }
  }

  private noteCounter(parentPos: number, value: string): void {
    this.counterLast = parentPos;
    let v: number;
    try {
      v = castDouble(value);
    } catch {
      this.counterBadLast = parentPos;
      return;
    }
    if (!Number.isNaN(v)) this.counterAt.set(v, parentPos);
  }

  private rule(el: XmlElement, at: At): void {
    switch (at) {
      case At.Defter:
        return this.assert(P.Defter, el.children.some((c) => c.ns === DS && c.local === 'Signature'), T.signature);
      case At.Entity:
        return this.entity(new Kids(el));
      case At.Signature:
        return this.signature(new Kids(el));
      case At.X509Data:
        return this.assert(P.Signature, new Kids(el).has(DS, 'X509Certificate'), T.x509Certificate);
      case At.SubjectName:
        return this.assert(P.Signature, stringLength(normalizeSpace(this.sv(el))) !== 0, T.x509SubjectName);
      case At.Xbrl:
        return this.xbrl(new Kids(el));
      case At.Identifier:
        return this.assert(P.Xbrl, /^[0-9]{10,11}$/.test(normalizeSpace(this.sv(el))), T.identifier);
      case At.Measure:
        return this.measure(el);
      case At.AccountingEntries: {
        const k = new Kids(el);
        this.assert(P.AccountingEntries, k.has(COR, 'documentInfo'), T.documentInfo);
        this.assert(P.AccountingEntries, k.has(COR, 'entityInformation'), T.entityInformation);
        return this.assert(P.AccountingEntries, !this.fileName.includes('Y-000000') || k.get(COR, 'entryHeader').length > 0, T.someEntry);
      }
      case At.DocumentInfo:
        return this.documentInfo(new Kids(el));
      case At.EntityInformation:
        return this.entityInformation(new Kids(el));
      case At.Accountant: {
        const k = new Kids(el);
        this.assert(P.EntityInformation, () => stringLength(normalizeSpace(this.one(k.get(BUS, 'accountantName')))) > 0, T.accountantName);
        return this.assert(P.EntityInformation, () => stringLength(normalizeSpace(this.one(k.get(BUS, 'accountantEngagementTypeDescription')))) > 0, T.engagement);
      }
      case At.Phone:
        return this.assert(P.EntityInformation, () => stringLength(normalizeSpace(this.one(new Kids(el).get(BUS, 'phoneNumber')))) > 0, T.phoneNumber);
      case At.Email:
        return this.assert(P.EntityInformation, () => stringLength(normalizeSpace(this.one(new Kids(el).get(BUS, 'entityEmailAddress')))) > 0, T.emailAddress);
      case At.WebSite:
        return this.assert(P.EntityInformation, new Kids(el).has(BUS, 'webSiteURL'), T.webSiteUrl);
      case At.Header:
        this.entry = { el, kids: new Kids(el) };
        return this.header(el, this.entry.kids);
      case At.Detail:
        return this.detail(el, new Kids(el));
      case At.Measurable:
        return this.measurable(el, new Kids(el));
      case At.BinaryObject:
        return this.binaryObject(el);
      default:
        return undefined;
    }
  }

  // --- the rules, assertion by assertion in GİB's order ---

  private entity(k: Kids): void {
    const segment = k.get(XBRLI, 'segment');
    this.assert(P.Entity, childrenOf(segment, BUS, 'numberOfEntries').length === 0, T.segmentEntries);
    this.assert(P.Entity, childrenOf(segment, COR, 'uniqueID').length === 0, T.segmentUniqueId);
    this.assert(P.Entity, () => this.fileName.includes(`${this.one(k.get(XBRLI, 'identifier'))}-`), T.fileVkn);
  }

  private signature(k: Kids): void {
    const signedInfo = k.get(DS, 'SignedInfo');
    const keyInfo = k.get(DS, 'KeyInfo');
    const object = k.get(DS, 'Object');
    const signed = path(object, [XADES, 'QualifyingProperties'], [XADES, 'SignedProperties'], [XADES, 'SignedSignatureProperties']);
    const references = childrenOf(signedInfo, DS, 'Reference');
    this.assert(P.Signature, childrenOf(references, DS, 'Transforms').length > 0, T.transforms);
    this.assert(P.Signature, keyInfo.length > 0, T.keyInfo);
    this.assert(P.Signature, keyInfo.length === 0 || childrenOf(keyInfo, DS, 'X509Data').length > 0, T.x509Data);
    this.assert(P.Signature, object.length > 0, T.object);
    this.assert(P.Signature, object.length === 0 || childrenOf(signed, XADES, 'SigningTime').length > 0, T.signingTime);
    this.assert(P.Signature, object.length === 0 || childrenOf(signed, XADES, 'SigningCertificate').length > 0, T.signingCertificate);
    this.assert(P.Signature, references.filter((r) => attr(r, 'URI') === '').length === 1, T.wholeReference);
    this.assert(
      P.Signature,
      () => {
        const algorithms = childrenOf(signedInfo, DS, 'SignatureMethod').flatMap((m) => (attr(m, 'Algorithm') === undefined ? [] : [attr(m, 'Algorithm')!]));
        if (algorithms.length > 1) throw XPATH_ERROR;
        return !(algorithms[0] ?? '').endsWith('sha1');
      },
      T.sha1,
    );
  }

  private xbrl(k: Kids): void {
    const units = k.get(XBRLI, 'unit');
    const measures = childrenOf(units, XBRLI, 'measure');
    this.assert(P.Xbrl, k.get(XBRLI, 'context').length === 1, T.context);
    this.assert(P.Xbrl, units.length >= 1, T.unit);
    this.assert(P.Xbrl, k.get(COR, 'accountingEntries').length === 1, T.accountingEntries);
    this.assert(P.Xbrl, measures.length >= 1, T.measure);
    this.assert(P.Xbrl, measures.some((m) => normalizeSpace(this.sv(m)).startsWith('iso4217:')), T.isoMeasure);
  }

  private measure(el: XmlElement): void {
    const value = this.sv(el);
    const currency = substring(value, 9);
    // contains($currencyCodeList, @id): an absent id is '', which every string contains.
    const id = attr(el.parent!, 'id') ?? '';
    const listed = CURRENCY_CODE_LIST.includes(id);
    const expected = `iso4217:${id}`;
    this.assert(P.Measure, !normalizeSpace(value).startsWith('iso4217:') || CURRENCY_CODE_LIST.includes(`,${currency},`), () => T.currency(currency));
    this.assert(P.Measure, true, T.multicurrency); // count(parent::node()[…]) <= 1 holds for any one parent
    this.assert(P.Measure, !listed || value === expected, () => T.measureValue(value, id));
    this.assert(
      P.Measure,
      !listed || this.defaultCurrency.length === 0 || value !== expected || this.someEqual(this.defaultCurrency, value),
      () => T.defaultCurrency(this.values(this.defaultCurrency), value),
    );
  }

  /** $donem as concat() writes it into the file-name test: number(yyyy || mm). */
  private donem(): string {
    return doubleToString(number(this.donemYil() + this.donemAy()));
  }

  private donemYil(): string {
    return substring(this.one(this.periodCoveredStart), 1, 4);
  }

  private donemAy(): string {
    return substring(this.one(this.periodCoveredStart), 6, 2);
  }

  private documentInfo(k: Kids): void {
    const entriesType = k.get(COR, 'entriesType');
    const uniqueId = k.get(COR, 'uniqueID');
    const start = k.get(COR, 'periodCoveredStart');
    const end = k.get(COR, 'periodCoveredEnd');
    const creation = k.get(COR, 'creationDate');
    const p = P.DocumentInfo;
    this.assert(p, entriesType.length > 0, T.entriesType);
    this.assert(p, () => normalizeSpace(this.one(entriesType)) === 'journal', T.journal);
    this.assert(p, uniqueId.length > 0, T.uniqueId);
    this.assert(p, () => uniqueId.length === 0 || normalizeSpace(this.one(uniqueId)).startsWith('YEV'), T.yev);
    this.assert(p, () => uniqueId.length === 0 || stringLength(normalizeSpace(this.one(uniqueId))) === 15, T.uniqueIdLength);
    this.assert(p, creation.length > 0, T.creationDate);
    this.assert(p, start.length > 0, T.periodStart);
    this.assert(p, end.length > 0, T.periodEnd);
    this.assert(p, this.someGreater(end, start, false), T.periodOrder);
    this.assert(p, this.someGreater(creation, end, false), T.creationAfterEnd);
    this.assert(p, () => stringLength(normalizeSpace(this.one(k.get(BUS, 'sourceApplication')))) > 0, T.sourceApplication);
    this.assert(p, () => this.fileName.includes(`-${this.donem()}-`), T.filePeriod);
    this.assert(p, () => this.donemYil() === substring(this.one(end), 1, 4), T.sameYear);
    this.assert(p, () => this.donemAy() === substring(this.one(end), 6, 2), T.sameMonth);
    this.assert(p, () => this.one(uniqueId).includes(this.donemYil() + this.donemAy()), T.uniqueIdPeriod);
  }

  private entityInformation(k: Kids): void {
    const p = P.EntityInformation;
    const orgs = k.get(BUS, 'organizationIdentifiers');
    const described = (d: string) => orgs.filter((o) => this.someEqual(childrenOf([o], BUS, 'organizationDescription'), d));
    const kurum = described('Kurum Unvanı');
    const adi = described('Adı Soyadı');
    const subeNo = described('Şube No');
    const subeAdi = described('Şube Adı');
    const name = (set: XmlElement[]) => normalizeSpace(this.one(childrenOf(set, BUS, 'organizationIdentifier')));
    const vknLength = () => {
      if (this.vknTckn.length > 1) throw XPATH_ERROR;
      return this.vknTckn.length === 0 ? 0 : stringLength(this.sv(this.vknTckn[0]!));
    };
    const address = k.get(BUS, 'organizationAddress');
    const inAddress = (local: string) => address.length === 0 || childrenOf(address, BUS, local).length > 0;
    this.assert(p, k.has(BUS, 'entityPhoneNumber'), T.phone);
    this.assert(p, k.has(BUS, 'entityEmailAddressStructure'), T.email);
    this.assert(p, orgs.length >= 1, T.organizationIdentifiers);
    this.assert(p, () => vknLength() !== 10 || kurum.length === 1, T.kurumUnvani);
    this.assert(p, () => vknLength() !== 11 || adi.length === 1, T.adiSoyadi);
    this.assert(p, (kurum.length === 1 && adi.length !== 1) || (adi.length === 1 && kurum.length !== 1), T.onlyOneName);
    this.assert(p, () => kurum.length !== 1 || stringLength(name(kurum)) >= 2, T.kurumUnvaniLength);
    this.assert(p, () => adi.length !== 1 || stringLength(name(adi)) >= 2, T.adiSoyadiLength);
    this.assert(p, (subeNo.length !== 1 || subeAdi.length === 1) && (subeAdi.length !== 1 || subeNo.length === 1), T.branchPair);
    this.assert(p, subeNo.length < 2 && subeAdi.length < 2, T.branchOnce);
    this.assert(p, () => subeNo.length !== 1 || /^[0-9]{4}$/.test(name(subeNo)), T.branchNumber);
    this.assert(p, () => subeAdi.length !== 1 || stringLength(name(subeAdi)) >= 2, T.branchName);
    this.assert(p, address.length > 0, T.address);
    this.assert(p, inAddress('organizationBuildingNumber'), T.buildingNumber);
    this.assert(p, inAddress('organizationAddressStreet'), T.street);
    this.assert(p, inAddress('organizationAddressCity'), T.city);
    this.assert(p, inAddress('organizationAddressZipOrPostalCode'), T.postalCode);
    this.assert(p, inAddress('organizationAddressCountry'), T.country);
    this.assert(p, k.has(BUS, 'entityWebSite'), T.webSite);
    this.assert(p, () => stringLength(normalizeSpace(this.one(k.get(BUS, 'businessDescription')))) > 0, T.businessDescription);
    this.assert(p, k.has(BUS, 'fiscalYearStart'), T.fiscalYearStart);
    this.assert(p, k.has(BUS, 'fiscalYearEnd'), T.fiscalYearEnd);
    this.assert(p, this.someGreater(k.get(BUS, 'fiscalYearEnd'), k.get(BUS, 'fiscalYearStart'), true), T.fiscalYearOrder);
    this.assert(p, k.has(BUS, 'accountantInformation'), T.accountant);
  }

  private header(el: XmlElement, k: Kids): void {
    const p = P.EntryHeader;
    const end = el.end;
    const counters = k.get(COR, 'entryNumberCounter');
    const dates = k.get(COR, 'enteredDate');
    const enteredBy = k.get(COR, 'enteredBy');
    const totalDebit = k.get(BUS, 'totalDebit');
    const totalCredit = k.get(BUS, 'totalCredit');
    const details = k.get(COR, 'entryDetail');

    // following::node()/gl-cor:entryNumberCounter = gl-cor:entryNumberCounter + 1: some counter of an element after
    // this entry equals this entry's counter plus one (as numbers). Not that the next one does.
    const counterValues = counters.map((c) => this.sv(c));
    this.defer(
      p,
      () => {
        if (this.counterLast < end || counterValues.length === 0) return true;
        if (counterValues.length > 1 || this.counterBadLast >= end) throw XPATH_ERROR;
        return (this.counterAt.get(castDouble(counterValues[0]!) + 1) ?? -1) >= end;
      },
      T.entryNumberSequence,
    );
    // following::node()/gl-cor:enteredDate >= gl-cor:enteredDate: some later date is not before this one (strings).
    const dateValues = dates.map((d) => this.sv(d));
    this.defer(
      p,
      () => {
        if (dateValues.length === 0) return true;
        const later = this.laterDateMax(end);
        if (later === undefined) return true;
        return dateValues.some((d) => compareStrings(later, d) >= 0);
      },
      T.dateOrder,
    );
    this.assert(p, enteredBy.length > 0, T.enteredBy);
    this.assert(p, () => enteredBy.length === 0 || stringLength(normalizeSpace(this.one(enteredBy))) >= 2, T.enteredByLength);
    this.assert(p, dates.length > 0, T.enteredDate);
    this.assert(
      p,
      dates.length === 0 || (this.someGreater(dates, this.periodCoveredStart, false) && this.someGreater(this.periodCoveredEnd, dates, false)),
      () => T.enteredDateInPeriod(this.values(this.periodCoveredStart), this.values(this.periodCoveredEnd)),
    );
    this.assert(p, totalDebit.length > 0, T.totalDebit);
    this.assert(p, totalCredit.length > 0, T.totalCredit);
    this.assert(p, counters.length > 0, T.entryNumberCounter);
    this.assert(p, details.length > 1, T.twoLines);
    this.assert(p, this.someEqual(totalDebit, totalCredit), T.balanced);
    this.assert(p, () => this.totalIsSum(totalDebit, details, 'D', 'debit'), T.debitSum);
    this.assert(p, () => this.totalIsSum(totalCredit, details, 'C', 'credit'), T.creditSum);
    this.assert(p, () => MONEY.test(normalizeSpace(this.one(totalDebit))), () => T.totalDebitFormat(this.values(totalDebit)));
    this.assert(p, () => MONEY.test(normalizeSpace(this.one(totalCredit))), () => T.totalCreditFormat(this.values(totalCredit)));
  }

  /** gl-bus:totalX = sum(gl-cor:entryDetail[gl-cor:debitCreditCode = code or … = word]/xs:decimal(gl-cor:amount)). */
  private totalIsSum(total: readonly XmlElement[], details: readonly XmlElement[], code: string, word: string): boolean {
    const sum = new DecimalSum();
    for (const d of details) {
      const codes = childrenOf([d], COR, 'debitCreditCode');
      if (!this.someEqual(codes, code) && !this.someEqual(codes, word)) continue;
      const amounts = childrenOf([d], COR, 'amount');
      if (amounts.length > 1) throw XPATH_ERROR;
      if (amounts.length === 1) sum.add(castDecimal(this.sv(amounts[0]!)));
    }
    const s = sum.toDouble();
    return this.someNumber(total, (t) => t === s);
  }

  /** The greatest gl-cor:enteredDate of the elements starting at or after `from` (document order). */
  private laterDateMax(from: number): string | undefined {
    const pos = this.datePos;
    if (!this.dateSuffixMax) {
      const max = new Array<string>(pos.length);
      for (let i = pos.length - 1; i >= 0; i--) {
        const v = this.dateValue[i]!;
        max[i] = i === pos.length - 1 || compareStrings(v, max[i + 1]!) > 0 ? v : max[i + 1]!;
      }
      this.dateSuffixMax = max;
    }
    let lo = 0;
    let hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pos[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < pos.length ? this.dateSuffixMax[lo] : undefined;
  }

  private detail(el: XmlElement, k: Kids): void {
    const p = P.EntryDetail;
    const end = el.end;
    const header = el.parent!;
    const hk = this.entry?.el === header ? this.entry.kids : new Kids(header);
    const lineNumber = k.get(COR, 'lineNumber');
    const lineNumberCounter = k.get(COR, 'lineNumberCounter');
    const account = k.get(COR, 'account');
    const amount = k.get(COR, 'amount');
    const postingDate = k.get(COR, 'postingDate');
    const documentType = k.get(COR, 'documentType');
    const documentNumber = k.get(COR, 'documentNumber');
    const documentDate = k.get(COR, 'documentDate');
    const documentReference = k.get(COR, 'documentReference');
    const paymentMethod = k.get(BUS, 'paymentMethod');
    const headerCounter = hk.get(COR, 'entryNumberCounter');
    const headerDate = hk.get(COR, 'enteredDate');
    const headerNumber = hk.get(COR, 'entryNumber');
    const sub = childrenOf(account, COR, 'accountSub');

    this.assert(p, lineNumber.length > 0, T.lineNumber);
    // following::node()/number(gl-cor:lineNumber) = number(gl-cor:lineNumber) + 1: some later element's line number.
    const own = lineNumber.length === 1 ? number(this.sv(lineNumber[0]!)) : NaN;
    const lines = lineNumber.length;
    this.defer(
      p,
      () => {
        if (this.lineLast < end || lines === 0) return true;
        if (lines > 1 || this.lineBadLast >= end) throw XPATH_ERROR;
        return (this.lineAt.get(own + 1) ?? -1) >= end;
      },
      T.lineNumberSequence,
    );
    this.assert(p, lineNumberCounter.length > 0, T.lineNumberCounter);
    this.assert(p, lineNumberCounter.length === 0 || headerCounter.length === 0 || this.someEqual(lineNumberCounter, headerCounter), T.lineNumberCounterValue);
    this.assert(p, account.length > 0, T.account);
    this.assert(
      p,
      () => {
        const mainIds = childrenOf(account, COR, 'accountMainID');
        if (account.length === 0 || mainIds.length === 0) return true;
        if (account.length > 1) throw XPATH_ERROR; // string-length() of more than one string
        const n = stringLength(normalizeSpace(this.one(mainIds)));
        return n === 3 || n === 4;
      },
      T.accountMainId,
    );
    this.assert(p, account.length === 0 || childrenOf(account, COR, 'accountMainDescription').length > 0, T.accountMainDescription);
    this.assert(p, sub.length === 0 || childrenOf(sub, COR, 'accountSubID').length > 0, T.accountSubId);
    this.assert(p, sub.length === 0 || childrenOf(sub, COR, 'accountSubDescription').length > 0, T.accountSubDescription);
    this.assert(
      p,
      () => {
        // $anaHesapId / $altHesapId: one string per account; not() of more than one is a dynamic error.
        if (account.length === 0) return true;
        const main = account.map((a) => normalizeSpace(this.one(childrenOf([a], COR, 'accountMainID'))));
        if (main.length > 1) throw XPATH_ERROR;
        if (main[0] === '') return true;
        const subIds = account.map((a) => normalizeSpace(this.one(path([a], [COR, 'accountSub'], [COR, 'accountSubID']))));
        if (subIds[0] === '') return true;
        return subIds[0]!.startsWith(main[0]!);
      },
      T.subOfMain,
    );
    this.assert(p, amount.length > 0, T.amount);
    this.assert(p, () => amount.length === 0 || this.someNumber(amount, (a) => a > 0), T.positiveAmount);
    this.assert(p, !k.has(MUC, 'amountCurrency') || this.defaultCurrency.length > 0, T.amountCurrency);
    this.assert(p, !k.has(MUC, 'amountOriginalAmount') || k.has(MUC, 'amountOriginalExchangeRateDate'), T.originalRateDate);
    this.assert(p, !k.has(MUC, 'amountOriginalAmount') || k.has(MUC, 'amountOriginalCurrency'), T.originalCurrency);
    this.assert(p, !k.has(MUC, 'amountOriginalCurrency') || k.has(MUC, 'amountOriginalExchangeRate'), T.originalRate);
    this.assert(p, k.has(COR, 'debitCreditCode'), T.debitCreditCode);
    this.assert(p, postingDate.length > 0, T.postingDate);
    this.assert(p, postingDate.length === 0 || headerDate.length === 0 || this.someEqual(postingDate, headerDate), T.postingDateValue);
    const type = () => normalizeSpace(this.one(documentType));
    const hasDocument = () => stringLength(normalizeSpace(this.one(documentNumber))) > 0 && documentDate.length > 0;
    this.assert(p, () => type() !== 'other' || stringLength(normalizeSpace(this.one(k.get(COR, 'documentTypeDescription')))) > 0, T.otherDescription);
    this.assert(p, () => type() !== 'other' || hasDocument(), T.otherDocument);
    this.assert(p, () => type() !== 'invoice' || hasDocument(), T.invoiceDocument);
    this.assert(p, () => type() !== 'check' || hasDocument(), T.checkDocument);
    this.assert(p, documentNumber.length === 0 || documentType.length > 0, T.numberNeedsType);
    this.assert(p, documentDate.length === 0 || documentType.length > 0, T.dateNeedsType);
    this.assert(p, documentReference.length === 0 || headerNumber.length === 0 || this.someEqual(documentReference, headerNumber), T.documentReference);
    this.assert(p, () => paymentMethod.length === 0 || stringLength(normalizeSpace(this.one(paymentMethod))) > 0, T.paymentMethod);
    this.assert(p, k.get(BUS, 'measurable').length < 2, T.oneMeasurable);
    this.assert(p, () => MONEY.test(normalizeSpace(this.one(amount))), () => T.amountFormat(this.values(amount)));
  }

  private measurable(el: XmlElement, k: Kids): void {
    const p = P.Measurable;
    const code = k.get(BUS, 'measurableCode');
    const description = k.get(BUS, 'measurableCodeDescription');
    const quantity = k.get(BUS, 'measurableQuantity');
    const qualifier = k.get(BUS, 'measurableQualifier');
    const unit = k.get(BUS, 'measurableUnitOfMeasure');
    const cost = k.get(BUS, 'measurableCostPerUnit');
    this.assert(p, code.length > 0, T.measurableCode);
    this.assert(p, description.length > 0, T.measurableCodeDescription);
    this.assert(p, quantity.length > 0, T.measurableQuantity);
    this.assert(p, qualifier.length > 0, T.measurableQualifier);
    this.assert(p, unit.length > 0, T.measurableUnitOfMeasure);
    this.assert(p, cost.length > 0, T.measurableCostPerUnit);
    this.assert(p, this.someEqual(code, 'NT'), T.measurableCodeNT);
    this.assert(p, this.someEqual(description, 'Maddi Olmayan Kalemler'), T.measurableCodeDescriptionValue);
    this.assert(p, this.someEqual(qualifier, 'Fon'), T.measurableQualifierFon);
    this.assert(p, this.someEqual(unit, 'Adet'), T.measurableUnitAdet);
    this.assert(
      p,
      () => {
        // parent::node()/gl-cor:amount = costPerUnit * quantity: doubles, so 0.10 * 3 is not 0.30.
        if (cost.length > 1 || quantity.length > 1) throw XPATH_ERROR;
        if (cost.length === 0 || quantity.length === 0) return false;
        const product = castDouble(this.sv(cost[0]!)) * castDouble(this.sv(quantity[0]!));
        return this.someNumber(childrenOf([el.parent!], COR, 'amount'), (a) => a === product);
      },
      T.measurableProduct,
    );
  }

  private binaryObject(el: XmlElement): void {
    const p = P.BinaryObject;
    const filename = attr(el, 'filename') ?? '';
    this.assert(p, attr(el, 'mimeCode') === 'application/pdf', T.pdfMime);
    this.assert(p, substring(filename, stringLength(filename) - 3) === '.pdf', T.pdfName);
    this.assert(p, stringLength(normalizeSpace(this.sv(el))) > 0, T.pdfContent);
  }
}

const MONEY = /^[0-9]+(\.[0-9]{1,2})?$/;

function attr(el: XmlElement, local: string): string | undefined {
  for (const a of el.attrs) if (a.local === local && a.ns === '') return a.value;
  return undefined;
}
