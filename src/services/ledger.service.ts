/**
 * e-Defter, what the user sees and asks for (issue 12, seed 001's "e-Defter Yükle" screen): a month's source arrives
 * (UploadLedger over SOAP, or a file in the tenant's drop folder), is listed ("Dosya Sorgula"), its dates can be
 * changed for a partial period ("Tarihleri Kaydet") or it can be deleted while nothing was built from it; the user
 * asks for the next step or for all of them ("e-Defter Yükle"), which the ledger-book machine records (PLAN) and
 * the ledger.advance job carries out (./ledger-steps.ts); GetLedgerStatus shows the month table.
 *
 * A source is checked whole as it arrives — the ZIP (one file, a plain name, inflated size counted: 4005/4006), the
 * CSV's columns or the ready Yevmiye's XBRL-GL, and every entry (balance, müteselsil numbers, dates in the month) — and kept only when it passes:
 * a refused upload stores nothing and changes no book. The file is written to the ledger store first and its row
 * committed after, so a crash between leaves an unnamed file, never a row without its file.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { CreditService } from '../activation/credits';
import {
  activeSource,
  bookById,
  booksOfPeriod,
  deleteFilesOfBook,
  booksOfTenant,
  filesOfBook,
  insertBook,
  insertSource,
  journalContinuation,
  ledgerSettings,
  listSources,
  markSourceDeleted,
  saveLedgerSettings,
  setBookSource,
  setSourceDates,
  sourceById,
  type BookKind,
  type LedgerBookRow,
  type LedgerFileRow,
  type LedgerSourceRow,
} from '../db/ledgers';
import { entities, type MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { readCsvJournal, type CsvJournalOptions } from '../ledger/journal-csv';
import { readXbrlJournal } from '../ledger/journal-xbrl';
import type { JournalEntry } from '../ledger/journal';
import { createJournalChecker } from '../ledger/journal-checks';
import type { LedgerCompany } from '../ledger/xbrl-gl';
import { LEDGER_STEPS, describeState, ledgerBookMachine, type LedgerStep } from '../machines';
import type { Caller } from '../security/authenticator';
import type { LedgerStore } from '../storage/ledger-store';
import { turkishDay } from '../turkish-time';
import type { SignerRegistry } from './signer-registry';
import { openSingleEntry } from '../zip/file-entry';

export const MONTHS_TR = ['Ocak', 'Şubat', 'Mart', 'Nisan', 'Mayıs', 'Haziran', 'Temmuz', 'Ağustos', 'Eylül', 'Ekim', 'Kasım', 'Aralık'];

/** "2026-Ocak" for "2026-01", as seed 001's list shows a period. */
export function periodLabel(period: string): string {
  return `${period.slice(0, 4)}-${MONTHS_TR[Number(period.slice(5, 7)) - 1]}`;
}

