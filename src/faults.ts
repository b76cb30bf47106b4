/**
 * The one fault catalogue. Every error a caller can see has a stable numeric code, a SOAP faultcode, an HTTP status
 * and a Turkish message worded the way GİB and e-Logo word theirs. Where GİB has a code for the same check (Ek-2
 * system response codes, `../shared/gib/docs/efatura-Ek-2…`), we reuse it so an ERP sees the number GİB would give.
 * Codes are never reused or renumbered; `test/faults.test.ts` checks uniqueness and that every entry is documented.
 */

export type SoapFaultCode = 'soap:Client' | 'soap:Server';

export interface FaultSpec {
  code: number;
  soap: SoapFaultCode;
  http: number;
  /** Turkish message; `{name}` placeholders are filled from the error's params. */
  message: string;
  /** True when the same request may succeed later without change (a transient condition). */
  retryable?: boolean;
}

function client(code: number, message: string, http = 500): FaultSpec {
  return { code, soap: 'soap:Client', http, message };
}

export const FAULTS = {
  // --- GİB's own document checks (Ek-2 codes), in GİB's order: ZIP → XML → XSD → schematron → signature ---
  ZIP_NOT_ZIP: client(1110, 'ZIP DOSYASI DEGIL'),
  ZIP_UNREADABLE: client(1130, 'ZIP ACILAMADI'),
  ZIP_ONE_FILE: client(1131, 'ZIP BIR DOSYA ICERMELI'),
  XML_NOT_XML: client(1132, 'XML DOSYASI DEGIL'),
  XML_UNPARSABLE: client(1140, 'DOKUMAN AYRISTIRILAMADI: {detail}'),
  UBL_VERSION: client(1143, 'GECERSIZ VERSIYON: {detail}'),
  UBL_RULE: client(1150, 'SCHEMATRON KONTROL SONUCU HATALI: {detail}'),
  XSD_INVALID: client(1160, 'XML SEMA KONTROLUNDEN GECEMEDI: {detail}'),
  SIGNATURE_OWNER_UNKNOWN: client(1161, 'IMZA SAHIBI TCKN VKN ALINAMADI'),
  DUPLICATE_INVOICE: client(1163, 'GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR: {detail}'),
  SIGNER_NOT_AUTHORISED: client(1176, 'IMZA SAHIBI YETKISIZ: {detail}'),
  SIGNATURE_INVALID: client(1177, 'GECERSIZ IMZA: {detail}'),

  // --- Request and envelope of the SOAP call itself (gateway codes 40xx) ---
  REQUEST_MALFORMED: client(4001, 'ISTEK AYRISTIRILAMADI'),
  REQUEST_DOCTYPE: client(4002, 'ISTEKTE DOCTYPE/ENTITY TANIMINA IZIN VERILMEZ'),
  REQUEST_TOO_LARGE: client(4003, 'ISTEK BOYUTU SINIRI ASIYOR ({limit} bayt)', 413),
  REQUEST_FIELD: client(4004, 'ISTEK ALANI EKSIK VEYA GECERSIZ: {field}'),
  ZIP_BAD_ENTRY_NAME: client(4005, 'ZIP ICINDE GECERSIZ DOSYA ADI: {name}'),
  ZIP_TOO_LARGE: client(4006, 'ZIP ACILDIGINDA BOYUT SINIRI ASILDI ({limit} bayt)'),
  DOCUMENT_DOCTYPE: client(4007, 'BELGEDE DOCTYPE/ENTITY TANIMINA IZIN VERILMEZ'),
  REQUEST_LIMIT: client(4008, 'ISTEK XML SINIRLARINI ASIYOR: {detail}'),
  DOCUMENT_LIMIT: client(4009, 'BELGE XML SINIRLARINI ASIYOR: {detail}'),
  REQUEST_UNKNOWN_FIELD: client(4010, 'ISTEKTE TANIMSIZ ALAN: {field}'),

  // --- Authentication and tenancy (41xx) ---
  AUTH_FAILED: client(4101, 'KULLANICI ADI VEYA SIFRE HATALI'),
  AUTH_LOCKED: client(4102, 'KULLANICI GECICI OLARAK KILITLENDI, {until} SONRASI TEKRAR DENEYINIZ'),
  AUTH_REPLAY: client(4103, 'GUVENLIK BASLIGI DAHA ONCE KULLANILMIS (NONCE TEKRARI)'),
  AUTH_EXPIRED: client(4104, 'GUVENLIK BASLIGININ ZAMANI GECERSIZ (Created)'),
  AUTH_MISSING: client(4105, 'WS-SECURITY USERNAMETOKEN BULUNAMADI'),
  AUTH_TEXT_DISABLED: client(4106, 'ACIK METIN SIFRE (PasswordText) KABUL EDILMIYOR, PasswordDigest KULLANINIZ'),
  TENANT_MISMATCH: client(4107, 'GONDERICI VKN/TCKN ({vkn}) KULLANICININ FIRMASINA AIT DEGIL'),

  // --- UBL-TR content rules checked by the gateway (42xx) ---
  NOT_AN_INVOICE: client(4201, 'BELGE BİR UBL-TR FATURASI DEĞİL: {detail}'),
  INVOICE_NUMBER_FORMAT: client(4202, 'GEÇERSİZ FATURA NUMARASI: {value}'),
  ETTN_FORMAT: client(4203, 'GEÇERSİZ ETTN (UUID): {value}'),
  PROFILE_UNKNOWN: client(4204, 'GEÇERSİZ SENARYO (ProfileID): {value}'),
  REQUIRED_FIELD: client(4205, 'ZORUNLU ALAN EKSİK: {field}'),
  AMOUNT_MISMATCH: client(4206, 'TUTAR TUTARSIZ: {detail}'),
  INVOICE_TYPE_UNKNOWN: client(4207, 'GEÇERSİZ FATURA TİPİ (InvoiceTypeCode): {value}'),
  ISSUE_DATE_INVALID: client(4208, 'GEÇERSİZ FATURA TARİHİ: {value}'),
  LINE_COUNT_MISMATCH: client(4209, 'SATIR SAYISI TUTARSIZ (LineCountNumeric): {detail}'),
  CURRENCY_MISMATCH: client(4210, 'PARA BİRİMİ BELGENİN PARA BİRİMİNDEN FARKLI: {detail}'),
  PARTY_ID_INVALID: client(4211, 'GEÇERSİZ VKN/TCKN: {detail}'),

  // --- Documents and their states (43xx) ---
  DOCUMENT_NOT_FOUND: client(4301, 'BELGE BULUNAMADI'),
  ETTN_CONFLICT: client(4302, 'AYNI ETTN ILE FARKLI ICERIKTE BELGE DAHA ONCE GONDERILMIS: {ettn}'),
  NUMBER_IN_USE: client(4303, 'FATURA NUMARASI DAHA ONCE KULLANILMIS: {number}'),
  ILLEGAL_TRANSITION: client(4304, '{state} DURUMUNDAKI BELGE ICIN {event} ISLEMI YAPILAMAZ'),
  VERSION_CONFLICT: { code: 4305, soap: 'soap:Server', http: 500, message: 'BELGE AYNI ANDA BASKA BIR ISLEMLE DEGISTI, TEKRAR DENEYINIZ', retryable: true } as FaultSpec,
  NUMBER_SERIES_EXHAUSTED: client(4306, 'NUMARA SERISI TUKENDI: {series}'),

  // --- Signing (44xx): the mali mühür and signatures on documents that arrive ---
  SIGNER_MODULE_NOT_FOUND: { code: 4401, soap: 'soap:Server', http: 500, message: 'MALI MUHUR SURUCUSU (PKCS#11) YUKLENEMEDI' } as FaultSpec,
  SIGNER_TOKEN_ABSENT: { code: 4402, soap: 'soap:Server', http: 500, message: 'MALI MUHUR KARTI TAKILI DEGIL', retryable: true } as FaultSpec,
  SIGNER_PIN_INCORRECT: { code: 4403, soap: 'soap:Server', http: 500, message: 'MALI MUHUR PIN HATALI' } as FaultSpec,
  SIGNER_PIN_LOCKED: { code: 4404, soap: 'soap:Server', http: 500, message: 'MALI MUHUR PIN BLOKE OLDU' } as FaultSpec,
  SIGNER_KEY_NOT_FOUND: { code: 4405, soap: 'soap:Server', http: 500, message: 'MALI MUHUR ANAHTARI VEYA SERTIFIKASI BULUNAMADI' } as FaultSpec,
  SIGNER_CERT_EXPIRED: { code: 4406, soap: 'soap:Server', http: 500, message: 'MALI MUHUR SERTIFIKASININ SURESI DOLMUS' } as FaultSpec,
  SIGNER_CERT_NOT_YET_VALID: { code: 4407, soap: 'soap:Server', http: 500, message: 'MALI MUHUR SERTIFIKASI HENUZ GECERLI DEGIL' } as FaultSpec,
  SIGNER_FAILED: { code: 4408, soap: 'soap:Server', http: 500, message: 'IMZALAMA BASARISIZ: {detail}', retryable: true } as FaultSpec,
  SIGNATURE_MISSING: client(4409, 'BELGEDE IMZA BULUNAMADI'),
  SIGNATURE_MULTIPLE: client(4410, 'BELGEDE BIRDEN FAZLA IMZA VAR'),
  SIGNATURE_WRAPPING: client(4411, 'IMZA ISLENEN BELGEYI KAPSAMIYOR'),
  SIGNATURE_UNTRUSTED: client(4412, 'IMZA SERTIFIKASI GUVENILIR BIR KOKE ZINCIRLENMIYOR'),

  // --- GİB's protocols (45xx): user list, answers, cancellations ---
  RECEIVER_NOT_EFATURA_USER: client(4501, 'ALICI ({vkn}) E-FATURA KAYITLI KULLANICISI DEGIL, E-ARSIV FATURA DUZENLEYINIZ'),
  RECEIVER_IS_EFATURA_USER: client(4502, 'ALICI ({vkn}) E-FATURA KAYITLI KULLANICISI, E-ARSIV FATURA DUZENLENEMEZ'),
  GIB_UNAVAILABLE: { code: 4503, soap: 'soap:Server', http: 503, message: 'GIB SERVISINE ULASILAMADI, TEKRAR DENEYINIZ', retryable: true } as FaultSpec,
  GIB_REFUSED: client(4504, 'GIB ISLEMI REDDETTI: {detail}'),
  NOT_COMMERCIAL: client(4505, 'SADECE TICARIFATURA SENARYOSUNDAKI FATURALARA KABUL/RED YANITI VERILEBILIR'),
  RESPONSE_WINDOW_CLOSED: client(4506, 'YANIT SURESI DOLDU: FATURA {date} TARIHINDE ALINDI, 8 GUNLUK SURE ASILDI'),
  ALREADY_ANSWERED: client(4507, 'FATURAYA DAHA ONCE YANIT VERILDI ({answer})'),
  CANCEL_NOT_ALLOWED: client(4508, 'FATURA IPTAL EDILEMEZ: {reason}'),
  CANCEL_REQUEST_NOT_FOUND: client(4509, 'IPTAL TALEBI BULUNAMADI'),

  // --- e-Defter: the ledger's source and the checks before anything is signed (46xx) ---
  LEDGER_SOURCE: client(4601, 'DEFTER KAYNAK DOSYASI OKUNAMADI: {detail}'),
  LEDGER_UNBALANCED: client(4602, 'BORÇ VE ALACAK TOPLAMLARI EŞİT DEĞİL: {detail}'),
  LEDGER_SEQUENCE: client(4603, 'YEVMİYE MADDE NUMARALARI MÜTESELSİL DEĞİL: {detail}'),
  LEDGER_DATE: client(4604, 'KAYIT TARİHİ DÖNEM İÇİNDE VE SIRALI DEĞİL: {detail}'),
  LEDGER_FILE_NAME: client(4605, 'DOSYA ADI VKN-YYYYAA.zip BİÇİMİNDE OLMALIDIR: {name}'),
  LEDGER_PERIOD: client(4606, 'DÖNEM UYGUN DEĞİL: {detail}'),
  LEDGER_PERIOD_SENT: client(4607, "BU DÖNEMİN DEFTERİ GİB'E GÖNDERİLDİ, DEĞİŞTİRİLEMEZ ({period})"),
  LEDGER_SETTINGS: client(4608, 'E-DEFTER AYARLARI EKSİK: {detail}'),
  LEDGER_STEP: client(4609, 'BU ADIM ŞİMDİ YAPILAMAZ: {detail}'),
  LEDGER_NOT_FOUND: client(4610, 'DEFTER DOSYASI BULUNAMADI'),
  LEDGER_GIB_REJECTED: client(4611, 'GİB DEFTER PAKETİNİ REDDETTİ: {detail}'),
  LEDGER_GIB_APPROVAL: client(4612, 'GİB ONAYLI BERAT DOĞRULANAMADI: {detail}'),
  LEDGER_RULES: client(4613, 'DEFTER GİB KURALLARINA UYMUYOR: {detail}'),

  // --- e-Defter archive (e-Saklama): what a month's stored files must be (462x) ---
  ARCHIVE_FILE_NAME: client(4620, 'DOSYA ADI GİB ADLANDIRMASINA UYMUYOR (VKN-YYYYAA-Y/K/YB/KB/DR-NNNNNN.zip, GIB-VKN-YYYYAA-YB/KB-NNNNNN.zip): {name}'),
  ARCHIVE_FOREIGN_FILE: client(4621, 'DOSYA BU MÜKELLEFE VEYA BU DÖNEME AİT DEĞİL: {name}'),
  ARCHIVE_INCOMPLETE: client(4622, 'AYIN DEFTER DOSYALARI EKSİK: {detail}'),
  ARCHIVE_BERAT_MISMATCH: client(4623, 'BERAT DEFTERİYLE UYUŞMUYOR: {detail}'),
  ARCHIVE_GIB_SEAL: client(4624, 'GİB ONAYLI BERAT DOĞRULANAMADI: {detail}'),
  ARCHIVE_BAD_FILE: client(4625, 'DEFTER DOSYASI OKUNAMADI: {detail}'),
  ARCHIVE_UPLOAD_OFFSET: client(4626, 'YÜKLEME {expected}. BAYTTAN SÜRMELİ: {name}'),
  ARCHIVE_UPLOAD_HASH: client(4627, 'YÜKLENEN DOSYANIN ÖZETİ BİLDİRİLENLE UYUŞMUYOR: {name}'),
  ARCHIVE_RETENTION: client(4628, 'SAKLAMA SÜRESİ DOLMADI: {name} {until} TARİHİNE KADAR SİLİNEMEZ'),
  ARCHIVE_NOT_STORED: client(4629, 'BU AYIN DEFTER DOSYALARI ENTEGRATÖRE GÖNDERİLMEDİ: {period}'),
  ARCHIVE_FILE_NOT_FOUND: client(4630, 'SAKLANAN DOSYA BULUNAMADI: {name}'),
  ARCHIVE_UPLOAD_TOO_LARGE: client(4631, 'DOSYA BOYUTU SINIRI AŞILDI ({limit} bayt): {name}'),

  // --- Service activation (seed 003) and kontör (47xx) ---
  SERVICE_UNKNOWN: client(4701, 'BİLİNMEYEN HİZMET: {service}'),
  SERVICE_NOT_PAID: client(4702, 'HİZMETİN ÖDEMESİ ONAYLANMADI (ONAY BEKLİYOR): {service}'),
  SERVICE_STATE: client(4703, 'HİZMET BU İŞLEME UYGUN DURUMDA DEĞİL: {service} {state}'),
  ACTIVATION_DATE_PAST: client(4704, 'AKTİVASYON TARİHİ GEÇMİŞTE OLAMAZ: {date}'),
  ACTIVATION_EFATURA_DATE: client(4705, 'E-FATURA AKTİVASYON TARİHİ DİĞER HİZMETLERDEN İLERİ TARİHLİ SEÇİLEMEZ: {detail}'),
  CONTRACT_NOT_FOUND: client(4706, 'İMZALANACAK SÖZLEŞME BULUNAMADI'),
  CONTRACT_CHANGED: client(4707, 'SÖZLEŞME GÖNDERİLENLE AYNI DEĞİL: {detail}'),
  CONTRACT_SIGNATURE: client(4708, 'SÖZLEŞME İMZASI DOĞRULANAMADI: {detail}'),
  CONTRACT_SIGNER: client(4709, 'SÖZLEŞME FİRMANIN KENDİ MALİ MÜHRÜ İLE İMZALANMALIDIR: {detail}'),
  ACTIVATION_NOT_CONFIGURED: client(4710, 'HİZMET AKTİVASYONU YAPILANDIRILMADI: {detail}'),
  SERVICE_NOT_ACTIVE: client(4711, 'HİZMET AKTİF DEĞİL: {service} ({state})'),
  CREDIT_LIMIT: client(4720, 'KONTÖR YETERSİZ: KALAN {balance}, EK LİMİT {limit}, GEREKEN {price}'),
  ORDER_NOT_FOUND: client(4721, 'SİPARİŞ BULUNAMADI: {order}'),
  ORDER_INVALID: client(4722, 'SİPARİŞ GEÇERSİZ: {detail}'),
  ORDER_STATE: client(4723, 'SİPARİŞ BU İŞLEME UYGUN DURUMDA DEĞİL: {order} {state}'),

  // --- The web portal (48xx; its pages show the message and the code) ---
  PORTAL_CSRF: client(4801, 'GÜVENLİK DOĞRULAMASI BAŞARISIZ: SAYFAYI YENİLEYİP TEKRAR DENEYİNİZ', 403),
  PORTAL_SESSION: client(4802, 'OTURUMUNUZ SONA ERDİ, TEKRAR GİRİŞ YAPINIZ', 401),
  PORTAL_NOT_FOUND: client(4803, 'ARADIĞINIZ KAYIT BULUNAMADI', 404),
  PORTAL_INPUT: client(4804, 'FORM ALANI EKSİK VEYA GEÇERSİZ: {field}', 400),
  // e-Fatura Gelen Kutusu and İptal Talepleri screens (482x)
  PORTAL_CANCEL_AMOUNT: client(4820, 'İPTAL TALEBİ OLUŞTURULAMADI: {invoiceNumber} NUMARALI FATURANIN ÖDENECEK TUTAR BİLGİSİ HATALI ({amount})', 400),
  PORTAL_DATE_RANGE: client(4821, 'TARİH ARALIĞI GEÇERSİZ: {detail}', 400),
  PORTAL_GIB_OFF: client(4822, 'BU İŞLEM İÇİN GİB BAĞLANTISI YAPILANDIRILMAMIŞ', 503),

  // --- Invoice visuals: HTML/PDF of an invoice from its embedded XSLT (49xx) ---
  VISUAL_XSLT_INVALID: client(4901, 'FATURA GÖRÜNTÜSÜ OLUŞTURULAMADI, XSLT GEÇERSİZ: {detail}'),
  VISUAL_TIMEOUT: client(4902, 'FATURA GÖRÜNTÜSÜ {seconds} SANİYEDE OLUŞTURULAMADI'),
  VISUAL_TOO_LARGE: client(4903, 'FATURA GÖRÜNTÜSÜ BOYUT SINIRINI AŞIYOR ({limit} bayt)'),
  VISUAL_UNAVAILABLE: { code: 4904, soap: 'soap:Server', http: 503, message: 'FATURA GÖRÜNTÜLEYİCİ KULLANILAMIYOR: {detail}', retryable: true } as FaultSpec,

  // --- Everything else ---
  INTERNAL: { code: 5000, soap: 'soap:Server', http: 500, message: 'SISTEM HATASI', retryable: true } as FaultSpec,
  UNAVAILABLE: { code: 5001, soap: 'soap:Server', http: 503, message: 'SERVIS GECICI OLARAK KULLANILAMIYOR', retryable: true } as FaultSpec,
} satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;

