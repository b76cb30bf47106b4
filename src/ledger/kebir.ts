/**
 * The Büyük Defter (Kebir, general ledger) derived from the journal, as GİB's Büyük Defter guide and its rules
 * (`gib/edefter/sch/edefter_kebir.sch`) lay it out: one entryHeader per sub-account (or per main account used without
 * one), in the order of the main account numbers compared as strings (fct:isSorted) and then the sub-accounts; in
 * each, the account's lines in journal order (lineNumberCounter never goes back), each the Yevmiye's line with its
 * line number in the year, madde and fiş number; the header's totals are the account's net movement (one side 0,
 * their difference the lines' debit − credit); no enteredBy or entry numbers of its own.
 *
 * A ledger is up to gigabytes, so the journal is never held: while the journal streams past, each line is kept as
 * a record in a batch, sorted and written to a temporary "run" file when the batch is full; the Büyük Defter is then
 * written from a merge of the runs, one account at a time. Only the per-account totals (one row per account, a few
 * thousand) stay in memory, so every header's totals are known before its lines.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { Writable } from 'node:stream';
import { canonicalOut, type SignatureFor } from './canonical-out';
import type { JournalEntry, JournalLine } from './journal';
import { BOOKS, XBRL_END, detailXml, documentHead, facts, rootEnd, type LedgerDocumentInfo } from './xbrl-gl';

const CTX = BOOKS.K.ctx;
const { money } = facts(CTX);

/**
 * A line as it waits in a sort run: main account, sub-account ('' for none), line number in the year, madde number,
 * date, then the line's own fields. Kept as an array, so a run file is compact JSON (no keys) and quick to read back.
 */
type LineRecord = [
  main: string, sub: string, lineNumber: number, entryNumber: number, date: string, accountName: string, subAccountName: string | null,
  side: 'D' | 'C', amount: string, description: string | null, documentType: string | null, documentTypeDescription: string | null,
  documentNumber: string | null, documentDate: string | null, paymentMethod: string | null,
];

function record(l: JournalLine, lineNumber: number, e: JournalEntry): LineRecord {
  return [l.account, l.subAccount ?? '', lineNumber, e.number, e.date, l.accountName, l.subAccountName, l.side, String(l.amount), l.description, l.documentType, l.documentTypeDescription, l.documentNumber, l.documentDate, l.paymentMethod];
}

function detailOf(r: LineRecord): string {
  const line: JournalLine = {
    lineNo: 0, account: r[0], subAccount: r[1] === '' ? null : r[1], accountName: r[5], subAccountName: r[6], side: r[7], amount: BigInt(r[8]),
    description: r[9], documentType: r[10], documentTypeDescription: r[11], documentNumber: r[12], documentDate: r[13], paymentMethod: r[14],
  };
  return detailXml(CTX, line, r[2], { number: r[3], date: r[4] });
}

export interface KebirTotals {
  debit: bigint;
  credit: bigint;
  accounts: number;
  lines: number;
}

const byKey = (a: LineRecord, b: LineRecord) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2];

const keyOf = (r: LineRecord) => `${r[0]}\u0000${r[1]}`;

/** An account's key parts and the totals of its lines. */
interface Account {
  id: number;
  main: string;
  sub: string;
  debit: bigint;
  credit: bigint;
}

/** Bytes of records a batch holds before it is sorted and spilled (besides `batchLines`). */
const BATCH_BYTES = 8 << 20;

