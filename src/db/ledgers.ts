/**
 * e-Defter's rows (migration 008): sources as they arrived, the month's books (machine-driven), the files the steps
 * produce, the yearly control-number counters and the tenant's ledger settings. Not a hot path: knex's builder.
 */
import { GatewayError } from '../faults';
import { insertedId, parseJson, reading, type Queryable } from './connect';

export type BookKind = 'Y' | 'K';
/** A month's files: the books' parts, their berats, GİB's approved berats, and the month's Defter Raporu (on the K book). */
export type LedgerFileKind = 'LEDGER' | 'BERAT' | 'GIB_BERAT' | 'RAPOR';

export interface LedgerSourceRow {
  id: number;
  tenantId: number;
  fileName: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  format: 'CSV' | 'XBRL';
  options: { delimiter?: string; header?: boolean };
  sizeBytes: number;
  path: string;
  sha256: string;
  receivedVia: 'SOAP' | 'SFTP' | 'PORTAL';
  receivedAt: string;
  deletedAt: string | null;
}

export interface LedgerBookRow {
  id: number;
  tenantId: number;
  state: string;
  version: number;
  context: Record<string, unknown>;
  period: string;
  book: BookKind;
  sourceId: number | null;
  controlSeq: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface LedgerFileRow {
  id: number;
  bookId: number;
  kind: LedgerFileKind;
  part: number;
  fileName: string;
  controlNumber: string | null;
  path: string;
  sizeBytes: number;
  sha256: string;
  signed: boolean;
  facts: Record<string, unknown>;
  createdAt: string;
}

const source = (r: Record<string, any>): LedgerSourceRow => ({
  id: Number(r.id),
  tenantId: Number(r.tenant_id),
  fileName: r.file_name,
  period: r.period,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  format: r.format,
  options: parseJson(r.options, {}),
  sizeBytes: Number(r.size_bytes),
  path: r.path,
  sha256: r.sha256,
  receivedVia: r.received_via,
  receivedAt: r.received_at,
  deletedAt: r.deleted_at ?? null,
});

const book = (r: Record<string, any>): LedgerBookRow => ({
  id: Number(r.id),
  tenantId: Number(r.tenant_id),
  state: r.state,
  version: Number(r.version),
  context: parseJson(r.context, {}),
  period: r.period,
  book: r.book,
  sourceId: r.source_id === null ? null : Number(r.source_id),
  controlSeq: r.control_seq === null || r.control_seq === undefined ? null : Number(r.control_seq),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const file = (r: Record<string, any>): LedgerFileRow => ({
  id: Number(r.id),
  bookId: Number(r.book_id),
  kind: r.kind,
  part: Number(r.part),
  fileName: r.file_name,
  controlNumber: r.control_number ?? null,
  path: r.path,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256,
  signed: Boolean(r.signed),
  facts: parseJson(r.facts, {}),
  createdAt: r.created_at,
});

export async function insertSource(q: Queryable, s: Omit<LedgerSourceRow, 'id' | 'deletedAt'>): Promise<number> {
  const returned = await q('ledger_sources')
    .insert({
      tenant_id: s.tenantId,
      file_name: s.fileName,
      period: s.period,
      period_start: s.periodStart,
      period_end: s.periodEnd,
      format: s.format,
      options: JSON.stringify(s.options),
      size_bytes: s.sizeBytes,
      path: s.path,
      sha256: s.sha256,
      received_via: s.receivedVia,
      received_at: s.receivedAt,
    })
    .returning('id');
  return insertedId(returned);
}

export async function sourceById(q: Queryable, tenantId: number, id: number): Promise<LedgerSourceRow | null> {
  const r = await reading(q)('ledger_sources').where({ tenant_id: tenantId, id }).first();
  return r ? source(r) : null;
}

/** The month's source in use (the latest not deleted). */
export async function activeSource(q: Queryable, tenantId: number, period: string): Promise<LedgerSourceRow | null> {
  const r = await reading(q)('ledger_sources').where({ tenant_id: tenantId, period }).whereNull('deleted_at').orderBy('id', 'desc').first();
  return r ? source(r) : null;
}

export async function listSources(q: Queryable, tenantId: number, period: string | null): Promise<LedgerSourceRow[]> {
  const query = reading(q)('ledger_sources').where({ tenant_id: tenantId }).whereNull('deleted_at');
  if (period) query.andWhere({ period });
  return (await query.orderBy('period', 'desc').orderBy('id', 'desc')).map(source);
}

export async function markSourceDeleted(q: Queryable, id: number, at: string): Promise<void> {
  await q('ledger_sources').where({ id }).whereNull('deleted_at').update({ deleted_at: at });
}

export async function setSourceDates(q: Queryable, id: number, start: string, end: string): Promise<void> {
  await q('ledger_sources').where({ id }).update({ period_start: start, period_end: end });
}

export async function booksOfPeriod(q: Queryable, tenantId: number, period: string): Promise<LedgerBookRow[]> {
  return (await reading(q)('ledger_books').where({ tenant_id: tenantId, period }).orderBy('book', 'desc')).map(book);
}

/**
 * Where a month's numbering starts (entry numbers are müteselsil and line numbers run over the fiscal year): 1 in
 * January, else after the previous month's Yevmiye when it was built here; entries from whatever the source says
 * (null) when it was not.
 */
export async function journalContinuation(q: Queryable, tenantId: number, period: string): Promise<{ firstEntryNumber: number | null; firstLineNumber: number }> {
  if (period.endsWith('-01')) return { firstEntryNumber: 1, firstLineNumber: 1 };
  const [y, m] = period.split('-').map(Number) as [number, number];
  const prev = (await booksOfPeriod(q, tenantId, `${y}-${String(m - 1).padStart(2, '0')}`)).find((b) => b.book === 'Y');
  const c = (prev?.context ?? {}) as { lastEntryNumber?: number; nextLineNumber?: number };
  return { firstEntryNumber: typeof c.lastEntryNumber === 'number' ? c.lastEntryNumber + 1 : null, firstLineNumber: c.nextLineNumber ?? 1 };
}

export async function bookById(q: Queryable, id: number): Promise<LedgerBookRow | null> {
  const r = await reading(q)('ledger_books').where({ id }).first();
  return r ? book(r) : null;
}

export async function booksOfTenant(q: Queryable, tenantId: number, from: string | null, to: string | null): Promise<LedgerBookRow[]> {
  const query = reading(q)('ledger_books').where({ tenant_id: tenantId });
  if (from) query.andWhere('period', '>=', from);
  if (to) query.andWhere('period', '<=', to);
  return (await query.orderBy('period', 'desc').orderBy('book', 'desc')).map(book);
}

export async function insertBook(q: Queryable, b: { tenantId: number; machine: string; state: string; period: string; book: BookKind; sourceId: number; at: string }): Promise<number> {
  const returned = await q('ledger_books')
    .insert({ tenant_id: b.tenantId, machine: b.machine, state: b.state, version: 1, context: '{}', period: b.period, book: b.book, source_id: b.sourceId, created_at: b.at, updated_at: b.at })
    .returning('id');
  return insertedId(returned);
}

export async function setBookSource(q: Queryable, bookId: number, sourceId: number | null): Promise<void> {
  await q('ledger_books').where({ id: bookId }).update({ source_id: sourceId });
}

/** Of a month's books, the one whose state changed last (its job drives the month's next step). */
export async function lastChangedBook(q: Queryable, bookIds: number[]): Promise<number | null> {
  const row = (await reading(q)('state_history').where({ machine: 'ledger-book' }).whereIn('entity_id', bookIds).orderBy('id', 'desc').first('entity_id')) as { entity_id: number } | undefined;
  return row ? Number(row.entity_id) : null;
}

export async function filesOfBook(q: Queryable, bookId: number): Promise<LedgerFileRow[]> {
  return (await reading(q)('ledger_files').where({ book_id: bookId }).orderBy('kind').orderBy('part')).map(file);
}

/** Inserts or replaces the book's file of this kind and part. */
export async function putFile(q: Queryable, f: Omit<LedgerFileRow, 'id'>): Promise<void> {
  await q('ledger_files').where({ book_id: f.bookId, kind: f.kind, part: f.part }).delete();
  await q('ledger_files').insert({
    book_id: f.bookId,
    kind: f.kind,
    part: f.part,
    file_name: f.fileName,
    control_number: f.controlNumber,
    path: f.path,
    size_bytes: f.sizeBytes,
    sha256: f.sha256,
    signed: f.signed,
    facts: JSON.stringify(f.facts),
    created_at: f.createdAt,
  });
}

export async function deleteFilesOfBook(q: Queryable, bookId: number): Promise<LedgerFileRow[]> {
  const rows = await filesOfBook(q, bookId);
  await q('ledger_files').where({ book_id: bookId }).delete();
  return rows;
}

/**
 * The book's YEV/KEB number in its year: taken from the tenant's yearly counter the first time and kept on the book,
 * so a rebuilt month keeps its number and the year's sequence has no gaps.
 */
export async function bookControlSequence(q: Queryable, book: LedgerBookRow): Promise<number> {
  if (book.controlSeq !== null) return book.controlSeq;
  const seq = await nextControlSequence(q, book.tenantId, Number(book.period.slice(0, 4)), book.book);
  await q('ledger_books').where({ id: book.id }).update({ control_seq: seq });
  return seq;
}

/** The next number of the tenant's year for the book (YEV/KEB control numbers run over the fiscal year). */
async function nextControlSequence(q: Queryable, tenantId: number, year: number, bookKind: BookKind): Promise<number> {
  const row = await q('ledger_counters').where({ tenant_id: tenantId, year, book: bookKind }).first('last');
  const next = (row ? Number(row.last) : 0) + 1;
  if (!row) await q('ledger_counters').insert({ tenant_id: tenantId, year, book: bookKind, last: next });
  // Another transaction took the number first: the step is retried (its job), never given a used number.
  else if ((await q('ledger_counters').where({ tenant_id: tenantId, year, book: bookKind, last: next - 1 }).update({ last: next })) !== 1) throw new GatewayError('VERSION_CONFLICT');
  return next;
}

export async function ledgerSettings(q: Queryable, tenantId: number): Promise<Record<string, unknown> | null> {
  const r = await reading(q)('ledger_settings').where({ tenant_id: tenantId }).first('settings');
  return r ? parseJson<Record<string, unknown>>(r.settings, {}) : null;
}

export async function saveLedgerSettings(q: Queryable, tenantId: number, settings: Record<string, unknown>, at: string): Promise<void> {
  await q('ledger_settings')
    .insert({ tenant_id: tenantId, settings: JSON.stringify(settings), updated_at: at })
    .onConflict('tenant_id')
    .merge();
}