export function monthEnd(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${period}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

/** A month argument: YYYY-MM, or absent (null). */
function checkPeriod(period: string | null): void {
  if (period !== null && !/^\d{4}-\d{2}$/.test(period)) throw new GatewayError('REQUEST_FIELD', { field: 'period (YYYY-AA)' });
}

/** The steps need the company's ledger settings (4608). */
export const missingSettings = () => new GatewayError('LEDGER_SETTINGS', { detail: 'şirket ve muhasebeci bilgileri (SaveLedgerSettings)' });

/** The source's format by its one file's name: a CSV journal, or a ready XBRL-GL Yevmiye (4601 otherwise). */
function sourceFormat(name: string): 'CSV' | 'XBRL' | null {
  const n = name.toLowerCase();
  return n.endsWith('.csv') ? 'CSV' : n.endsWith('.xml') ? 'XBRL' : null;
}

/** The journal of a stored source ZIP, as a stream of entries, and its format. */
export async function sourceJournal(file: string, maxUnzippedBytes: number, options: CsvJournalOptions): Promise<AsyncGenerator<JournalEntry> & { format: 'CSV' | 'XBRL' }> {
  const entry = await openSingleEntry(file, maxUnzippedBytes);
  const format = sourceFormat(entry.name);
  if (!format) {
    entry.stream.destroy();
    throw new GatewayError('LEDGER_SOURCE', { detail: `ZIP içindeki ${entry.name} bir CSV yevmiye (.csv) veya XBRL-GL Yevmiye defteri (.xml) değil` });
  }
  return Object.assign(format === 'CSV' ? readCsvJournal(entry.stream, options) : readXbrlJournal(entry.stream), { format });
}

/** The company details GİB's XBRL-GL header carries besides the VKN and title (the seed's Büyük Defter dialog). */
export type LedgerSettings = Omit<LedgerCompany, 'vkn' | 'title'>;

/** States in which the month has gone to GİB: its source and books can no longer change. */
const AT_GIB = new Set(['SENT', 'APPROVED', 'DOWNLOADED']);
/** States in which nothing was built yet: dates may change, the source may be deleted. */
export const NOT_CONVERTED = new Set(['NOT_STARTED', 'CHECK_FAILED']);

export interface LedgerSourceView {
  id: number;
  fileName: string;
  period: string;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  sizeMb: string;
  format: 'CSV' | 'XBRL';
  receivedVia: 'SOAP' | 'SFTP' | 'PORTAL';
  receivedAt: string;
  /** The Yevmiye's state (both books move together), and its error text when a check or GİB refused it. */
  state: string;
  status: number;
  code: number;
  description: string;
  error: string | null;
}

export interface LedgerBookView {
  book: BookKind;
  state: string;
  status: number;
  code: number;
  description: string;
  controlNumbers: string[];
  periodStart: string | null;
  periodEnd: string | null;
  totalDebit: string | null;
  totalCredit: string | null;
  lastError: string | null;
  updatedAt: string;
  /** The state the last request (LedgerStep) aims at, until a new source or new dates start the month over. */
  goal: string | null;
  files: Array<{ kind: string; part: number; fileName: string; sizeBytes: number; signed: boolean; sha256: string }>;
}

export interface LedgerMonthView {
  period: string;
  periodLabel: string;
  /** Seed 001's month table: each file present or not. */
  kebir: boolean;
  yevmiye: boolean;
  kebirBerat: boolean;
  yevmiyeBerat: boolean;
  gibKebirBerat: boolean;
  gibYevmiyeBerat: boolean;
  defterRapor: boolean;
  books: LedgerBookView[];
}

export interface LedgerServiceDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  files: LedgerStore;
  clock: () => Date;
  /** The tenant's seal, tried before a signing step is planned: a wrong PIN is a fault now, not a failed job later. */
  signers: Pick<SignerRegistry, 'signerFor' | 'drop'>;
  /** Largest source ZIP accepted, and the most its one file may inflate to. */
  maxSourceBytes: number;
  maxUnzippedBytes: number;
  onEnqueued?: () => void;
  /** GİB's e-Defter service is configured: "e-Defter Yükle" goes on to GİB's approved berats. */
  sendsToGib?: boolean;
  /** Kontör: a month takes its credit when its first step is asked for (absent: nothing is metered). */
  credits?: Pick<CreditService, 'charge'>;
}

const NAME = /^(\d{10,11})-(\d{4})(\d{2})\.zip$/i;

/** Why the book stopped: its error state's reason, or the last step that failed without moving it (STEP_FAIL). */
function errorOf(b: LedgerBookRow | undefined): string | null {
  if (!b) return null;
  if (b.state === 'CHECK_FAILED' || b.state === 'GIB_REJECTED') return describeState(ledgerBookMachine, b.state, b.context).description;
  return (b.context as { lastError?: { text: string } | null }).lastError?.text ?? null;
}

