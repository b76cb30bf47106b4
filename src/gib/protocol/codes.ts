/**
 * GİB's own codes, as data: the envelope status codes of the system response (Ek-2 §4 "Durum Kodları ve
 * Açıklamaları") and the synchronous fault codes of the EFatura web service (Ek-3 §8 "Dönülen Aykırı Durum
 * (Exception) Kodları"). These are values that travel inside GİB's documents and SOAP faults; they are not the
 * gateway's fault catalogue (src/faults.ts), which reuses a few of them for checks the gateway makes itself.
 *
 * Texts are GİB's, character for character, as printed in
 *   ../shared/gib/docs/efatura-Ek-2e-FaturaUygulamasiSistemYanitiSemaYapisi-v1.5.txt §4 (table) and
 *   ../shared/gib/docs/efatura-Ek-3e-FaturaUygulamasiYazilimStandartlariVeNesneYapisi-v1.4.txt §8 (table),
 * including GİB's own spelling: 1120 "ARSIVDEN_KOPYALANAMADI" (underscore), 1164 "BELGEYİ", 1177 "GEÇERSİZ İMZA",
 * 1182/1183 with "İ", 1215 "TERKAR" (sic), and the final full stop of 1163/1164. test/gib/codes.test.ts reads the
 * table out of the Ek-2 text and compares every entry.
 */

/** How an envelope stands once GİB (or a receiving postbox) reports this code. */
export type GibOutcome = 'pending' | 'success' | 'error' | 'cancelled';

export interface GibStatus {
  readonly code: number;
  /** GİB's text, exactly as in the Ek-2 table. */
  readonly text: string;
  /** No later status follows for the envelope (Ek-2 §4.1: the machine stops here). */
  readonly final: boolean;
  readonly outcome: GibOutcome;
}

function status(code: number, text: string, final: boolean, outcome: GibOutcome): GibStatus {
  return Object.freeze({ code, text, final, outcome });
}

/**
 * Every code of the Ek-2 §4 table. Classification from Ek-2 §4.1/§4.2:
 * - 1000 (queued) and 1100 (processing) are the queue's own states;
 * - 1110…1195 are processing errors ("İşlenme sırasındaki hatalara ait durum kodları 1100 ile 1200 arasındadır …
 *   Zarf gönderiminde bir sonraki aşamaya geçilmez"): final errors, a system response goes back;
 * - 1200 (processed): the check passed; at Merkez the envelope then goes on to the receiver, so it is not final
 *   for the sender (a receiving postbox's own 1200 is what turns Merkez's 1220 into 1300);
 * - 1210 (could not deliver): retried four times two hours apart, then 1215 — an error, but not final;
 * - 1220 (no answer from the receiver yet): waiting;
 * - 1215 and 1230: final errors (the invoices may be sent again with the same IDs);
 * - 1235 (invoice cancelled): final, neither success nor a processing error;
 * - 1300 (completed): final success.
 */
export const GIB_STATUSES: Readonly<Record<number, GibStatus>> = Object.freeze({
  1000: status(1000, 'ZARF KUYRUGA EKLENDI', false, 'pending'),
  1100: status(1100, 'ZARF ISLENIYOR', false, 'pending'),
  1110: status(1110, 'ZIP DOSYASI DEGIL', true, 'error'),
  1111: status(1111, 'ZARF ID UZUNLUGU GECERSIZ', true, 'error'),
  1120: status(1120, 'ZARF ARSIVDEN_KOPYALANAMADI', true, 'error'),
  1130: status(1130, 'ZIP ACILAMADI', true, 'error'),
  1131: status(1131, 'ZIP BIR DOSYA ICERMELI', true, 'error'),
  1132: status(1132, 'XML DOSYASI DEGIL', true, 'error'),
  1133: status(1133, 'ZARF ID VE XML DOSYASININ ADI AYNI OLMALI', true, 'error'),
  1140: status(1140, 'DOKUMAN AYRISTIRILAMADI', true, 'error'),
  1141: status(1141, 'ZARF ID YOK', true, 'error'),
  1142: status(1142, 'ZARF ID VE ZIP DOSYASI ADI AYNI OLMALI', true, 'error'),
  1143: status(1143, 'GECERSIZ VERSIYON', true, 'error'),
  1150: status(1150, 'SCHEMATRON KONTROL SONUCU HATALI', true, 'error'),
  1160: status(1160, 'XML SEMA KONTROLUNDEN GECEMEDI', true, 'error'),
  1161: status(1161, 'IMZA SAHIBI TCKN VKN ALINAMADI', true, 'error'),
  1162: status(1162, 'IMZA KAYDEDILEMEDI', true, 'error'),
  1163: status(1163, 'GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR.', true, 'error'),
  1164: status(1164, 'GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR BELGEYİ ICERMEKTEDIR.', true, 'error'),
  1170: status(1170, 'YETKI KONTROL EDILEMEDI', true, 'error'),
  1171: status(1171, 'GONDERICI BIRIM YETKISI YOK', true, 'error'),
  1172: status(1172, 'POSTA KUTUSU YETKISI YOK', true, 'error'),
  1175: status(1175, 'IMZA YETKISI KONTROL EDILEMEDI', true, 'error'),
  1176: status(1176, 'IMZA SAHIBI YETKISIZ', true, 'error'),
  1177: status(1177, 'GEÇERSİZ İMZA', true, 'error'),
  1180: status(1180, 'ADRES KONTROL EDILEMEDI', true, 'error'),
  1181: status(1181, 'ADRES BULUNAMADI', true, 'error'),
  1182: status(1182, 'KULLANICI EKLENEMEDİ', true, 'error'),
  1183: status(1183, 'KULLANICI SİLENEMEDİ', true, 'error'),
  1190: status(1190, 'SISTEM YANITI HAZIRLANAMADI', true, 'error'),
  1195: status(1195, 'SISTEM HATASI', true, 'error'),
  1200: status(1200, 'ZARF BASARIYLA ISLENDI', false, 'success'),
  1210: status(1210, 'DOKUMAN BULUNAN ADRESE GONDERILEMEDI', false, 'error'),
  1215: status(1215, 'DOKUMAN GONDERIMI BASARISIZ. TERKAR GONDERME SONLANDI', true, 'error'),
  1220: status(1220, 'HEDEFTEN SISTEM YANITI GELMEDI', false, 'pending'),
  1230: status(1230, 'HEDEFTEN SISTEM YANITI BASARISIZ GELDI', true, 'error'),
  1235: status(1235, "FATURA IPTAL'E KONU EDILDI", true, 'cancelled'),
  1300: status(1300, 'BASARIYLA TAMAMLANDI', true, 'success'),
});

