/**
 * The checks a journal must pass before anything is built from it or signed (issue 12; GİB's Yevmiye guide and seed
 * 001: "borç ve alacak toplamları eşit", "yevmiye madde numaraları müteselsil"), applied to entries as they stream
 * past, so a ledger of any size is checked in one pass with constant memory:
 *   - each entry balances (total debit = total credit), and so does the whole period;
 *   - entry numbers run on without a gap or a repeat from the first number of the period (1 in the fiscal year's
 *     first period, else the previous period's last + 1);
 *   - entry dates lie within the period and never go back (a journal is chronological).
 */
import { GatewayError } from '../faults';
import { formatKurus, type JournalEntry } from './journal';

export interface JournalPeriod {
  /** YYYY-MM-DD, both included. */
  start: string;
  end: string;
  /**
   * The first entry's number in this period; null when the previous period is not known here (a company that
   * starts with the gateway mid-year): the first entry's own number is taken, and the rest must follow it.
   */
  firstEntryNumber: number | null;
}

export interface JournalTotals {
  entries: number;
  lines: number;
  debit: bigint;
  credit: bigint;
  /** The last entry's number (firstEntryNumber - 1 for an empty ledger: the next period starts after it). */
  lastEntryNumber: number;
}

export function createJournalChecker(period: JournalPeriod) {
  const totals: JournalTotals = { entries: 0, lines: 0, debit: 0n, credit: 0n, lastEntryNumber: (period.firstEntryNumber ?? 1) - 1 };
  let lastDate = period.start;
  return {
    /** Checks one entry (in order) and adds it to the totals; a GatewayError names the entry and what is wrong. */
    check(entry: JournalEntry): void {
      const where = `${entry.number} numaralı madde (${entry.source})`;
      if (period.firstEntryNumber === null && totals.entries === 0) totals.lastEntryNumber = entry.number - 1;
      const expected = totals.lastEntryNumber + 1;
      if (entry.number !== expected) {
        const what = entry.number <= totals.lastEntryNumber ? 'tekrar veya geri gidiyor' : `${expected}–${entry.number - 1} eksik`;
        throw new GatewayError('LEDGER_SEQUENCE', { detail: `${where}: ${expected} bekleniyordu, ${what}` });
      }
      if (entry.date < period.start || entry.date > period.end) {
        throw new GatewayError('LEDGER_DATE', { detail: `${where}: ${entry.date} tarihi ${period.start}–${period.end} dönemi dışında` });
      }
      if (entry.date < lastDate) {
        throw new GatewayError('LEDGER_DATE', { detail: `${where}: ${entry.date} tarihi önceki maddenin tarihinden (${lastDate}) önce` });
      }
      if (entry.lines.length < 2) throw new GatewayError('LEDGER_UNBALANCED', { detail: `${where}: bir madde en az iki satırdır` });
      let debit = 0n;
      let credit = 0n;
      for (const l of entry.lines) {
        if (l.side === 'D') debit += l.amount;
        else credit += l.amount;
      }
      if (debit !== credit) {
        throw new GatewayError('LEDGER_UNBALANCED', { detail: `${where}: borç ${formatKurus(debit)}, alacak ${formatKurus(credit)}` });
      }
      totals.entries++;
      totals.lines += entry.lines.length;
      totals.debit += debit;
      totals.credit += credit;
      totals.lastEntryNumber = entry.number;
      lastDate = entry.date;
    },
    totals: (): Readonly<JournalTotals> => totals,
  };
}