function bookView(b: LedgerBookRow, files: LedgerFileRow[]): LedgerBookView {
  const d = describeState(ledgerBookMachine, b.state, b.context);
  const c = b.context as { periodStart?: string; periodEnd?: string; debit?: string; credit?: string; goal?: string | null };
  return {
    book: b.book,
    state: b.state,
    ...d,
    controlNumbers: files.filter((f) => f.kind === 'LEDGER' && f.controlNumber).map((f) => f.controlNumber!),
    periodStart: c.periodStart ?? null,
    periodEnd: c.periodEnd ?? null,
    totalDebit: c.debit ?? null,
    totalCredit: c.credit ?? null,
    lastError: errorOf(b),
    updatedAt: b.updatedAt,
    goal: c.goal ?? null,
    files: files.map((f) => ({ kind: f.kind, part: f.part, fileName: f.fileName, sizeBytes: f.sizeBytes, signed: f.signed, sha256: f.sha256 })),
  };
}

export function createLedgerService(deps: LedgerServiceDeps) {
  const { db, store } = deps;
  const now = () => deps.clock().toISOString();

  function sourceView(s: LedgerSourceRow, books: LedgerBookRow[]): LedgerSourceView {
    const y = books.find((b) => b.book === 'Y');
    const state = y?.state ?? 'NOT_STARTED';
    return {
      id: s.id,
      fileName: s.fileName,
      period: s.period,
      periodLabel: periodLabel(s.period),
      periodStart: s.periodStart,
      periodEnd: s.periodEnd,
      sizeMb: (s.sizeBytes / (1024 * 1024)).toFixed(2),
      format: s.format,
      receivedVia: s.receivedVia,
      receivedAt: s.receivedAt,
      state,
      ...describeState(ledgerBookMachine, state, y?.context ?? {}),
      error: errorOf(y),
    };
  }

  /** Reads and checks a stored source whole: the ZIP's one file (CSV or a ready Yevmiye), every entry of the month. */
  async function checkSource(file: string, s: { start: string; end: string; delimiter?: string; header?: boolean; firstEntryNumber: number | null }) {
    const checker = createJournalChecker({ start: s.start, end: s.end, firstEntryNumber: s.firstEntryNumber });
    const journal = await sourceJournal(file, deps.maxUnzippedBytes, { delimiter: s.delimiter, header: s.header });
    for await (const e of journal) checker.check(e);
    return { format: journal.format, totals: checker.totals() };
  }

  function refuseIfAtGib(books: LedgerBookRow[], period: string) {
    if (books.some((b) => AT_GIB.has(b.state))) throw new GatewayError('LEDGER_PERIOD_SENT', { period: periodLabel(period) });
  }

  async function activeOf(caller: Caller, sourceId: number): Promise<{ source: LedgerSourceRow; books: LedgerBookRow[] }> {
    const source = await sourceById(db, caller.tenantId, sourceId);
    if (!source || source.deletedAt) throw new GatewayError('LEDGER_NOT_FOUND');
    return { source, books: await booksOfPeriod(db, caller.tenantId, source.period) };
  }

  function refuseIfConverted(books: LedgerBookRow[], what: string) {
    if (books.some((b) => !NOT_CONVERTED.has(b.state))) throw new GatewayError('LEDGER_STEP', { detail: `dönüştürme başladı, ${what}` });
  }

  /**
   * RESET for each book not at its start (a new source or new dates: the month starts over); what it had produced is
   * forgotten. Returns those files' paths, to remove once the transaction has committed.
   */
  async function resetBooks(trx: Knex.Transaction, books: LedgerBookRow[], actor: string, reason: string): Promise<string[]> {
    const stale: string[] = [];
    for (const b of books) {
      if (b.state === 'NOT_STARTED') continue;
      // The earlier request's goal is over: nothing is under way until a step is asked for again.
      await store.apply(entities.ledgerBook(b.id), { event: 'RESET', actor, reason, contextPatch: { goal: null }, expectedVersion: b.version }, trx);
      stale.push(...(await deleteFilesOfBook(trx, b.id)).map((f) => f.path));
    }
    return stale;
  }

  const removeFiles = (paths: string[]) => Promise.all(paths.map((p) => deps.files.remove(p)));

  /** One signature with the tenant's seal (PIN, card, certificate's validity), or its typed fault. */
  async function trySeal(tenantId: number) {
    try {
      await (await deps.signers.signerFor(tenantId)).sign(Buffer.from('e-Defter mühür denemesi'));
    } catch (err) {
      await deps.signers.drop(tenantId);
      throw err;
    }
  }

  return {
    /** The largest source accepted (an upload is cut off past it), and whether the steps go on to GİB. */
    limits: { maxSourceBytes: deps.maxSourceBytes, sendsToGib: deps.sendsToGib ?? false },

    /**
     * A month's source, as UploadLedger or the drop folder gives it: `VKN-YYYYMM.zip` holding the CSV journal.
     * Checked whole before anything is kept; replaces the month's earlier source while nothing was sent.
     */
    async receive(
      caller: Caller,
      input: { fileName: string; data: Readable; via: 'SOAP' | 'SFTP' | 'PORTAL'; delimiter?: string; header?: boolean },
    ): Promise<LedgerSourceView> {
      const m = NAME.exec(input.fileName);
      if (!m) throw new GatewayError('LEDGER_FILE_NAME', { name: input.fileName.slice(0, 100) });
      const [, vkn, year, month] = m as unknown as [string, string, string, string];
      if (vkn !== caller.tenantVkn) throw new GatewayError('TENANT_MISMATCH', { vkn });
      const period = `${year}-${month}`;
      if (Number(month) < 1 || Number(month) > 12) throw new GatewayError('LEDGER_FILE_NAME', { name: input.fileName });
      if (`${period}-01` > turkishDay(deps.clock())) throw new GatewayError('LEDGER_PERIOD', { detail: `${periodLabel(period)} henüz başlamadı` });
      if (input.delimiter !== undefined && input.delimiter.length !== 1) throw new GatewayError('LEDGER_SOURCE', { detail: 'ayraç tek karakter olmalıdır' });
      refuseIfAtGib(await booksOfPeriod(db, caller.tenantId, period), period);

      const stored = await deps.files.put(caller.tenantVkn, period, `kaynak-${randomUUID()}.zip`, input.data);
      try {
        if (stored.sizeBytes > deps.maxSourceBytes) throw new GatewayError('REQUEST_TOO_LARGE', { limit: deps.maxSourceBytes });
        const start = `${period}-01`;
        const end = monthEnd(period);
        const checked = await checkSource(deps.files.pathOf(stored.path), {
          start, end, delimiter: input.delimiter, header: input.header, firstEntryNumber: (await journalContinuation(db, caller.tenantId, period)).firstEntryNumber,
        });
        const at = now();
        const actor = caller.username;
        let stale: string[] = [];
        const id = await deps.writer.run(async (trx) => {
          const books = await booksOfPeriod(trx, caller.tenantId, period);
          refuseIfAtGib(books, period); // again, inside the transaction: a send may have started meanwhile
          const previous = await activeSource(trx, caller.tenantId, period);
          if (previous) await markSourceDeleted(trx, previous.id, at);
          const sourceId = await insertSource(trx, {
            tenantId: caller.tenantId, fileName: input.fileName, period, periodStart: start, periodEnd: end, format: checked.format,
            options: { ...(input.delimiter ? { delimiter: input.delimiter } : {}), ...(input.header === false ? { header: false } : {}) },
            sizeBytes: stored.sizeBytes, path: stored.path, sha256: stored.sha256, receivedVia: input.via, receivedAt: at,
          });
          stale = [...(previous ? [previous.path] : []), ...(await resetBooks(trx, books, actor, `yeni kaynak dosyası: ${input.fileName}`))];
          for (const kind of ['Y', 'K'] as const) {
            const existing = books.find((b) => b.book === kind);
            if (existing) {
              await setBookSource(trx, existing.id, sourceId);
            } else {
              const bookId = await insertBook(trx, { tenantId: caller.tenantId, machine: ledgerBookMachine.id, state: ledgerBookMachine.initial, period, book: kind, sourceId, at });
              await store.recordCreated(trx, ledgerBookMachine, entities.ledgerBook(bookId), actor, `kaynak dosyası: ${input.fileName}`);
            }
          }
          return sourceId;
        });
        await removeFiles(stale);
        const { source, books } = await activeOf(caller, id);
        return sourceView(source, books);
      } catch (err) {
        await deps.files.remove(stored.path);
        throw err;
      }
    },

    /** "Dosya Sorgula": the sources in use, newest month first. */
    async list(caller: Caller, period: string | null): Promise<LedgerSourceView[]> {
      checkPeriod(period);
      const out: LedgerSourceView[] = [];
      for (const s of await listSources(db, caller.tenantId, period)) out.push(sourceView(s, await booksOfPeriod(db, caller.tenantId, s.period)));
      return out;
    },

    /** A source in use ("CSV İndir"): its name as uploaded and a stream of the stored ZIP. */
    async source(caller: Caller, sourceId: number): Promise<{ fileName: string; sizeBytes: number; open: () => Readable }> {
      const { source } = await activeOf(caller, sourceId);
      return { fileName: source.fileName, sizeBytes: source.sizeBytes, open: () => deps.files.read(source.path) };
    },

    /** "Tarihleri Kaydet": a partial (parçalı) period's start and end, within the month, before Dosya Oluştur. */
    async saveDates(caller: Caller, sourceId: number, start: string, end: string): Promise<LedgerSourceView> {
      const { source } = await activeOf(caller, sourceId);
      const valid = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
      if (!valid(start) || !valid(end)) throw new GatewayError('REQUEST_FIELD', { field: 'periodStart/periodEnd (YYYY-AA-GG)' });
      if (!start.startsWith(source.period) || !end.startsWith(source.period) || start > end) {
        throw new GatewayError('LEDGER_PERIOD', { detail: `${start}–${end} ${periodLabel(source.period)} ayı içinde ve başlangıç bitişten önce olmalıdır` });
      }
      const stale = await deps.writer.run(async (trx) => {
        const books = await booksOfPeriod(trx, caller.tenantId, source.period);
        refuseIfConverted(books, 'tarihler değiştirilemez');
        await setSourceDates(trx, source.id, start, end);
        return resetBooks(trx, books, caller.username, `dönem tarihleri ${start}–${end}`);
      });
      await removeFiles(stale);
      const after = await activeOf(caller, sourceId);
      return sourceView(after.source, after.books);
    },

    /** Deletes a source nothing was built from; the month's books wait for a new one. */
    async deleteSource(caller: Caller, sourceId: number): Promise<void> {
      const { source } = await activeOf(caller, sourceId);
      const stale = await deps.writer.run(async (trx) => {
        const books = await booksOfPeriod(trx, caller.tenantId, source.period);
        refuseIfConverted(books, 'dosya silinemez');
        await markSourceDeleted(trx, source.id, now());
        for (const b of books) await setBookSource(trx, b.id, null);
        return resetBooks(trx, books, caller.username, `kaynak dosyası silindi: ${source.fileName}`);
      });
      await removeFiles([...stale, source.path]);
    },

    /**
     * Asks for one step (the next one: the seed's buttons work in order) or for all of them ("e-Defter Yükle").
     * Recorded as PLAN on both books; the ledger.advance job does the work. Returns the month as it is now.
     */
    async requestStep(caller: Caller, period: string, step: LedgerStep | 'ALL'): Promise<LedgerMonthView> {
      checkPeriod(period);
      const books = await booksOfPeriod(db, caller.tenantId, period);
      if (books.length === 0 || books[0]!.sourceId === null) throw new GatewayError('LEDGER_NOT_FOUND');
      if (!(await ledgerSettings(db, caller.tenantId))) throw missingSettings();
      const last = deps.sendsToGib ? LEDGER_STEPS[LEDGER_STEPS.length - 1]! : LAST_LOCAL_STEP;
      const goal = step === 'ALL' ? last : LEDGER_STEPS.find((s) => s.step === step)!;
      const index = LEDGER_STEPS.indexOf(goal);
      if (index > LEDGER_STEPS.indexOf(last)) throw new GatewayError('LEDGER_STEP', { detail: `${goal.label}: GİB'in e-Defter servisi yapılandırılmadı` });
      for (const b of books) {
        if (b.state === 'CHECK_FAILED' || b.state === 'GIB_REJECTED') throw new GatewayError('LEDGER_STEP', { detail: `${describeState(ledgerBookMachine, b.state, b.context).description}; kaynak dosyayı veya dönem tarihlerini düzeltiniz` });
      }
      // The books part ways at GİB (the Yevmiye goes first): a step is due while either book still needs it.
      const nexts = books.map((b) => LEDGER_STEPS.findIndex((s) => !reached(b.state, s.reaches)));
      if (nexts.every((n) => n === -1 || n > index)) throw new GatewayError('LEDGER_STEP', { detail: `${goal.label} yapıldı` });
      const before = Math.min(...nexts.filter((n) => n !== -1));
      if (step !== 'ALL' && before < index) throw new GatewayError('LEDGER_STEP', { detail: `önce ${LEDGER_STEPS[before]!.label}` });
      if (index >= LEDGER_STEPS.findIndex((s) => s.step === 'DOSYA_IMZALA')) await trySeal(caller.tenantId);
      await deps.writer.run(async (trx) => {
        // Kontör: a month of e-Defter is charged once (LEDGER:<YYYY-MM>), here, when the company first asks the
        // gateway to work on it — in the transaction that plans the work, so past the limit (CREDIT_LIMIT) nothing is
        // planned and the caller is told at once. Not when a source is uploaded: a source may be replaced or deleted
        // before anything is built, and a drop-folder file arrives unasked. Not when the month goes to GİB: that
        // happens later in the worker, after GİB has the package, where a refusal could reach nobody and would leave
        // the month half-sent. Asking again, a new source, new dates or a start over after GİB's refusal are the same
        // month and are not charged again.
        await deps.credits?.charge(trx, { tenantId: caller.tenantId, document: 'LEDGER_MONTH', ref: `LEDGER:${period}`, description: `e-Defter ${periodLabel(period)}`, actor: caller.username, at: now() });
        for (const b of books) {
          if (reached(b.state, goal.reaches)) continue;
          await store.apply(entities.ledgerBook(b.id), { event: 'PLAN', actor: caller.username, reason: step === 'ALL' ? 'e-Defter Yükle' : goal.label, contextPatch: { goal: goal.reaches, lastError: null }, expectedVersion: b.version }, trx);
        }
      });
      deps.onEnqueued?.();
      return this.month(caller, period);
    },

    /** GetLedgerStatus for one month. */
    async month(caller: Caller, period: string): Promise<LedgerMonthView> {
      const views = await this.status(caller, period, period);
      if (views.length === 0) throw new GatewayError('LEDGER_NOT_FOUND');
      return views[0]!;
    },

    /** GetLedgerStatus: seed 001's month table, newest first, between two months (YYYY-MM) when given. */
    async status(caller: Caller, from: string | null, to: string | null): Promise<LedgerMonthView[]> {
      checkPeriod(from);
      checkPeriod(to);
      const byPeriod = new Map<string, LedgerBookView[]>();
      for (const b of await booksOfTenant(db, caller.tenantId, from, to)) {
        const views = byPeriod.get(b.period) ?? [];
        views.push(bookView(b, await filesOfBook(db, b.id)));
        byPeriod.set(b.period, views);
      }
      return [...byPeriod].map(([period, books]) => {
        const has = (book: BookKind, kind: string, signed = true) => books.some((b) => b.book === book && b.files.some((f) => f.kind === kind && (!signed || f.signed)));
        return {
          period,
          periodLabel: periodLabel(period),
          kebir: has('K', 'LEDGER'),
          yevmiye: has('Y', 'LEDGER'),
          kebirBerat: has('K', 'BERAT'),
          yevmiyeBerat: has('Y', 'BERAT'),
          gibKebirBerat: has('K', 'GIB_BERAT'),
          gibYevmiyeBerat: has('Y', 'GIB_BERAT'),
          defterRapor: has('K', 'RAPOR'),
          books,
        };
      });
    },

    /** A produced file of the month, by its GİB name: its row, a stream of it, and where it is (to be zipped from disk). */
    async file(caller: Caller, period: string, fileName: string): Promise<{ row: LedgerFileRow; open: () => Readable; path: string }> {
      for (const b of await booksOfPeriod(db, caller.tenantId, period)) {
        const row = (await filesOfBook(db, b.id)).find((f) => f.fileName === fileName);
        if (row) return { row, open: () => deps.files.read(row.path), path: deps.files.pathOf(row.path) };
      }
      throw new GatewayError('LEDGER_NOT_FOUND');
    },

    async settings(caller: Caller): Promise<LedgerSettings | null> {
      return (await ledgerSettings(db, caller.tenantId)) as LedgerSettings | null;
    },

    async saveSettings(caller: Caller, s: LedgerSettings): Promise<void> {
      checkSettings(s);
      await deps.writer.run((trx) => saveLedgerSettings(trx, caller.tenantId, s as unknown as Record<string, unknown>, now()));
    },

    bookById: (id: number) => bookById(db, id),
  };
}

