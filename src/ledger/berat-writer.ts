/**
 * A book's berat (Yevmiye beratı YB, Büyük Defter beratı KB) as GİB's Berat guide and `edefter_berat.sch` define it:
 * the book's own documentInfo and entityInformation (same control number, period and dates); in the context's
 * segment the book's number of entries (Yevmiye only), a new UUID, and the book's size in MB (two decimals, bytes
 * divided twice by 1024); one `standard` entryHeader of ten lines — the period's debit and credit movements
 * (period_change) of 391 Hesaplanan KDV, 191 İndirilecek KDV, 600 Yurt İçi Satışlar, 601 Yurt Dışı Satışlar and
 * 602 Diğer Gelirler; and, after xbrli:xbrl, the book's own ds:SignatureValue (the link GİB checks between the two),
 * then the berat's seal. Written in canonical XML like the books, so it is sealed the same way.
 */
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { escapeAttr, escapeText } from '../xml/c14n';
import { canonicalOut, type SignatureFor } from './canonical-out';
import type { JournalEntry } from './journal';
import { BOOKS, XBRL_END, documentHead, facts, rootEnd, type BookKind, type LedgerDocumentInfo } from './xbrl-gl';

/** The accounts of the berat's tax detail, in the guide's order, with its names. */
export const BERAT_ACCOUNTS = [
  ['391', 'Hesaplanan KDV'],
  ['191', 'İndirilecek KDV'],
  ['600', 'Yurt İçi Satışlar'],
  ['601', 'Yurt Dışı Satışlar'],
  ['602', 'Diğer Gelirler'],
] as const;

export type BeratAccountTotals = Record<(typeof BERAT_ACCOUNTS)[number][0], { debit: string; credit: string }>;

/** Sums the period's debit and credit of the berat's accounts as the journal streams past (kuruş, as strings). */
export function createBeratTotals() {
  const sums = new Map<string, { debit: bigint; credit: bigint }>(BERAT_ACCOUNTS.map(([a]) => [a, { debit: 0n, credit: 0n }]));
  return {
    add(e: JournalEntry): void {
      for (const l of e.lines) {
        const s = sums.get(l.account);
        if (!s) continue;
        if (l.side === 'D') s.debit += l.amount;
        else s.credit += l.amount;
      }
    },
    result(): BeratAccountTotals {
      return Object.fromEntries([...sums].map(([a, s]) => [a, { debit: String(s.debit), credit: String(s.credit) }])) as BeratAccountTotals;
    },
  };
}

export interface BeratInput extends LedgerDocumentInfo {
  book: BookKind;
  /** The book's yevmiye maddeleri (Yevmiye berat only). */
  numberOfEntries: number;
  /** The sealed book's size in bytes. */
  bookBytes: number;
  /** The sealed book's ds:SignatureValue: its Id and base64 text. */
  signatureValue: { id: string; value: string };
  totals: BeratAccountTotals;
  /** The berat's own uniqueID; a new UUID by default. */
  uuid?: string;
}

/** "0.06" for 66,135 bytes, as the guide computes it. */
export function sizeInMb(bytes: number): string {
  return (Math.round((bytes / 1024 / 1024) * 100) / 100).toFixed(2);
}

/** Writes the berat to `out`, sealed with `signature`. */
export async function writeBerat(out: Writable, b: BeratInput, signature: string | SignatureFor): Promise<{ digest: string; bytes: number; uuid: string }> {
  const { ctx } = BOOKS[b.book];
  const { fact, money, count } = facts(ctx);
  const uuid = b.uuid ?? randomUUID();
  const segment =
    '<xbrli:segment>' +
    (b.book === 'Y' ? count('gl-bus:numberOfEntries', b.numberOfEntries) : '') +
    fact('gl-cor:uniqueID', uuid) +
    count('gl-bus:measurableQuantity', sizeInMb(b.bookBytes)) +
    '</xbrli:segment>';
  let line = 0;
  const details = BERAT_ACCOUNTS.flatMap(([account, name]) =>
    (['D', 'C'] as const).map((side) => {
      const t = b.totals[account];
      return (
        `<gl-cor:entryDetail>${fact('gl-cor:lineNumber', String(++line))}` +
        `<gl-cor:account>${fact('gl-cor:accountMainID', account)}${fact('gl-cor:accountMainDescription', name)}</gl-cor:account>` +
        `${money('gl-cor:amount', BigInt(side === 'D' ? t.debit : t.credit))}${fact('gl-cor:debitCreditCode', side)}` +
        `<gl-cor:xbrlInfo>${fact('gl-cor:xbrlInclude', 'period_change')}</gl-cor:xbrlInfo></gl-cor:entryDetail>`
      );
    }),
  );
  const doc = await canonicalOut(out);
  await doc.write(
    documentHead('berat', b.book, b, segment) +
      `<gl-cor:entryHeader>${fact('gl-cor:qualifierEntry', 'standard')}${details.join('')}</gl-cor:entryHeader>` +
      XBRL_END +
      `<ds:SignatureValue Id="${escapeAttr(b.signatureValue.id)}">${escapeText(b.signatureValue.value)}</ds:SignatureValue>`,
  );
  const { digest, bytes } = await doc.close(rootEnd('berat'), signature);
  return { digest, bytes, uuid };
}
