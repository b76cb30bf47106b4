/**
 * The ledger.advance job: the work of seed 001's steps for a tenant's month, one step per run, both books together
 * (one pass over the journal builds the Yevmiye and the Büyük Defter). Each run reads the books, does the next step
 * towards the goal PLAN recorded, and applies the step's event to both books in one transaction (optimistic
 * locking: a run that lost the race changes nothing; the winner's transition starts the next run).
 *
 *   Dosya Oluştur   the source's journal, checked again against the month's (possibly partial) dates, written as
 *                   the Yevmiye and derived into the Büyük Defter (sorted temporary runs), both in canonical XML so
 *                   their digests are taken as they are written; a failed check is CHECK_FAILED with its reason.
 *   Dosya İmzala    each book's enveloped XAdES signature from that digest (the file is never parsed): the signed
 *                   file is the built one with ds:Signature put before the root's end tag.
 *   Berat Oluştur   each book's berat (the book's header, its SignatureValue, counts, totals), canonical as well.
 *   Berat İmzala    the berats sealed the same way.
 * Files are written under temporary names and committed before the rows naming them; a built-but-unsigned file
 * keeps a name of its own (`….unsigned`), so a signing step that failed after writing can always start again.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { booksOfPeriod, bookById, journalContinuation, filesOfBook, ledgerSettings, bookControlSequence, putFile, sourceById, type LedgerBookRow, type LedgerFileRow } from '../db/ledgers';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, isGatewayError } from '../faults';
import { sealWith } from '../ledger/canonical-out';
import { createBeratTotals, writeBerat, type BeratAccountTotals } from '../ledger/berat-writer';
import { createJournalChecker } from '../ledger/journal-checks';
import { formatKurus } from '../ledger/journal';
import { createKebirBuilder } from '../ledger/kebir';
import { createYevmiyeWriter } from '../ledger/yevmiye-writer';
import { DEFTER_NAMESPACES, rootEnd, type LedgerCompany } from '../ledger/xbrl-gl';
import type { Signer } from '../signing';
import type { LedgerStore } from '../storage/ledger-store';
import { turkishDay } from '../turkish-time';
import type { LedgerSettings } from './ledger.service';
import { missingSettings, reached, sourceJournal } from './ledger.service';
import type { SignerRegistry } from './signer-registry';

export interface LedgerStepsDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  files: LedgerStore;
  signers: Pick<SignerRegistry, 'signerFor' | 'drop'>;
  clock: () => Date;
  maxUnzippedBytes: number;
  /** Where the Büyük Defter's sorted runs go while it is derived. */
  tmpDir?: string;
  /** gl-bus:sourceApplication's program and version: `VKN##Firma##Program##Sürüm`. */
  program: string;
}


/** GİB's file name of a book's part: `VKN-YYYYMM-Y-000000.xml`. */
export const ledgerFileName = (vkn: string, period: string, kind: string, part: number) => `${vkn}-${period.replace('-', '')}-${kind}-${String(part).padStart(6, '0')}.xml`;