/** The steps done without GİB (all of them when GİB's e-Defter service is not configured). */
const LAST_LOCAL_STEP = LEDGER_STEPS.find((s) => s.step === 'BERAT_IMZALA')!;

const ORDER = ['NOT_STARTED', 'FILE_CREATED', 'FILE_SIGNED', 'BERAT_CREATED', 'BERAT_SIGNED', 'SENT', 'APPROVED', 'DOWNLOADED'];

/** Whether a book in `state` has reached `target` on the way of the steps. */
export function reached(state: string, target: string): boolean {
  const i = ORDER.indexOf(state);
  return i !== -1 && i >= ORDER.indexOf(target);
}

function checkSettings(s: LedgerSettings): void {
  const bad = (field: string) => new GatewayError('LEDGER_SETTINGS', { detail: field });
  const text = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
  if (!text(s.phone) || !/^[0-9 +()-]{7,20}$/.test(s.phone)) throw bad('telefon');
  if (!text(s.email) || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.email)) throw bad('e-posta');
  if (!text(s.webSite)) throw bad('web sitesi');
  const a = s.address;
  if (!a || !text(a.buildingNumber) || !text(a.street) || !text(a.city) || !/^\d{5}$/.test(a.postalCode ?? '') || !text(a.country)) throw bad('adres (bina no, cadde/sokak, şehir, 5 haneli posta kodu, ülke)');
  if (!text(s.nace) || !/^\d{2}(\.\d{2}){0,2}$/.test(s.nace)) throw bad('NACE kodu');
  if (s.branch && (!text(s.branch.name) || !/^\d{4}$/.test(s.branch.number))) throw bad('şube adı ve 4 haneli şube no');
  if (!s.accountant || !text(s.accountant.name) || !text(s.accountant.engagement)) throw bad('muhasebeci (SM/SMMM/YMM) ve sözleşme; şirket içi ise "-"');
  if (!text(s.enteredBy) || s.enteredBy.trim().length < 2) throw bad('kayıtları giren (en az iki karakter)');
}

export type LedgerService = ReturnType<typeof createLedgerService>;