/**
 * One failed check of a document, as GİB lists them: the code and name of the gateway's fault it stands for, the
 * rule's id (GİB's, e.g. ProfileIDCheck, or the gateway's own), where it failed, the rule's text (GİB's verbatim).
 */
export interface FailedCheck {
  code: number;
  name: FaultName;
  rule: string;
  /** The element the rule failed on (e.g. `cac:InvoiceLine[2]`); '' for the document itself. */
  path: string;
  message: string;
}

/** The only error type that crosses a boundary to a caller. `params` fill the message template. */
export class GatewayError extends Error {
  readonly fault: FaultName;
  readonly spec: FaultSpec;
  readonly params: Record<string, string | number>;
  /** The other side's code as it was (GİB 1xxx/2xxx, CKR_*, SQLSTATE), kept for logs and retry decisions. */
  override readonly cause?: unknown;
  /** Every check the document failed, when the fault stands for several (GİB's schematron lists them all). */
  readonly failures: readonly FailedCheck[];

  constructor(fault: FaultName, params: Record<string, string | number> = {}, cause?: unknown, failures: readonly FailedCheck[] = []) {
    const spec: FaultSpec = FAULTS[fault];
    super(formatFault(spec.message, params));
    this.name = 'GatewayError';
    this.fault = fault;
    this.spec = spec;
    this.params = params;
    this.cause = cause;
    this.failures = failures;
  }

  get code(): number {
    return this.spec.code;
  }
}

/**
 * The fault for a document that failed several checks (at least one): the first one's fault, its text naming the
 * rule, the element and the rule's words, "(ve N hata daha)" for the rest, which the failures list carries.
 */
export function failedChecksError(failed: readonly FailedCheck[]): GatewayError {
  const f = failed[0]!;
  const detail = `${f.rule}${f.path ? ` (${f.path})` : ''}: ${f.message}${failed.length > 1 ? ` (ve ${failed.length - 1} hata daha)` : ''}`;
  // The 42xx templates name their parameter value, detail or field: the detail fills whichever it is.
  return new GatewayError(f.name, { detail, value: detail, field: detail }, undefined, failed);
}

/** Fill `{name}` placeholders; values are cut to keep faults short and free of document bodies. */
export function formatFault(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) return '';
    const text = String(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  });
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Any error as a typed fault: an unknown one becomes SISTEM HATASI (5000), its cause kept for the log only. */
export function asGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError('INTERNAL', {}, err);
}
