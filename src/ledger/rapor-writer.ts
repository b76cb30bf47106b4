/**
 * The month's Defter Raporu Beratı (DR; Teknik Kılavuz §2.6–2.8, the Defter Raporu Beratı Kılavuzu, GİB's
 * `edefter_rapor.sch` and edefter.xsd's `defterraporu`): one per month whatever the books' parts (part 000000,
 * `VKN-YYYYMM-DR-000000.xml`), built as if the month's Büyük Defter were one book. Like a berat (a trial balance):
 *
 * - root `edefter:defterraporu` = xbrli:xbrl, then the DR's own ds:Signature — no copied book SignatureValue (the XSD
 *   has no place for one, unlike the berat's), no HashValue;
 * - every fact in context "now"; its segment holds only the DR's own UUID (ettn; numberOfEntries is the Yevmiye
 *   berat's alone, and the rules forbid it here; no measurableQuantity: the DR summarises no single book file);
 * - documentInfo and entityInformation as the books' (xbrl-gl.ts documentHead), with entriesType `trialbalance` and
 *   "defter raporu" in entriesComment; uniqueID is the caller's control number (the rules want 15 characters holding
 *   the period's YYYYMM; the guides name no DR-specific number, so the month's Büyük Defter control number is used);
 * - one `standard` entryHeader with, for every main account of the month, a debit (D) and a credit (C)
 *   `period_change` line: the month's gross debit resp. credit of the account (not the Kebir's net totalDebit /
 *   totalCredit, as the DR guide's 100 KASA example stresses) and, in documentApplyToNumber, how many lines that
 *   side had; lineNumber 1, 2, 3… throughout.
 *
 * Written in canonical XML like the books and berats, hashed as it is written, and sealed the same way.
 */
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { canonicalOut, type SignatureFor } from './canonical-out';
import { RAPOR, XBRL_END, documentHead, facts, rootEnd, type LedgerDocumentInfo } from './xbrl-gl';

/** One main account's month: its name, gross debit and credit (kuruş), and its number of debit and credit lines. */
export interface RaporAccount {
  main: string;
  name: string;
  debit: bigint;
  credit: bigint;
  debitCount: number;
  creditCount: number;
}

export interface RaporInput extends LedgerDocumentInfo {
  /** The month's main accounts (any order: written in accountMainID string order). */
  accounts: RaporAccount[];
  /** The DR's own uniqueID (ettn); a new UUID by default. */
  uuid?: string;
}

const byMain = (a: RaporAccount, b: RaporAccount) => (a.main < b.main ? -1 : a.main > b.main ? 1 : 0);

/** Writes the DR to `out` in canonical XML, hashed as it is written; `signature` as berat-writer's. */
export async function writeDefterRaporu(out: Writable, r: RaporInput, signature: string | SignatureFor): Promise<{ digest: string; bytes: number; uuid: string }> {
  const { fact, money } = facts(RAPOR.ctx);
  const uuid = r.uuid ?? randomUUID();
  const accounts = [...r.accounts].sort(byMain);
  accounts.forEach((a, i) => {
    // What GİB's rules would refuse, or figures that cannot be a month's lines: a programming error upstream.
    if (i > 0 && accounts[i - 1]!.main === a.main) throw new Error(`Defter raporu: ${a.main} hesabı iki kez verildi`);
    for (const [amount, count] of [[a.debit, a.debitCount], [a.credit, a.creditCount]] as const) {
      if (amount < 0n || !Number.isSafeInteger(count) || count < 0 || (count === 0 && amount !== 0n)) {
        throw new Error(`Defter raporu: ${a.main} hesabının tutarı (${amount}) ve satır sayısı (${count}) tutarsız`);
      }
    }
  });
  const doc = await canonicalOut(out);
  await doc.write(
    documentHead('defterraporu', 'DR', r, `<xbrli:segment>${fact('gl-cor:uniqueID', uuid)}</xbrli:segment>`) +
      `<gl-cor:entryHeader>${fact('gl-cor:qualifierEntry', 'standard')}`,
  );
  let line = 0;
  for (const a of accounts) {
    const account = `<gl-cor:account>${fact('gl-cor:accountMainID', a.main)}${fact('gl-cor:accountMainDescription', a.name)}</gl-cor:account>`;
    for (const [side, amount, count] of [['D', a.debit, a.debitCount], ['C', a.credit, a.creditCount]] as const) {
      await doc.write(
        `<gl-cor:entryDetail>${fact('gl-cor:lineNumber', String(++line))}${account}${money('gl-cor:amount', amount)}` +
          `${fact('gl-cor:debitCreditCode', side)}${fact('gl-cor:documentApplyToNumber', String(count))}` +
          `<gl-cor:xbrlInfo>${fact('gl-cor:xbrlInclude', 'period_change')}</gl-cor:xbrlInfo></gl-cor:entryDetail>`,
      );
    }
  }
  await doc.write(`</gl-cor:entryHeader>${XBRL_END}`);
  const { digest, bytes } = await doc.close(rootEnd('defterraporu'), signature);
  return { digest, bytes, uuid };
}
