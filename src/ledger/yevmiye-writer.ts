/**
 * GİB's Yevmiye (journal) in XBRL-GL, written entry by entry to a stream, so that a ledger of any size is built with
 * the memory of one entry (issue 12, "Dosya Oluştur"). The layout is the one GİB's Yevmiye guide and its rules
 * (`gib/edefter/sch/edefter_yevmiye.sch`) ask for; test/ledger/yevmiye.test.ts holds the output to GİB's XSD
 * (xmllint) and schematron (Saxon-HE). What the rules check and the guides' examples get wrong: every `decimals` is
 * INF; totalDebit and totalCredit are compared as strings, so both are written the same way; lineNumber runs over the
 * fiscal year, not per entry; an entry's lines carry its madde number (lineNumberCounter) and, as documentReference,
 * its fiş number (entryNumber); what all the books share is in xbrl-gl.ts. The output is canonical XML, hashed as
 * it is written (canonical-out.ts), so `end()` seals it — the enveloped ds:Signature after xbrli:xbrl — without the
 * document ever being parsed.
 */
import type { Writable } from 'node:stream';
import { canonicalOut, type SignatureFor } from './canonical-out';
import type { JournalEntry } from './journal';
import { BOOKS, XBRL_END, detailXml, documentHead, facts, fisNo, rootEnd, type LedgerDocumentInfo } from './xbrl-gl';

export interface YevmiyeHeader extends LedgerDocumentInfo {
  /** The first line's number (lineNumber runs on over the fiscal year): 1 in its first period. */
  firstLineNumber: number;
}

const CTX = BOOKS.Y.ctx;
const { fact, money, count } = facts(CTX);

/** One entry; `lineNumber` is the first line's number in the fiscal year. */
function entryXml(e: JournalEntry, lineNumber: number, enteredBy: string): string {
  let debit = 0n;
  let credit = 0n;
  for (const l of e.lines) {
    if (l.side === 'D') debit += l.amount;
    else credit += l.amount;
  }
  return (
    `<gl-cor:entryHeader>${fact('gl-cor:enteredBy', enteredBy)}${fact('gl-cor:enteredDate', e.date)}${fact('gl-cor:entryNumber', fisNo(e.number))}` +
    (e.description ? fact('gl-cor:entryComment', e.description) : '') +
    `${money('gl-bus:totalDebit', debit)}${money('gl-bus:totalCredit', credit)}${count('gl-cor:entryNumberCounter', e.number)}` +
    e.lines.map((l, i) => detailXml(CTX, l, lineNumber + i, e)).join('') +
    '</gl-cor:entryHeader>'
  );
}

/** Writes a Yevmiye to `out`: the header now, each entry as it comes (waiting when `out` is full), then the end. */
export async function createYevmiyeWriter(out: Writable, h: YevmiyeHeader) {
  let lineNumber = h.firstLineNumber;
  const doc = await canonicalOut(out);
  await doc.write(documentHead('defter', 'Y', h));
  return {
    async entry(e: JournalEntry): Promise<void> {
      await doc.write(entryXml(e, lineNumber, h.company.enteredBy));
      lineNumber += e.lines.length;
    },
    /** Closes xbrli:xbrl; the enveloped ds:Signature (given, or made for the document's digest) goes before the root's end. */
    async end(signature: string | SignatureFor): Promise<{ nextLineNumber: number; digest: string; bytes: number }> {
      await doc.write(XBRL_END);
      const { digest, bytes } = await doc.close(rootEnd('defter'), signature);
      return { nextLineNumber: lineNumber, digest, bytes };
    },
  };
}