/**
 * The codes GİB's codelist allows in the LineResponse of a system response carried in a SYSTEMENVELOPE
 * (`AppResponseCodeType`, ../shared/gib/e-fatura-paketi/schematron/UBL-TR_Codelist.xml). It holds 1191, which the
 * Ek-2 table does not describe, and none of the Merkez-only states (1210…1300) that getApplicationResponse reports.
 */
export const SYSTEM_ENVELOPE_RESPONSE_CODES: ReadonlySet<number> = new Set([
  1000, 1100, 1110, 1111, 1120, 1130, 1131, 1132, 1133, 1140, 1141, 1142, 1143, 1150, 1160, 1161, 1162, 1163, 1170,
  1171, 1172, 1175, 1176, 1177, 1180, 1181, 1182, 1183, 1190, 1191, 1195, 1200,
]);

/**
 * The status for a code, also for a code outside the Ek-2 table (1191 from GİB's codelist, or one GİB adds later):
 * anything else between 1100 and 1200 is a processing error (Ek-2 §4.1); other unknown codes are reported as pending,
 * not final, so the caller keeps asking rather than settling on a guess.
 */
export function gibStatus(code: number): GibStatus {
  const known = GIB_STATUSES[code];
  if (known) return known;
  if (code > 1100 && code < 1200) return status(code, '', true, 'error');
  return status(code, '', false, 'pending');
}

/** The synchronous faults of sendDocument/getApplicationResponse, in an EFaturaFault detail (Ek-3 §8). */
export const EFATURA_FAULTS: Readonly<Record<number, string>> = Object.freeze({
  2000: 'OZET DEGERLER ESIT DEGIL',
  2001: 'ZARF ID SISTEMDE MEVCUT',
  2002: 'ZARF ARSIVE EKLENEMEDI',
  2003: 'ZARF KUYRUGA EKLENEMEDI',
  2004: 'ZARF ID BULUNAMADI',
  2005: 'SISTEM HATASI',
  2006: 'GECERSIZ ZARF ADI',
  2007: 'PAKET GÖNDERMEYE VE SORGULAMAYA YETKİNİZ GEÇİCİ OLARAK KALDIRILMIŞTIR.',
});

/**
 * Whether an EFatura fault is the caller's doing (SOAP 1.2 `soap:Sender`) or GİB's (`soap:Receiver`), and whether
 * the same call may succeed later. Ek-3 §8 names the codes only; this split is ours: a wrong hash (2000), a known
 * envelope ID (2001), an unknown one (2004), a bad file name (2006) need a different request; the archive, queue and
 * system errors (2002, 2003, 2005) are GİB's and transient; 2007 is a suspension that lifts later ("geçici olarak").
 */
export const EFATURA_FAULT_KIND: Readonly<Record<number, { soap: 'Sender' | 'Receiver'; retryable: boolean }>> = Object.freeze({
  2000: { soap: 'Sender', retryable: false },
  2001: { soap: 'Sender', retryable: false },
  2002: { soap: 'Receiver', retryable: true },
  2003: { soap: 'Receiver', retryable: true },
  2004: { soap: 'Sender', retryable: false },
  2005: { soap: 'Receiver', retryable: true },
  2006: { soap: 'Sender', retryable: false },
  2007: { soap: 'Sender', retryable: true },
});

/** GİB's text for any code of either table; '' for an unknown code. */
export function gibText(code: number): string {
  return GIB_STATUSES[code]?.text ?? EFATURA_FAULTS[code] ?? '';
}
