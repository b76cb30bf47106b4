/**
 * A journal (yevmiye) as the gateway reads it from a company's source, before it becomes GİB's XBRL-GL: entries
 * (yevmiye maddeleri) in order, each with its lines. Amounts are integer kuruş (bigint), so totals of a year of a
 * large company's books stay exact.
 */

export interface JournalLine {
  /** 1, 2, … within the entry. */
  lineNo: number;
  /** Main account (ana hesap), e.g. 100, 600 (Tek Düzen Hesap Planı), and its name. */
  account: string;
  accountName: string;
  /** Sub-account (alt hesap), e.g. 100.01, and its name; optional. */
  subAccount: string | null;
  subAccountName: string | null;
  /** Exactly one side carries the amount. */
  side: 'D' | 'C';
  /** Kuruş, > 0. */
  amount: bigint;
  description: string | null;
  /** The source document (belge) the line records: GİB's documentType code, number, date (YYYY-MM-DD). */
  documentType: string | null;
  documentTypeDescription: string | null;
  documentNumber: string | null;
  documentDate: string | null;
  /** How it was paid (ödeme şekli), free text, for lines backed by an invoice. */
  paymentMethod: string | null;
}

export interface JournalEntry {
  /** Yevmiye madde numarası: consecutive across the fiscal year. */
  number: number;
  /** YYYY-MM-DD. */
  date: string;
  description: string | null;
  lines: JournalLine[];
  /** Where it came from in the source, for error texts (e.g. "satır 12"). */
  source: string;
}

/** "123.45" for 12345n kuruş. */
export function formatKurus(kurus: bigint): string {
  const sign = kurus < 0n ? '-' : '';
  const abs = kurus < 0n ? -kurus : kurus;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Amounts as an ERP writes them: digits, at most two decimals after a dot or a comma, no thousands separators. */
export function parseKurus(text: string): bigint | null {
  const m = /^(\d{1,15})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '0').padEnd(2, '0'));
}