export function createLedgerSteps(deps: LedgerStepsDeps) {
  const { db, store } = deps;
  const now = () => deps.clock().toISOString();

  async function company(tenantId: number): Promise<LedgerCompany> {
    const tenant = (await tenantById(db, tenantId))!;
    const settings = (await ledgerSettings(db, tenantId)) as LedgerSettings | null;
    if (!settings) throw missingSettings();
    return { ...settings, vkn: tenant.vkn, title: tenant.title };
  }

  /** Applies `event` to every book, each at the version read, in one transaction; context patches per book. */
  async function applyAll(books: LedgerBookRow[], event: 'BUILD' | 'CHECK_FAIL' | 'SIGN' | 'BUILD_BERAT' | 'SIGN_BERAT', extra: (trx: Knex.Transaction, b: LedgerBookRow) => Promise<Record<string, unknown> | void>, fault?: GatewayError) {
    await deps.writer.run(async (trx) => {
      for (const b of books) {
        const patch = { ...((await extra(trx, b)) ?? {}), lastError: null }; // a step done: an earlier failure is over
        await store.apply(
          entities.ledgerBook(b.id),
          {
            event,
            actor: 'worker',
            reason: fault ? fault.message : null,
            ...(fault ? { code: fault.spec.code, codeDescription: fault.message } : {}),
            contextPatch: patch,
            expectedVersion: b.version,
          },
          trx,
        );
      }
    });
  }

  /** Dosya Oluştur. */
  async function build(books: LedgerBookRow[]) {
    const y = books.find((b) => b.book === 'Y')!;
    const k = books.find((b) => b.book === 'K')!;
    const source = y.sourceId === null ? null : await sourceById(db, y.tenantId, y.sourceId);
    if (!source) throw new GatewayError('LEDGER_NOT_FOUND');
    const c = await company(y.tenantId);
    // Control numbers are taken once per book and month and kept through rebuilds: the year's sequence has no gaps.
    const seqs = await deps.writer.run(async (trx) => ({ Y: await bookControlSequence(trx, y), K: await bookControlSequence(trx, k) }));
    const ym = source.period.replace('-', '');
    const control = { Y: `YEV${ym}${String(seqs.Y).padStart(6, '0')}`, K: `KEB${ym}${String(seqs.K).padStart(6, '0')}` };
    const start = await journalContinuation(db, y.tenantId, y.period);
    const fiscalYear = { fiscalYearStart: `${source.period.slice(0, 4)}-01-01`, fiscalYearEnd: `${source.period.slice(0, 4)}-12-31` };
    const creationDate = turkishDay(deps.clock()) < source.periodEnd ? source.periodEnd : turkishDay(deps.clock());
    const sourceApplication = `${c.vkn}##${c.title}##${deps.program}`;
    const names = { Y: ledgerFileName(c.vkn, source.period, 'Y', 0), K: ledgerFileName(c.vkn, source.period, 'K', 0) };

    const tmp = await fsp.mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), 'gw-kebir-'));
    const yFile = await deps.files.create(c.vkn, source.period, `${names.Y}.unsigned`, { hash: false });
    const kFile = await deps.files.create(c.vkn, source.period, `${names.K}.unsigned`, { hash: false });
    const kebir = createKebirBuilder({ tmpDir: tmp });
    try {
      const checker = createJournalChecker({ start: source.periodStart, end: source.periodEnd, firstEntryNumber: start.firstEntryNumber });
      const beratTotals = createBeratTotals();
      const header = { company: c, periodStart: source.periodStart, periodEnd: source.periodEnd, ...fiscalYear, creationDate, sourceApplication };
      const yevmiye = await createYevmiyeWriter(yFile.out, { ...header, controlNumber: control.Y, firstLineNumber: start.firstLineNumber });
      let lineNumber = start.firstLineNumber;
      for await (const e of await sourceJournal(deps.files.pathOf(source.path), deps.maxUnzippedBytes, source.options)) {
        checker.check(e);
        beratTotals.add(e);
        await yevmiye.entry(e);
        await kebir.add(e, lineNumber);
        lineNumber += e.lines.length;
      }
      const y1 = await yevmiye.end('');
      const k1 = await kebir.write(kFile.out, { ...header, controlNumber: control.K }, '');
      const t = checker.totals();
      if (k1.debit !== t.debit || k1.credit !== t.credit) {
        throw new GatewayError('LEDGER_UNBALANCED', { detail: `Yevmiye (${formatKurus(t.debit)}) ve Büyük Defter (${formatKurus(k1.debit)}) toplamları farklı` });
      }
      const [ys, ks] = [await yFile.commit(), await kFile.commit()];
      const totals = { debit: formatKurus(t.debit), credit: formatKurus(t.credit) };
      const common = { periodStart: source.periodStart, periodEnd: source.periodEnd, ...totals, entries: t.entries, lines: t.lines, creationDate };
      const facts = { Y: { ...common, digest: y1.digest, beratTotals: beratTotals.result() }, K: { ...common, digest: k1.digest, beratTotals: beratTotals.result() } };
      await applyAll(books, 'BUILD', async (trx, b) => {
        const kind = b.book;
        const stored = kind === 'Y' ? ys : ks;
        await putFile(trx, { bookId: b.id, kind: 'LEDGER', part: 0, fileName: names[kind], controlNumber: control[kind], path: stored.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256, signed: false, facts: facts[kind], createdAt: now() });
        return { ...common, ...(kind === 'Y' ? { lastEntryNumber: t.lastEntryNumber, nextLineNumber: y1.nextLineNumber } : {}) };
      });
    } catch (err) {
      await yFile.abort();
      await kFile.abort();
      if (isGatewayError(err) && err.fault.startsWith('LEDGER_') && err.fault !== 'LEDGER_NOT_FOUND' && err.fault !== 'LEDGER_SETTINGS') {
        await applyAll(books, 'CHECK_FAIL', async () => undefined, err);
        return;
      }
      throw err;
    } finally {
      await kebir.cleanup();
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Seals a built file: the same bytes with ds:Signature before the root's end tag, under the name without
   * `.unsigned`. Returns the stored file and the SignatureValue (the berat carries it) with its Id.
   */
  async function seal(signer: Signer, vkn: string, period: string, f: LedgerFileRow) {
    const signature = await sealWith(signer, DEFTER_NAMESPACES, deps.clock())(String(f.facts.digest));
    const sv = /<ds:SignatureValue Id="([^"]+)">([^<]+)<\/ds:SignatureValue>/.exec(signature)!;
    const out = await deps.files.create(vkn, period, f.fileName);
    try {
      const end = `${rootEnd(f.kind === 'BERAT' ? 'berat' : 'defter')}\n`; // how canonical-out ended the built file
      const bodyEnd = f.sizeBytes - Buffer.byteLength(end);
      await new Promise<void>((resolve, reject) => {
        const input = fs.createReadStream(deps.files.pathOf(f.path), { end: bodyEnd - 1 });
        input.on('error', reject);
        input.on('end', resolve);
        input.pipe(out.out, { end: false });
      });
      await new Promise<void>((resolve, reject) => out.out.end(`${signature}${end}`, (err?: Error | null) => (err ? reject(err) : resolve())));
      return { stored: await out.commit(), signatureValue: sv[2]!, signatureValueId: sv[1]! };
    } catch (err) {
      await out.abort();
      throw err;
    }
  }

  /** Dosya İmzala / Berat İmzala: every unsigned file of the kind, sealed with the tenant's seal. */
  async function sign(books: LedgerBookRow[], kind: 'LEDGER' | 'BERAT', event: 'SIGN' | 'SIGN_BERAT') {
    const tenant = (await tenantById(db, books[0]!.tenantId))!;
    let signer: Signer;
    try {
      signer = await deps.signers.signerFor(tenant.id);
    } catch (err) {
      await deps.signers.drop(tenant.id);
      throw err;
    }
    const done = new Map<number, Array<{ from: LedgerFileRow; stored: Awaited<ReturnType<typeof seal>> }>>();
    for (const b of books) {
      const list = [];
      for (const f of (await filesOfBook(db, b.id)).filter((x) => x.kind === kind && !x.signed)) {
        try {
          list.push({ from: f, stored: await seal(signer, tenant.vkn, b.period, f) });
        } catch (err) {
          if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(tenant.id);
          throw err;
        }
      }
      done.set(b.id, list);
    }
    await applyAll(books, event, async (trx, b) => {
      for (const { from, stored } of done.get(b.id)!) {
        const { signatureValue, signatureValueId } = stored;
        await putFile(trx, { ...from, path: stored.stored.path, sizeBytes: stored.stored.sizeBytes, sha256: stored.stored.sha256, signed: true, facts: { ...from.facts, signatureValue, signatureValueId }, createdAt: now() });
      }
    });
    for (const list of done.values()) for (const { from } of list) await deps.files.remove(from.path);
  }

  /** Berat Oluştur: each book part's berat, from the signed book's facts. */
  async function buildBerats(books: LedgerBookRow[]) {
    const c = await company(books[0]!.tenantId);
    const made = new Map<number, Array<{ row: Omit<LedgerFileRow, 'id'> }>>();
    for (const b of books) {
      const list = [];
      for (const f of (await filesOfBook(db, b.id)).filter((x) => x.kind === 'LEDGER')) {
        const name = ledgerFileName(c.vkn, b.period, `${b.book}B`, f.part);
        const out = await deps.files.create(c.vkn, b.period, `${name}.unsigned`, { hash: false });
        try {
          const facts = f.facts as { periodStart: string; periodEnd: string; creationDate: string; entries: number; signatureValue: string; signatureValueId: string; beratTotals: BeratAccountTotals };
          const written = await writeBerat(
            out.out,
            {
              book: b.book,
              company: c,
              controlNumber: f.controlNumber!,
              periodStart: facts.periodStart,
              periodEnd: facts.periodEnd,
              fiscalYearStart: `${b.period.slice(0, 4)}-01-01`,
              fiscalYearEnd: `${b.period.slice(0, 4)}-12-31`,
              creationDate: facts.creationDate,
              sourceApplication: `${c.vkn}##${c.title}##${deps.program}`,
              numberOfEntries: facts.entries,
              bookBytes: f.sizeBytes,
              signatureValue: { id: facts.signatureValueId, value: facts.signatureValue },
              totals: facts.beratTotals,
            },
            '',
          );
          const stored = await out.commit();
          list.push({ row: { bookId: b.id, kind: 'BERAT' as const, part: f.part, fileName: name, controlNumber: null, path: stored.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256, signed: false, facts: { digest: written.digest, uuid: written.uuid }, createdAt: now() } });
        } catch (err) {
          await out.abort();
          throw err;
        }
      }
      made.set(b.id, list);
    }
    await applyAll(books, 'BUILD_BERAT', async (trx, b) => {
      for (const { row } of made.get(b.id)!) await putFile(trx, row);
    });
  }

  return {
    /**
     * The step's job failed for good without a verdict on the books (the seal, the disk, anything unexpected): the
     * books stay where they are and keep why, for GetLedgerStatus; asking for the step again starts it over.
     */
    async failed(bookId: number, err: unknown): Promise<void> {
      const book = await bookById(db, bookId);
      if (!book) return;
      const e = isGatewayError(err) && err.fault !== 'INTERNAL' ? err : new GatewayError('INTERNAL');
      const books = (await booksOfPeriod(db, book.tenantId, book.period)).filter((b) => !['CHECK_FAILED', 'GIB_REJECTED', 'DOWNLOADED'].includes(b.state));
      await deps.writer.run(async (trx) => {
        for (const b of books) {
          await store.apply(entities.ledgerBook(b.id), { event: 'STEP_FAIL', actor: 'worker', reason: e.message, code: e.spec.code, contextPatch: { lastError: { code: e.spec.code, text: e.message, at: now() } } }, trx);
        }
      });
    },

    /** One step of the month of `bookId`'s book towards its goal; nothing when the goal is reached. */
    async advance(bookId: number): Promise<void> {
      const book = await bookById(db, bookId);
      // Every transition starts a run for each book; the Yevmiye's does the month's work, the other's nothing.
      if (!book || book.book !== 'Y') return;
      const books = await booksOfPeriod(db, book.tenantId, book.period);
      const goal = (book.context as { goal?: string }).goal;
      if (!goal || books.length !== 2 || books.every((b) => reached(b.state, goal))) return;
      const state = books.every((b) => b.state === books[0]!.state) ? books[0]!.state : null;
      if (state === null) return; // the books part ways only at GİB (sending), which this version does not do yet
      if (state === 'NOT_STARTED') await build(books);
      else if (state === 'FILE_CREATED') await sign(books, 'LEDGER', 'SIGN');
      else if (state === 'FILE_SIGNED') await buildBerats(books);
      else if (state === 'BERAT_CREATED') await sign(books, 'BERAT', 'SIGN_BERAT');
    },
  };
}

export type LedgerSteps = ReturnType<typeof createLedgerSteps>;
