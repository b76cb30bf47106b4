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
import fsp from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { XML_DECLARATION, canonicalOut, type SignatureFor } from './canonical-out';
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

/** A part's file while it is written: `tempPath` holds what `out` took (a part that must be split is re-read). */
export interface PartFile {
  out: Writable;
  tempPath: string;
  abort(): Promise<void>;
}

/** A closed part of the Yevmiye (built, not sealed). */
export interface YevmiyePart<F extends PartFile> {
  /** 0 when the month is one part; else 1, 2, … (Teknik Kılavuz §2.4.1). */
  part: number;
  /** periodCoveredStart and End as §2.2 sets them. */
  periodStart: string;
  periodEnd: string;
  digest: string;
  bytes: number;
  file: F;
}

/** Room kept in a part for what follows its last entry (xbrli:xbrl's end, the seal, the root's end). */
const PART_RESERVE = 16 * 1024;

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * The Yevmiye in parts of at most `maxBytes` each (Teknik Kılavuz §2.2: a book over 200 MB is split; an entry never
 * spans two parts). A part's periodCoveredStart is the first entry's date — the period's start for the first part,
 * and never later than the day after the previous part's end, so no day falls between parts; its periodCoveredEnd is
 * its last entry's date — the period's end for the last part. Both are in the part's header, written before its
 * entries, so a part is written as if it were the last (start known, end = the period's end) and, only when it
 * fills up, written again with its real end: its entries are copied from the first file into a new one. A month
 * that fits in one part (nearly all of them) is written once, as part 0.
 *
 * `entry` returns the part the entry went into and, when it started a new part, the part it closed.
 */
export async function createPartedYevmiye<F extends PartFile>(h: YevmiyeHeader, maxBytes: number, open: (part: number) => Promise<F>) {
  let lineNumber = h.firstLineNumber;
  let index = 1; // this part's number if the month turns out to have several
  let start = h.periodStart;
  let file = await open(0);
  let doc = await canonicalOut(file.out);
  let head = documentHead('defter', 'Y', { ...h, periodStart: start });
  await doc.write(head);
  // Bytes of the part so far (XML declaration and head included); where its entries start; its last entry's date.
  let size = Buffer.byteLength(XML_DECLARATION) + Buffer.byteLength(head);
  const bodyStart = () => Buffer.byteLength(XML_DECLARATION) + Buffer.byteLength(head);
  let lastDate: string | null = null;
  const closed: Array<YevmiyePart<F>> = [];

  /** The full part, written again with its real end date into part file `index`. */
  async function closePart(): Promise<YevmiyePart<F>> {
    const from = bodyStart();
    const to = size;
    await doc.flush();
    await new Promise<void>((resolve, reject) => file.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const again = await open(index);
    try {
      const out = await canonicalOut(again.out);
      await out.write(documentHead('defter', 'Y', { ...h, periodStart: start, periodEnd: lastDate! }));
      // The entries' bytes are canonical UTF-8 already: hashed and written as they are.
      const input = await fsp.open(file.tempPath, 'r');
      try {
        const chunk = Buffer.allocUnsafe(1 << 20);
        for (let at = from; at < to; ) {
          const { bytesRead } = await input.read(chunk, 0, Math.min(chunk.length, to - at), at);
          if (bytesRead === 0) throw new Error(`${file.tempPath}: shorter than written`);
          await out.writeBytes(chunk.subarray(0, bytesRead));
          at += bytesRead;
        }
      } finally {
        await input.close();
      }
      await out.write(XBRL_END);
      const { digest, bytes } = await out.close(rootEnd('defter'), '');
      await file.abort();
      return { part: index, periodStart: start, periodEnd: lastDate!, digest, bytes, file: again };
    } catch (err) {
      await again.abort();
      throw err;
    }
  }

  return {
    async entry(e: JournalEntry): Promise<{ part: number; closed: YevmiyePart<F> | null }> {
      const text = entryXml(e, lineNumber, h.company.enteredBy);
      const n = Buffer.byteLength(text);
      let done: YevmiyePart<F> | null = null;
      if (lastDate !== null && size + n + PART_RESERVE > maxBytes) {
        done = await closePart();
        closed.push(done);
        index++;
        start = e.date < nextDay(lastDate) ? e.date : nextDay(lastDate);
        file = await open(index);
        doc = await canonicalOut(file.out);
        head = documentHead('defter', 'Y', { ...h, periodStart: start });
        await doc.write(head);
        size = bodyStart();
      }
      await doc.write(text);
      size += n;
      lastDate = e.date;
      lineNumber += e.lines.length;
      return { part: closed.length === 0 ? 0 : index, closed: done };
    },
    /** Closes the last part (its end is the period's), unsealed; returns every part in order. */
    async end(): Promise<{ parts: Array<YevmiyePart<F>>; nextLineNumber: number }> {
      await doc.write(XBRL_END);
      const { digest, bytes } = await doc.close(rootEnd('defter'), '');
      const last = { part: closed.length === 0 ? 0 : index, periodStart: start, periodEnd: h.periodEnd, digest, bytes, file };
      return { parts: [...closed, last], nextLineNumber: lineNumber };
    },
    /** Leaves nothing of the part being written (the closed ones are the caller's). */
    abort: () => file.abort(),
  };
}
