/**
 * Code lists the gateway checks, as GİB's schematron package defines them
 * (e-fatura-paketi/schematron/UBL-TR_Codelist.xml, rules 20260312). test/validation/rules.test.ts reads that file
 * and fails when a list here drifts from it.
 */

/** UBL-TR_Codelist.xml `ProfileIDType` (e-Fatura scenarios). */
export const EFATURA_PROFILES: ReadonlySet<string> = new Set([
  'TICARIFATURA', 'TEMELFATURA', 'YOLCUBERABERFATURA', 'IHRACAT', 'OZELFATURA', 'KAMU', 'HKS', 'ENERJI',
  'ILAC_TIBBICIHAZ', 'YATIRIMTESVIK', 'IDIS',
]);

/** UBL-TR_Codelist.xml `ProfileIDTypeEarchive` (the schematron run with type=earchive). */
export const EARSIV_PROFILES: ReadonlySet<string> = new Set(['EARSIVFATURA']);

/** UBL-TR_Codelist.xml `InvoiceTypeCodeList`. */
export const INVOICE_TYPE_CODES: ReadonlySet<string> = new Set([
  'SATIS', 'IADE', 'TEVKIFAT', 'TEVKIFATIADE', 'ISTISNA', 'OZELMATRAH', 'IHRACKAYITLI', 'SGK', 'KOMISYONCU',
  'HKSSATIS', 'HKSKOMISYONCU', 'KONAKLAMAVERGISI', 'SARJ', 'SARJANLIK', 'TEKNOLOJIDESTEK', 'YTBSATIS', 'YTBIADE',
  'YTBISTISNA', 'YTBTEVKIFAT', 'YTBTEVKIFATIADE',
]);

/** UBL-TR_Codelist.xml `ozelMatrahTaxExemptionReasonCodeType`: KDV computed on a special base, not charged on top. */
export const OZEL_MATRAH_EXEMPTION_CODES: ReadonlySet<string> = new Set([
  '801', '802', '803', '804', '805', '806', '807', '808', '809', '810', '811', '812',
]);