export function createKebirBuilder(opts: { tmpDir: string; batchLines?: number }) {
  const batchLines = opts.batchLines ?? 20_000;
  // A batch is kept off the JavaScript heap: each line's record as JSON in one reused buffer, and per line its
  // account's id, line number and place in the buffer in typed arrays. Kept as objects, 20,000 lines at a time,
  // the records outlived the young generation and piled up as ≈ 100 MB of old-space garbage between major GCs.
  // Both buffers grow as needed (a typical month's batch is far below BATCH_BYTES) and are let go by cleanup().
  let arena = Buffer.allocUnsafe(0);
  let sortedOut = Buffer.allocUnsafe(0);
  let used = 0;
  let count = 0;
  let starts = new Int32Array(1024);
  let ends = new Int32Array(1024);
  let accountOf = new Int32Array(1024);
  let lineNumbers = new Float64Array(1024);
  const runs: string[] = [];
  const accounts = new Map<string, Account>();
  const accountList: Account[] = [];
  let lines = 0;
  const id = randomUUID(); // two builders may share a folder

  function grow() {
    const more = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    starts = more(starts);
    ends = more(ends);
    accountOf = more(accountOf);
    lineNumbers = more(lineNumbers);
  }

  /** The batch's line indexes in Büyük Defter order: accounts by main then sub-account, lines by line number. */
  function sortedIndexes(): Uint32Array {
    const rank = new Int32Array(accountList.length);
    [...accountList]
      .sort((a, b) => (a.main < b.main ? -1 : a.main > b.main ? 1 : a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0))
      .forEach((a, i) => (rank[a.id] = i));
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    return order.sort((a, b) => rank[accountOf[a]!]! - rank[accountOf[b]!]! || lineNumbers[a]! - lineNumbers[b]!);
  }

  async function spill() {
    if (count === 0) return;
    const need = used + count;
    if (sortedOut.length < need) sortedOut = Buffer.allocUnsafe(need);
    let n = 0;
    for (const i of sortedIndexes()) {
      n += arena.copy(sortedOut, n, starts[i], ends[i]);
      sortedOut[n++] = 0x0a;
    }
    const file = path.join(opts.tmpDir, `kebir-run-${id}-${runs.length}.jsonl`);
    await fsp.writeFile(file, sortedOut.subarray(0, n));
    runs.push(file);
    used = 0;
    count = 0;
  }

  /** The sorted records: the merge of the runs (k-way, smallest head first), or the one batch when nothing spilled. */
  async function* sorted(): AsyncGenerator<LineRecord> {
    if (runs.length === 0) {
      for (const i of sortedIndexes()) yield JSON.parse(arena.toString('utf8', starts[i], ends[i])) as LineRecord;
      return;
    }
    await spill();
    const inputs = runs.map((f) => fs.createReadStream(f));
    const interfaces = inputs.map((input) => readline.createInterface({ input, crlfDelay: Infinity }));
    const readers = interfaces.map((l) => l[Symbol.asyncIterator]());
    try {
      const heads: Array<LineRecord | null> = [];
      for (const r of readers) {
        const next = await r.next();
        heads.push(next.done ? null : (JSON.parse(next.value) as LineRecord));
      }
      for (;;) {
        let min = -1;
        for (let i = 0; i < heads.length; i++) if (heads[i] && (min === -1 || byKey(heads[i]!, heads[min]!) < 0)) min = i;
        if (min === -1) return;
        yield heads[min]!;
        const next = await readers[min]!.next();
        heads[min] = next.done ? null : (JSON.parse(next.value) as LineRecord);
      }
    } finally {
      // Also when the writing stops part-way: no run file stays open.
      for (const l of interfaces) l.close();
      for (const input of inputs) input.destroy();
    }
  }

  return {
    /** Takes one checked journal entry whose first line is `firstLineNumber` in the fiscal year. */
    async add(e: JournalEntry, firstLineNumber: number): Promise<void> {
      for (let i = 0; i < e.lines.length; i++) {
        const l = e.lines[i]!;
        const key = `${l.account}\u0000${l.subAccount ?? ''}`;
        let a = accounts.get(key);
        if (!a) {
          a = { id: accountList.length, main: l.account, sub: l.subAccount ?? '', debit: 0n, credit: 0n };
          accounts.set(key, a);
          accountList.push(a);
        }
        if (l.side === 'D') a.debit += l.amount;
        else a.credit += l.amount;
        const json = JSON.stringify(record(l, firstLineNumber + i, e));
        if (json.length * 3 > arena.length - used) {
          if (arena.length >= BATCH_BYTES) await spill();
          if (json.length * 3 > arena.length - used) {
            const larger = Buffer.allocUnsafe(Math.max(Math.min(arena.length * 2, BATCH_BYTES), used + json.length * 3, 64 * 1024));
            arena.copy(larger, 0, 0, used);
            arena = larger;
          }
        }
        if (count === starts.length) grow();
        starts[count] = used;
        used += arena.write(json, used, 'utf8');
        ends[count] = used;
        accountOf[count] = a.id;
        lineNumbers[count] = firstLineNumber + i;
        count++;
      }
      lines += e.lines.length;
      if (count >= batchLines) await spill();
    },

    /** Writes the Büyük Defter to `out` and seals it with `signature`; its totals are for the caller's cross-check. */
    async write(out: Writable, header: LedgerDocumentInfo, signature: string | SignatureFor): Promise<KebirTotals & { digest: string; bytes: number }> {
      const doc = await canonicalOut(out);
      await doc.write(documentHead('defter', 'K', header));
      let open: string | null = null;
      let debit = 0n;
      let credit = 0n;
      for await (const r of sorted()) {
        const key = keyOf(r);
        if (key !== open) {
          if (open !== null) await doc.write('</gl-cor:entryHeader>');
          open = key;
          const t = accounts.get(key)!;
          debit += t.debit;
          credit += t.credit;
          const net = t.debit - t.credit;
          await doc.write(`<gl-cor:entryHeader>${money('gl-bus:totalDebit', net > 0n ? net : 0n)}${money('gl-bus:totalCredit', net < 0n ? -net : 0n)}`);
        }
        await doc.write(detailOf(r));
      }
      if (open !== null) await doc.write('</gl-cor:entryHeader>');
      await doc.write(XBRL_END);
      const { digest, bytes } = await doc.close(rootEnd('defter'), signature);
      return { debit, credit, accounts: accounts.size, lines, digest, bytes };
    },

    /** Removes the run files. */
    async cleanup(): Promise<void> {
      await Promise.all(runs.map((f) => fsp.rm(f, { force: true })));
      runs.length = 0;
      used = 0;
      count = 0;
      arena = Buffer.allocUnsafe(0);
      sortedOut = Buffer.allocUnsafe(0);
    },
  };
}
