/**
 * A journal exported by an ERP as CSV (seed 001's "CSV" source: a header row, `;` between fields by default; both are
 * options, as in the seed's upload dialog), read as a stream: one entry (all lines with the same fis_no, which must
 * be adjacent) at a time, so a ledger of any size costs the memory of its largest entry. Columns, by header name in
 * any order (without a header row, in this order); README "e-Defter: the CSV journal" documents each:
 *
 *   fis_no; fis_tarihi; satir_no; hesap_kodu; hesap_adi; alt_hesap_kodu; alt_hesap_adi; borc; alacak; aciklama;
 *   belge_turu; belge_turu_aciklama; belge_no; belge_tarihi; odeme_sekli; fis_aciklama
 *
 * Anything that cannot be read is a LEDGER_SOURCE fault naming the CSV line and the column, before any of it is used.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { GatewayError } from '../faults';
import { parseKurus, type JournalEntry, type JournalLine } from './journal';

export const CSV_COLUMNS = [
  'fis_no', 'fis_tarihi', 'satir_no', 'hesap_kodu', 'hesap_adi', 'alt_hesap_kodu', 'alt_hesap_adi', 'borc', 'alacak',
  'aciklama', 'belge_turu', 'belge_turu_aciklama', 'belge_no', 'belge_tarihi', 'odeme_sekli', 'fis_aciklama',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['fis_no', 'fis_tarihi', 'hesap_kodu', 'hesap_adi', 'borc', 'alacak'];

export interface CsvJournalOptions {
  /** Field separator; `;` by default. */
  delimiter?: string;
  /** Whether the first row names the columns (default true). */
  header?: boolean;
}

const fault = (detail: string) => new GatewayError('LEDGER_SOURCE', { detail });

/** Dates already seen valid: a month's journal has a few dozen distinct ones, each written on thousands of lines. */
const validDays = new Set<string>();

function day(value: string, where: string): string {
  const v = value.trim();
  if (validDays.has(v)) return v.length === 10 && v[4] === '-' ? v : `${v.slice(6)}-${v.slice(3, 5)}-${v.slice(0, 2)}`;
  // YYYY-MM-DD, or DD.MM.YYYY as Turkish ERPs write it; round-tripped (Date.parse takes 2026-02-30).
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) ?? (/^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v) && [v, v.slice(6), v.slice(3, 5), v.slice(0, 2)]);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
    throw fault(`${where}: tarih YYYY-AA-GG veya GG.AA.YYYY olmalı ("${value.slice(0, 20)}")`);
  }
  if (validDays.size < 10_000) validDays.add(v);
  return iso;
}

/** The entries of a CSV journal, in the file's order. */
export async function* readCsvJournal(input: Readable, o: CsvJournalOptions = {}): AsyncGenerator<JournalEntry> {
  const delimiter = o.delimiter ?? ';';
  const header = o.header ?? true;
  const parser = input.pipe(
    parse({ delimiter, bom: true, relax_column_count: false, skip_empty_lines: true, trim: true, info: true, max_record_size: 64 * 1024 }),
  );
  let index: Map<Column, number> | null = header ? null : new Map(CSV_COLUMNS.map((c, i) => [c, i]));
  let entry: JournalEntry | null = null;
  const seen = new Set<number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const where = `CSV satır ${info.lines}`;
      if (!index) {
        const names = record.map((h) => h.trim().toLowerCase());
        const missing = REQUIRED.filter((c) => !names.includes(c));
        if (missing.length > 0) {
          const hint = names.length === 1 && names[0]!.includes(delimiter === ';' ? ',' : ';') ? ` (ayraç "${delimiter}" mi?)` : '';
          throw fault(`başlık satırında eksik sütun: ${missing.join(', ')}${hint}`);
        }
        index = new Map(CSV_COLUMNS.filter((c) => names.includes(c)).map((c) => [c, names.indexOf(c)]));
        continue;
      }
      const get = (c: Column): string => {
        const i = index!.get(c);
        return i === undefined ? '' : (record[i] ?? '');
      };
      const optional = (c: Column): string | null => get(c) || null;
      const number = Number(get('fis_no'));
      if (!/^\d{1,9}$/.test(get('fis_no')) || number < 1) throw fault(`${where}: fis_no pozitif bir tam sayı olmalı ("${get('fis_no').slice(0, 20)}")`);
      if (!get('hesap_kodu') || !get('hesap_adi')) throw fault(`${where}: hesap_kodu ve hesap_adi zorunlu`);
      const debit = parseKurus(get('borc') || '0');
      const credit = parseKurus(get('alacak') || '0');
      if (debit === null) throw fault(`${where}: borc sayı değil ("${get('borc').slice(0, 20)}")`);
      if (credit === null) throw fault(`${where}: alacak sayı değil ("${get('alacak').slice(0, 20)}")`);
      if ((debit > 0n) === (credit > 0n)) throw fault(`${where}: satırda ya borç ya alacak tutarı olmalı`);
      const date = day(get('fis_tarihi'), `${where} fis_tarihi`);

      if (entry && entry.number !== number) {
        yield entry;
        entry = null;
      }
      if (!entry) {
        if (seen.has(number)) throw fault(`${where}: ${number} numaralı fişin satırları ardışık değil`);
        seen.add(number);
        entry = { number, date, description: optional('fis_aciklama'), lines: [], source: where };
      } else if (entry.date !== date) {
        throw fault(`${where}: ${number} numaralı fişin satırlarında farklı tarihler var`);
      }
      const lineNo = get('satir_no') ? Number(get('satir_no')) : entry.lines.length + 1;
      if (lineNo !== entry.lines.length + 1) throw fault(`${where}: satir_no ${entry.lines.length + 1} olmalı ("${get('satir_no').slice(0, 10)}")`);
      const line: JournalLine = {
        lineNo,
        account: get('hesap_kodu'),
        accountName: get('hesap_adi'),
        subAccount: optional('alt_hesap_kodu'),
        subAccountName: optional('alt_hesap_adi'),
        side: debit > 0n ? 'D' : 'C',
        amount: debit > 0n ? debit : credit,
        description: optional('aciklama'),
        documentType: optional('belge_turu'),
        documentTypeDescription: optional('belge_turu_aciklama'),
        documentNumber: optional('belge_no'),
        documentDate: get('belge_tarihi') ? day(get('belge_tarihi'), `${where} belge_tarihi`) : null,
        paymentMethod: optional('odeme_sekli'),
      };
      entry.lines.push(line);
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    // csv-parse's own errors (a quote left open, a row with a different number of fields): its code and line only.
    const e = err as { code?: string; lines?: number };
    throw fault(`CSV satır ${e.lines ?? '?'}: okunamadı (${e.code ?? 'CSV'})`);
  }
  if (entry) yield entry;
}
